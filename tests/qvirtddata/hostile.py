#!/usr/bin/python3
# hostile.py SOCKET CASE: a client that breaks libvirt's protocol on purpose; prints what
# the daemon did ("reply ERROR code=N domain=N msg=...", "reply OK", "pong", "closed").
import socket
import struct
import sys

REMOTE = 0x20008086
KEEPALIVE = 0x6B656570


def header(prog, proc, typ=0, serial=1, status=0, vers=1):
    return struct.pack(">IIiiIi", prog, vers, proc, typ, serial, status)


def frame(body):
    return struct.pack(">I", len(body) + 4) + body


def xdr_string(s):
    b = s.encode()
    return struct.pack(">I", len(b)) + b + b"\0" * ((4 - len(b) % 4) % 4)


def read_reply(sock):
    sock.settimeout(10)
    data = b""
    try:
        while len(data) < 4:
            chunk = sock.recv(65536)
            if not chunk:
                return "closed"
            data += chunk
        (total,) = struct.unpack(">I", data[:4])
        while len(data) < total:
            chunk = sock.recv(65536)
            if not chunk:
                return "closed"
            data += chunk
    except socket.timeout:
        return "timeout"
    except ConnectionResetError:
        return "closed"
    prog, vers, proc, typ, serial, status = struct.unpack(">IIiiIi", data[4:28])
    if prog == KEEPALIVE:
        return "pong" if proc == 2 else "ping"
    if status == 0:
        return "reply OK serial=%d" % serial
    code, domain, present = struct.unpack(">iii", data[28:40])
    msg = ""
    if present:
        (n,) = struct.unpack(">I", data[40:44])
        msg = data[44 : 44 + n].decode()
    return "reply ERROR code=%d domain=%d msg=%s" % (code, domain, msg)


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    return s


def opened(path):
    s = connect(path)
    s.sendall(frame(header(REMOTE, 1) + struct.pack(">I", 1) + xdr_string("qemu:///system") + struct.pack(">I", 0)))
    assert read_reply(s).startswith("reply OK"), "CONNECT_OPEN failed"
    return s


def main():
    path, case = sys.argv[1], sys.argv[2]
    if case == "garbage":
        s = connect(path)
        s.sendall(b"GET / HTTP/1.0\r\n\r\n")  # a length word of 0x47455420: far too big
        print(read_reply(s))
    elif case == "short-length":
        s = connect(path)
        s.sendall(struct.pack(">I", 8) + b"\0" * 4)
        print(read_reply(s))
    elif case == "oversized":
        s = connect(path)
        s.sendall(struct.pack(">I", 16 * 1024 * 1024 + 100) + header(REMOTE, 23))
        print(read_reply(s))
    elif case == "truncated":
        s = connect(path)
        s.sendall(frame(header(REMOTE, 66))[:20])
        s.shutdown(socket.SHUT_WR)
        print(read_reply(s))
    elif case == "before-open":
        s = connect(path)
        s.sendall(frame(header(REMOTE, 273) + struct.pack(">iI", 1, 0)))
        print(read_reply(s))
    elif case == "unknown-procedure":
        s = opened(path)
        s.sendall(frame(header(REMOTE, 9999)))
        print(read_reply(s))
    elif case == "unknown-program":
        s = opened(path)
        s.sendall(frame(header(0x12345678, 1)))
        print(read_reply(s))
    elif case == "undecodable":
        s = opened(path)
        # LOOKUP_BY_NAME with a string that claims 1000 bytes and has 4
        s.sendall(frame(header(REMOTE, 23) + struct.pack(">I", 1000) + b"abcd"))
        print(read_reply(s))
    elif case == "ping":
        s = connect(path)
        s.sendall(frame(header(KEEPALIVE, 1, typ=2, serial=0)))
        print(read_reply(s))
    elif case == "reopen-events":
        # register for lifecycle events, then open the connection again: the callback
        # must go with the old connection (the next event once reached it freed)
        s = opened(path)
        s.sendall(frame(header(REMOTE, 316, serial=2) + struct.pack(">iI", 0, 0)))
        r = read_reply(s)
        assert r.startswith("reply OK"), "event registration failed: " + r
        s.sendall(frame(header(REMOTE, 1, serial=3) + struct.pack(">I", 1) + xdr_string("qemu:///system") + struct.pack(">I", 0)))
        print("reopened: " + read_reply(s))
    elif case == "no-read":
        # pipeline calls with big replies (the domain's XML, ARG's) and never read one:
        # the daemon must stop reading the calls, not queue every reply
        s = opened(path)
        s.sendall(frame(header(REMOTE, 23, serial=2) + xdr_string(sys.argv[3])))
        r = b""
        while len(r) < 4 or len(r) < struct.unpack(">I", r[:4])[0]:
            r += s.recv(65536)
        dom = r[28:]  # remote_nonnull_domain, as LOOKUP_BY_NAME returned it
        calls = b"".join(frame(header(REMOTE, 14, serial=3 + i) + dom + struct.pack(">I", 0)) for i in range(50000))
        s.settimeout(10)
        sent = 0
        try:
            while sent < len(calls):
                sent += s.send(calls[sent : sent + 65536])
        except socket.timeout:
            pass
        print("sent %s of the calls" % ("all" if sent == len(calls) else "part"), flush=True)
        import time
        time.sleep(float(sys.argv[4]))
    elif case == "partial":
        # N connections each start a message of nearly 16 MiB and never finish it
        conns = []
        for _ in range(int(sys.argv[3])):
            s = opened(path)
            s.settimeout(1)  # a client the daemon does not read stalls within it
            body = header(REMOTE, 14, serial=9) + b"\0" * (16 * 1024 * 1024 - 64)
            msg = struct.pack(">I", len(body) + 4) + body
            sent = 0
            try:
                while sent < len(msg) - 4096:
                    sent += s.send(msg[sent : min(sent + 65536, len(msg) - 4096)])
            except socket.timeout:
                pass
            conns.append(s)
        print("holding", flush=True)
        import time
        time.sleep(float(sys.argv[4]))
    elif case == "events-unread":
        # register for every domain's lifecycle events, then read nothing for a while:
        # the daemon must drop it, not queue every event; then read what it was sent
        s = opened(path)
        s.sendall(frame(header(REMOTE, 316, serial=2) + struct.pack(">iI", 0, 0)))
        import signal
        import time

        class Wake(Exception):
            pass

        def wake(signum, frame):
            raise Wake()

        signal.signal(signal.SIGUSR1, wake)  # the test's word to read now
        print("registered", flush=True)
        try:
            time.sleep(float(sys.argv[3]))
        except Wake:
            pass
        s.settimeout(10)
        got = 0
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    print("closed after %s" % ("some events" if got else "nothing"))
                    break
                got += len(chunk)
        except socket.timeout:
            print("still open")
    elif case == "hold":
        # a client that connects and says nothing: others must not wait for it
        s = connect(path)
        import time

        print("holding", flush=True)
        time.sleep(float(sys.argv[3]))
        print("held")
    else:
        print("unknown case " + case)
        sys.exit(2)


main()
