#!/bin/sh
# qvshremotetest.sh: qvsh's own client side of qvirtd's protocol (qvirt+unix:// URIs) on
# the real test guest: the same commands print the same thing embedded and through the
# daemon; what libvirt's protocol cannot say (which method shut the guest down, fs-freeze
# events, qvirt's own error codes) still comes through; a server that breaks the protocol
# or goes silent ends the command with a clear error, in bounded time.

. "$abs_top_srcdir/tests/tap.sh"

qvirtd=$abs_top_builddir/daemon/qvirtd
qvsh=$abs_top_builddir/tools/qvsh
data=$abs_top_srcdir/tests/qvirtddata
unset QVIRT_DEFAULT_URI LIBVIRT_DEFAULT_URI

test_guest

# a short directory: UNIX socket paths are at most 107 bytes
dir=$(mktemp -d /tmp/qvr.XXXXXX)
root=$dir/root
sock=$dir/sock
sockro=$dir/sock-ro
remote="qvirt+unix:///system?socket=$sock"
embed="qvirt:///embed?root=$root"
R() { "$qvsh" -c "$remote" "$@"; }
E() { "$qvsh" -c "$embed" "$@"; }
dpid=
start_daemon() {
    "$qvirtd" --root "$root" --socket "$sock" --socket-ro "$sockro" --verbose \
        >>"$dir/qvirtd.log" 2>&1 &
    dpid=$!
    wait_for 60 R uri
}
stop_daemon() {
    kill "$dpid"
    wait "$dpid"
    stopped=$?
    dpid=
}
cleanup() {
    if [ -n "$dpid" ]; then
        R destroy ga >/dev/null 2>&1
        kill "$dpid" 2>/dev/null
        wait "$dpid" 2>/dev/null
    else
        E destroy ga >/dev/null 2>&1
    fi
    # a daemon that died leaves nobody to destroy the guest: its supervisor goes too
    pkill -f "$root/run/qemu/" 2>/dev/null
    [ -n "${events_pid:-}" ] && kill "$events_pid" 2>/dev/null
    [ -n "${QVIRT_TEST_KEEP_LOGS:-}" ] && cp "$dir/qvirtd.log" "$QVIRT_TEST_KEEP_LOGS"/
    rm -rf "$dir" "$TAP_TMP"
}
trap cleanup EXIT
agent_connected() { $1 dumpxml ga | grep -q "name='org.qemu.guest_agent.0' state='connected'"; }
state_is() { [ "$($1 domstate --reason ga 2>/dev/null)" = "$2" ]; }

# ---- the same commands, embedded and then through the daemon ----
guest_domain "$dir" ga "" org.qemu.guest_agent.0
run 0 E define "$dir/ga.xml"
run 0 E start ga
if wait_for 120 agent_connected E; then ok "the guest boots, embedded ($waited_ms ms)"; else not_ok "the guest boots" "$(E dumpxml ga | grep guest_agent)"; fi
run 0 E snapshot-create-as ga s1 --disk-only --quiesce --description "before"
expect_eq "a quiesced snapshot to compare" "$(printf '%s\n' "$out" | head -1)" "Domain snapshot s1 created"
# each line: the status the command must end with (both ways), then the command
cat >"$dir/commands" <<'EOF'
0 list --all
0 list --all --name
0 domstate ga --reason
0 dominfo ga
0 dumpxml ga
0 dumpxml ga --inactive
1 snapshot-parent ga s1
0 qemu-agent-command ga {"execute":"guest-ping"}
0 guestinfo ga --hostname --os
0 domfsinfo ga
0 domifaddr ga --source agent
0 snapshot-list ga
0 snapshot-list ga --tree
0 snapshot-list ga --parent --disk-only
0 snapshot-info ga s1
0 snapshot-dumpxml ga s1
0 snapshot-current ga --name
1 domstate nosuch
1 start ga
1 snapshot-create-as ga x --quiesce
1 snapshot-info ga nosuch
1 snapshot-revert ga s1
1 reboot ga --mode initctl
1 qemu-agent-command ga {"execute":"guest-no-such-command"}
1 qemu-agent-command ga not-json
1 domfsthaw ga --mountpoint /nowhere
0 domxml-to-native qemu-argv --domain ga
EOF
i=0
while read -r want cmd; do
    # shellcheck disable=SC2086
    E $cmd >"$dir/e.$i" 2>"$dir/e.$i.err"
    echo "rc=$?" >>"$dir/e.$i.err"
    i=$((i + 1))
