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

# run N CMD...: run CMD, keeping stdout in $out, stderr in $err and the status in $rc; a
# test that it ended with status N and that no sanitizer report appeared meanwhile (in its
# output, or from any process the test started: see tap_sanitizer_reports).
run() {
    want=$1
    shift
    out=$("$@" 2>"$TAP_TMP/stderr")
    rc=$?
    err=$(cat "$TAP_TMP/stderr")
    what="$(tap_describe "$@"): status $want"
    reports=$(tap_sanitizer_reports)
    case "$out$err" in
    *"Sanitizer"* | *"runtime error:"*) reports="$reports$out$err" ;;
    esac
    if [ -n "$reports" ]; then
        not_ok "$what, no sanitizer report" "status $rc" "$reports"
    elif [ "$rc" -ne "$want" ]; then
        not_ok "$what" "status $rc, expected $want" "stdout: $out" "stderr: $err"
    else
        ok "$what"
    fi
}

# tap_describe CMD...: CMD as a short line for a test's name (the program's base name,
# no connection URI, long arguments cut)
tap_describe() {
    line=${1##*/}
    shift
    skip=
    for a in "$@"; do
        if [ -n "$skip" ]; then
            skip=
            continue
        fi
        case $a in
        -c)
            skip=1
            continue
            ;;
        ?????????????????????????????????????????????*) a="$(printf '%.40s' "$a")..." ;;
        esac
        line="$line $a"
    done
    printf '%s' "$line"
}

# Every process a test starts (qvsh, qvirtd, the supervisors they spawn, C helpers)
# writes its AddressSanitizer and LeakSanitizer reports to files under $TAP_SAN instead of
# its stderr, where a redirection could lose them. (GCC's UndefinedBehaviorSanitizer
# ignores log_path beside ASan: it reports on stderr, and -fno-sanitize-recover ends the
# process with a failure status that run sees.) tap_sanitizer_reports prints the reports
# that appeared since it last looked, and moves them aside.
tap_sanitizer_reports() {
    for f in "$TAP_SAN"/report.*; do
        [ -f "$f" ] || continue
        printf '%s:\n' "$f"
        head -60 "$f"
        mv "$f" "$TAP_SAN/seen/"
    done
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

# in_main_loop PID: the process PID (a `qvsh event` watcher) has reached its main loop,
# so every callback is registered: its main thread blocks in poll(2) only there (x86-64's
# poll and ppoll; /proc/PID/syscall says "running" while it runs)
in_main_loop() {
    read -r nr_ _ <"/proc/$1/syscall" && { [ "$nr_" = 7 ] || [ "$nr_" = 271 ]; }
}

# timed N CMD...: run N CMD..., with the time it took in $took_ms
timed() {
    t0=$(now_ms)
    run "$@"
    took_ms=$(($(now_ms) - t0))
}

# within DESC MS MAX: a test that MS is below MAX: a bound against a hang or a wrong wait,
# ~10x what it measures on an idle machine (the exact figures belong in make bench)
within() {
    if [ "$2" -lt "$3" ]; then ok "$1 ($2 ms)"; else not_ok "$1" "$2 ms, bound $3 ms"; fi
}

# The test guest's serial console (a file) tells what happens inside it:
# boots CONSOLE: how many times it finished booting in this QEMU run (its init says so)
boots() { grep -c '^guest-init-done' "$1" 2>/dev/null; }
booted_more() { [ "$(boots "$1")" -gt "$2" ]; }
# on_console CONSOLE TEXT: TEXT is on the console
on_console() { grep -qF "$2" "$1"; }

# calls_logged LOG NAME N: qvirtd's LOG shows more than N calls of NAME (a mutating call
# is logged with its caller before it runs)
calls_logged() { [ "$(grep -c ": $2\$" "$1")" -gt "$3" ]; }

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

# gsh CMD: a test that CMD (no double quotes or backslashes) runs with the /bin/sh of the
# guest $gsh_dom (through its agent; q runs qvsh on the test's root) and exits 0 within
# 120 s; its output in $gout
gsh() {
    gout=
    gpid=$(q qemu-agent-command "$gsh_dom" "{\"execute\":\"guest-exec\",\"arguments\":{\"path\":\"/bin/sh\",\"arg\":[\"-c\",\"$1\"],\"capture-output\":true}}" 2>"$TAP_TMP/gsh.err" |
        sed -n 's/.*"pid":\([0-9]*\).*/\1/p')
    if [ -z "$gpid" ]; then
        not_ok "in the guest: $1" "$(cat "$TAP_TMP/gsh.err")"
        return 1
    fi
    gdeadline=$(($(now_ms) + 120000))
    while [ "$(now_ms)" -lt "$gdeadline" ]; do
        gst=$(q qemu-agent-command "$gsh_dom" "{\"execute\":\"guest-exec-status\",\"arguments\":{\"pid\":$gpid}}")
        case $gst in *'"exited":true'*)
            gout=$(printf '%s' "$gst" | sed -n 's/.*"out-data":"\([^"]*\)".*/\1/p' | base64 -d)
            expect_in "in the guest: $1" "$gst" '"exitcode":0'
            return ;;
        esac
        sleep 0.1
    done
    not_ok "in the guest: $1" "not done within 120 s: $gst"
    return 1
}
# expect_wait DESC SECONDS CMD...: a test that CMD succeeds within SECONDS (see wait_for)
expect_wait() {
    desc_=$1
    shift
    if wait_for "$@"; then ok "$desc_ ($waited_ms ms)"; else not_ok "$desc_" "not within $1 s: $*"; fi
}

# done_testing: the last test (no sanitizer report from any process the test started, even
# those whose output it never read), then the plan
done_testing() {
    reports=$(tap_sanitizer_reports)
    if [ -n "$reports" ]; then
        not_ok "no sanitizer report from any process of this test" "$reports"
    else
        ok "no sanitizer report from any process of this test"
    fi
    echo "1..$tap_n"
    [ "$tap_fail" -eq 0 ]
}

TAP_TMP=$(mktemp -d "${TMPDIR:-/tmp}/qvtest.XXXXXX")
trap 'rm -rf "$TAP_TMP"' EXIT
TAP_SAN=$TAP_TMP/sanitizer
mkdir -p "$TAP_SAN/seen"
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$TAP_SAN/report"
UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$TAP_SAN/report"
LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}log_path=$TAP_SAN/report"
export ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS
