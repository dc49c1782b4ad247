#!/bin/bash
# build-guest.sh: build (or reuse) the tiny Linux test guest that runs the real qemu-ga.
#
# Usage: tests/guest/build-guest.sh [--print-dir]
#
# Builds the guest described in the design document test-guest.md (stock Debian cloud kernel,
# busybox-static as init, the host's own /usr/sbin/qemu-ga) into a cache directory and prints
# the absolute path of the directory holding it as the only line on stdout. All progress goes
# to stderr. --print-dir is accepted for explicitness; printing the directory is what the
# script always does.
#
# The directory holds:
#   vmlinuz            the kernel from linux-image-cloud-amd64 (extracted, not installed)
#   initramfs.cpio.gz  busybox init, the virtio modules, qemu-ga and its libraries
#   disk.qcow2         a 64 MiB ext4 data disk, label qgadata (give every run its own overlay)
#   kernel-version     e.g. 6.1.0-56-cloud-amd64
#   inputs             the values the cache key was computed from
#   ok                 written last: the directory is complete
#
# Cache: ${QVIRT_TEST_GUEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/qvirt/test-guest}/<key>,
# where <key> is a sha256 prefix over the kernel package and version, the sha256 of qemu-ga,
# the busybox version and the sha256 of this script. A changed input builds a new directory;
# an unchanged one is reused without any work. Builds are serialised with flock and renamed
# into place atomically, so concurrent invocations are safe.
#
# Needs (Debian packages): apt, dpkg, busybox-static, qemu-guest-agent, e2fsprogs, qemu-utils,
# gzip, util-linux, libc-bin; xz-utils or zstd only if the kernel's modules are compressed.
# Nothing is installed; the kernel .deb is fetched with `apt-get download` into the cache.

set -eu
set -o pipefail

# ---- 0. Set-up: stdout is reserved for the result; everything else goes to stderr ----

exec 3>&1 1>&2
export LC_ALL=C
PATH=$PATH:/usr/sbin:/sbin
umask 022

prog=${0##*/}
script=$(readlink -f "${BASH_SOURCE[0]}")

log() { printf '%s: %s\n' "$prog" "$*" >&2; }
die() { printf '%s: error: %s\n' "$prog" "$*" >&2; exit 1; }

usage() {
    cat >&2 <<EOF
Usage: $prog [--print-dir]
Build (or reuse) the qvirt test guest and print its directory on stdout.
Cache: \${QVIRT_TEST_GUEST_CACHE:-\${XDG_CACHE_HOME:-\$HOME/.cache}/qvirt/test-guest}
EOF
}

for arg in "$@"; do
    case $arg in
        --print-dir) ;;
        -h|--help) usage; exit 0 ;;
        *) usage; die "unknown argument: $arg" ;;
    esac
done

# Inputs and fixed names.
META_PKG=linux-image-cloud-amd64
QGA=/usr/sbin/qemu-ga
BUSYBOX=/bin/busybox
WANTED_MODULES="virtio_pci virtio_console virtio_blk"   # the guest cannot work without these
OPTIONAL_MODULES="button evdev"                          # only for the ACPI power button
DISK_SIZE=64M
DISK_LABEL=qgadata
GUEST_HOSTNAME=qvirt-guest

# ---- 1. Host tools: fail early, naming the Debian package to install ----

need() { # need <command> <debian package>
    command -v "$1" >/dev/null 2>&1 || die "'$1' not found: install the Debian package $2"
}
need apt-get apt
need apt-cache apt
need dpkg dpkg
need dpkg-query dpkg
need mkfs.ext4 e2fsprogs
need qemu-img qemu-utils
need gzip gzip
need flock util-linux
need ldd libc-bin
need sha256sum coreutils
need find findutils
[ -x "$QGA" ] || die "$QGA not found: install the Debian package qemu-guest-agent"
[ -x "$BUSYBOX" ] || die "$BUSYBOX not found: install the Debian package busybox-static"
# ldd fails ("not a dynamic executable") on a static binary; the `busybox` package's dynamic
# build would load no libraries inside the guest.
if ldd "$BUSYBOX" >/dev/null 2>&1; then
    die "$BUSYBOX is dynamically linked: install the Debian package busybox-static"
