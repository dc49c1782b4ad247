#!/usr/bin/python3
# hostile-server.py SOCKET CASE: a server that breaks libvirt's protocol on purpose, for
# qvirt's own client side (qvsh -c qvirt+unix://...). It serves one connection, then exits.
#   garbage   answers the first call with bytes that are no message
#   close     reads the first call and closes the connection
#   silent    reads everything and never answers (not even keepalive PINGs)
#   libvirt   answers like a libvirt daemon: the qvirt feature probe gets 0
#   bad-reply answers CONNECT_SUPPORTS_FEATURE with a body that does not decode
#   stale     a qvirtd that also sends stale replies, unknown events and PINGs; it lists
#             no domains
import os
import socket
import struct
import sys

REMOTE = 0x20008086
KEEPALIVE = 0x6B656570
QVIRT_FEATURE_NATIVE = 1000


def header(prog, proc, typ, serial, status=0):
    return struct.pack(">IIiiIi", prog, 1, proc, typ, serial, status)


def frame(body):
    return struct.pack(">I", len(body) + 4) + body


def calls(conn):
    """Yield (prog, proc, serial, body) for each call the client sends."""
    data = b""
    while True:
        chunk = conn.recv(65536)
        if not chunk:
            return
        data += chunk
        while len(data) >= 4:
            (total,) = struct.unpack(">I", data[:4])
            if len(data) < total:
                break
            msg, data = data[4:total], data[total:]
            prog, _vers, proc, typ, serial, _status = struct.unpack(">IIiiIi", msg[:24])
            if typ == 0:
                yield prog, proc, serial, msg[24:]


def reply(conn, prog, proc, serial, body=b""):
    conn.sendall(frame(header(prog, proc, 1, serial) + body))


def main():
    path, case = sys.argv[1], sys.argv[2]
    if os.path.exists(path):
        os.unlink(path)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)
    print("listening", flush=True)
    conn, _ = srv.accept()
    for prog, proc, serial, body in calls(conn):
        if case == "garbage":
            conn.sendall(b"HTTP/1.0 400 Bad Request\r\n\r\n")
        elif case == "close":
            conn.close()
            return
        elif case == "silent":
            continue
        elif case == "bad-reply" and proc == 60:
            reply(conn, prog, proc, serial, b"\0\0")  # half an int
        elif proc == 60:
            (feature,) = struct.unpack(">i", body[:4])
            supported = 0 if case == "libvirt" and feature == QVIRT_FEATURE_NATIVE else 1
            if case == "stale":
                # a reply nobody waits for, an event nobody knows, and a PING first
                reply(conn, prog, proc, serial + 1000, struct.pack(">i", 0))
                conn.sendall(frame(header(REMOTE, 9999, 2, 0) + b"\1\2\3"))
                conn.sendall(frame(header(KEEPALIVE, 1, 2, 0)))
            reply(conn, prog, proc, serial, struct.pack(">i", supported))
        elif proc == 273:  # CONNECT_LIST_ALL_DOMAINS: none
            reply(conn, prog, proc, serial, struct.pack(">II", 0, 0))
        else:
            reply(conn, prog, proc, serial)
            if proc == 2:  # CONNECT_CLOSE
                return


if __name__ == "__main__":
    main()
