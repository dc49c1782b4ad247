#!/bin/sh
# faultlivetest.sh: crash consistency on real QEMU with the real qemu-ga in the test guest.
# The process that drives an operation is killed (SIGKILL, by QVIRT_TEST_DIE_AT: it kills
# itself at a named step, see src/util/qvfault.h) at each step that matters; then the
# domain must end where the operation promises: running (or paused only when that was
# asked), the guest thawed at once, records that agree with QEMU.
#
# As everywhere in the suite, nothing waits a fixed time: each wait is for the thing
# itself, with a bound only against a hang.

. "$abs_top_srcdir/tests/tap.sh"

qvsh=$abs_top_builddir/tools/qvsh
unset QVIRT_DEFAULT_URI

test_guest
echo "# the test guest: $guest; accelerator: $virt"

# a short root: UNIX socket paths are at most 107 bytes
root=$(mktemp -d /tmp/qvfault.XXXXXX)
uri="qvirt:///embed?root=$root"
q() { "$qvsh" -c "$uri" "$@"; }
cleanup() {
    q destroy f >/dev/null 2>&1
    [ -n "${QVIRT_TEST_KEEP_LOGS:-}" ] && cp "$root"/log/qemu/*.log "$root"/*.console "$QVIRT_TEST_KEEP_LOGS"/
    rm -rf "$root" "$TAP_TMP"
}
trap cleanup EXIT

# die STEP ARGS...: run qvsh ARGS, which must kill itself at STEP (status 137, and it
# says so)
die() {
    step_=$1
    shift
    trial "qvsh dies at $step_ ($1)"
    run 137 env QVIRT_TEST_DIE_AT="$step_" "$qvsh" -c "$uri" "$@"
    expect_in "... it died at '$step_'" "$err" "qvirt: dying at $step_"
}

# trial WHAT: the checks that follow, up to the next trial, judge this fault (faultloop.sh
# counts them per trial)
trial() { echo "# trial: $*"; }
state_is() { [ "$(q domstate --reason "$1")" = "$2" ]; }
agent_connected() { q dumpxml "$1" | grep -q "name='org.qemu.guest_agent.0' state='connected'"; }
fsstatus() { q qemu-agent-command f '{"execute":"guest-fsfreeze-status"}'; }
fs_is() { [ "$(fsstatus)" = "{\"return\":\"$1\"}" ]; }
domain_log() { cat "$root/log/qemu/f.log"; }

guest_domain "$root" f "qgaargs=-F" org.qemu.guest_agent.0
run 0 q define "$root/f.xml"

# ---- start: the process that started the domain dies before it is told "started" ----
# QEMU starts with its CPUs stopped; the supervisor resumes them itself, so the start
# completes without the process that asked for it.
die start-spawned start f
expect_wait "a start whose starter died ends running" 120 state_is f "running (booted)"
expect_eq "the serial console file qvirt created for QEMU is its owner's only" "$(stat -c %a "$root/f.console")" "600"
expect_eq "... so is the domain's log" "$(stat -c %a "$root/log/qemu/f.log")" "600"
if wait_for 120 agent_connected f; then
    ok "... and the guest boots (its agent connects, $waited_ms ms)"
else
    not_ok "the guest of an orphaned start boots" "$(tail -5 "$root/f.console")"
fi

# ---- a quiesced snapshot whose process dies before it asks for the switch ----
# The freeze, the switch and the thaw are one step of the supervisor's: the process that
# asks for them dies either before it asks (here: QEMU had opened the overlay) or while
# it waits (below), never in the middle of them.
die snapshot-opened snapshot-create-as f k1 --disk-only --quiesce
expect_eq "... the guest was never frozen" "$(fsstatus)" '{"return":"thawed"}'
expect_not_in "... nor was the freeze guard armed" "$(domain_log)" "freeze guard armed"

# ---- external snapshots: intent before action, QEMU's block graph the truth after ----
gsh_dom=f
nojournal() { [ -z "$(ls "$root/lib/qemu/journal" 2>/dev/null)" ]; }
# k1's process died after QEMU opened the overlay it created, before the switch: the next
# qvsh (any command, here a read-only one) undoes it, so the same name can be taken again
run 0 q snapshot-list f --name
expect_eq "a snapshot that died before the switch is not recorded" "$out" ""
expect_eq "... its overlay is removed" "$(ls "$root/f.k1" 2>&1 >/dev/null | wc -l)" "1"
expect_in "... and the domain's log says it was undone" "$(domain_log)" "snapshot 'k1' of a process that died: undone"
qemu_pid=$(sed -n 's/^qemu-pid=//p' "$root/run/qemu/f.status")
expect_eq "... QEMU no longer holds the overlay it had opened for it" \
    "$(ls -l "/proc/$qemu_pid/fd" 2>/dev/null | grep -c "$root/f.k1")" "0"
expect_wait "... the journal is gone" 1 nojournal
run 0 q snapshot-create-as f k1 --disk-only --quiesce
expect_eq "... and k1 can be taken again" "$(printf '%s\n' "$out" | head -1)" "Domain snapshot k1 created"

# k2's process died after QEMU switched the disk, before any record was written: the
# records are completed from QEMU's block graph, and what the guest writes afterwards
# survives a shutdown and a cold start (without the journal the guest booted from k1)
die snapshot-switched snapshot-create-as f k2 --disk-only --quiesce
expect_eq "the guest is thawed by its supervisor" "$(fsstatus)" '{"return":"thawed"}'
run 0 q snapshot-list f --name
expect_eq "a snapshot that died after the switch is recorded" "$out" "k1
k2"
expect_in "... the domain's log says it was completed" "$(domain_log)" "snapshot 'k2' of a process that died: QEMU runs on its overlays: records completed"
run 0 q snapshot-dumpxml f k2
expect_in "... its metadata says it is not known to be quiesced" "$out" "<quiesce status='crash-consistent'"
expect_in "... its parent is k1" "$out" "<name>k1</name>"
run 0 q dumpxml f
expect_in "... the live definition names the overlay QEMU writes" "$out" "<source file='$root/f.k2'/>"
run 0 q dumpxml --inactive f
expect_in "... so does the persistent one" "$out" "<source file='$root/f.k2'/>"
run 0 q snapshot-current f --name
expect_eq "... and it is current" "$out" "k2"
expect_wait "... the journal is gone" 1 nojournal
gsh 'echo written-after-k2 > /mnt/marker; sync'
run 0 q shutdown f --mode agent
expect_wait "shut off (shutdown)" 120 state_is f "shut off (shutdown)"
run 0 q start f
if wait_for 120 agent_connected f; then
    gsh 'cat /mnt/marker'
    expect_eq "what the guest wrote after the snapshot survives shutdown and a cold start" "$gout" "written-after-k2"
else
    not_ok "the guest boots again after the snapshot" "$(tail -5 "$root/f.console")"
fi

# k3's process died having recorded its intent, before anything else: undone
die snapshot-staged snapshot-create-as f k3 --disk-only
run 0 q snapshot-list f --name
expect_eq "a snapshot that died before acting is not recorded" "$out" "k1
k2"
expect_eq "... and has no overlay" "$(ls "$root/f.k3" 2>&1 >/dev/null | wc -l)" "1"

# ---- the process dies while the supervisor holds the guest frozen ----
# The guest's fsfreeze hook sleeps 3 s before qemu-ga freezes: the process that asked for
# k5 is killed in that window. The supervisor's step goes on (freeze, switch, thaw), and
# the next qvsh, which comes at once, waits for that step before it settles k5's journal
# from QEMU's block graph: completed, not undone under the switch.
gsh 'echo 3 > /run/fsfreeze-hook.freeze-sleep'
hooks_before=$(grep -c 'fsfreeze-hook: freeze' "$root/f.console")
"$qvsh" -c "$uri" snapshot-create-as f k5 --disk-only --quiesce >/dev/null 2>&1 &
kpid=$!
hook_started() { [ "$(grep -c 'fsfreeze-hook: freeze' "$root/f.console")" -gt "$hooks_before" ]; }
expect_wait "k5: the guest's freeze began" 120 hook_started
trial "qvsh killed in the supervisor's frozen window (snapshot-create-as)"
kill -9 "$kpid"
wait "$kpid" 2>/dev/null
expect_eq "... its process was killed in the frozen window" "$?" "137"
run 0 q snapshot-list f --name
expect_in "the next qvsh waited for the supervisor's switch, then completed k5's records" "$out" "k5"
expect_in "... the supervisor switched and thawed without the process that asked" "$(domain_log)" "snapshot switch: switched; 1 filesystem(s) frozen"
expect_in "... the domain's log says k5 was completed" "$(domain_log)" "snapshot 'k5' of a process that died: QEMU runs on its overlays: records completed"
expect_eq "... the guest is thawed" "$(fsstatus)" '{"return":"thawed"}'
expect_match "... the guard is disarmed" "$(cat "$root/run/qemu/f.status")" '^freeze-deadline=0$'
run 0 q dumpxml --inactive f
expect_in "... the definition names k5's overlay" "$out" "<source file='$root/f.k5'/>"
gsh 'rm -f /run/fsfreeze-hook.freeze-sleep; cat /run/fsfreeze-hook.log'
expect_eq "... the guest saw one freeze, then one thaw" "$(printf '%s\n' "$gout" | cut -d' ' -f1 | tail -2 | tr '\n' ,)" "freeze,thaw,"

# ---- files created safely; names within the limits ----
ln -s "$root/victim" "$root/f.k4"
run 1 q snapshot-create-as f k4 --disk-only
expect_in "an overlay path that is a symbolic link is refused" "$err" "is a symbolic link"
expect_eq "... nothing was written through it" "$(ls "$root/victim" 2>&1 >/dev/null | wc -l)" "1"
rm -f "$root/f.k4"
run 0 q snapshot-create-as f k4 --disk-only
expect_eq "an overlay qvirt creates is its owner's only" "$(stat -c %a "$root/f.k4")" "600"
long=$(printf '%0251d' 0)
run 0 q snapshot-create-as f "$long" --disk-only
expect_eq "a snapshot name of 251 bytes is kept" "$(q snapshot-current f --name)" "$long"
run 1 q snapshot-create-as f "1$long" --disk-only
expect_in "one of 252 bytes is refused, saying why" "$err" "is 252 bytes long; qvirt keeps snapshots named with at most 251 bytes"
expect_eq "... and nothing was created" "$(ls "$root" | grep -c "^f\.1$long")" "0"

# ---- qvirtd killed after the switch: the restarted daemon completes the records ----
sock=$root/qvirtd.sock
qd() { "$qvsh" -c "qvirt+unix:///system?socket=$sock" "$@"; }
# start_qvirtd [STEP]: qvirtd on the test's root (dying at STEP), listening
start_qvirtd() {
    [ -n "${1:-}" ] && trial "qvirtd dies at $1"
    rm -f "$sock"
    env QVIRT_TEST_DIE_AT="${1:-}" "$abs_top_builddir/daemon/qvirtd" --root "$root" \
        --socket "$sock" --no-socket-ro >>"$root/qvirtd.log" 2>&1 &
    qvirtd_pid=$!
    wait_for 60 test -S "$sock"
}
if start_qvirtd snapshot-switched; then
    run 1 qd snapshot-create-as f d1 --disk-only
    wait "$qvirtd_pid"
    expect_eq "qvirtd died at the step (SIGKILL)" "$?" "137"
    expect_in "... after QEMU switched the disk" "$(cat "$root/qvirtd.log")" "qvirt: dying at snapshot-switched"
    if start_qvirtd; then
        run 0 qd snapshot-list f --name
        expect_in "the restarted qvirtd completed the snapshot's records" "$out" "d1"
        run 0 qd dumpxml f
        expect_in "... the live definition names the overlay QEMU writes" "$out" "<source file='$root/f.d1'/>"
        kill "$qvirtd_pid"
        wait "$qvirtd_pid"
        expect_eq "qvirtd stopped by SIGTERM: exit status" "$?" "0"
    else
        not_ok "qvirtd starts again" "$(tail -5 "$root/qvirtd.log")"
    fi
else
    not_ok "qvirtd starts" "$(tail -5 "$root/qvirtd.log")"
fi

# a freeze the user asked for is not tied to the command that asked for it
run 0 q domfsfreeze f
expect_eq "domfsfreeze: the guest stays frozen after qvsh exits" "$(fsstatus)" '{"return":"frozen"}'
run 0 q domfsthaw f

# ---- a supervisor killed: nothing of its run stays behind ----
rundirs() { ls -d "$root"/run/qemu/domain-* "$root"/lib/qemu/domain-* "$root"/lib/qemu/channel/target/domain-* 2>/dev/null | wc -l; }
expect_eq "a run has its run, home and channel directories" "$(rundirs)" "3"
sv_pid=$(sed -n 's/^supervisor-pid=//p' "$root/run/qemu/f.status")
trial "supervisor killed while idle"
kill -9 "$sv_pid"
expect_wait "the supervisor killed, QEMU goes with it: shut off (crashed)" 60 state_is f "shut off (crashed)"
expect_eq "... its run files are still there" "$(rundirs)" "3"
run 0 q start f
expect_eq "the next change removes them: one run, three directories" "$(rundirs)" "3"
run 0 q destroy f
expect_eq "a run that ended leaves no directory behind" "$(rundirs)" "0"

# ---- a paused start whose starter died ends paused, as asked ----
die start-spawned start f --paused
expect_wait "a paused start whose starter died ends paused (user)" 120 state_is f "paused (user)"
run 0 q destroy f

# ---- internal snapshots, revert and delete: intent first, QEMU's word after ----
top() { q dumpxml f | sed -n "s/.*<source file='\([^']*\)'.*/\1/p" | head -1; }
tags() { qemu-img snapshot -U -l "$(top)" | awk 'NR > 2 { print $2 }'; }
run 0 q start f
if wait_for 120 agent_connected f; then
    ok "the guest boots for the internal snapshots"
else
    not_ok "the guest boots for the internal snapshots" "$(tail -5 "$root/f.console")"
fi
gsh 'echo before-i1 > /mnt/m1; rm -f /mnt/m2; sync'

# i1's process died once QEMU's snapshot-save job had ended, before any record: the
# images hold the tag, so the records are completed
die snapshot-switched snapshot-create-as f i1
run 0 q snapshot-list f --name
expect_in "an internal snapshot that died after QEMU took it is recorded" "$out" "i1"
expect_in "... the domain's log says why" "$(domain_log)" "snapshot 'i1' of a process that died: the images hold the snapshot: records completed"
expect_eq "... it is current" "$(q snapshot-current f --name)" "i1"
expect_wait "... the journal is gone" 1 nojournal
# i2's process died before QEMU's job was sent: undone, no tag in the image
die snapshot-staged snapshot-create-as f i2
run 0 q snapshot-list f --name
expect_not_in "one that died before acting is not recorded" "$out" "i2"
expect_not_in "... and the image has no tag i2" "$(tags)" "i2"
expect_in "... which holds i1" "$(tags)" "i1"

# revert with memory, its process dead after QEMU loaded the snapshot, before the run
# state: QEMU's concluded job says the load happened; the revert is completed, running
# as the snapshot was, and what the guest wrote after i1 is gone
gsh 'echo after-i1 > /mnt/m2; sync'
die revert-loaded snapshot-revert f i1
run 0 q domstate f
expect_eq "a revert that died after the load ends running" "$out" "running"
expect_in "... the domain's log says it was completed" "$(domain_log)" "snapshot 'i1' of a process that died: QEMU loaded the snapshot: revert completed"
expect_wait "... the journal is gone" 1 nojournal
if wait_for 60 agent_connected f; then
    gsh 'cat /mnt/m1; test -e /mnt/m2 || echo no-m2'
    expect_eq "... the guest is back at i1 (m1 there, m2 gone)" "$gout" "before-i1
no-m2"
else
    not_ok "the agent is back after the revert" "$(q dumpxml f | grep guest_agent)"
fi
# a revert of a shut-off domain that died with QEMU started paused, before the load:
# that QEMU goes, the domain is shut off as before, never left paused
run 0 q destroy f
die revert-staged snapshot-revert f i1
run 0 q domstate f
expect_eq "a revert that died having recorded its intent changes nothing: shut off" "$out" "shut off"
expect_wait "... its journal is gone" 1 nojournal
die revert-started snapshot-revert f i1
run 0 q domstate f
expect_eq "a revert that died before the load leaves the domain shut off" "$out" "shut off"
expect_in "... and says it was undone" "$(domain_log | tail -3)" "snapshot 'i1' of a process that died: undone (snapshot-revert)"

# delete, its process dead after the tag went, before the records: completed
die delete-tagged snapshot-delete f i1
run 0 q snapshot-list f --name
expect_not_in "a delete that died after removing the tag is completed" "$out" "i1"
expect_not_in "... the image has no tag i1" "$(tags)" "i1"
expect_eq "... current moved to i1's parent" "$(q snapshot-current f --name)" "d1"
expect_wait "... the journal is gone" 1 nojournal

# offline: an internal snapshot taken by qemu-img, a revert dead between qemu-img and its
# records: the next change applies the tag again and completes it, shut off
run 0 q snapshot-create-as f o1
expect_eq "an offline internal snapshot is a tag in the image" "$(tags | grep -cx o1)" "1"
run 0 q snapshot-create-as f o2
die revert-loaded snapshot-revert f o1 --running
run 0 q domstate f
expect_eq "an offline revert that died is completed, the domain left shut off" "$out" "shut off"
expect_eq "... o1 is current" "$(q snapshot-current f --name)" "o1"
expect_in "... the log says so" "$(domain_log | tail -3)" "the disks are reverted, the domain is left shut off"
die delete-staged snapshot-delete f o2
run 0 q snapshot-list f --name
expect_not_in "a delete that died before removing the tag is finished too" "$out" "o2"
expect_not_in "... the tag is gone" "$(tags)" "o2"

# ---- the supervisor killed at each step; the process driving the step goes on ----
# QVIRT_TEST_STOP_AT stops qvsh at the step; the test kills the supervisor (QEMU goes
# with it) and lets qvsh go on. Whatever qvsh says, the records must agree with the
# disks, and nothing may stay paused or frozen.
stopped() { [ "$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)" = T ]; }
stop_at() {
    step_=$1
    shift
    trial "supervisor killed, qvsh stopped at $step_ ($1)"
    env QVIRT_TEST_STOP_AT="$step_" "$qvsh" -c "$uri" "$@" >"$TAP_TMP/bg.out" 2>"$TAP_TMP/bg.err" &
    bg_pid=$!
    expect_wait "qvsh $* stopped at '$step_'" 120 stopped "$bg_pid"
}
sv_pid() { pgrep -f -- "--launch $root/run/qemu/f.launch"; }
kill_supervisor() {
    kill -9 $(sv_pid)
    expect_wait "the supervisor killed: shut off (crashed)" 60 state_is f "shut off (crashed)"
}
go_on() {
    kill -CONT "$bg_pid"
    wait "$bg_pid"
    bg_rc=$?
}
boot_f() {
    run 0 q start f
    if wait_for 120 agent_connected f; then
        ok "the guest boots again ($1)"
    else
        not_ok "the guest boots again ($1)" "$(tail -5 "$root/f.console")"
    fi
}

# the supervisor itself dies inside the frozen window (its own step): QEMU goes with it,
# so nothing stays frozen, and the snapshot the guest never wrote to is undone
run 0 env QVIRT_TEST_DIE_AT=snapshot-frozen "$qvsh" -c "$uri" start f
if wait_for 120 agent_connected f; then
    ok "the guest boots under a supervisor that dies at 'snapshot-frozen'"
else
    not_ok "the guest boots under a supervisor that dies at 'snapshot-frozen'" "$(tail -5 "$root/f.console")"
fi
trial "supervisor dies at snapshot-frozen (snapshot-create-as)"
run 1 q snapshot-create-as f v1 --disk-only --quiesce
bg_rc=$rc
expect_in "... it died at the step" "$(domain_log)" "qvirt: dying at snapshot-frozen"
expect_wait "... QEMU went with it: shut off (crashed)" 60 state_is f "shut off (crashed)"
expect_eq "a quiesced snapshot whose supervisor died while the guest was frozen fails" "$bg_rc" "1"
expect_eq "... is not recorded" "$(q snapshot-list f --name | grep -c '^v1$')" "0"
expect_eq "... and leaves no overlay" "$(ls "$root" | grep -c '\.v1$')" "0"
expect_wait "... nor a journal" 1 nojournal
boot_f "after a snapshot that failed with its supervisor"

gsh 'echo before-v2 > /mnt/v; sync'
stop_at snapshot-switched snapshot-create-as f v2 --disk-only --quiesce
kill_supervisor
go_on
expect_eq "a snapshot whose supervisor died after the switch succeeds" "$bg_rc" "0"
run 0 q dumpxml --inactive f
expect_in "... the definition names the overlay QEMU switched to" "$out" "<source file='$root/f.v2'/>"
expect_eq "... it is current" "$(q snapshot-current f --name)" "v2"
boot_f "from the overlay of a snapshot whose supervisor died"
gsh 'cat /mnt/v'
expect_eq "... and the guest's disk is what it wrote" "$gout" "before-v2"

stop_at snapshot-staged snapshot-create-as f v3
kill_supervisor
go_on
expect_eq "an internal snapshot whose supervisor died before QEMU's job fails" "$bg_rc" "1"
expect_eq "... is not recorded" "$(q snapshot-list f --name | grep -c '^v3$')" "0"
expect_not_in "... and no tag is in the image" "$(tags)" "v3"
expect_wait "... nor a journal" 1 nojournal

boot_f "for an internal snapshot to revert to"
run 0 q snapshot-create-as f v4
gsh 'echo after-v4 > /mnt/v; sync'
stop_at revert-loaded snapshot-revert f v4
kill_supervisor
go_on
expect_eq "a revert whose supervisor died after the load reports failure" "$bg_rc" "1"
run 0 q domstate f
expect_eq "... the domain is shut off" "$out" "shut off"
expect_in "... the next command finished the revert on the disks" "$(domain_log | tail -3)" "snapshot 'v4' of a process that died: the disks are reverted, the domain is left shut off"
expect_eq "... v4 is current" "$(q snapshot-current f --name)" "v4"
boot_f "after a revert whose supervisor died"
gsh 'cat /mnt/v'
expect_eq "... the guest's disk is v4's" "$gout" "before-v2"

stop_at delete-staged snapshot-delete f v4
kill_supervisor
go_on
expect_eq "a delete whose supervisor died before the tag went fails" "$bg_rc" "1"
expect_eq "... v4 is still recorded" "$(q snapshot-list f --name | grep -c '^v4$')" "1"
expect_in "... and still in the image" "$(tags)" "v4"
run 0 q snapshot-delete f v4
expect_not_in "... deleting it again (shut off) works" "$(tags)" "v4"

# ---- shutdown --mode agent: the request is the guest's once it is sent ----
boot_f "for the shutdowns"
die shutdown-requested shutdown f --mode agent
expect_wait "a shutdown whose qvsh died after the request ends shut off (shutdown)" 120 state_is f "shut off (shutdown)"
boot_f "after the shutdown"
stop_at shutdown-requested shutdown f --mode agent
# the guest may be quicker to power off than the kill: either end is the truth
kill -9 $(sv_pid) 2>/dev/null
shut_off() { q domstate f | grep -qx "shut off"; }
expect_wait "a shutdown whose supervisor was killed after the request ends shut off" 60 shut_off
go_on
expect_eq "... qvsh still reports the request sent" "$bg_rc" "0"
run 0 q domstate --reason f
expect_match "... the reason is what happened first: shutdown or crashed" "$out" '^shut off \((shutdown|crashed)\)$'


# ---- start: the supervisor killed before QEMU answered ----
stop_at start-spawned start f
kill -9 $(sv_pid)
go_on
expect_eq "a start whose supervisor died fails" "$bg_rc" "1"
expect_in "... saying so" "$(cat "$TAP_TMP/bg.err")" "error:"
run 0 q domstate f
expect_eq "... the domain is shut off" "$out" "shut off"
run 0 q start f
expect_eq "... and starts again" "$(q domstate f)" "running"
expect_eq "... leaving one run's directories" "$(rundirs)" "3"
run 0 q destroy f

# ---- qvirtd killed at the steps of the other operations ----
# qvirtd_dies STEP ARGS...: a qvirtd that dies at STEP serves ARGS (the call fails)
qvirtd_dies() {
    step_=$1
    shift
    if start_qvirtd "$step_"; then
        run 1 qd "$@"
        wait "$qvirtd_pid"
        expect_eq "qvirtd serving '$*' died at $step_ (SIGKILL)" "$?" "137"
    else
        not_ok "qvirtd starts" "$(tail -5 "$root/qvirtd.log")"
    fi
}
boot_f "for qvirtd's deaths"
qvirtd_dies snapshot-opened snapshot-create-as f y0 --disk-only --quiesce
expect_eq "an external snapshot whose qvirtd died before the switch is undone" "$(q snapshot-list f --name | grep -c '^y0$')" "0"
expect_eq "... its overlay is gone" "$(ls "$root/f.y0" 2>&1 >/dev/null | wc -l)" "1"
# qvirtd killed while the supervisor holds the guest frozen for y3 (issue 12 saw the
# guest stay frozen for the guard's 300 s): the restarted qvirtd finds y3 complete
gsh 'echo 3 > /run/fsfreeze-hook.freeze-sleep'
hooks_before=$(grep -c 'fsfreeze-hook: freeze' "$root/f.console")
if start_qvirtd; then
    qd snapshot-create-as f y3 --disk-only --quiesce >/dev/null 2>&1 &
    ypid=$!
    expect_wait "y3: the guest's freeze began" 120 hook_started
    trial "qvirtd killed in the supervisor's frozen window (snapshot-create-as)"
    kill -9 "$qvirtd_pid"
    wait "$qvirtd_pid"
    expect_eq "... qvirtd was killed" "$?" "137"
    wait "$ypid"
    expect_eq "... its client was told the call failed" "$?" "1"
    if start_qvirtd; then
        run 0 qd snapshot-list f --name
        expect_in "the restarted qvirtd waited for the switch and completed y3" "$out" "y3"
        run 0 qd dumpxml f
        expect_in "... the live definition names y3's overlay" "$out" "<source file='$root/f.y3'/>"
        kill "$qvirtd_pid"
        wait "$qvirtd_pid"
    else
        not_ok "qvirtd starts again" "$(tail -5 "$root/qvirtd.log")"
    fi
    expect_eq "... the guest is thawed" "$(fsstatus)" '{"return":"thawed"}'
    expect_match "... the guard is disarmed" "$(cat "$root/run/qemu/f.status")" '^freeze-deadline=0$'
else
    not_ok "qvirtd starts" "$(tail -5 "$root/qvirtd.log")"
fi
gsh 'rm -f /run/fsfreeze-hook.freeze-sleep'
run 0 q snapshot-create-as f y1
gsh 'echo after-y1 > /mnt/y; sync'
qvirtd_dies revert-loaded snapshot-revert f y1
if start_qvirtd; then
    run 0 qd domstate f
    expect_eq "a revert whose qvirtd died after the load is completed by the next qvirtd: running" "$out" "running"
    expect_in "... and the domain's log says so" "$(domain_log | tail -3)" "snapshot 'y1' of a process that died: QEMU loaded the snapshot: revert completed"
    kill "$qvirtd_pid"
    wait "$qvirtd_pid"
else
    not_ok "qvirtd starts again" "$(tail -5 "$root/qvirtd.log")"
fi
if wait_for 60 agent_connected f; then
    gsh 'test -e /mnt/y || echo no-y'
    expect_eq "... the guest is back at y1" "$gout" "no-y"
else
    not_ok "the agent is back after the revert" "$(q dumpxml f | grep guest_agent)"
fi
qvirtd_dies snapshot-switched snapshot-create-as f y2
expect_eq "an internal snapshot whose qvirtd died after QEMU's job is recorded" "$(q snapshot-list f --name | grep -c '^y2$')" "1"
qvirtd_dies delete-tagged snapshot-delete f y1
expect_eq "a delete whose qvirtd died after the tag went is finished" "$(q snapshot-list f --name | grep -c '^y1$')" "0"
expect_not_in "... no tag y1 is left" "$(tags)" "y1"
qvirtd_dies shutdown-requested shutdown f --mode agent
expect_wait "a shutdown whose qvirtd died after the request ends shut off (shutdown)" 120 state_is f "shut off (shutdown)"
qvirtd_dies start-spawned start f
expect_wait "a start whose qvirtd died ends running (booted)" 120 state_is f "running (booted)"
run 0 q destroy f

# ---- the serial console file: opened by qvirt for QEMU, never through a symbolic link ----
mv "$root/f.console" "$root/f.console.kept"
ln -s "$root/victim-console" "$root/f.console"
run 1 q start f
expect_in "a start whose console file is a symbolic link is refused, saying why" "$err" "'$root/f.console' is a symbolic link"
expect_eq "... nothing was written through it" "$(ls "$root/victim-console" 2>&1 >/dev/null | wc -l)" "1"
expect_eq "... the domain is shut off" "$(q domstate f)" "shut off"
rm -f "$root/f.console"
mv "$root/f.console.kept" "$root/f.console"
run 0 q start f
expect_eq "with the file back, it starts" "$(q domstate f)" "running"
expect_eq "... its console file is its owner's only" "$(stat -c %a "$root/f.console")" "600"
run 0 q destroy f

done_testing