fi
arch=$(dpkg --print-architecture)
[ "$arch" = amd64 ] || die "only amd64 hosts are supported (this is $arch)"

# ---- 2. Cache directory ----

cache=${QVIRT_TEST_GUEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/qvirt/test-guest}
mkdir -p "$cache" "$cache/debs"
cache=$(cd "$cache" && pwd -P)
lockfile=$cache/lock
locked=false

take_lock() {
    $locked && return 0
    exec 9>>"$lockfile"
    if ! flock -n 9; then
        log "waiting for another build (lock $lockfile)"
        flock 9
    fi
    locked=true
}

# ---- 3. Resolve the kernel package and compute the cache key ----

# Sets kpkg (e.g. linux-image-6.1.0-56-cloud-amd64) and kpkgver (its candidate version).
resolve_kernel() {
    kpkg=$(apt-cache depends "$META_PKG" 2>/dev/null |
        sed -n 's/^[ |]*Depends: \(linux-image-[0-9][^ ]*\).*/\1/p' | head -n 1) || true
    [ -n "$kpkg" ] || return 1
    kpkgver=$(apt-cache policy "$kpkg" 2>/dev/null | sed -n 's/^ *Candidate: //p' | head -n 1)
    [ -n "$kpkgver" ] && [ "$kpkgver" != "(none)" ]
}

apt_update() {
    [ "$(id -u)" = 0 ] || die "apt cannot resolve $META_PKG and only root can run apt-get update"
    log "running apt-get update"
    apt-get update -q >&2 || die "apt-get update failed"
}

