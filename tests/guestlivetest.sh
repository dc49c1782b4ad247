#!/bin/sh
# guestlivetest.sh: domains on real QEMU with the real qemu-ga inside the test guest
# (tests/guest/build-guest.sh), driven through qvsh as a user would, every command a new
# process: start, the agent channel state, agent commands, shutdown and reboot through
# the agent and through ACPI, a guest without an agent, a renamed channel, a stopped
# agent, kill -9 of QEMU, events.
#
# Nothing here waits a fixed time for something to happen: it waits for the thing itself
# (a line on the guest's console, a state, an event), with a bound only against a hang.
# Where a check is about time, its bound is ~10x what it measures on an idle machine and
# still far from what a broken feature would take (the exact figures are in make bench).

. "$abs_top_srcdir/tests/tap.sh"

qvsh=$abs_top_builddir/tools/qvsh
unset QVIRT_DEFAULT_URI

test_guest
echo "# the test guest: $guest; accelerator: $virt"

# a short root: UNIX socket paths are at most 107 bytes
root=$(mktemp -d /tmp/qvlive.XXXXXX)
uri="qvirt:///embed?root=$root"
q() { "$qvsh" -c "$uri" "$@"; }
cleanup() {
    for d in ga noga other; do q destroy "$d" >/dev/null 2>&1; done
    [ -n "${events_pid:-}" ] && kill "$events_pid" 2>/dev/null
    # QVIRT_TEST_KEEP_LOGS=DIR: keep the domains' logs (QEMU and supervisor) for a post-mortem
    [ -n "${QVIRT_TEST_KEEP_LOGS:-}" ] && cp "$root"/log/qemu/*.log "$root"/*.console "$QVIRT_TEST_KEEP_LOGS"/
    rm -rf "$root" "$TAP_TMP"
}
trap cleanup EXIT

# domain NAME CMDLINE-EXTRA CHANNEL-NAME: define the test guest as NAME
domain() {
    guest_domain "$root" "$@"
    run 0 q define "$root/$1.xml"
}

agent_connected() { q dumpxml "$1" | grep -q "name='org.qemu.guest_agent.0' state='connected'"; }
state_is() { [ "$(q domstate --reason "$1")" = "$2" ]; }

domain ga "qgaargs=-F" org.qemu.guest_agent.0
domain noga "qga=off" org.qemu.guest_agent.0
domain other "" org.qemu.guest_agent.1

# ---- start, the channel, agent commands from other processes ----
"$qvsh" -c "$uri" event --all --loop --timeout 3600 >"$root/events.txt" 2>&1 &
events_pid=$!
expect_wait "qvsh event: every callback registered" 120 in_main_loop "$events_pid"
run 0 q start ga
expect_eq "start says so" "$out" "Domain 'ga' started"
run 0 q domstate --reason ga
expect_eq "running (booted)" "$out" "running (booted)"
run 0 q dumpxml ga
expect_in "the live XML has the path qvirt chose" "$out" "path='$root/lib/qemu/channel/target/domain-1-ga/org.qemu.guest_agent.0'"
if wait_for 120 agent_connected ga; then
    ok "the agent connects ($waited_ms ms)"
else
    not_ok "the agent connects within 120 s" "$(q dumpxml ga | grep -A2 '<channel')" "$(tail -5 "$root/ga.console")"
fi
run 0 q list
expect_match "list shows it running" "$out" '^ 1 +ga +running$'
run 0 q qemu-agent-command ga '{"execute":"guest-info"}'
expect_in "guest-info comes from qemu-ga 7.2" "$out" '"version":"7.2'
expect_in "reply ids are qvirt's business" "$out" '{"return":{"version"'
run 0 q qemu-agent-command ga '{"execute":"guest-get-host-name"}' --pretty
expect_in "--pretty" "$out" '"host-name": "qvirt-guest"'
run 0 q qemu-agent-command ga '{"execute":"guest-ping","id":"mine"}' --timeout 5
expect_eq "a caller's id does not confuse matching" "$out" '{"return":{}}'
run 0 q qemu-agent-command ga '{"execute":"guest-ping"}' --async
expect_eq "--async prints nothing" "$out" ""
run 0 q qemu-agent-command ga '{"execute":"guest-ping"}'
expect_eq "the late reply to --async is not taken for the next command's" "$out" '{"return":{}}'
run 1 q qemu-agent-command ga 'not json'
expect_in "bad JSON is named" "$err" "must be a JSON object with 'execute'"
run 0 q domtime ga
expect_match "domtime" "$out" '^Time: [0-9]+$'
guest_time=$(printf '%s' "$out" | sed 's/Time: //')
host_time=$(date +%s)
if [ $((host_time - guest_time)) -le 30 ] && [ $((guest_time - host_time)) -le 30 ]; then
    ok "the guest's clock is within 30 s of the host's ($((guest_time - host_time)) s)"
else
    not_ok "the guest's clock is within 30 s of the host's" "guest $guest_time host $host_time"
fi
run 0 q domtime ga --sync
run 0 q guestinfo ga --os --hostname
expect_in "guestinfo os.id" "$out" "os.id               : qvirttest"
expect_in "guestinfo hostname" "$out" "hostname            : qvirt-guest"
run 0 q guestinfo ga
expect_in "guestinfo (all) has the data disk" "$out" ": /mnt"
run 0 q domifaddr ga --source agent
expect_in "domifaddr --source agent" "$out" "127.0.0.1/8"
run 1 q domifaddr ga
expect_in "domifaddr from leases is refused, saying why" "$err" "not supported"
run 0 q dominfo ga
expect_in "dominfo state" "$out" "State:          running"
expect_in "dominfo memory" "$out" "Max memory:     262144 KiB"

# ---- freezing the guest's filesystems; the supervisor's freeze guard ----
fsstatus() { q qemu-agent-command ga '{"execute":"guest-fsfreeze-status"}'; }
fs_is() { [ "$(fsstatus)" = "{\"return\":\"$1\"}" ]; }
run 0 q domfsinfo ga
expect_match "domfsinfo: the data disk on /mnt, as the domain's vda" "$out" '^ /mnt +vda +ext4 +vda$'
run 0 q domfsfreeze ga
expect_eq "domfsfreeze" "$out" "Froze 1 filesystem(s)"
expect_eq "... the guest says frozen" "$(fsstatus)" '{"return":"frozen"}'
expect_match "... and the freeze is recorded with the supervisor" "$(cat "$root/run/qemu/ga.status")" '^freeze-deadline=[1-9]'
run 1 q domtime ga
expect_in "a frozen guest refuses other commands, typed" "$err" "guest filesystems are frozen"
run 1 q domfsfreeze ga
expect_in "a second freeze is refused before it reaches the guest" "$err" "already frozen"
expect_eq "... and leaves the first in place" "$(fsstatus)" '{"return":"frozen"}'
run 0 q domfsthaw ga
expect_eq "domfsthaw" "$out" "Thawed 1 filesystem(s)"
expect_eq "... thawed" "$(fsstatus)" '{"return":"thawed"}'
expect_match "... and the guard is disarmed" "$(cat "$root/run/qemu/ga.status")" '^freeze-deadline=0$'
run 0 q domfsfreeze ga --mountpoint /mnt
expect_eq "domfsfreeze --mountpoint" "$out" "Froze 1 filesystem(s)"
run 1 q domfsthaw ga --mountpoint /mnt
expect_in "domfsthaw --mountpoint is refused (qemu-ga thaws all)" "$err" "mountpoints is not supported"
run 0 q domfsthaw ga
expect_eq "domfsthaw after --mountpoint" "$out" "Thawed 1 filesystem(s)"
run 0 env QVIRT_FREEZE_GUARD_SECONDS=2 "$qvsh" -c "$uri" domfsfreeze ga
expect_eq "a freeze with a 2 s guard" "$out" "Froze 1 filesystem(s)"
if wait_for 60 fs_is thawed; then
    ok "the supervisor thawed the forgotten freeze itself ($waited_ms ms later)"
else
    not_ok "the freeze guard thaws the guest" "$(fsstatus)" "$(tail -5 "$root/log/qemu/ga.log")"
fi
expect_in "... and says so in the log" "$(cat "$root/log/qemu/ga.log")" "auto-thaw: the guest's filesystems are thawed"

# ---- snapshots: quiesced, disk-only, through the real agent and its fsfreeze hook ----
gsh_dom=ga
debugfs=$(command -v debugfs || echo /sbin/debugfs)
# incat IMAGE FILE: FILE from the ext4 filesystem in a qcow2 IMAGE (and its chain)
incat() {
    rm -f "$root/view.raw"
    qemu-img convert -U -O raw "$1" "$root/view.raw" && "$debugfs" -R "cat /$2" "$root/view.raw" 2>/dev/null
}

gsh 'echo before > /mnt/before; sync; rm -f /run/fsfreeze-hook.log'
timed 0 q snapshot-create-as ga s1 --disk-only --quiesce --atomic
expect_eq "... as virsh says" "$(printf '%s\n' "$out" | head -1)" "Domain snapshot s1 created"
expect_match "... then how it was taken" "$(printf '%s\n' "$out" | tail -1)" '^\(quiesced: 1 filesystem\(s\) frozen for [0-9]+ ms\)$'
gsh 'cat /run/fsfreeze-hook.log'
expect_eq "... the guest's fsfreeze hook ran freeze, then thaw" "$(printf '%s\n' "$gout" | cut -d' ' -f1 | tr '\n' ,)" "freeze,thaw,"
expect_eq "... the guest is thawed" "$(fsstatus)" '{"return":"thawed"}'
expect_match "... and the freeze guard disarmed" "$(cat "$root/run/qemu/ga.status")" '^freeze-deadline=0$'
expect_eq "... the overlay next to the disk" "$(ls "$root/ga.s1" 2>&1)" "$root/ga.s1"
run 0 q dumpxml ga
expect_in "... the domain runs on it" "$out" "<source file='$root/ga.s1'/>"
run 0 q snapshot-dumpxml ga s1
expect_match "... the snapshot says quiesced, with its frozen window" "$out" "<quiesce status='quiesced' filesystems='1' window-us='[0-9]+'/>"
window_us=$(printf '%s' "$out" | sed -n "s/.*window-us='\([0-9]*\)'.*/\1/p")
echo "# frozen for $((window_us / 1000)) ms; the call took $took_ms ms"
expect_in "... state disk-snapshot" "$out" "<state>disk-snapshot</state>"
gsh 'echo after > /mnt/after; sync'
run 0 q domfsfreeze ga # a consistent view of the overlay
incat "$root/ga.s1" after >"$root/after.txt"
run 0 q domfsthaw ga
expect_eq "data written before the snapshot is in the backing file" "$(incat "$root/ga.qcow2" before)" "before"
expect_eq "... data written after it is not" "$(incat "$root/ga.qcow2" after)" ""
expect_eq "... but is in the overlay" "$(cat "$root/after.txt")" "after"

run 1 q snapshot-create-as ga s2 --quiesce
expect_in "--quiesce without --disk-only is refused, naming both flags" "$err" "Flag 'QV_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY' is required by flag 'QV_DOMAIN_SNAPSHOT_CREATE_QUIESCE'"
run 0 q snapshot-list ga --name
expect_eq "... and nothing was created" "$out" "s1"

# (the process that asked for a quiesced snapshot killed inside the frozen window, with
# this hook's sleep: faultlivetest.sh, k5)

# a thaw that does not answer after the switch: the snapshot stays, with a warning. The
# hook sleeps 25 s after a thaw; agent calls wait 5 s (the freeze before it answers in
# well under that); the guard fires 15 s after the freeze and waits out the hook.
gsh 'echo 25 > /run/fsfreeze-hook.thaw-sleep'
run 0 q guest-agent-timeout ga --timeout 5
run 0 env QVIRT_FREEZE_GUARD_SECONDS=15 "$qvsh" -c "$uri" snapshot-create-as ga t1 --disk-only --quiesce
expect_eq "a thaw that fails after the switch: the snapshot is created" "$(printf '%s\n' "$out" | head -1)" "Domain snapshot t1 created"
expect_in "... with a warning" "$err" "warning:"
run 0 q snapshot-dumpxml ga t1
expect_in "... and its XML says so" "$out" "<quiesce status='thaw-failed'"
expect_match "... the guard stays armed" "$(cat "$root/run/qemu/ga.status")" '^freeze-deadline=[1-9]'
if wait_for 300 grep -q '^freeze-deadline=0$' "$root/run/qemu/ga.status"; then
    ok "... until the supervisor has thawed the guest and verified it ($waited_ms ms)"
else
    not_ok "the guard thaws after a failed thaw" "$(tail -3 "$root/log/qemu/ga.log")"
fi
run 0 q guest-agent-timeout ga --timeout -1
gsh 'rm -f /run/fsfreeze-hook.thaw-sleep'
expect_eq "... thawed" "$(fsstatus)" '{"return":"thawed"}'

# internal snapshots of the running guest (memory and qcow2 disks)
run 0 q snapshot-create-as ga i1
expect_eq "internal snapshot of a running guest" "$out" "Domain snapshot i1 created"
gsh 'echo later > /mnt/later; sync'
run 0 q snapshot-revert ga i1
run 0 q domstate ga
expect_eq "... running again" "$out" "running"
if wait_for 120 agent_connected ga; then
    ok "... with the agent channel open"
else
    not_ok "the agent channel is open after the revert" "$(q dumpxml ga | grep guest_agent)" "$(grep 'qvirt supervisor' "$root/log/qemu/ga.log" | tail -15)"
fi
gsh 'ls /mnt'
expect_not_in "... and the file written after the snapshot is gone" "$gout" "later"
expect_in "... while the one written before it is there" "$gout" "before"
run 0 q snapshot-current ga --name
expect_eq "... it is current" "$out" "i1"
run 0 q snapshot-list ga --parent
expect_match "snapshot-list --parent: i1 under t1" "$out" ' i1 +.* running +t1'
run 0 q snapshot-delete ga i1
expect_eq "snapshot-delete" "$out" "Domain snapshot i1 deleted"
run 1 q snapshot-revert ga s1
expect_in "revert to an external snapshot is refused, clearly" "$err" "reverting to external snapshot 's1' is not supported"

# ---- reboot and shutdown through the agent ----
n=$(boots "$root/ga.console")
# the request ends on QEMU's RESET, not on the power class's 60 s bound
timed 0 q reboot ga --mode agent
expect_in "reboot says which way" "$out" "through the guest agent"
within "the reboot request completes on RESET" "$took_ms" 30000
run 0 q domstate ga
expect_eq "running after the reboot" "$out" "running"
run 0 q dumpxml ga
expect_in "the agent is disconnected as soon as the guest resets" "$out" "name='org.qemu.guest_agent.0' state='disconnected'"
expect_wait "the guest boots again" 120 booted_more "$root/ga.console" "$n"
expect_wait "the agent is back after the reboot" 120 agent_connected ga
run 0 q qemu-agent-command ga '{"execute":"guest-ping"}'
expect_eq "and answers" "$out" '{"return":{}}'

n=$(boots "$root/ga.console")
run 0 q reboot ga --mode acpi
expect_in "reboot --mode acpi" "$out" "through the ACPI power button"
expect_wait "ACPI reboot: the guest went down and booted again" 120 booted_more "$root/ga.console" "$n"
expect_wait "... with its agent" 120 agent_connected ga
run 0 q domstate --reason ga
expect_eq "ACPI reboot leaves it running (booted)" "$out" "running (booted)"

timed 0 q shutdown ga --mode agent
expect_in "shutdown says which way" "$out" "Domain 'ga' is being shutdown"
if wait_for 60 state_is ga "shut off (shutdown)"; then
    ok "shut off (shutdown) ${waited_ms} ms after the call returned ($took_ms ms)"
else
    not_ok "shut off (shutdown) after shutdown --mode agent" "$(q domstate --reason ga)"
fi
expect_match "... by the guest's own shutdown, as the agent asked" "$(cat "$root/ga.console")" '^shutdown: poweroff .*hypervisor initiated shutdown'
run 0 q list --all
expect_match "list shows it shut off" "$out" '^ - +ga +shut off$'
run 1 q qemu-agent-command ga '{"execute":"guest-ping"}'
expect_in "the agent of a shut off domain" "$err" "is not running"

# ---- ACPI shutdown ----
run 0 q start ga
expect_wait "started again, the agent connects" 120 agent_connected ga
run 0 q shutdown ga --mode acpi
expect_in "shutdown --mode acpi" "$out" "through the ACPI power button"
expect_wait "ACPI: shut off (shutdown)" 120 state_is ga "shut off (shutdown)"

# ---- default mode: the agent when it is connected ----
run 0 q start ga
expect_wait "started again, the agent connects" 120 agent_connected ga
run 0 q shutdown ga
expect_in "shutdown without --mode uses the connected agent" "$out" "through the guest agent"
expect_wait "... and the guest shuts off (shutdown)" 60 state_is ga "shut off (shutdown)"
expect_match "... by the guest's own shutdown" "$(cat "$root/ga.console")" '^shutdown: poweroff .*hypervisor initiated shutdown'

# ---- a stopped agent: every call bounded, typed; agent,acpi falls back ----
run 0 q start ga
expect_wait "started again, the agent connects" 120 agent_connected ga
# qemu-ga stops itself inside the guest (once its reply to guest-exec is out), and says so
run 0 q qemu-agent-command ga \
    '{"execute":"guest-exec","arguments":{"path":"/bin/sh","arg":["-c","sleep 0.3; kill -STOP $(pidof qemu-ga); echo qvirt-test: qemu-ga stopped > /dev/console"]}}'
expect_in "guest-exec stops qemu-ga inside the guest" "$out" '"pid"'
expect_wait "... which the guest confirms on its console" 120 on_console "$root/ga.console" "qvirt-test: qemu-ga stopped"
timed 1 q qemu-agent-command ga '{"execute":"guest-ping"}'
expect_in "a stopped agent: qemu-agent-command fails with the sync timeout" "$err" "no answer to guest-sync-delimited within 2000 ms"
if [ "$took_ms" -ge 1900 ]; then ok "... after waiting its bound ($took_ms ms, bound 2000)"; else not_ok "a stopped agent fails after its bound" "$took_ms ms"; fi
within "... and not much longer" "$took_ms" 20000
timed 1 q domtime ga
expect_in "domtime: typed timeout too" "$err" "qemu-ga is not responding"
within "... bounded" "$took_ms" 20000
timed 1 q shutdown ga --mode agent
expect_in "shutdown --mode agent with a stopped agent fails, as virsh would say" "$err" "error: Failed to shutdown domain 'ga'"
expect_in "... with the liveness check's reason" "$err" "not responding"
# (without the liveness check it would wait for the power class's 60 s)
within "... fast" "$took_ms" 20000
run 0 q domstate ga
expect_eq "and the guest still runs" "$out" "running"
timed 0 q shutdown ga --mode agent,acpi
expect_in "shutdown --mode agent,acpi falls back to ACPI" "$out" "through the ACPI power button"
expect_wait "... and the guest shuts off" 120 state_is ga "shut off (shutdown)"

# ---- kill -9 of QEMU ----
run 0 q start ga
qemu_pid=$(sed -n 's/^qemu-pid=//p' "$root/run/qemu/ga.status")
kill -9 "$qemu_pid"
expect_wait "kill -9 of QEMU: shut off (crashed)" 60 state_is ga "shut off (crashed)"
run 0 q start ga
expect_wait "it starts again after the crash, with its agent" 120 agent_connected ga
run 0 q destroy ga
expect_eq "destroy" "$out" "Domain 'ga' destroyed"
run 0 q domstate --reason ga
expect_eq "shut off (destroyed)" "$out" "shut off (destroyed)"

# ---- a guest whose agent does not run ----
run 0 q start noga
expect_wait "a guest without qemu-ga boots" 120 booted_more "$root/noga.console" 0
# the liveness sync would now wait 60 s: "at once" below means it was never tried
run 0 q guest-agent-timeout noga --timeout 60
timed 1 q shutdown noga --mode agent
expect_in "no agent: shutdown --mode agent fails with 'not connected'" "$err" "QEMU guest agent is not connected"
within "... at once" "$took_ms" 20000
run 1 q snapshot-create-as noga n1 --disk-only --quiesce
expect_in "no agent: a quiesced snapshot is refused with 'not connected'" "$err" "not connected"
expect_eq "... before anything changed" "$(ls "$root" | grep -c '^noga\.n1$')" "0"
run 0 q snapshot-create-as noga n2 --disk-only --quiesce-best-effort
expect_eq "... best effort takes a crash-consistent one" "$(printf '%s\n' "$out" | head -1)" "Domain snapshot n2 created"
expect_in "... and says why" "$out" "(crash-consistent, not quiesced: QEMU guest agent is not connected"
run 0 q snapshot-dumpxml noga n2
expect_in "... and says which" "$out" "<quiesce status='crash-consistent'"
run 0 q destroy noga

# ---- a renamed channel is an ordinary channel ----
run 0 q start other
expect_wait "a guest whose channel is renamed boots" 120 booted_more "$root/other.console" 0
run 1 q qemu-agent-command other '{"execute":"guest-ping"}'
expect_in "renamed channel: agent commands fail with 'not configured'" "$err" "has no guest agent channel"
run 1 q shutdown other --mode agent
expect_in "... shutdown --mode agent too" "$err" "has no guest agent channel"
set -- "$root/lib/qemu/channel/target/domain-"*"-other/org.qemu.guest_agent.1"
sock=$1
expect_eq "the renamed channel's socket is there" "$(ls "$sock" 2>&1)" "$sock"
# a listening socket appears once in /proc/net/unix; each accepted connection once more
expect_eq "nobody ever connected to org.qemu.guest_agent.1" "$(grep -cF "$sock" /proc/net/unix)" "1"
run 0 q destroy other

# ---- QEMU refuses to start: its own words, nothing left behind ----
sed -e "s|<name>noga</name>|<name>broken</name>|" -e "s|$root/noga.qcow2|$root/missing.qcow2|" \
    "$root/noga.xml" >"$root/broken.xml"
run 0 q define "$root/broken.xml"
run 1 q start broken
expect_in "a domain whose disk is missing does not start, as virsh would say" "$err" "error: Failed to start domain 'broken'"
expect_in "... with QEMU's own reason" "$err" "Could not open '$root/missing.qcow2'"
run 0 q domstate broken
expect_eq "... and it is shut off" "$out" "shut off"
expect_eq "... with no live files left" "$(ls "$root/run/qemu" | grep -c '^broken\.\(xml\|launch\)$')" "0"

# ---- events seen by another process ----
# the last event of the test is the renamed guest's destroy
expect_wait "the watcher saw the last event" 60 grep -q "for domain 'other': Stopped Destroyed" "$root/events.txt"
kill "$events_pid" 2>/dev/null
wait "$events_pid" 2>/dev/null
events_pid=
ev=$(cat "$root/events.txt")
expect_in "event: started" "$ev" "event 'lifecycle' for domain 'ga': Started Booted"
expect_in "event: agent connected" "$ev" "event 'agent-lifecycle' for domain 'ga': state: 'connected' reason: 'channel event'"
expect_in "event: agent disconnected" "$ev" "event 'agent-lifecycle' for domain 'ga': state: 'disconnected' reason: 'channel event'"
expect_in "event: reboot" "$ev" "event 'reboot' for domain 'ga'"
expect_in "event: guest shutdown" "$ev" "event 'lifecycle' for domain 'ga': Shutdown Finished after guest request"
expect_in "event: stopped shutdown" "$ev" "event 'lifecycle' for domain 'ga': Stopped Shutdown"
expect_in "event: stopped crashed" "$ev" "event 'lifecycle' for domain 'ga': Stopped Crashed"
expect_in "event: stopped destroyed" "$ev" "event 'lifecycle' for domain 'ga': Stopped Destroyed"
expect_in "event: fs-freeze frozen by a snapshot" "$ev" "event 'fs-freeze' for domain 'ga': state: 'frozen' reason: 'snapshot'"
expect_in "event: fs-freeze thawed by a snapshot" "$ev" "event 'fs-freeze' for domain 'ga': state: 'thawed' reason: 'snapshot'"
expect_in "event: fs-freeze thaw-failed after the switch" "$ev" "event 'fs-freeze' for domain 'ga': state: 'thaw-failed' reason: 'snapshot'"
expect_in "event: fs-freeze thawed by the freeze guard" "$ev" "event 'fs-freeze' for domain 'ga': state: 'thawed' reason: 'freeze guard'"
expect_in "event: fs-freeze frozen on request" "$ev" "event 'fs-freeze' for domain 'ga': state: 'frozen' reason: 'request'"
# the last two runs (killed, then destroyed), each run's start before its end
tail_runs=$(printf '%s\n' "$ev" | grep "'lifecycle' for domain 'ga'" | tail -4 | sed 's/.*: //' | tr '\n' ',')
expect_eq "event: the killed run and the next, in order" "$tail_runs" \
    "Started Booted,Stopped Crashed,Started Booted,Stopped Destroyed,"
expect_not_in "event: a failed start sends none (as libvirt)" "$ev" "for domain 'broken'"

# (from /proc: a minimal system may have no ps)
left=0
for f in /proc/[0-9]*/cmdline; do
    if tr '\0' ' ' <"$f" 2>/dev/null | grep -q "qvirt_qemu_supervisor.*$root"; then left=$((left + 1)); fi
done
expect_eq "no supervisor is left behind" "$left" "0"
# a supervisor's stderr goes to its domain's log
expect_eq "no sanitizer report in any domain's log" "$(grep -l -E 'Sanitizer|runtime error' "$root"/log/qemu/*.log)" ""

done_testing
