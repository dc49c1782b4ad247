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
    wait_for 10 R uri
}
stop_daemon() {
    kill "$dpid"
    wait "$dpid"
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
    [ -n "${QVIRT_TEST_KEEP_LOGS:-}" ] && cp "$dir/qvirtd.log" "$QVIRT_TEST_KEEP_LOGS"/
    rm -rf "$dir" "$TAP_TMP"
}
trap cleanup EXIT
agent_connected() { $1 dumpxml ga | grep -q "name='org.qemu.guest_agent.0' state='connected'"; }
state_is() { [ "$($1 domstate --reason ga 2>/dev/null)" = "$2" ]; }

# ---- the same commands, embedded and then through the daemon ----
guest_domain "$dir" ga "" org.qemu.guest_agent.0
E define "$dir/ga.xml" >/dev/null
E start ga >/dev/null
if wait_for 60 agent_connected E; then ok "the guest boots, embedded ($waited_ms ms)"; else not_ok "the guest boots" "$(E dumpxml ga | grep guest_agent)"; fi
E snapshot-create-as ga s1 --disk-only --quiesce --description "before" >/dev/null
cat >"$dir/commands" <<'EOF'
list --all
list --all --name
domstate ga --reason
dominfo ga
dumpxml ga
dumpxml ga --inactive
snapshot-parent ga s1
qemu-agent-command ga {"execute":"guest-ping"}
guestinfo ga --hostname --os
domfsinfo ga
domifaddr ga --source agent
snapshot-list ga
snapshot-list ga --tree
snapshot-list ga --parent --disk-only
snapshot-info ga s1
snapshot-dumpxml ga s1
snapshot-current ga --name
domstate nosuch
start ga
snapshot-create-as ga x --quiesce
snapshot-info ga nosuch
snapshot-revert ga s1
reboot ga --mode initctl
qemu-agent-command ga {"execute":"guest-no-such-command"}
qemu-agent-command ga not-json
domfsthaw ga --mountpoint /nowhere
domxml-to-native qemu-argv --domain ga
EOF
i=0
while IFS= read -r cmd; do
    # shellcheck disable=SC2086
    E $cmd >"$dir/e.$i" 2>&1
    echo "rc=$?" >>"$dir/e.$i"
    i=$((i + 1))
done <"$dir/commands"
if start_daemon; then ok "qvirtd starts on the same root"; else not_ok "qvirtd starts" "$(cat "$dir/qvirtd.log")"; fi
i=0
while IFS= read -r cmd; do
    # shellcheck disable=SC2086
    R $cmd >"$dir/r.$i" 2>&1
    echo "rc=$?" >>"$dir/r.$i"
    # the CPU time a running guest used is the one thing that moves between the two runs
    sed -i '/^CPU time:/d' "$dir/e.$i" "$dir/r.$i"
    if cmp -s "$dir/e.$i" "$dir/r.$i"; then
        ok "same output embedded and through qvirtd: qvsh $cmd"
    else
        not_ok "same output embedded and through qvirtd: qvsh $cmd" "$(diff "$dir/e.$i" "$dir/r.$i")"
    fi
    i=$((i + 1))
done <"$dir/commands"
expect_in "(and the outputs are not empty: dominfo)" "$(cat "$dir/r.3")" "State:          running"
expect_in "(... qvirt's own agent error code crosses the wire)" "$(cat "$dir/r.23")" "guest-no-such-command"

# ---- lifecycle, snapshots and events through the daemon ----
R event --all --loop --timeout 600 >"$dir/events.txt" 2>&1 &
events_pid=$!
sleep 0.5
run R snapshot-create-as ga s2 --disk-only --quiesce
expect_eq "snapshot-create-as --disk-only --quiesce through qvirtd" "$(printf '%s\n' "$out" | head -1)" "Domain snapshot s2 created"
expect_match "... saying how long the guest was frozen" "$out" '^\(quiesced: 1 filesystem\(s\) frozen for [0-9]+ ms\)$'