# apt-cache takes about 0.5 s per call where apt's binary cache is disabled (Debian's docker
# images do that), so remember the answer for as long as apt's lists, sources and pinning (and
# dpkg's status) are unchanged. The stamp is taken before resolving, so a change during the
# resolution only causes another resolution next time.
apt_stamp() {
    local lists etc
    eval "$(apt-config shell lists Dir::State::lists/d etc Dir::Etc/d)"
    { stat -L -c '%n %s %Y' "${lists:-/var/lib/apt/lists/}"*Packages* \
        "${lists:-/var/lib/apt/lists/}"*Release* "${etc:-/etc/apt/}"sources.list* \
        "${etc:-/etc/apt/}"sources.list.d/* "${etc:-/etc/apt/}"preferences* \
        "${etc:-/etc/apt/}"preferences.d/* /var/lib/dpkg/status 2>/dev/null || true; } |
        sha256sum | cut -d' ' -f1
}
memo=$cache/resolved
stamp=$(apt_stamp)

resolve_kernel_memo() {
    local s p v
    if [ -f "$memo" ] && read -r s p v < "$memo" && [ "$s" = "$stamp" ] && [ -n "$v" ]; then
        kpkg=$p kpkgver=$v
        return 0
    fi
    resolve_kernel || return 1
    printf '%s %s %s\n' "$stamp" "$kpkg" "$kpkgver" > "$memo.$$"
    mv -f "$memo.$$" "$memo"
}

if ! resolve_kernel_memo; then
    take_lock               # one apt-get update at a time; someone else may just have run it
    resolve_kernel_memo || { apt_update; stamp=$(apt_stamp); resolve_kernel_memo; } ||
        die "cannot resolve $META_PKG to a versioned linux-image package with apt-cache"
fi

compute_key() {
    inputs=$(printf 'kernel-package=%s\nkernel-package-version=%s\nqemu-ga-sha256=%s\nbusybox-version=%s\nscript-sha256=%s\n' \
        "$kpkg" "$kpkgver" \
        "$(sha256sum < "$QGA" | cut -d' ' -f1)" \
        "$(dpkg-query -W -f='${Version}' busybox-static 2>/dev/null || "$BUSYBOX" | head -n 1)" \
        "$(sha256sum < "$script" | cut -d' ' -f1)")
    key=$(printf '%s\n' "$inputs" | sha256sum | cut -c1-16)
    dest=$cache/$key
}

done_if_built() {
    if [ -f "$dest/ok" ]; then
        touch "$dest" 2>/dev/null || true     # mark as recently used (see pruning in §9)
        printf '%s\n' "$dest" >&3
        exit 0
    fi
}

compute_key
done_if_built                     # fast path: no lock, no work

take_lock
done_if_built                     # a concurrent invocation may have built it meanwhile

# ---- 4. Scratch space (removed on exit) ----

# Only the lock holder builds, so any tmp.* left over is from a killed build.
rm -rf "$cache"/tmp.*
tmp=$(mktemp -d "$cache/tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root                    # the initramfs tree
out=$tmp/out                      # becomes $dest
mkdir -p "$root" "$out"

# ---- 5. Kernel: download the .deb once, extract it (never install it) ----

debfile() { printf '%s/debs/%s_%s_%s.deb' "$cache" "$kpkg" "${kpkgver//:/%3a}" "$arch"; }

download_kernel() {
    local dl
    dl=$(mktemp -d "$cache/debs/tmp.XXXXXX")
    # As root apt warns that the download is unsandboxed (user _apt); that is harmless.
    if (cd "$dl" && apt-get download -q "$kpkg=$kpkgver" >&2) &&
        set -- "$dl"/*.deb && [ $# = 1 ] && [ -f "$1" ]; then
        mv "$1" "$(debfile)"
        rm -rf "$dl"
        return 0
    fi
    rm -rf "$dl"
    return 1
}

deb=$(debfile)
if [ ! -f "$deb" ]; then
    log "downloading $kpkg $kpkgver"
    if ! download_kernel; then
        # Stale package lists point at a version the mirror no longer has.
        log "download failed; refreshing the package lists"
        apt_update
        stamp=$(apt_stamp)
        resolve_kernel_memo || die "cannot resolve $META_PKG after apt-get update"
        compute_key
        done_if_built
        deb=$(debfile)
        [ -f "$deb" ] || download_kernel || die "apt-get download $kpkg=$kpkgver failed"
    fi
else
    log "using cached $(basename "$deb")"
fi

log "building $dest"
kroot=$tmp/kernel
dpkg -x "$deb" "$kroot"
set -- "$kroot"/boot/vmlinuz-*
if [ $# != 1 ] || [ ! -f "$1" ]; then die "expected exactly one boot/vmlinuz-* in $deb"; fi
cp "$1" "$out/vmlinuz"
kver=${1##*/vmlinuz-}
printf '%s\n' "$kver" > "$out/kernel-version"
moddir=
for d in "$kroot/lib/modules/$kver" "$kroot/usr/lib/modules/$kver"; do
    [ -d "$d" ] && moddir=$d && break
done
[ -n "$moddir" ] || die "no lib/modules/$kver in $deb"

# ---- 6. Kernel modules, resolved from .modinfo (the .deb has no modules.dep) ----

mkdir -p "$root/lib/modules"
# "<name> <path>" for every module file; names normalised to '_' (files may use '-').
find "$moddir/kernel" -type f -name '*.ko*' |
    sed 's|^\(.*/\)\([^/]*\)$|\2 \1\2|; s|\.ko\(\.[a-z]*\)\{0,1\} | |' |
    awk '{ gsub(/-/, "_", $1); print }' > "$tmp/modindex"
# Names of built-in modules, normalised the same way.
if [ -f "$moddir/modules.builtin" ]; then
    sed 's|.*/||; s|\.ko$||; s|-|_|g' "$moddir/modules.builtin" > "$tmp/builtin"
else
    : > "$tmp/builtin"
fi

declare -A seen=()
load_order=()

# Copy one module (decompressing it if needed) to /lib/modules/<name>.ko in the initramfs.
install_module() { # install_module <name> <source file>
    local dst=$root/lib/modules/$1.ko
    case $2 in
        *.ko)     cp "$2" "$dst" ;;
        *.ko.xz)  need xz xz-utils; xz -dc "$2" > "$dst" ;;
        *.ko.zst) need zstd zstd; zstd -qdc "$2" > "$dst" ;;
        *.ko.gz)  gzip -dc "$2" > "$dst" ;;
        *) die "unknown module file type: $2" ;;
    esac
}

