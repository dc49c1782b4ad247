#!/bin/sh
# qvirtdtest.sh: qvirtd against the clients its users already have, unchanged: Debian's
# virsh 9.0, python3-libvirt and a C program built with libvirt-dev, on the real test
# guest (tests/guest/build-guest.sh); the configuration check; the read-only socket; one
# root, one daemon; a hostile client; SIGKILL of the daemon.

. "$abs_top_srcdir/tests/tap.sh"

qvirtd=$abs_top_builddir/daemon/qvirtd
qvsh=$abs_top_builddir/tools/qvsh
data=$abs_top_srcdir/tests/qvirtddata
py=/usr/bin/python3
unset QVIRT_DEFAULT_URI LIBVIRT_DEFAULT_URI

test_guest

# a short directory: UNIX socket paths are at most 107 bytes
dir=$(mktemp -d /tmp/qvd.XXXXXX)
root=$dir/root
sock=$dir/sock
sockro=$dir/sock-ro
uri="qvirt+unix:///system?socket=$sock"
V() { virsh -c "$uri" "$@"; }
VRO() { virsh -c "qvirt+unix:///system?socket=$sockro" "$@"; }
start_daemon() {
    "$qvirtd" --root "$root" --socket "$sock" --socket-ro "$sockro" --verbose \
        >>"$dir/qvirtd.log" 2>&1 &
    dpid=$!
    # a socket file may be left by a killed daemon: wait until this one answers
    wait_for 60 V version
}
cleanup() {
    V destroy ga >/dev/null 2>&1
    for p in ${events_pid:-} ${events2_pid:-}; do kill "$p" 2>/dev/null; done
    kill "$dpid" 2>/dev/null
    wait "$dpid" 2>/dev/null
    # a daemon that died leaves nobody to destroy the guest: its supervisor goes too
    pkill -f "$root/run/qemu/" 2>/dev/null
    [ -n "${QVIRT_TEST_KEEP_LOGS:-}" ] && cp "$dir/qvirtd.log" "$root"/log/qemu/*.log "$QVIRT_TEST_KEEP_LOGS"/
    rm -rf "$dir" "$TAP_TMP"
}
trap cleanup EXIT
agent_connected() { V dumpxml ga | grep -q "name='org.qemu.guest_agent.0' state='connected'"; }
state_is() { [ "$(V domstate --reason ga 2>/dev/null)" = "$1" ]; }
# watch FILE: start `virsh event --loop --all` into FILE ($watch_pid), and return once it
# receives events: a probe domain is defined (again: the same UUID, "Updated") until the
# watcher reports it, then undefined
probe=0
watch() {
    virsh -c "$uri" event --loop --all --timeout 3600 >"$1" 2>&1 &
    watch_pid=$!
    probe=$((probe + 1))
    sed -e "s|<name>ga</name>|<name>probe$probe</name><uuid>0f4e2b1c-7d3a-4c5e-9b8a-00000000000$probe</uuid>|" \
        "$dir/ga.xml" >"$dir/probe.xml"
    if wait_for 120 sh -c "virsh -c '$uri' define '$dir/probe.xml'; grep -q \"for domain 'probe$probe'\" '$1'"; then
        ok "virsh event receives events ($waited_ms ms)"
    else
        not_ok "virsh event receives events" "$(cat "$1")"
    fi
    run 0 V undefine "probe$probe"
}

# ---- the configuration file, checked without starting ----
printf 'max_clients = 10\nbogus = 1\nunix_sock_path = /no/quotes\nkeepalive_count = 0\nlog_filters = "1:qemu 9:remote"\n' >"$dir/bad.conf"
run 1 "$qvirtd" --config "$dir/bad.conf" --check-config
expect_in "... naming the unknown setting with file:line" "$err" "$dir/bad.conf:2: unknown setting 'bogus'"
expect_in "... an unquoted string" "$err" "$dir/bad.conf:3: 'unix_sock_path' takes a quoted string"
expect_in "... a number out of range" "$err" "$dir/bad.conf:4: 'keepalive_count' takes a number from 1 to 100"
expect_in "... a log filter with a level out of range" "$err" "$dir/bad.conf:5: 'log_filters' items are LEVEL:NAME with a LEVEL from 1 (debug) to 4 (error), found '9:remote'"
printf '# qvirtd.conf\nmax_clients = 20\nunix_sock_rw_perms = "0770"\nlog_outputs = "stderr"\nlog_filters = "1:qemu.agent 3:qvirtd"\n' >"$dir/good.conf"
run 0 "$qvirtd" --config "$dir/good.conf" --check-config
expect_eq "--check-config on a good file" "$out" "$dir/good.conf: OK"

# ---- log filters: the daemon's own lines (qvirtd) and the library's categories ----
printf 'log_filters = "3:qvirtd 1:libqvirt"\n' >"$dir/filters.conf"
"$qvirtd" --config "$dir/filters.conf" --root "$dir/root-f" --socket "$dir/f.sock" --no-socket-ro \
    >"$dir/filters.out" 2>&1 &
fpid=$!
wait_for 60 test -S "$dir/f.sock"
run 0 "$qvsh" -c "qvirt+unix:///system?socket=$dir/f.sock" list --all
kill "$fpid"
wait "$fpid"
expect_eq "qvirtd stopped by SIGTERM: exit status" "$?" "0"
expect_not_in "log_filters 3:qvirtd: no info or debug line of the daemon's" "$(cat "$dir/filters.out")" " info: "
expect_in "... and 1:libqvirt: the library's debug lines (here: a client's connection opened)" "$(cat "$dir/filters.out")" "opened by driver QEMU"

# ---- connection limits, per socket: the read-only socket never keeps root out ----
# max_clients and max_anonymous_clients hold for each socket on its own: clients beyond
# them wait in the kernel's queue (as libvirtd's do) while the read-write socket is
# served; a connection that never opens is dropped after anonymous_client_timeout.
printf 'max_clients = 40\nmax_anonymous_clients = 3\nanonymous_client_timeout = 2\nmax_client_event_backlog = 4096\n' >"$dir/limits.conf"
"$qvirtd" --config "$dir/limits.conf" --root "$dir/root-l" --socket "$dir/l.sock" \
    --socket-ro "$dir/l-ro.sock" >"$dir/limits.out" 2>&1 &
lpid=$!
wait_for 60 test -S "$dir/l-ro.sock"
cat >"$dir/limits.py" <<PYEOF
import libvirt, resource, socket, threading, time
rw, ro = 'qvirt+unix:///system?socket=$dir/l.sock', 'qvirt+unix:///system?socket=$dir/l-ro.sock'
def opener(uri, box):
    def run():
        try:
            box.append(libvirt.openReadOnly(uri))
        except libvirt.libvirtError as e:
            box.append(str(e))
    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t
# max_clients: 40 opened read-only connections fill the read-only socket
held = [libvirt.openReadOnly(ro) for _ in range(40)]
late = []
t = opener(ro, late)
t.join(1)
print('41st read-only:', 'waits' if not late else 'served')
c = libvirt.open(rw)
print('read-write while the read-only socket is full:', c.getHostname() != '')
c.close()
held.pop().close()
t.join(60)
print('41st read-only once one leaves:', 'served' if late and not isinstance(late[0], str) else late)
for h in held + late:
    h.close()
# max_anonymous_clients: 3 connections that never open fill the read-only socket's slots
silent = []
for _ in range(3):
    s = socket.socket(socket.AF_UNIX)
    s.connect('$dir/l-ro.sock')
    silent.append(s)
late = []
start = time.monotonic()
t = opener(ro, late)
c = libvirt.open(rw)
print('read-write while 3 read-only connections stay anonymous:', c.getHostname() != '')
c.close()
t.join(60)
print('the next read-only one is served once they are dropped:', bool(late) and not isinstance(late[0], str))
print('... which took at least anonymous_client_timeout:', time.monotonic() - start >= 1.5)
print('... the silent ones were closed:', all(s.recv(1) == b'' for s in silent))
# max_client_event_backlog: a client registered for lifecycle events that never reads
# them (hostile.py events-unread, started by the test) is dropped while this one defines
c = libvirt.open(rw)
xml = "<domain type='qemu'><name>ev</name><uuid>5f1d1f7e-3c2a-4b7e-9d1e-0000000000e1</uuid><memory>65536</memory><os><type arch='x86_64'>hvm</type></os></domain>"
n = 0
while n < 20000:
    c.defineXML(xml)  # an event each time (defined, then updated)
    n += 1
    if n % 500 == 0 and 'does not read its events' in open('$dir/limits.out').read():
        break
print('an event client that never reads is dropped:', 'does not read its events' in open('$dir/limits.out').read())
print('... others are served all the while:', c.lookupByName('ev').name() == 'ev')
PYEOF
"$py" "$data/hostile.py" "$dir/l.sock" events-unread 600 >"$dir/events-unread.out" 2>&1 &
eu_pid=$!
expect_wait "a client registered for events, reading none" 60 grep -q "^registered" "$dir/events-unread.out"
run 0 timeout 300 "$py" "$dir/limits.py"
expect_eq "per-socket limits: max_clients, max_anonymous_clients, anonymous_client_timeout" "$out" "41st read-only: waits
read-write while the read-only socket is full: True
41st read-only once one leaves: served
read-write while 3 read-only connections stay anonymous: True
the next read-only one is served once they are dropped: True
... which took at least anonymous_client_timeout: True
... the silent ones were closed: True
an event client that never reads is dropped: True
... others are served all the while: True"
kill -USR1 "$eu_pid" 2>/dev/null
wait "$eu_pid"
expect_eq "... the dropped event client gets what was queued, then the end" "$(cat "$dir/events-unread.out" | tail -1)" "closed after some events"
expect_in "... qvirtd says why it stopped accepting" "$(cat "$dir/limits.out")" "the read-only socket accepts no more clients for now: 40 connected (max_clients 40)"
expect_in "... and why it dropped the silent clients" "$(cat "$dir/limits.out")" "did not open a connection within 2 s (anonymous_client_timeout); disconnecting"
kill "$lpid"
wait "$lpid"
expect_eq "qvirtd stopped by SIGTERM: exit status" "$?" "0"

# ---- logging to the journal, and the systemd unit ----
printf 'log_outputs = "journal"\n' >"$dir/journal.conf"
since=$(date '+%Y-%m-%d %H:%M:%S')
"$qvirtd" --config "$dir/journal.conf" --root "$dir/root-j" --socket "$dir/j.sock" --no-socket-ro \
    >"$dir/journal.out" 2>&1 &
jpid=$!
# stopped the moment its socket exists (polled without sleeping, so the signal lands in
# what was once a window: killed before it had its handlers, it died without a word)
i=0
while [ ! -S "$dir/j.sock" ] && [ "$i" -lt 2000000 ]; do i=$((i + 1)); done
[ -S "$dir/j.sock" ] || wait_for 60 test -S "$dir/j.sock"
kill "$jpid"
wait "$jpid"
expect_eq "qvirtd stopped by SIGTERM as soon as its socket appears: exit status" "$?" "0"
if [ -S /run/systemd/journal/socket ]; then
    if wait_for 60 sh -c "journalctl --since '$since' -o cat | grep -q \"serving '$dir/root-j'\""; then
        ok "log_outputs = \"journal\": the daemon's messages are in the journal"
    else
        not_ok "messages in the journal" "$(journalctl --since "$since" -o cat | tail -5)"
    fi
else
    expect_in "log_outputs = \"journal\" without a journal (no journald here): stderr instead" "$(cat "$dir/journal.out")" "serving '$dir/root-j'"
fi
sed "s|^ExecStart=[^ ]*|ExecStart=$qvirtd|" "$abs_top_builddir/daemon/qvirtd.service" >"$dir/qvirtd.service"
run 0 systemd-analyze verify --man=no "$dir/qvirtd.service"
expect_eq "... without a complaint" "$out$err" ""
expect_in "... which stops only the daemon (the supervisors and their QEMUs live on)" "$(cat "$dir/qvirtd.service")" "KillMode=process"

# ---- one daemon per root, and no embedded qvsh beside it ----
if start_daemon; then ok "qvirtd starts and listens"; else not_ok "qvirtd listens" "$(cat "$dir/qvirtd.log")"; fi
expect_eq "the read-write socket is private (0700)" "$(stat -c %a "$sock")" "700"
run 1 "$qvirtd" --root "$root" --socket "$dir/other" --no-socket-ro
expect_in "... saying which pid serves it" "$err" "is already served by qvirtd (pid $dpid)"
run 1 "$qvsh" -c "qvirt:///embed?root=$root" list --all
expect_in "... pointing to the daemon" "$err" "is served by qvirtd (pid $dpid)"

# ---- virsh: connection, definition, information ----
run 0 V version
expect_match "virsh version: the hypervisor is QEMU" "$out" '^Running hypervisor: QEMU [0-9]+\.[0-9]+\.[0-9]+$'
guest_domain "$dir" ga "" org.qemu.guest_agent.0
watch "$dir/events.txt"
events_pid=$watch_pid
run 0 V define "$dir/ga.xml"
expect_eq "virsh define" "$(printf '%s\n' "$out" | head -1)" "Domain 'ga' defined from $dir/ga.xml"
run 0 V list --all
expect_match "virsh list --all" "$out" '^ -  +ga +shut off$'
run 0 V dominfo ga
expect_match "... state" "$out" '^State: +shut off$'
expect_match "... persistent" "$out" '^Persistent: +yes$'
expect_match "... security model (4 bytes per char on the wire)" "$out" '^Security model: +none$'
run 0 V dumpxml ga
expect_in "virsh dumpxml" "$out" "<name>ga</name>"
run 1 V dominfo nosuch
expect_in "an unknown domain, as virsh says it" "$err" "error: failed to get domain 'nosuch'"

# ---- the read-only socket and read-only connections ----
run 0 VRO list --all
expect_match "the read-only socket lists" "$out" '^ -  +ga +shut off$'
run 1 VRO start ga
expect_in "... with libvirt's words" "$err" "operation forbidden: read only access prevents virDomainCreate"
run 1 virsh -r -c "$uri" start ga
expect_in "a read-only connection on the read-write socket is refused too" "$err" "read only access prevents virDomainCreate"
expect_in "mutating calls are logged with the peer's credentials" "$(cat "$dir/qvirtd.log")" "(pid "

# ---- start, the agent, guest operations ----
run 0 V start ga
expect_eq "virsh start" "$(printf '%s\n' "$out" | head -1)" "Domain 'ga' started"
run 0 V domstate --reason ga
expect_eq "virsh domstate --reason" "$out" "running (booted)"
if wait_for 120 agent_connected; then ok "the agent connects ($waited_ms ms)"; else not_ok "the agent connects" "$(V dumpxml ga | grep guest_agent)"; fi
run 0 V qemu-agent-command ga '{"execute":"guest-ping"}'
expect_eq "virsh qemu-agent-command (the QEMU program)" "$out" '{"return":{}}'
run 0 V domtime ga
expect_match "virsh domtime" "$out" '^Time: [0-9]+$'
run 0 V guestinfo ga --hostname
expect_match "virsh guestinfo (typed parameters)" "$out" '^hostname +: qvirt-guest$'
run 0 V domfsfreeze ga
expect_eq "virsh domfsfreeze" "$(printf '%s\n' "$out" | head -1)" "Froze 1 filesystem(s)"
run 0 V domfsthaw ga
expect_eq "virsh domfsthaw" "$(printf '%s\n' "$out" | head -1)" "Thawed 1 filesystem(s)"
run 0 "$py" -c "
import libvirt, libvirt_qemu
c = libvirt.open('$uri')
d = c.lookupByName('ga')
print(libvirt_qemu.qemuAgentCommand(d, '{\"execute\":\"guest-info\"}', -1, 0)[:20])
"
expect_eq "python3-libvirt: libvirt_qemu.qemuAgentCommand" "$out" '{"return":{"version"'
# 20 threads x 100 calls on one connection: far more calls in flight than the 5 qvirtd
# runs at once for a client (max_client_requests); each must be answered. (The excess
# used to sit in qvirtd's input buffer until the client sent more bytes: 15 threads
# hung for good.)
run 0 timeout 300 "$py" -c "
import libvirt, libvirt_qemu, threading, time
c = libvirt.open('$uri')
d = c.lookupByName('ga')
done, errs = [], []
def work():
    try:
        for i in range(100):
            if libvirt_qemu.qemuAgentCommand(d, '{\"execute\":\"guest-ping\"}', -1, 0) != '{\"return\":{}}':
                errs.append('bad reply')
        done.append(1)
    except Exception as e:
        errs.append(str(e))
ts = [threading.Thread(target=work, daemon=True) for _ in range(20)]
for t in ts: t.start()
deadline = time.monotonic() + 240
for t in ts: t.join(max(0, deadline - time.monotonic()))
print(len(done), 'threads done,', sum(t.is_alive() for t in ts), 'hung,', len(errs), 'errors')
"
expect_eq "python3-libvirt: 20 threads x 100 agent calls on one connection all complete" "$out" "20 threads done, 0 hung, 0 errors"
# 1000 idle connections on the read-only socket (any local user may open them): the
# read-write socket is served all the while (the worst latency is printed, not judged:
# timing is the benchmarks' business)
run 0 timeout 300 "$py" -c "
import libvirt, resource, sys, time
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 4096)), hard))
held = [libvirt.openReadOnly('qvirt+unix:///system?socket=$sockro') for _ in range(1000)]
worst, served = 0, 0
for i in range(20):
    t = time.monotonic()
    c = libvirt.open('$uri')
    served += c.lookupByName('ga').state()[0] == libvirt.VIR_DOMAIN_RUNNING
    c.close()
    worst = max(worst, time.monotonic() - t)
print(len(held), 'idle read-only connections;', served, 'read-write opens and calls served')
print('# worst read-write open and call: %.1f ms' % (worst * 1000), file=sys.stderr)
"
expect_eq "1000 idle read-only connections do not keep the read-write socket from being served" "$out" "1000 idle read-only connections; 20 read-write opens and calls served"
printf '%s\n' "$err" | grep '^# worst'

# ---- snapshots ----
run 1 V snapshot-create ga --quiesce
expect_in "... with libvirt's message" "$err" "Flag 'VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY' is required by flag 'VIR_DOMAIN_SNAPSHOT_CREATE_QUIESCE'"
run 0 V snapshot-create-as ga s1 --disk-only --quiesce
expect_eq "virsh snapshot-create-as --disk-only --quiesce" "$(printf '%s\n' "$out" | head -1)" "Domain snapshot s1 created"
run 0 V snapshot-create-as ga i1
expect_eq "virsh snapshot-create-as (internal, with memory)" "$(printf '%s\n' "$out" | head -1)" "Domain snapshot i1 created"
run 0 V snapshot-list ga
expect_match "virsh snapshot-list" "$out" '^ s1 .* disk-snapshot$'
expect_match "... both" "$out" '^ i1 .* running$'
run 0 V snapshot-info ga s1
expect_match "virsh snapshot-info: location" "$out" '^Location: +external$'
run 0 V snapshot-revert ga i1
expect_wait "... the agent is back after the revert" 120 agent_connected
run 0 V snapshot-delete ga i1
expect_eq "virsh snapshot-delete" "$(printf '%s\n' "$out" | head -1)" "Domain snapshot i1 deleted"

# ---- a hostile client leaves the daemon serving the others ----
"$py" "$data/hostile.py" "$sock" hold 600 >"$dir/hold.out" 2>&1 &
hold_pid=$!
expect_wait "a client that connects and says nothing" 60 grep -q holding "$dir/hold.out"
for c in garbage short-length oversized truncated; do
    run 0 "$py" "$data/hostile.py" "$sock" "$c"
    expect_eq "hostile client, $c: disconnected" "$out" "closed"
done
run 0 "$py" "$data/hostile.py" "$sock" before-open
expect_eq "a call before CONNECT_OPEN" "$out" "reply ERROR code=1 domain=7 msg=internal error: hypervisor connection not open"
run 0 "$py" "$data/hostile.py" "$sock" unknown-procedure
expect_eq "an unknown procedure" "$out" "reply ERROR code=39 domain=7 msg=unknown procedure: 9999"
run 0 "$py" "$data/hostile.py" "$sock" unknown-program
expect_eq "an unknown program" "$out" "reply ERROR code=39 domain=7 msg=Cannot find program 305419896 version 1"
run 0 "$py" "$data/hostile.py" "$sock" undecodable
expect_eq "arguments that do not decode" "$out" "reply ERROR code=39 domain=7 msg=Unable to decode message payload"
run 0 "$py" "$data/hostile.py" "$sock" ping
expect_eq "keepalive: PING gets PONG" "$out" "pong"
run 0 "$py" "$data/hostile.py" "$sock" reopen-events
expect_eq "a client opens its connection again after registering for events" "$out" "reopened: reply OK serial=3"
sed -e "s|<name>ga</name>|<name>reopen</name>|" -e "/<uuid>/d" "$dir/ga.xml" >"$dir/reopen.xml"
run 0 V define "$dir/reopen.xml"
run 0 V undefine reopen
expect_eq "... and the events that follow do not reach its old callback (qvirtd runs on)" "$(kill -0 "$dpid" && echo alive)" "alive"
run 0 V domstate ga
expect_eq "... and virsh is still served, beside a silent client" "$out" "running"
kill "$hold_pid" 2>/dev/null
# a client that pipelines 50000 calls for the domain's XML and reads no reply: qvirtd
# stops reading its calls once 1 MiB waits for it (it used to queue every reply)
rss() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$dpid/status"; }
rss_before=$(rss)
"$py" "$data/hostile.py" "$sock" no-read ga 600 >"$dir/noread.out" 2>&1 &
noread_pid=$!
expect_wait "a client that reads no reply: its sending stalls" 120 grep -q "^sent part of the calls" "$dir/noread.out"
rss_after=$(rss)
expect_match "... qvirtd's RSS is read" "$rss_before $rss_after" '^[0-9]+ [0-9]+$'
expect_eq "... qvirtd grew by less than 48 MB (RSS ${rss_before} -> ${rss_after} kB)" "$((${rss_after:-999999} - ${rss_before:-0} < 49152))" "1"
run 0 V domstate ga
expect_eq "... and others are served meanwhile" "$out" "running"
kill "$noread_pid" 2>/dev/null
wait "$noread_pid" 2>/dev/null
# 20 clients each start a 16 MiB message and never finish it: they hold at most the
# input budget all clients share (32 MiB), not 20 x 16 MiB
rss_before=$(rss)
"$py" "$data/hostile.py" "$sock" partial 20 600 >"$dir/partial.out" 2>&1 &
partial_pid=$!
expect_wait "20 clients that start 16 MiB messages and stall" 300 grep -q "^holding" "$dir/partial.out"
rss_after=$(rss)
expect_eq "... qvirtd grew by less than 96 MB (RSS ${rss_before} -> ${rss_after} kB)" "$((${rss_after:-999999} - ${rss_before:-0} < 98304))" "1"
run 0 V domstate ga
expect_eq "... and others are served meanwhile" "$out" "running"
kill "$partial_pid" 2>/dev/null
wait "$partial_pid" 2>/dev/null

# ---- a slow call (an agent that does not answer) holds up no other call ----
# qemu-ga stops itself inside the guest (once its reply to guest-exec is out) and says so;
# it runs again 28 s later. A call waiting on it waits 20 s: a call stuck behind it would
# take that long, one beside it is answered in milliseconds.
run 0 V qemu-agent-command ga '{"execute":"guest-exec","arguments":{"path":"/bin/sh","arg":["-c","sleep 0.3; kill -STOP $(pidof qemu-ga); echo qvirt-test: qemu-ga stopped > /dev/console; sleep 28; kill -CONT $(pidof qemu-ga)"]}}'
expect_wait "qemu-ga stops in the guest" 120 on_console "$dir/ga.console" "qvirt-test: qemu-ga stopped"
n=$(grep -c ": virDomainQemuAgentCommand$" "$dir/qvirtd.log")
V qemu-agent-command ga '{"execute":"guest-ping"}' --timeout 20 >"$dir/slow.out" 2>&1 &
slow_pid=$!
expect_wait "a call waits on the stopped agent in qvirtd" 60 calls_logged "$dir/qvirtd.log" virDomainQemuAgentCommand "$n"
timed 0 V domstate ga
if kill -0 "$slow_pid" 2>/dev/null; then slow=waiting; else slow=done; fi
expect_eq "while another client waits on a silent agent, domstate is answered" "$out/$slow" "running/waiting"
within "... at once" "$took_ms" 10000
run 0 "$py" "$data/sameconn.py" "$uri" ga "$dir/qvirtd.log"
expect_match "on ONE connection, a call beside a waiting agent call is answered at once" "$out" '^state 1 [0-9]+ ms$'
within "... (where the agent call waits 20 s)" "$(printf '%s\n' "$out" | sed -n 's/^state 1 \([0-9]*\) ms$/\1/p')" 10000
expect_in "... and the waiting call ends with the typed timeout" "$out" "agent: error:"
wait "$slow_pid"
expect_in "... and the slow call ends with the typed timeout" "$(cat "$dir/slow.out")" "timed out"
if wait_for 120 sh -c "virsh -c '$uri' qemu-agent-command ga '{\"execute\":\"guest-ping\"}' | grep -q return"; then
    ok "... and the agent answers again once it runs ($waited_ms ms)"
else
    not_ok "the agent answers after SIGCONT"
fi

# ---- SIGKILL of the daemon loses nothing ----
kill -9 "$dpid"
wait "$dpid" 2>/dev/null
if start_daemon; then ok "qvirtd restarts after SIGKILL"; else not_ok "qvirtd restarts" "$(tail -5 "$dir/qvirtd.log")"; fi
run 0 V domstate --reason ga
expect_eq "... the domain runs on" "$out" "running (unpaused)"
run 0 V qemu-agent-command ga '{"execute":"guest-ping"}'
expect_eq "... and its agent answers through the new daemon" "$out" '{"return":{}}'
watch "$dir/events2.txt"
events2_pid=$watch_pid

# ---- shutdown and reboot through the agent ----
n=$(boots "$dir/ga.console")
run 0 V reboot ga --mode agent
expect_eq "virsh reboot --mode agent" "$(printf '%s\n' "$out" | head -1)" "Domain 'ga' is being rebooted"
expect_wait "... the guest boots again" 120 booted_more "$dir/ga.console" "$n"
expect_wait "... with its agent" 120 agent_connected
if cc -o "$dir/shutdown-agent" "$data/shutdown-agent.c" $(pkg-config --cflags --libs libvirt) 2>"$dir/cc.log"; then
    ok "a C program builds against libvirt-dev"
else
    not_ok "a C program builds against libvirt-dev" "$(cat "$dir/cc.log")"
fi
run 0 "$dir/shutdown-agent" "$uri" ga
expect_eq "virConnectOpen + virDomainLookupByName + virDomainShutdownFlags(GUEST_AGENT)" "$out" "shutdown requested through the guest agent"
expect_wait "... shut off (shutdown)" 120 state_is "shut off (shutdown)"
run 0 V start ga
expect_wait "started again, the agent connects" 120 agent_connected
run 0 V shutdown ga --mode acpi,agent
expect_eq "virsh shutdown --mode acpi,agent" "$(printf '%s\n' "$out" | head -1)" "Domain 'ga' is being shutdown"
expect_wait "... shut off (shutdown)" 120 state_is "shut off (shutdown)"
run 0 V start ga
expect_wait "started again, the agent connects" 120 agent_connected
run 0 V shutdown ga --mode agent
expect_eq "virsh shutdown --mode agent" "$(printf '%s\n' "$out" | head -1)" "Domain 'ga' is being shutdown"
expect_wait "... shut off (shutdown)" 120 state_is "shut off (shutdown)"
run 0 V start ga
expect_wait "started again, the agent connects" 120 agent_connected
run 0 V shutdown ga
expect_eq "virsh shutdown (no mode: the connected agent)" "$(printf '%s\n' "$out" | head -1)" "Domain 'ga' is being shutdown"
expect_wait "... shut off (shutdown)" 120 state_is "shut off (shutdown)"
run 0 V start ga
run 0 V destroy ga
expect_eq "virsh destroy" "$(printf '%s\n' "$out" | head -1)" "Domain 'ga' destroyed"
run 0 V domstate --reason ga
expect_eq "... shut off (destroyed)" "$out" "shut off (destroyed)"
run 0 V undefine ga --snapshots-metadata
expect_eq "virsh undefine --snapshots-metadata" "$(printf '%s\n' "$out" | head -1)" "Domain 'ga' has been undefined"

# ---- events, as virsh event --loop --all printed them ----
expect_wait "the watcher saw the undefine" 60 grep -q "for domain 'ga': Undefined Removed" "$dir/events2.txt"
kill "$events_pid" "$events2_pid" 2>/dev/null
wait "$events_pid" "$events2_pid" 2>/dev/null
events_pid=
events2_pid=
ev=$(cat "$dir/events.txt")
expect_in "event: defined" "$ev" "event 'lifecycle' for domain 'ga': Defined Added"
expect_in "event: started" "$ev" "event 'lifecycle' for domain 'ga': Started Booted"
expect_in "event: agent connected" "$ev" "event 'agent-lifecycle' for domain 'ga': state: 'connected' reason: 'channel event'"
ev=$(cat "$dir/events2.txt")
expect_in "event after the daemon's restart: reboot" "$ev" "event 'reboot' for domain 'ga'"
expect_in "event: stopped after the agent shutdown" "$ev" "event 'lifecycle' for domain 'ga': Stopped Shutdown"
expect_in "event: destroyed" "$ev" "event 'lifecycle' for domain 'ga': Stopped Destroyed"
expect_in "event: undefined" "$ev" "event 'lifecycle' for domain 'ga': Undefined Removed"

kill "$dpid"
wait "$dpid"
expect_eq "qvirtd stops cleanly on SIGTERM" "$?" "0"
expect_not_in "no sanitizer report from qvirtd" "$(cat "$dir/qvirtd.log")" "Sanitizer"
expect_eq "its sockets are gone" "$(ls "$dir" | grep -c '^sock')" "0"

done_testing