done <"$dir/commands"
if start_daemon; then ok "qvirtd starts on the same root"; else not_ok "qvirtd starts" "$(cat "$dir/qvirtd.log")"; fi
i=0
while read -r want cmd; do
    # shellcheck disable=SC2086
    R $cmd >"$dir/r.$i" 2>"$dir/r.$i.err"
    echo "rc=$?" >>"$dir/r.$i.err"
    # what both must show: a success prints something and no error; a failure only an error
    if [ "$want" = 0 ]; then
        expect_eq "qvsh $cmd succeeds with some output" "$(cat "$dir/e.$i.err"):$(grep -c . "$dir/e.$i" | sed 's/^[1-9][0-9]*$/some/')" "rc=0:some"
    else
        expect_eq "qvsh $cmd fails with an error and no output" "$(head -c7 "$dir/e.$i.err"):$(tail -1 "$dir/e.$i.err"):$(wc -c <"$dir/e.$i")" "error: :rc=1:0"
    fi
    # the CPU time a running guest used is the one thing that moves between the two runs
    sed -i '/^CPU time:/d' "$dir/e.$i" "$dir/r.$i"
    if cmp -s "$dir/e.$i" "$dir/r.$i" && cmp -s "$dir/e.$i.err" "$dir/r.$i.err"; then
        ok "... the same output and status through qvirtd"
    else
        not_ok "... the same output and status through qvirtd" "$(diff "$dir/e.$i" "$dir/r.$i")" "$(diff "$dir/e.$i.err" "$dir/r.$i.err")"
    fi
    i=$((i + 1))
done <"$dir/commands"
expect_in "(and the outputs are not empty: dominfo)" "$(cat "$dir/r.3")" "State:          running"
expect_in "(... qvirt's own agent error code crosses the wire)" "$(cat "$dir/r.23.err")" "guest-no-such-command"

# ---- lifecycle, snapshots and events through the daemon ----
"$qvsh" -c "$remote" event --all --loop --timeout 3600 >"$dir/events.txt" 2>&1 &
events_pid=$!
expect_wait "qvsh event through qvirtd: every callback registered" 120 in_main_loop "$events_pid"
run 0 R snapshot-create-as ga s2 --disk-only --quiesce
expect_eq "snapshot-create-as --disk-only --quiesce through qvirtd" "$(printf '%s\n' "$out" | head -1)" "Domain snapshot s2 created"
expect_match "... saying how long the guest was frozen" "$out" '^\(quiesced: 1 filesystem\(s\) frozen for [0-9]+ ms\)$'