# Depth-first: dependencies first, then the module itself. Returns 1 if not found at all.
add_module() { # add_module <name>
    local name=${1//-/_} file deps dep
    [ -n "${seen[$name]:-}" ] && return 0
    seen[$name]=1
    file=$(awk -v n="$name" '$1 == n { print $2; exit }' "$tmp/modindex")
    if [ -z "$file" ]; then
        if grep -qx -- "$name" "$tmp/builtin"; then
            log "module $name is built in"
            return 0
        fi
        return 1
    fi
    install_module "$name" "$file"
    # .modinfo strings are NUL-separated; depends= is a comma-separated list.
    deps=$(tr '\0' '\n' < "$root/lib/modules/$name.ko" | sed -n 's/^depends=//p' | head -n 1)
    for dep in ${deps//,/ }; do
        add_module "$dep" || die "module $name needs $dep, which is neither a file nor built in"
    done
    load_order+=("$name")
}

for m in $WANTED_MODULES; do
    add_module "$m" || die "kernel $kver has no module $m"
done
for m in $OPTIONAL_MODULES; do
    add_module "$m" || log "warning: kernel $kver has no module $m (ACPI power button will not work)"
done
printf '%s\n' "${load_order[@]}" > "$root/lib/modules/load-order"
log "module load order: ${load_order[*]}"

# ---- 7. Initramfs tree ----

# 7a. Skeleton.
for d in bin sbin usr/bin usr/sbin etc etc/qemu etc/acpi/PWRF lib lib64 proc sys dev run \
    tmp mnt var root; do
    mkdir -p "$root/$d"
done
chmod 1777 "$root/tmp"
chmod 700 "$root/root"
ln -s ../lib "$root/usr/lib"              # merged-/usr hosts: ldd prints /lib/..., /usr/lib/...
ln -s ../run "$root/var/run"              # qemu-ga's pidfile /var/run/qemu-ga.pid

# 7b. busybox and one symlink per applet; hwclock in /sbin for qemu-ga's guest-set-time.
cp "$BUSYBOX" "$root/bin/busybox"
for applet in $("$BUSYBOX" --list); do
    [ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done
ln -s ../bin/busybox "$root/sbin/hwclock"

# 7c. qemu-ga and every library it loads, including the dynamic loader, at the paths ldd
#     prints (real files: symlinks dereferenced).
cp "$QGA" "$root/usr/sbin/qemu-ga"
ldd "$QGA" > "$tmp/ldd" || die "ldd $QGA failed"
if grep -q 'not found' "$tmp/ldd"; then
    die "ldd $QGA reports missing libraries: $(grep 'not found' "$tmp/ldd" | tr -s ' \t' ' ')"
fi
# "libx.so => /path (addr)" or "/lib64/ld-linux-x86-64.so.2 (addr)"; skip linux-vdso.
awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' "$tmp/ldd" |
    sort -u > "$tmp/libs"
grep -q 'ld-linux' "$tmp/libs" || die "ldd $QGA listed no dynamic loader"
while read -r lib; do
    mkdir -p "$root${lib%/*}"
    cp -L "$lib" "$root$lib"
done < "$tmp/libs"

# 7d. /etc.
cat > "$root/etc/os-release" <<'EOF'
NAME="qvirt test guest"
ID=qvirttest
VERSION_ID=1
VERSION="1"
PRETTY_NAME="qvirt test guest 1"
EOF
echo 'root:x:0:0:root:/root:/bin/sh' > "$root/etc/passwd"
echo 'root:x:0:' > "$root/etc/group"
echo "$GUEST_HOSTNAME" > "$root/etc/hostname"
printf '127.0.0.1\tlocalhost %s\n' "$GUEST_HOSTNAME" > "$root/etc/hosts"

# 7e. /sbin/shutdown: qemu-ga 7.2 runs
#     /sbin/shutdown -h -P|-H|-r +0 "hypervisor initiated shutdown"
#     -h always comes first, so look for the mode flags explicitly.
cat > "$root/sbin/shutdown" <<'EOF'
#!/bin/sh
# shutdown wrapper of the qvirt test guest (see tests/guest/build-guest.sh).
# Any -r reboots; otherwise any -H halts; anything else (-P, -h alone) powers off.
action=poweroff
for a in "$@"; do [ "$a" = -r ] && action=reboot; done
if [ "$action" = poweroff ]; then
    for a in "$@"; do [ "$a" = -H ] && action=halt; done
fi
echo "shutdown: $action ($*)" > /dev/console
sync
if grep -q ' /mnt ' /proc/mounts; then
    mount -o remount,ro /mnt || echo "shutdown: cannot remount /mnt read-only" > /dev/console
fi
exec /bin/busybox "$action" -f
EOF
printf '#!/bin/sh\nexec /sbin/shutdown -P +0 poweroff\n' > "$root/sbin/poweroff"
printf '#!/bin/sh\nexec /sbin/shutdown -r +0 reboot\n' > "$root/sbin/reboot"
printf '#!/bin/sh\nexec /sbin/shutdown -H +0 halt\n' > "$root/sbin/halt"

# 7e'. The fsfreeze hook qemu-ga runs with -F (qgaargs=-F): it logs every call to
#      /run/fsfreeze-hook.log ("freeze|thaw UPTIME"), and sleeps the seconds in
#      /run/fsfreeze-hook.freeze-sleep before a freeze, or in .thaw-sleep after a thaw,
#      if that file exists (a wide window, a slow thaw: for tests). It also says
#      "fsfreeze-hook: freeze|thaw" on the console, where a test can wait for it.
mkdir -p "$root/etc/qemu"
cat > "$root/etc/qemu/fsfreeze-hook" <<'EOF'
#!/bin/sh
# fsfreeze hook of the qvirt test guest (see tests/guest/build-guest.sh).
read -r up _ < /proc/uptime
echo "$1 $up" >> /run/fsfreeze-hook.log
echo "fsfreeze-hook: $1" > /dev/console
if [ -r "/run/fsfreeze-hook.$1-sleep" ]; then
    sleep "$(cat "/run/fsfreeze-hook.$1-sleep")"
fi
exit 0
EOF

# 7f. ACPI power button, run by busybox acpid.
printf '#!/bin/sh\nexec /sbin/shutdown -P +0 "ACPI power button"\n' > "$root/etc/acpi/PWRF/00000080"

# 7g. /init (PID 1 set-up, then busybox init).
cat > "$root/init" <<'EOF'
#!/bin/sh
# PID 1 of the qvirt test guest (generated by tests/guest/build-guest.sh).
# Kernel command line knobs:
#   qga=respawn|once|off   how qemu-ga runs (default respawn)
#   qgaport=NAME           virtio-serial port name (default org.qemu.guest_agent.0)
#   acpid=on|off           busybox acpid for the ACPI power button (default on)
#   qgaargs=A,B,...        extra qemu-ga arguments, comma-separated (e.g. qgaargs=-v)
#   shell=1                root shell on ttyS0
export PATH=/sbin:/bin:/usr/sbin:/usr/bin   # the /sbin wrappers win over busybox applets

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs -o mode=755 tmpfs /run
exec </dev/console >/dev/console 2>&1

log() { echo "init: $*"; }

# Modules, in dependency order; log failures and carry on.
while read -r m; do
    insmod "/lib/modules/$m.ko" || log "insmod $m failed"
done < /lib/modules/load-order

# Knobs. (The kernel also exports key=value words to our environment: reset them first.)
qga=respawn qgaport=org.qemu.guest_agent.0 acpid=on qgaargs='' shell=0
read -r cmdline < /proc/cmdline
set -f
for arg in $cmdline; do
    case $arg in
        qga=*) qga=${arg#qga=} ;;
        qgaport=*) qgaport=${arg#qgaport=} ;;
        acpid=*) acpid=${arg#acpid=} ;;
        qgaargs=*) qgaargs=$(echo "${arg#qgaargs=}" | tr ',' ' ') ;;
        shell=*) shell=${arg#shell=} ;;
    esac
done
set +f
case $qga in respawn|once|off) ;; *) log "unknown qga=$qga, using respawn"; qga=respawn ;; esac

