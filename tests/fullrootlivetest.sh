#!/bin/sh
# fullrootlivetest.sh: a full state root, with the real test guest running. Every change
# must either fail with a clear error and change nothing, or be fully recorded; a clean
# shutdown must still be recorded as one (the supervisor keeps room for a run's last
# records). The root is a small tmpfs of the test's own, mounted in a private mount
# namespace (gone with the test: nothing of the host's is mounted or filled); the guest's
# disk and definition live outside it.

if [ -z "${QVIRT_FULLROOT_NS:-}" ]; then
    QVIRT_FULLROOT_NS=1 exec unshare -m --propagation private "$0" "$@"
fi

. "$abs_top_srcdir/tests/tap.sh"

qvsh=$abs_top_builddir/tools/qvsh
unset QVIRT_DEFAULT_URI

test_guest
echo "# the test guest: $guest; accelerator: $virt"

disks=$(mktemp -d /tmp/qvfulld.XXXXXX)
root=$(mktemp -d /tmp/qvfull.XXXXXX)
uri="qvirt:///embed?root=$root"
q() { "$qvsh" -c "$uri" "$@"; }
cleanup() {
    q destroy g >/dev/null 2>&1
    umount "$root" 2>/dev/null
    rm -rf "$root" "$disks" "$TAP_TMP"
}
trap cleanup EXIT

if mount -t tmpfs -o size=4m,mode=0700 qvirt-full-root "$root"; then
    ok "a 4 MiB tmpfs is the state root"
else
    not_ok "a 4 MiB tmpfs is the state root (mount in a private namespace)"
    done_testing
    exit 1
fi
# fill: nothing left on the root (tmpfs counts whole pages, dd writes whole pages)
fill() { dd if=/dev/zero of="$root/filler$1" bs=4k >/dev/null 2>&1; [ "$(df -k --output=avail "$root" | tail -1 | tr -d ' ')" = 0 ]; }
state_is() { [ "$(q domstate --reason "$1")" = "$2" ]; }
agent_connected() { q dumpxml "$1" | grep -q "name='org.qemu.guest_agent.0' state='connected'"; }
nojournal() { [ -z "$(ls "$root/lib/qemu/journal" 2>/dev/null)" ]; }
rundirs() { ls -d "$root"/run/qemu/domain-* "$root"/lib/qemu/domain-* 2>/dev/null | wc -l; }

guest_domain "$disks" g "" org.qemu.guest_agent.0
run 0 q define "$disks/g.xml"
run 0 q start g
if wait_for 120 agent_connected g; then
    ok "the guest boots ($waited_ms ms)"
else
    not_ok "the guest boots" "$(tail -5 "$disks/g.console")"
fi
run 0 q snapshot-create-as g s0 --disk-only
expect_eq "s0, taken with room to spare, is current" "$(q snapshot-current g --name)" "s0"
live_before=$(q dumpxml g)

if fill 1; then ok "the state root is full"; else not_ok "the state root is full" "$(df -k "$root")"; fi

# ---- every change fails, saying why, and changes nothing ----
run 1 q snapshot-create-as g s1 --disk-only --quiesce
expect_in "a quiesced snapshot on a full root fails" "$err" "No space left on device"
expect_in "... naming the record it could not write" "$err" "cannot write '$root/"
expect_eq "... no overlay was created" "$(ls "$disks" | grep -c '\.s1$')" "0"
expect_eq "... nothing is recorded" "$(q snapshot-list g --name)" "s0"
expect_eq "... the live definition is unchanged" "$(q dumpxml g)" "$live_before"
expect_eq "... the guest was never frozen (its agent says thawed)" \
    "$(q qemu-agent-command g '{"execute":"guest-fsfreeze-status"}')" '{"return":"thawed"}'
expect_wait "... no journal is left" 1 nojournal

run 1 q snapshot-create-as g i1
expect_in "an internal snapshot on a full root fails" "$err" "No space left on device"
expect_eq "... and QEMU took none: no tag in the image" \
    "$(qemu-img snapshot -U -l "$disks/g.s0" | grep -c ' i1 ')" "0"

run 1 q snapshot-delete g s0 --metadata
expect_in "deleting a snapshot's metadata on a full root fails" "$err" "No space left on device"
expect_eq "... s0 is still recorded and current" "$(q snapshot-current g --name)" "s0"

sed "s|<name>g<|<name>h<|" "$disks/g.xml" >"$disks/h.xml"
run 1 q define "$disks/h.xml"
expect_in "a define on a full root fails" "$err" "No space left on device"
expect_eq "... and defines nothing" "$(q list --all --name | grep -c '^h$')" "0"

# ---- a clean shutdown is recorded as one ----
run 0 q shutdown g --mode agent
expect_wait "a clean shutdown on a full root is recorded: shut off (shutdown), not crashed" 120 \
    state_is g "shut off (shutdown)"
expect_in "... the supervisor used the room it kept" "$(cat "$root/log/qemu/g.log" 2>/dev/null)" \
    "the state root is full: using the room kept for the run's records"

# the end of the run gave back its files: fill again
fill 2
run 1 q start g
expect_match "a start on a full root fails, saying why" "$err" "No space left on device|no room for the records of a run"
expect_eq "... the domain stays shut off" "$(q domstate g)" "shut off"
expect_eq "... and leaves no run behind" "$(rundirs)" "0"

# ---- with room again, all works ----
rm -f "$root"/filler*
run 0 q start g
expect_eq "with room again, the domain starts" "$(q domstate g)" "running"
run 0 q snapshot-create-as g s1 --disk-only
expect_eq "... and the snapshot that failed can be taken" "$(q snapshot-current g --name)" "s1"
run 0 q destroy g

done_testing
