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
    wait_for 10 V version
}
cleanup() {
    V destroy ga >/dev/null 2>&1
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

# ---- the configuration file, checked without starting ----
printf 'max_clients = 10\nbogus = 1\nunix_sock_path = /no/quotes\nkeepalive_count = 0\nlog_filters = "1:qemu 9:remote"\n' >"$dir/bad.conf"
run "$qvirtd" --config "$dir/bad.conf" --check-config
expect_rc "--check-config on a bad file fails" 1
expect_in "... naming the unknown setting with file:line" "$err" "$dir/bad.conf:2: unknown setting 'bogus'"
expect_in "... an unquoted string" "$err" "$dir/bad.conf:3: 'unix_sock_path' takes a quoted string"
expect_in "... a number out of range" "$err" "$dir/bad.conf:4: 'keepalive_count' takes a number from 1 to 100"
expect_in "... a log filter with a level out of range" "$err" "$dir/bad.conf:5: 'log_filters' items are LEVEL:NAME with a LEVEL from 1 (debug) to 4 (error), found '9:remote'"
printf '# qvirtd.conf\nmax_clients = 20\nunix_sock_rw_perms = "0770"\nlog_outputs = "stderr"\nlog_filters = "1:qemu.agent 3:qvirtd"\n' >"$dir/good.conf"
run "$qvirtd" --config "$dir/good.conf" --check-config
expect_eq "--check-config on a good file" "$out" "$dir/good.conf: OK"

# ---- log filters: the daemon's own lines (qvirtd) and the library's categories ----
printf 'log_filters = "3:qvirtd 1:libqvirt"\n' >"$dir/filters.conf"
"$qvirtd" --config "$dir/filters.conf" --root "$dir/root-f" --socket "$dir/f.sock" --no-socket-ro \
    >"$dir/filters.out" 2>&1 &
fpid=$!
wait_for 10 test -S "$dir/f.sock"
"$qvsh" -c "qvirt+unix:///system?socket=$dir/f.sock" list --all >/dev/null 2>&1
kill "$fpid"
wait "$fpid"
expect_not_in "log_filters 3:qvirtd: no info or debug line of the daemon's" "$(cat "$dir/filters.out")" " info: "
expect_in "... and 1:libqvirt: the library's debug lines (here: a client's connection opened)" "$(cat "$dir/filters.out")" "opened by driver QEMU"

# ---- logging to the journal, and the systemd unit ----
printf 'log_outputs = "journal"\n' >"$dir/journal.conf"
since=$(date '+%Y-%m-%d %H:%M:%S')
"$qvirtd" --config "$dir/journal.conf" --root "$dir/root-j" --socket "$dir/j.sock" --no-socket-ro \
    >"$dir/journal.out" 2>&1 &
jpid=$!
wait_for 10 test -S "$dir/j.sock"
kill "$jpid"
wait "$jpid"
if [ -S /run/systemd/journal/socket ]; then
    if wait_for 5 sh -c "journalctl --since '$since' -o cat | grep -q \"serving '$dir/root-j'\""; then
        ok "log_outputs = \"journal\": the daemon's messages are in the journal"
    else
        not_ok "messages in the journal" "$(journalctl --since "$since" -o cat | tail -5)"
    fi
else
    expect_in "log_outputs = \"journal\" without a journal (no journald here): stderr instead" "$(cat "$dir/journal.out")" "serving '$dir/root-j'"
fi
sed "s|^ExecStart=[^ ]*|ExecStart=$qvirtd|" "$abs_top_builddir/daemon/qvirtd.service" >"$dir/qvirtd.service"
run systemd-analyze verify --man=no "$dir/qvirtd.service"
expect_rc "systemd-analyze verify accepts the unit" 0
expect_eq "... without a complaint" "$out$err" ""
expect_in "... which stops only the daemon (the supervisors and their QEMUs live on)" "$(cat "$dir/qvirtd.service")" "KillMode=process"

# ---- one daemon per root, and no embedded qvsh beside it ----
if start_daemon; then ok "qvirtd starts and listens"; else not_ok "qvirtd listens" "$(cat "$dir/qvirtd.log")"; fi
expect_eq "the read-write socket is private (0700)" "$(stat -c %a "$sock")" "700"
run "$qvirtd" --root "$root" --socket "$dir/other" --no-socket-ro
expect_rc "a second daemon on the same root is refused" 1
expect_in "... saying which pid serves it" "$err" "is already served by qvirtd (pid $dpid)"
run "$qvsh" -c "qvirt:///embed?root=$root" list --all
expect_rc "embedded qvsh on the daemon's root is refused" 1
expect_in "... pointing to the daemon" "$err" "is served by qvirtd (pid $dpid)"

# ---- virsh: connection, definition, information ----
run V version
expect_match "virsh version: the hypervisor is QEMU" "$out" '^Running hypervisor: QEMU [0-9]+\.[0-9]+\.[0-9]+$'
guest_domain "$dir" ga "" org.qemu.guest_agent.0
V event --loop --all --timeout 600 >"$dir/events.txt" 2>&1 &
events_pid=$!
sleep 0.5
run V define "$dir/ga.xml"
expect_eq "virsh define" "$(printf '%s\n' "$out" | head -1)" "Domain 'ga' defined from $dir/ga.xml"
run V list --all
expect_match "virsh list --all" "$out" '^ -  +ga +shut off$'
run V dominfo ga
expect_rc "virsh dominfo" 0
expect_match "... state" "$out" '^State: +shut off$'
expect_match "... persistent" "$out" '^Persistent: +yes$'
expect_match "... security model (4 bytes per char on the wire)" "$out" '^Security model: +none$'
run V dumpxml ga
expect_in "virsh dumpxml" "$out" "<name>ga</name>"
run V dominfo nosuch
expect_in "an unknown domain, as virsh says it" "$err" "error: failed to get domain 'nosuch'"

# ---- the read-only socket and read-only connections ----
run VRO list --all
expect_match "the read-only socket lists" "$out" '^ -  +ga +shut off$'
run VRO start ga
expect_rc "the read-only socket refuses start" 1
expect_in "... with libvirt's words" "$err" "operation forbidden: read only access prevents virDomainCreate"
run virsh -r -c "$uri" start ga
expect_in "a read-only connection on the read-write socket is refused too" "$err" "read only access prevents virDomainCreate"
expect_in "mutating calls are logged with the peer's credentials" "$(cat "$dir/qvirtd.log")" "(pid "

# ---- start, the agent, guest operations ----
run V start ga
expect_eq "virsh start" "$(printf '%s\n' "$out" | head -1)" "Domain 'ga' started"
run V domstate --reason ga
expect_eq "virsh domstate --reason" "$out" "running (booted)"
if wait_for 60 agent_connected; then ok "the agent connects ($waited_ms ms)"; else not_ok "the agent connects" "$(V dumpxml ga | grep guest_agent)"; fi
run V qemu-agent-command ga '{"execute":"guest-ping"}'
expect_eq "virsh qemu-agent-command (the QEMU program)" "$out" '{"return":{}}'
run V domtime ga
expect_match "virsh domtime" "$out" '^Time: [0-9]+$'
run V guestinfo ga --hostname
expect_match "virsh guestinfo (typed parameters)" "$out" '^hostname +: qvirt-guest$'
run V domfsfreeze ga
expect_eq "virsh domfsfreeze" "$(printf '%s\n' "$out" | head -1)" "Froze 1 filesystem(s)"
run V domfsthaw ga
expect_eq "virsh domfsthaw" "$(printf '%s\n' "$out" | head -1)" "Thawed 1 filesystem(s)"
run "$py" -c "
import libvirt, libvirt_qemu
c = libvirt.open('$uri')
d = c.lookupByName('ga')
print(libvirt_qemu.qemuAgentCommand(d, '{\"execute\":\"guest-info\"}', -1, 0)[:20])
"
expect_eq "python3-libvirt: libvirt_qemu.qemuAgentCommand" "$out" '{"return":{"version"'

# ---- snapshots ----
run V snapshot-create ga --quiesce
expect_rc "virsh snapshot-create --quiesce is refused" 1
expect_in "... with libvirt's message" "$err" "Flag 'VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY' is required by flag 'VIR_DOMAIN_SNAPSHOT_CREATE_QUIESCE'"
run V snapshot-create-as ga s1 --disk-only --quiesce
expect_eq "virsh snapshot-create-as --disk-only --quiesce" "$(printf '%s\n' "$out" | head -1)" "Domain snapshot s1 created"
run V snapshot-create-as ga i1
expect_eq "virsh snapshot-create-as (internal, with memory)" "$(printf '%s\n' "$out" | head -1)" "Domain snapshot i1 created"
run V snapshot-list ga
expect_match "virsh snapshot-list" "$out" '^ s1 .* disk-snapshot$'
expect_match "... both" "$out" '^ i1 .* running$'
run V snapshot-info ga s1
expect_match "virsh snapshot-info: location" "$out" '^Location: +external$'
run V snapshot-revert ga i1
expect_rc "virsh snapshot-revert" 0
if wait_for 30 agent_connected; then ok "... the agent is back after the revert"; else not_ok "agent after revert"; fi
run V snapshot-delete ga i1
expect_eq "virsh snapshot-delete" "$(printf '%s\n' "$out" | head -1)" "Domain snapshot i1 deleted"

# ---- a hostile client leaves the daemon serving the others ----
"$py" "$data/hostile.py" "$sock" hold 30 >/dev/null 2>&1 &
hold_pid=$!
for c in garbage short-length oversized truncated; do
    run "$py" "$data/hostile.py" "$sock" "$c"
    expect_eq "hostile client, $c: disconnected" "$out" "closed"
done
run "$py" "$data/hostile.py" "$sock" before-open
expect_eq "a call before CONNECT_OPEN" "$out" "reply ERROR code=1 domain=7 msg=internal error: hypervisor connection not open"
run "$py" "$data/hostile.py" "$sock" unknown-procedure
expect_eq "an unknown procedure" "$out" "reply ERROR code=39 domain=7 msg=unknown procedure: 9999"
run "$py" "$data/hostile.py" "$sock" unknown-program
expect_eq "an unknown program" "$out" "reply ERROR code=39 domain=7 msg=Cannot find program 305419896 version 1"
run "$py" "$data/hostile.py" "$sock" undecodable
expect_eq "arguments that do not decode" "$out" "reply ERROR code=39 domain=7 msg=Unable to decode message payload"
run "$py" "$data/hostile.py" "$sock" ping
expect_eq "keepalive: PING gets PONG" "$out" "pong"
run V domstate ga
expect_eq "... and virsh is still served, beside a silent client" "$out" "running"
kill "$hold_pid" 2>/dev/null

# ---- a slow call (an agent that does not answer) holds up no other call ----
V qemu-agent-command ga '{"execute":"guest-exec","arguments":{"path":"/bin/sh","arg":["-c","sleep 0.3; kill -STOP $(pidof qemu-ga); sleep 8; kill -CONT $(pidof qemu-ga)"]}}' >/dev/null
sleep 2
V qemu-agent-command ga '{"execute":"guest-ping"}' >"$dir/slow.out" 2>&1 &
slow_pid=$!
sleep 0.5
t0=$(now_ms)
run V domstate ga
took_ms=$(($(now_ms) - t0))
if kill -0 "$slow_pid" 2>/dev/null; then slow=waiting; else slow=done; fi
expect_eq "while another client waits on a silent agent, domstate is answered" "$out/$slow" "running/waiting"
if [ "$took_ms" -lt 1500 ]; then ok "... at once ($took_ms ms)"; else not_ok "domstate beside a slow call" "$took_ms ms"; fi
run "$py" "$data/sameconn.py" "$uri" ga
expect_match "on ONE connection, a call beside a waiting agent call is answered at once" "$out" '^state 1 [0-9]{1,3} ms$'
expect_in "... and the waiting call ends with the typed timeout" "$out" "agent: error:"
wait "$slow_pid"
expect_in "... and the slow call ends with the typed timeout" "$(cat "$dir/slow.out")" "timed out"
if wait_for 30 sh -c "virsh -c '$uri' qemu-agent-command ga '{\"execute\":\"guest-ping\"}' | grep -q return"; then
    ok "... and the agent answers again once it runs ($waited_ms ms)"
else
    not_ok "the agent answers after SIGCONT"
fi

# ---- SIGKILL of the daemon loses nothing ----
kill -9 "$dpid"
wait "$dpid" 2>/dev/null
if start_daemon; then ok "qvirtd restarts after SIGKILL"; else not_ok "qvirtd restarts" "$(tail -5 "$dir/qvirtd.log")"; fi
run V domstate --reason ga
expect_eq "... the domain runs on" "$out" "running (unpaused)"
run V qemu-agent-command ga '{"execute":"guest-ping"}'
expect_eq "... and its agent answers through the new daemon" "$out" '{"return":{}}'
V event --loop --all --timeout 600 >"$dir/events2.txt" 2>&1 &
events2_pid=$!
sleep 0.5

# ---- shutdown and reboot through the agent ----
run V reboot ga --mode agent
expect_eq "virsh reboot --mode agent" "$(printf '%s\n' "$out" | head -1)" "Domain 'ga' is being rebooted"
if wait_for 60 agent_connected; then ok "... and the agent is back ($waited_ms ms)"; else not_ok "agent back after reboot"; fi
if cc -o "$dir/shutdown-agent" "$data/shutdown-agent.c" $(pkg-config --cflags --libs libvirt) 2>"$dir/cc.log"; then
    ok "a C program builds against libvirt-dev"
else
    not_ok "a C program builds against libvirt-dev" "$(cat "$dir/cc.log")"
fi
run "$dir/shutdown-agent" "$uri" ga
expect_eq "virConnectOpen + virDomainLookupByName + virDomainShutdownFlags(GUEST_AGENT)" "$out" "shutdown requested through the guest agent"
if wait_for 30 state_is "shut off (shutdown)"; then ok "... shut off ($waited_ms ms)"; else not_ok "shut off after the C program" "$(V domstate --reason ga)"; fi
run V start ga
wait_for 60 agent_connected
run V shutdown ga --mode acpi,agent
expect_eq "virsh shutdown --mode acpi,agent" "$(printf '%s\n' "$out" | head -1)" "Domain 'ga' is being shutdown"
if wait_for 30 state_is "shut off (shutdown)"; then ok "... shut off"; else not_ok "shut off after acpi,agent" "$(V domstate --reason ga)"; fi
run V start ga
wait_for 60 agent_connected
run V shutdown ga --mode agent
expect_eq "virsh shutdown --mode agent" "$(printf '%s\n' "$out" | head -1)" "Domain 'ga' is being shutdown"
if wait_for 30 state_is "shut off (shutdown)"; then ok "... shut off"; else not_ok "shut off after --mode agent" "$(V domstate --reason ga)"; fi
run V start ga
wait_for 60 agent_connected
run V shutdown ga
expect_eq "virsh shutdown (no mode: the connected agent)" "$(printf '%s\n' "$out" | head -1)" "Domain 'ga' is being shutdown"
if wait_for 30 state_is "shut off (shutdown)"; then ok "... shut off"; else not_ok "shut off after plain shutdown" "$(V domstate --reason ga)"; fi
run V start ga
run V destroy ga
expect_eq "virsh destroy" "$(printf '%s\n' "$out" | head -1)" "Domain 'ga' destroyed"
run V domstate --reason ga
expect_eq "... shut off (destroyed)" "$out" "shut off (destroyed)"
run V undefine ga --snapshots-metadata
expect_eq "virsh undefine --snapshots-metadata" "$(printf '%s\n' "$out" | head -1)" "Domain 'ga' has been undefined"

# ---- events, as virsh event --loop --all printed them ----
sleep 0.5
kill "$events_pid" "$events2_pid" 2>/dev/null
wait "$events_pid" "$events2_pid" 2>/dev/null
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