# Is there a virtio device of this type (2 = block, 3 = console) at all? Saves the waits.
have_virtio() {
    for d in /sys/bus/virtio/devices/*; do
        [ "$(cat "$d/device" 2>/dev/null)" = "$1" ] && return 0
    done
    return 1
}

# /dev/virtio-ports/<name> links (no udev here). Ports and their names arrive
# asynchronously from the host, so poll (50 x 0.1 s) until the agent's port is there.
mkdir -p /dev/virtio-ports
link_ports() {
    for f in /sys/class/virtio-ports/vport*/name; do
        [ -r "$f" ] || continue
        n=$(cat "$f")
        [ -n "$n" ] || continue
        p=${f%/name}
        ln -sfn "../${p##*/}" "/dev/virtio-ports/$n"
    done
}
if have_virtio 0x0003; then
    i=0
    while :; do
        link_ports
        [ -e "/dev/virtio-ports/$qgaport" ] && break
        [ "$qga" = off ] && [ -n "$(ls /sys/class/virtio-ports 2>/dev/null)" ] && break
        if [ $i -ge 50 ]; then log "no virtio port named $qgaport"; break; fi
        sleep 0.1
        i=$((i + 1))
    done
fi

# Data disk on /mnt, if there is one.
if have_virtio 0x0002; then
    i=0
    while [ ! -b /dev/vda ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
    if [ -b /dev/vda ]; then
        mount -t ext4 /dev/vda /mnt || log "cannot mount /dev/vda on /mnt"
    else
        log "no /dev/vda"
    fi
fi

hostname -F /etc/hostname
# the loopback interface, so that guest-network-get-interfaces reports an address
ifconfig lo 127.0.0.1 netmask 255.0.0.0 up 2>/dev/null || log "cannot bring up lo"

# busybox init configuration.
qgacmd="/usr/sbin/qemu-ga -m virtio-serial -p /dev/virtio-ports/$qgaport -t /run${qgaargs:+ $qgaargs}"
{
    echo "::sysinit:/bin/echo guest-init-done"
    case $qga in
        # busybox init has no respawn throttling, hence the sleep.
        respawn) echo "::respawn:/bin/sh -c '$qgacmd; sleep 1'" ;;
        once) echo "::once:$qgacmd" ;;
    esac
    if [ "$acpid" = on ] && ls /dev/input/event* >/dev/null 2>&1; then
        echo "::once:/bin/busybox acpid -f -d -c /etc/acpi"
    fi
    [ "$shell" = 1 ] && echo "ttyS0::respawn:/bin/sh"
    echo "::ctrlaltdel:/sbin/reboot"
    echo "::shutdown:/bin/sync"
} > /etc/inittab
log "qga=$qga qgaport=$qgaport acpid=$acpid shell=$shell"

