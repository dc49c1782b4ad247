#!/usr/bin/python3
# sameconn.py URI DOMAIN: two threads on ONE libvirt connection: the first waits on an
# agent command (the agent is stopped), the second asks for the state meanwhile. Prints
# "state N ms" for the second call, then "agent: <outcome>" for the first.
import sys
import threading
import time

import libvirt
import libvirt_qemu

conn = libvirt.open(sys.argv[1])
dom = conn.lookupByName(sys.argv[2])
outcome = []


def slow():
    try:
        libvirt_qemu.qemuAgentCommand(dom, '{"execute":"guest-ping"}', -1, 0)
        outcome.append("answered")
    except libvirt.libvirtError as e:
        outcome.append("error: " + str(e))


t = threading.Thread(target=slow)
t.start()
time.sleep(0.5)
t0 = time.monotonic()
state = dom.state()[0]
print("state %d %d ms" % (state, (time.monotonic() - t0) * 1000), flush=True)
t.join()
print("agent: " + outcome[0])
