# tap.sh: helpers for the shell tests: TAP output, running commands, comparing output.
# Sourced by tests/*.sh; they use $abs_top_builddir and $abs_top_srcdir from make.

: "${abs_top_builddir:?run from make check}"
: "${abs_top_srcdir:?run from make check}"
tap_n=0
tap_fail=0

ok() {
    tap_n=$((tap_n + 1))
    echo "ok $tap_n - $1"
}

not_ok() {
    tap_n=$((tap_n + 1))
    tap_fail=$((tap_fail + 1))
    echo "not ok $tap_n - $1"
    shift
    for line in "$@"; do
        printf '%s\n' "$line" | sed 's/^/#   /'
    done
}

# run CMD...: run, keeping stdout in $out, stderr in $err and the status in $rc.
run() {
    out=$("$@" 2>"$TAP_TMP/stderr")
    rc=$?
    err=$(cat "$TAP_TMP/stderr")
}

# expect_rc DESC N: the last run ended with status N.
expect_rc() {
    if [ "$rc" -eq "$2" ]; then ok "$1"; else not_ok "$1" "status $rc, expected $2" "stdout: $out" "stderr: $err"; fi
}

# expect_in DESC HAYSTACK NEEDLE: NEEDLE occurs in HAYSTACK (fixed string).
expect_in() {
    case "$2" in
    *"$3"*) ok "$1" ;;
    *) not_ok "$1" "expected to find: $3" "in: $2" ;;
    esac
}

expect_not_in() {
    case "$2" in
    *"$3"*) not_ok "$1" "did not expect: $3" "in: $2" ;;
    *) ok "$1" ;;
    esac
}

# expect_match DESC TEXT ERE: some line of TEXT matches the extended regular expression.
expect_match() {
    if printf '%s\n' "$2" | grep -qE -- "$3"; then ok "$1"; else not_ok "$1" "expected a line matching: $3" "in: $2"; fi
}

expect_eq() {
    if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "expected: $3" "actual:   $2"; fi
}

# tree DIR: every path below DIR with a checksum of each file, to compare states.
tree() {
    if [ -d "$1" ]; then
        (cd "$1" && find . -print0 | sort -z | xargs -0 -n 50 sh -c 'for f; do if [ -f "$f" ]; then md5sum "$f"; else echo "$f"; fi; done' sh)
    else
        echo "(absent)"
    fi
}

now_ms() { date +%s%3N; }

# wait_for SECONDS CMD...: until CMD succeeds; the time it took in $waited_ms
wait_for() {
    limit=$(($(now_ms) + $1 * 1000))
    start=$(now_ms)
    shift
    while ! "$@" >/dev/null 2>&1; do
        if [ "$(now_ms)" -ge "$limit" ]; then
            waited_ms=$(($(now_ms) - start))
            return 1
        fi
        sleep 0.1
    done
    waited_ms=$(($(now_ms) - start))
    return 0
}

# test_guest: build (or reuse) the test guest; its directory in $guest and the
# accelerator in $virt: KVM only where it can boot this guest (not under a nested PVM
# hypervisor), else TCG. A guest that does not build is a failed test, never a skip.
test_guest() {
    guest=$("$abs_top_srcdir/tests/guest/build-guest.sh" 2>"$TAP_TMP/guest.log")
    if [ $? -ne 0 ] || [ ! -f "$guest/ok" ]; then
        not_ok "the test guest builds" "$(tail -20 "$TAP_TMP/guest.log")"
        done_testing
        exit 1
    fi
    virt=qemu
    if [ -r /dev/kvm ] && [ -w /dev/kvm ] && grep -qE '\b(vmx|svm)\b' /proc/cpuinfo &&
        [ ! -e /sys/module/kvm_pvm ]; then
        virt=kvm
    fi
}

# guest_domain DIR NAME CMDLINE-EXTRA CHANNEL-NAME: DIR/NAME.qcow2 (an overlay of the test
# guest's disk) and DIR/NAME.xml, a definition of the test guest (after test_guest)
guest_domain() {
    dir_=$1
    shift
    qemu-img create -q -f qcow2 -F qcow2 -b "$guest/disk.qcow2" "$dir_/$1.qcow2"
    cat >"$dir_/$1.xml" <<EOF
<domain type='$virt'>
  <name>$1</name>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>$guest/vmlinuz</kernel>
    <initrd>$guest/initramfs.cpio.gz</initrd>
    <cmdline>console=ttyS0 quiet i8042.noaux i8042.nokbd $2</cmdline>
  </os>
  <features><acpi/></features>
  <cpu mode='maximum'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='$dir_/$1.qcow2'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <serial type='file'>
      <source path='$dir_/$1.console'/>
      <target port='0'/>
    </serial>
    <channel type='unix'>
      <source mode='bind'/>
      <target type='virtio' name='$3'/>
    </channel>
    <memballoon model='none'/>
  </devices>
</domain>
EOF
    if [ "$virt" = kvm ]; then
        sed -i "s|<cpu mode='maximum'/>|<cpu mode='host-passthrough'/>|" "$dir_/$1.xml"
    fi
}

done_testing() {
    echo "1..$tap_n"
    [ "$tap_fail" -eq 0 ]
}

TAP_TMP=$(mktemp -d "${TMPDIR:-/tmp}/qvtest.XXXXXX")
trap 'rm -rf "$TAP_TMP"' EXIT
