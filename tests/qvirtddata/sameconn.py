#!/usr/bin/python3
# sameconn.py URI DOMAIN LOG: two threads on ONE libvirt connection: the first waits on an
# agent command (the agent is stopped), the second asks for the state meanwhile, once
# qvirtd's LOG shows the agent command under way. Prints "state N M ms" for the second
# call, then "agent: <outcome>" for the first.
import sys
import threading
import time

import libvirt
import libvirt_qemu

LOGGED = ": virDomainQemuAgentCommand\n"


def logged():
    with open(sys.argv[3]) as f:
        return sum(1 for line in f if line.endswith(LOGGED))


conn = libvirt.open(sys.argv[1])
dom = conn.lookupByName(sys.argv[2])
outcome = []


def slow():
    try:
        libvirt_qemu.qemuAgentCommand(dom, '{"execute":"guest-ping"}', 20, 0)
        outcome.append("answered")
    except libvirt.libvirtError as e:
        outcome.append("error: " + str(e))


before = logged()
t = threading.Thread(target=slow)
t.start()
deadline = time.monotonic() + 60
while logged() == before:
    if time.monotonic() > deadline:
        print("the agent command never reached qvirtd", flush=True)
        sys.exit(1)
    time.sleep(0.05)
t0 = time.monotonic()
state = dom.state()[0]
print("state %d %d ms" % (state, (time.monotonic() - t0) * 1000), flush=True)
t.join()
print("agent: " + outcome[0])
