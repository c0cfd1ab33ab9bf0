#!/usr/bin/env bash
# Builds the wirelab VM base image offline from Debian packages: debootstrap
# into a directory, run images/provision.sh (the same script CI and metal hosts
# run) inside it, install the DPDK bind unit, then pack the tree into an ext4
# filesystem (mke2fs -d: no loop device, no libguestfs) and convert to qcow2.
#
# The disk has no partition table and no boot loader: libvirt boots the kernel
# and initrd written beside it (direct kernel boot), which also makes the
# console and interface-naming flags part of the domain XML, not the image.
#
# Usage: build-image.sh [--out DIR] [--size GIB] [--mirror URL] [--suite NAME] [--keep-tree]
#   --out DIR      output directory (default /var/lib/wirelab/images)
#   --size GIB     virtual size of the root filesystem (default 6)
#   --mirror URL   Debian mirror (default: the first one apt on this machine uses)
#   --suite NAME   Debian suite (default bookworm)
#   --keep-tree    keep the debootstrap directory (faster rebuilds of later steps)
# Writes DIR/wirelab-base.qcow2, DIR/vmlinuz, DIR/initrd.img and DIR/manifest.txt.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=/var/lib/wirelab/images
size=6
suite=bookworm
mirror=""
keep=0

while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="${2:?--out needs a directory}"; shift ;;
    --size) size="${2:?--size needs GiB}"; shift ;;
    --mirror) mirror="${2:?--mirror needs a URL}"; shift ;;
    --suite) suite="${2:?--suite needs a name}"; shift ;;
    --keep-tree) keep=1 ;;
    -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build-image.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done

[ "$(id -u)" = 0 ] || { echo "build-image.sh: must run as root (debootstrap, chroot)" >&2; exit 1; }
for tool in debootstrap mkfs.ext4 qemu-img chroot; do
  command -v "$tool" >/dev/null || { echo "build-image.sh: '$tool' missing: run images/provision.sh --profile vm-host" >&2; exit 1; }
done
case "$size" in ''|*[!0-9]*) echo "build-image.sh: --size must be a whole number of GiB" >&2; exit 2 ;; esac

