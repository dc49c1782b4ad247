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
    run 137 env QVIRT_TEST_DIE_AT="$step_" "$qvsh" -c "$uri" "$@"
    expect_in "... it died at '$step_'" "$err" "qvirt: dying at $step_"
}

state_is() { [ "$(q domstate --reason "$1")" = "$2" ]; }
agent_connected() { q dumpxml "$1" | grep -q "name='org.qemu.guest_agent.0' state='connected'"; }
fsstatus() { q qemu-agent-command f '{"execute":"guest-fsfreeze-status"}'; }
fs_is() { [ "$(fsstatus)" = "{\"return\":\"$1\"}" ]; }
supervisor_log() { cat "$root/log/qemu/f.log"; }

guest_domain "$root" f "qgaargs=-F" org.qemu.guest_agent.0
run 0 q define "$root/f.xml"

# ---- start: the process that started the domain dies before it is told "started" ----
# QEMU starts with its CPUs stopped; the supervisor resumes them itself, so the start
# completes without the process that asked for it.
die start-spawned start f
expect_wait "a start whose starter died ends running" 120 state_is f "running (booted)"
if wait_for 120 agent_connected f; then
    ok "... and the guest boots (its agent connects, $waited_ms ms)"
else
    not_ok "the guest of an orphaned start boots" "$(tail -5 "$root/f.console")"
fi

# ---- a quiesced snapshot whose process dies while the guest is frozen ----
# The freeze guard is tied to the freezer's connection to the supervisor: when it closes
# with the guest frozen, the supervisor thaws at once, not at the guard's deadline (300 s).
die snapshot-frozen snapshot-create-as f k1 --disk-only --quiesce
killed_ms=$(now_ms)
expect_in "the snapshot froze the guest before it died" "$(supervisor_log)" "freeze guard armed"
if wait_for 60 fs_is thawed; then
    ok "the supervisor thawed the guest at once when its freezer died ($(($(now_ms) - killed_ms)) ms after the kill; guard 300 s)"
else
    not_ok "the guest is thawed when its freezer dies" "$(fsstatus)" "$(supervisor_log | tail -5)"
fi
expect_in "... and says why" "$(supervisor_log)" "the client that froze the guest's filesystems is gone; thawing them now"
expect_match "... the guard is disarmed" "$(cat "$root/run/qemu/f.status")" '^freeze-deadline=0$'

# a freeze the user asked for is not tied to the command that asked for it
run 0 q domfsfreeze f
expect_eq "domfsfreeze: the guest stays frozen after qvsh exits" "$(fsstatus)" '{"return":"frozen"}'
run 0 q domfsthaw f

# ---- a paused start whose starter died ends paused, as asked ----
run 0 q destroy f
die start-spawned start f --paused
expect_wait "a paused start whose starter died ends paused (user)" 120 state_is f "paused (user)"
run 0 q destroy f

done_testing