run 0 R snapshot-dumpxml ga s2
expect_match "... quiesced, the frozen window measured" "$out" "<quiesce status='quiesced' filesystems='1' window-us='[0-9]+'/>"
run 0 R domfsfreeze ga
expect_eq "domfsfreeze through qvirtd" "$out" "Froze 1 filesystem(s)"
run 0 R domfsthaw ga
expect_eq "domfsthaw through qvirtd" "$out" "Thawed 1 filesystem(s)"
run 0 R domtime ga --sync
n=$(boots "$dir/ga.console")
run 0 R reboot ga --mode agent
expect_eq "reboot --mode agent says which way (qvirt's own program)" "$(echo $out)" "Domain 'ga' is being rebooted (through the guest agent)"
expect_wait "... the guest boots again" 120 booted_more "$dir/ga.console" "$n"
expect_wait "... with its agent" 120 agent_connected R
run 0 R shutdown ga
expect_eq "shutdown without --mode says the agent did it" "$(echo $out)" "Domain 'ga' is being shutdown (through the guest agent)"
expect_wait "... shut off (shutdown)" 120 state_is R "shut off (shutdown)"
run 0 R start ga --paused
expect_eq "start --paused through qvirtd" "$out" "Domain 'ga' started"
run 0 R list
expect_match "... listed paused, with an id" "$out" '^ [0-9]+ +ga +paused$'
run 0 R guest-agent-timeout ga --timeout 5
run 0 R destroy ga
expect_eq "destroy through qvirtd" "$out" "Domain 'ga' destroyed"
run 0 R snapshot-delete ga s2 --metadata
expect_eq "snapshot-delete --metadata" "$out" "Domain snapshot s2 deleted"
expect_wait "the watcher saw the destroy" 60 grep -q "for domain 'ga': Stopped Destroyed" "$dir/events.txt"
kill "$events_pid" 2>/dev/null
wait "$events_pid" 2>/dev/null
events_pid=
ev=$(cat "$dir/events.txt")
expect_in "event through qvirtd: fs-freeze frozen by the snapshot (qvirt's own event)" "$ev" "event 'fs-freeze' for domain 'ga': state: 'frozen' reason: 'snapshot'"
expect_in "event: fs-freeze thawed by the snapshot" "$ev" "event 'fs-freeze' for domain 'ga': state: 'thawed' reason: 'snapshot'"
expect_in "event: fs-freeze frozen on request" "$ev" "event 'fs-freeze' for domain 'ga': state: 'frozen' reason: 'request'"
expect_in "event: reboot" "$ev" "event 'reboot' for domain 'ga'"
expect_in "event: agent disconnected" "$ev" "event 'agent-lifecycle' for domain 'ga': state: 'disconnected'"
expect_in "event: stopped after the shutdown" "$ev" "event 'lifecycle' for domain 'ga': Stopped Shutdown"
expect_in "event: started paused" "$ev" "event 'lifecycle' for domain 'ga': Started Booted"
expect_in "event: destroyed" "$ev" "event 'lifecycle' for domain 'ga': Stopped Destroyed"

# ---- read-only ----
run 0 "$qvsh" -c "qvirt+unix:///system?socket=$sockro" list --all --name
expect_eq "the read-only socket lists" "$out" "ga"
run 1 "$qvsh" -c "qvirt+unix:///system?socket=$sockro" start ga
expect_in "... saying why" "$err" "operation forbidden: read only access prevents virDomainCreateWithFlags"
run 1 "$qvsh" -r -c "$remote" undefine ga
expect_in "qvsh -r refuses before asking" "$err" "read only access prevents"

# ---- URIs, and a daemon that is not there ----
run 1 "$qvsh" -c "qvirt+unix:///system?socket=$dir/none" list
expect_in "no daemon at the socket" "$err" "Failed to connect socket to '$dir/none': No such file or directory"
run 1 "$qvsh" -c "qvirt+unix:///elsewhere?socket=$sock" list
expect_in "an unknown URI path" "$err" "unknown path '/elsewhere'"
run 1 "$qvsh" -c "qvirt+unix:///system?socket=$sock&colour=blue" list
expect_in "an unknown URI parameter" "$err" "unknown parameter 'colour'"
run 1 "$qvsh" -c "qvirt+unix:///system?socket=$sock&keepalive_count=many" list
expect_in "a keepalive count that is no number" "$err" "'keepalive_count' in URI"