run R snapshot-dumpxml ga s2
expect_match "... quiesced, the frozen window measured" "$out" "<quiesce status='quiesced' filesystems='1' window-us='[0-9]+'/>"
run R domfsfreeze ga
expect_eq "domfsfreeze through qvirtd" "$out" "Froze 1 filesystem(s)"
run R domfsthaw ga
expect_eq "domfsthaw through qvirtd" "$out" "Thawed 1 filesystem(s)"
run R domtime ga --sync
expect_rc "domtime --sync through qvirtd" 0
run R reboot ga --mode agent
expect_eq "reboot --mode agent says which way (qvirt's own program)" "$(echo $out)" "Domain 'ga' is being rebooted (through the guest agent)"
if wait_for 60 agent_connected R; then ok "... the agent is back ($waited_ms ms)"; else not_ok "agent back after reboot"; fi
run R shutdown ga
expect_eq "shutdown without --mode says the agent did it" "$(echo $out)" "Domain 'ga' is being shutdown (through the guest agent)"
if wait_for 30 state_is R "shut off (shutdown)"; then ok "... shut off ($waited_ms ms)"; else not_ok "shut off" "$(R domstate --reason ga)"; fi
run R start ga --paused
expect_eq "start --paused through qvirtd" "$out" "Domain 'ga' started"
run R list
expect_match "... listed paused, with an id" "$out" '^ [0-9]+ +ga +paused$'
run R guest-agent-timeout ga --timeout 5
expect_rc "guest-agent-timeout through qvirtd" 0
run R destroy ga
expect_eq "destroy through qvirtd" "$out" "Domain 'ga' destroyed"
run R snapshot-delete ga s2 --metadata
expect_eq "snapshot-delete --metadata" "$out" "Domain snapshot s2 deleted"
sleep 0.5
kill "$events_pid" 2>/dev/null
wait "$events_pid" 2>/dev/null
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
run "$qvsh" -c "qvirt+unix:///system?socket=$sockro" list --all --name
expect_eq "the read-only socket lists" "$out" "ga"
run "$qvsh" -c "qvirt+unix:///system?socket=$sockro" start ga
expect_rc "... and refuses start" 1
expect_in "... saying why" "$err" "operation forbidden: read only access prevents virDomainCreateWithFlags"
run "$qvsh" -r -c "$remote" undefine ga
expect_in "qvsh -r refuses before asking" "$err" "read only access prevents"

# ---- URIs, and a daemon that is not there ----
run "$qvsh" -c "qvirt+unix:///system?socket=$dir/none" list
expect_in "no daemon at the socket" "$err" "Failed to connect socket to '$dir/none': No such file or directory"
run "$qvsh" -c "qvirt+unix:///elsewhere?socket=$sock" list
expect_in "an unknown URI path" "$err" "unknown path '/elsewhere'"
run "$qvsh" -c "qvirt+unix:///system?socket=$sock&colour=blue" list
expect_in "an unknown URI parameter" "$err" "unknown parameter 'colour'"
run "$qvsh" -c "qvirt+unix:///system?socket=$sock&keepalive_count=many" list
expect_in "a keepalive count that is no number" "$err" "'keepalive_count' in URI"

# ---- a server that breaks the protocol ----
hostile() {
    python3 "$data/hostile-server.py" "$dir/hs" "$1" >"$dir/hs.out" 2>&1 &
    hs_pid=$!
    wait_for 5 test -S "$dir/hs"
    t0=$(now_ms)
    run "$qvsh" -c "qvirt+unix:///system?socket=$dir/hs&keepalive_interval=1&keepalive_count=2" list --all
    took_ms=$(($(now_ms) - t0))
    kill "$hs_pid" 2>/dev/null
    wait "$hs_pid" 2>/dev/null
    rm -f "$dir/hs"
}
hostile garbage
expect_in "a server that sends garbage: a clear error" "$err" "invalid message length from qvirtd"
hostile close
expect_in "a server that hangs up" "$err" "End of file while reading data"
hostile bad-reply
expect_in "a reply that does not decode" "$err" "the reply to procedure 60 does not decode"
hostile libvirt
expect_in "a libvirt daemon, not qvirtd" "$err" "is served by a libvirt daemon, not qvirtd"
hostile silent
expect_in "a silent server: keepalive gives up" "$err" "no answer to 2 keepalive probes"
if [ "$took_ms" -lt 8000 ]; then ok "... in bounded time ($took_ms ms)"; else not_ok "silent server bound" "$took_ms ms"; fi
hostile stale
expect_rc "stale replies, unknown events and PINGs are passed over" 0
expect_in "... and the call still gets its own answer" "$out" " Id   Name   State"

# ---- the daemon going away in the middle of a call ----
R start ga >/dev/null
wait_for 60 agent_connected R
R qemu-agent-command ga '{"execute":"guest-exec","arguments":{"path":"/bin/sh","arg":["-c","sleep 0.3; kill -STOP $(pidof qemu-ga); sleep 6; kill -CONT $(pidof qemu-ga)"]}}' >/dev/null
sleep 1.5
R qemu-agent-command ga '{"execute":"guest-ping"}' >"$dir/slow.out" 2>&1 &
slow_pid=$!
sleep 0.5
kill -9 "$dpid"
wait "$dpid" 2>/dev/null
dpid=
wait "$slow_pid"
expect_eq "a call waiting when the daemon is killed fails" "$?" "1"
expect_in "... saying the daemon went away" "$(cat "$dir/slow.out")" "End of file while reading data"
if start_daemon; then ok "qvirtd restarts"; else not_ok "qvirtd restarts" "$(tail -5 "$dir/qvirtd.log")"; fi
if wait_for 30 sh -c "'$qvsh' -c '$remote' qemu-agent-command ga '{\"execute\":\"guest-ping\"}' | grep -q return"; then
    ok "... the guest ran on and its agent answers through the new daemon ($waited_ms ms)"
else
    not_ok "agent after daemon restart"
fi
run R destroy ga
expect_eq "destroy" "$out" "Domain 'ga' destroyed"
stop_daemon
expect_not_in "no sanitizer report from qvirtd" "$(cat "$dir/qvirtd.log")" "Sanitizer"

done_testing