exec /bin/busybox init
EOF
chmod 755 "$root/init" "$root/etc/qemu/fsfreeze-hook" "$root/sbin/shutdown" "$root/sbin/poweroff" "$root/sbin/reboot" \
    "$root/sbin/halt" "$root/etc/acpi/PWRF/00000080"

# ---- 8. Pack the initramfs and make the data disk ----

# No cpio on the hosts: use busybox's. (Not byte-reproducible: newc records inode numbers.)
(cd "$root" && find . | sort | "$BUSYBOX" cpio -o -H newc -R 0:0 2>/dev/null) |
    gzip -9 -n > "$out/initramfs.cpio.gz"

truncate -s "$DISK_SIZE" "$out/disk.raw"
mkfs.ext4 -q -F -L "$DISK_LABEL" "$out/disk.raw"
qemu-img convert -f raw -O qcow2 "$out/disk.raw" "$out/disk.qcow2"
rm -f "$out/disk.raw"

printf '%s\n' "$inputs" > "$out/inputs"
chmod 644 "$out"/*
: > "$out/ok"

# ---- 9. Move into place atomically; prune what is no longer needed ----

rm -rf "$dest"                    # only an incomplete directory (no ok) can be here
mv -T "$out" "$dest"
# Old kernel .debs: only the current one can be needed again.
find "$cache/debs" -maxdepth 1 -name '*.deb' ! -path "$deb" -delete
# Other builds not used (see done_if_built) for more than 2 days. A key is 16 hex digits.
keyglob='[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]'
find "$cache" -mindepth 1 -maxdepth 1 -type d -name "$keyglob$keyglob" ! -path "$dest" \
    -mtime +1 -exec rm -rf {} +
log "built $dest ($(du -sh "$dest" | cut -f1))"
printf '%s\n' "$dest" >&3