# ---- a server that breaks the protocol ----
# hostile N CASE: qvsh list --all against hostile-server.py CASE ends with status N
hostile() {
    python3 "$data/hostile-server.py" "$dir/hs" "$2" >"$dir/hs.out" 2>&1 &
    hs_pid=$!
    wait_for 60 test -S "$dir/hs"
    timed "$1" "$qvsh" -c "qvirt+unix:///system?socket=$dir/hs&keepalive_interval=1&keepalive_count=2" list --all
    kill "$hs_pid" 2>/dev/null
    wait "$hs_pid" 2>/dev/null
    rm -f "$dir/hs"
}
hostile 1 garbage
expect_in "a server that sends garbage: a clear error" "$err" "invalid message length from qvirtd"
hostile 1 close
expect_in "a server that hangs up" "$err" "End of file while reading data"
hostile 1 bad-reply
expect_in "a reply that does not decode" "$err" "the reply to procedure 60 does not decode"
hostile 1 libvirt
expect_in "a libvirt daemon, not qvirtd" "$err" "is served by a libvirt daemon, not qvirtd"
hostile 1 silent
expect_in "a silent server: keepalive gives up" "$err" "no answer to 2 keepalive probes"
# 2 probes 1 s apart: about 3 s; without keepalive the call would wait for ever
if [ "$took_ms" -ge 2000 ] && [ "$took_ms" -lt 30000 ]; then ok "... in bounded time ($took_ms ms)"; else not_ok "silent server bound" "$took_ms ms"; fi
hostile 0 stale
expect_in "stale replies, unknown events and PINGs are passed over: the call gets its own answer" "$out" " Id   Name   State"

# ---- the daemon going away in the middle of a call ----
run 0 R start ga
expect_wait "the guest boots through qvirtd" 120 agent_connected R
# qemu-ga stops itself inside the guest (once its reply to guest-exec is out) and says so;
# it runs again 30 s later
run 0 R qemu-agent-command ga '{"execute":"guest-exec","arguments":{"path":"/bin/sh","arg":["-c","sleep 0.3; kill -STOP $(pidof qemu-ga); echo qvirt-test: qemu-ga stopped > /dev/console; sleep 30; kill -CONT $(pidof qemu-ga)"]}}'
expect_wait "qemu-ga stops in the guest" 120 on_console "$dir/ga.console" "qvirt-test: qemu-ga stopped"
n=$(grep -c ": virDomainQemuAgentCommand$" "$dir/qvirtd.log")
"$qvsh" -c "$remote" qemu-agent-command ga '{"execute":"guest-ping"}' --timeout 25 >"$dir/slow.out" 2>&1 &
slow_pid=$!
expect_wait "a call waits on the stopped agent in qvirtd" 60 calls_logged "$dir/qvirtd.log" virDomainQemuAgentCommand "$n"
kill -9 "$dpid"
wait "$dpid" 2>/dev/null
dpid=
wait "$slow_pid"
expect_eq "a call waiting when the daemon is killed fails" "$?" "1"
expect_in "... saying the daemon went away" "$(cat "$dir/slow.out")" "End of file while reading data"
if start_daemon; then ok "qvirtd restarts"; else not_ok "qvirtd restarts" "$(tail -5 "$dir/qvirtd.log")"; fi
run 0 R domstate ga
expect_eq "... the guest runs on" "$out" "running"
if wait_for 120 sh -c "'$qvsh' -c '$remote' qemu-agent-command ga '{\"execute\":\"guest-ping\"}' | grep -q return"; then
    ok "... and once qemu-ga runs again, its agent answers through the new daemon ($waited_ms ms)"
else
    not_ok "agent after daemon restart"
fi
run 0 R destroy ga
expect_eq "destroy" "$out" "Domain 'ga' destroyed"
stop_daemon
expect_eq "qvirtd stops cleanly on SIGTERM" "$stopped" "0"
expect_not_in "no sanitizer report in qvirtd's log" "$(cat "$dir/qvirtd.log")" "Sanitizer"

done_testing
