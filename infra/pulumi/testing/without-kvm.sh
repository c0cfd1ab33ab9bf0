#!/bin/bash
# Runs a command as on a machine without KVM: in a private mount namespace where /dev has no kvm node
# and libvirt's runtime, state and capability-cache directories are empty (a libvirtd started inside
# probes qemu afresh and never meets one running outside).
set -euo pipefail
[ "$(id -u)" = 0 ] || { echo "without-kvm.sh: needs root (mount namespace)" >&2; exit 2; }
[ $# -gt 0 ] || { echo "usage: without-kvm.sh COMMAND [ARG...]" >&2; exit 2; }
if [ "${WIRELAB_WITHOUT_KVM_INNER:-}" != 1 ]; then
  exec env WIRELAB_WITHOUT_KVM_INNER=1 unshare --mount --propagation private "$0" "$@"
fi
old=$(mktemp -d /tmp/wl-nokvm-dev.XXXXXX)
# The mounts die with this namespace; only the directory would outlive a failure.
trap 'umount -l "$old" 2>/dev/null; rmdir "$old" 2>/dev/null' EXIT
mount --rbind /dev "$old"
mount -t tmpfs -o mode=0755,nosuid wl-nokvm-dev /dev
for e in "$old"/* "$old"/.[!.]*; do
  [ -e "$e" ] || [ -L "$e" ] || continue
  n=${e##*/}
  [ "$n" = kvm ] && continue
  if mountpoint -q "$e"; then mkdir "/dev/$n"; mount --rbind "$e" "/dev/$n"
  else cp -a "$e" "/dev/$n"; fi
done
umount -l "$old"; rmdir "$old"; trap - EXIT
# An empty /run hides any libvirtd running outside (its socket) and leaves room for one started inside.
mount -t tmpfs -o mode=0755,nosuid,nodev wl-nokvm-run /run
install -d -m 1777 /run/lock
ln -s /dev/shm /run/shm
for d in /var/cache/libvirt /var/lib/libvirt; do mount -t tmpfs -o mode=0755 wl-nokvm "$d"; done
[ ! -e /dev/kvm ] || { echo "without-kvm.sh: /dev/kvm still visible" >&2; exit 1; }
unset WIRELAB_WITHOUT_KVM_INNER
exec "$@"