if [ -z "$mirror" ]; then
  # Reuse the mirror apt already reaches, so the build works wherever apt does.
  mirror=$(grep -rhoE '^(URIs:|deb) +https?://[^ ]+' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null \
    | grep -E '/debian/?$' | head -n1 | awk '{print $2}' || true)
  mirror=${mirror:-http://deb.debian.org/debian}
fi

mkdir -p "$out"
work=$(mktemp -d "${out%/}/.build.XXXXXX")
root="$work/root"
mounted=()

cleanup() {
  local i
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount "${mounted[$i]}" 2>/dev/null || umount -l "${mounted[$i]}" 2>/dev/null || true; done
  mounted=()
  if [ "$keep" = 1 ]; then echo "build-image: tree kept at $root"; else rm -rf "$work"; fi
}
trap cleanup EXIT

mnt() { mount "$@"; mounted+=("${!#}"); }

say() { echo "build-image: $*"; }

# Boot, management and cloud-init; provision.sh adds the DPDK/XDP/engine toolchain.
base_pkgs=(
  linux-image-amd64 systemd-sysv udev dbus
  openssh-server cloud-init ifupdown isc-dhcp-client
  ca-certificates sudo kmod ethtool pciutils iproute2 python3 e2fsprogs
)
say "debootstrap $suite from $mirror"
# debootstrap's own resolver cannot pick providers of virtual packages (cloud-init
# needs one), so it lays the base and apt inside the tree installs the rest.
debootstrap "$suite" "$root" "$mirror" >"$work/debootstrap.log" 2>&1 || {
  tail -n 30 "$work/debootstrap.log" >&2; exit 1; }

cp /etc/resolv.conf "$root/etc/resolv.conf"
security=${mirror%/debian}
{
  echo "deb $mirror $suite main"
  echo "deb $mirror $suite-updates main"
  echo "deb $security/debian-security $suite-security main"
} > "$root/etc/apt/sources.list"
mnt -t proc proc "$root/proc"
mnt -t sysfs sysfs "$root/sys"
mnt --bind /dev "$root/dev"
mnt -t devpts devpts "$root/dev/pts"
# Nothing may start inside the build tree; removed before packing.
printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"
chmod 0755 "$root/usr/sbin/policy-rc.d"

say "apt-get install ${base_pkgs[*]}"
chroot "$root" apt-get update -qq
DEBIAN_FRONTEND=noninteractive chroot "$root" apt-get install -y -qq --no-install-recommends "${base_pkgs[@]}" >"$work/apt.log" 2>&1 || {
  tail -n 30 "$work/apt.log" >&2; exit 1; }

install -D -m 0755 "$here/provision.sh" "$root/usr/local/lib/wirelab/provision.sh"
say "provision.sh --profile core inside the image"
chroot "$root" /usr/local/lib/wirelab/provision.sh --profile core --quiet
# provision.sh mounts bpffs; it belongs to the build, not the image.
if grep -q " $root/sys/fs/bpf " /proc/mounts; then umount "$root/sys/fs/bpf"; fi

say "wirelab units"
install -D -m 0755 "$here/dpdk/wirelab-dpdk-bind.sh" "$root/usr/local/lib/wirelab/wirelab-dpdk-bind.sh"
install -D -m 0644 "$here/systemd/wirelab-dpdk-bind.service" "$root/etc/systemd/system/wirelab-dpdk-bind.service"
install -D -m 0644 "$here/cloud-init/99-wirelab.cfg" "$root/etc/cloud/cloud.cfg.d/99-wirelab.cfg"
chroot "$root" systemctl enable wirelab-dpdk-bind.service ssh.service >/dev/null 2>&1
install -D -m 0644 "$here/ssh/50-wirelab.conf" "$root/etc/ssh/sshd_config.d/50-wirelab.conf"
# uio_pci_generic must be loadable before the unit runs; vfio-pci is chosen at run time.
printf 'uio\nuio_pci_generic\n' > "$root/etc/modules-load.d/wirelab-dpdk.conf"

cat > "$root/etc/fstab" <<'EOF'
LABEL=wirelab-root / ext4 defaults,errors=remount-ro 0 1
hugetlbfs /dev/hugepages hugetlbfs defaults 0 0
EOF
echo wirelab > "$root/etc/hostname"
# Every VM must get its own identity: cloud-init installs pinned host keys, systemd a machine-id.
rm -f "$root"/etc/ssh/ssh_host_*
: > "$root/etc/machine-id"
rm -f "$root/var/lib/dbus/machine-id"
chroot "$root" passwd -l root >/dev/null
chroot "$root" apt-get clean
rm -f "$root/usr/sbin/policy-rc.d"
rm -rf "$root"/var/lib/apt/lists/* "$root"/tmp/* "$root"/var/log/*.log
printf 'nameserver 127.0.0.1\n' > "$root/etc/resolv.conf"

kernel=$(ls "$root"/boot/vmlinuz-* | sort -V | tail -n1)
initrd=$(ls "$root"/boot/initrd.img-* | sort -V | tail -n1)
kver=${kernel##*/vmlinuz-}
dpdk_ver=$(chroot "$root" dpkg-query -W -f='${Version}' dpdk 2>/dev/null || echo none)

for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount "${mounted[$i]}"; done
mounted=()

say "packing ${size} GiB ext4 and converting to qcow2"
truncate -s "${size}G" "$work/root.raw"
mkfs.ext4 -q -F -L wirelab-root -d "$root" "$work/root.raw"
qemu-img convert -q -f raw -O qcow2 "$work/root.raw" "$work/wirelab-base.qcow2"
install -m 0644 "$kernel" "$work/vmlinuz"
install -m 0644 "$initrd" "$work/initrd.img"
mv -f "$work/wirelab-base.qcow2" "$work/vmlinuz" "$work/initrd.img" "$out/"
{
  echo "suite=$suite"
  echo "mirror=$mirror"
  echo "kernel=$kver"
  echo "dpdk=$dpdk_ver"
  echo "built=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  (cd "$out" && sha256sum wirelab-base.qcow2 vmlinuz initrd.img)
} > "$out/manifest.txt"
say "done: $out/wirelab-base.qcow2 (kernel $kver, dpdk $dpdk_ver)"
