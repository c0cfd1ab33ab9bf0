#!/usr/bin/env bash
# Hands the test NIC to DPDK: finds it (by MAC, else by name), records its MAC
# and PCI address, unbinds it from the kernel driver, binds vfio-pci where an
# IOMMU exists or uio_pci_generic otherwise, reserves hugepages, and writes
# /etc/wirelab/dpdk.env for the engine. Runs at boot in lab VMs
# (wirelab-dpdk-bind.service) and over SSH on metal hosts; idempotent.
#
# Usage: wirelab-dpdk-bind.sh [--config FILE] [--env FILE] [--release] [--status]
#   --config FILE  settings (default /etc/wirelab/dpdk.conf):
#                    TEST_MAC=02:..   the test NIC's MAC (preferred: names can move)
#                    TEST_IFACE=eth1  used when no MAC is given
#                    TEST_PCI=0000:.. skip detection (metal hosts with a known NIC)
#                    DRIVER=auto|vfio-pci|uio_pci_generic|none
#                    HUGEPAGES=128    2 MiB pages to reserve (0: leave as is)
#                    TEST_IPV4=198.18.0.1/24  recorded for the engine, never configured here
#                    TEST_IPV6=2001:2::1/64   likewise, where the lab has IPv6
#   --env FILE     output (default /etc/wirelab/dpdk.env)
#   --release      give the NIC back to its kernel driver
#   --status       print the env file and the NIC's current driver
set -euo pipefail

config=/etc/wirelab/dpdk.conf
envfile=/etc/wirelab/dpdk.env
action=bind
while [ $# -gt 0 ]; do
  case "$1" in
    --config) config="${2:?}"; shift ;;
    --env) envfile="${2:?}"; shift ;;
    --release) action=release ;;
    --status) action=status ;;
    -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "wirelab-dpdk-bind: unknown option '$1'" >&2; exit 2 ;;
  esac
  shift
done

log() { echo "wirelab-dpdk-bind: $*" >&2; }
die() { log "$*"; exit 1; }

TEST_MAC="" TEST_IFACE="" TEST_PCI="" DRIVER=auto HUGEPAGES=0 TEST_IPV4=""
# The config is data, not code: read KEY=VALUE lines without sourcing them.
if [ -r "$config" ]; then
  while IFS='=' read -r key value; do
    value=${value%\"}; value=${value#\"}; value=${value%\'}; value=${value#\'}
    case "$key" in
      TEST_MAC) TEST_MAC=$(printf '%s' "$value" | tr 'A-F' 'a-f') ;;
      TEST_IFACE) TEST_IFACE=$value ;;
      TEST_PCI) TEST_PCI=$value ;;
      DRIVER) DRIVER=$value ;;
      HUGEPAGES) HUGEPAGES=$value ;;
      TEST_IPV4) TEST_IPV4=$value ;;
    esac
  done < <(grep -E '^[A-Z0-9_]+=' "$config")
fi
case "$HUGEPAGES" in ''|*[!0-9]*) die "HUGEPAGES must be a number, got '$HUGEPAGES'" ;; esac
case "$TEST_PCI" in ''|[0-9a-f][0-9a-f][0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f].[0-7]) ;; *) die "TEST_PCI '$TEST_PCI' is not a PCI address" ;; esac
case "$TEST_IFACE" in ''|*[!A-Za-z0-9._-]*) [ -z "$TEST_IFACE" ] || die "TEST_IFACE '$TEST_IFACE' is not an interface name" ;; esac

env_get() { [ -r "$envfile" ] && sed -n "s/^$1=//p" "$envfile" | head -n1 || true; }

pci_driver() { local l="/sys/bus/pci/devices/$1/driver"; [ -e "$l" ] && basename "$(readlink -f "$l")" || echo none; }

iface_of_mac() {
  local dev
  for dev in /sys/class/net/*; do
    [ "$(cat "$dev/address" 2>/dev/null)" = "$1" ] && { basename "$dev"; return 0; }
  done
  return 1
}

pci_of_iface() {
  local bus
  # ethtool names the bus address the way the engine's EAL expects it.
  bus=$(ethtool -i "$1" 2>/dev/null | sed -n 's/^bus-info: //p')
  if [ -z "$bus" ] || [ "$bus" = "N/A" ]; then
    [ -e "/sys/class/net/$1/device" ] && bus=$(basename "$(readlink -f "/sys/class/net/$1/device")")
  fi
  # A virtio NIC's netdev hangs off the virtio bus; its PCI function is the parent.
  case "$bus" in virtio*) bus=$(basename "$(dirname "$(readlink -f "/sys/class/net/$1/device")")") ;; esac
  [ -n "$bus" ] && [ -e "/sys/bus/pci/devices/$bus" ] || return 1
  echo "$bus"
}

if [ "$action" = status ]; then
  [ -r "$envfile" ] && cat "$envfile" || echo "no $envfile"
  pci=$(env_get WIRELAB_DPDK_PCI)
  [ -n "$pci" ] && echo "current driver of $pci: $(pci_driver "$pci")"
  exit 0
fi

# Locate the NIC. After a bind it has no netdev any more, so fall back to what the last run recorded.
iface="" pci="$TEST_PCI" mac="$TEST_MAC"
if [ -n "$TEST_MAC" ] && iface=$(iface_of_mac "$TEST_MAC"); then :
elif [ -n "$TEST_IFACE" ] && [ -e "/sys/class/net/$TEST_IFACE" ]; then iface=$TEST_IFACE
else iface=""; fi
if [ -n "$iface" ]; then
  mac=$(cat "/sys/class/net/$iface/address")
  [ -n "$pci" ] || pci=$(pci_of_iface "$iface") || die "no PCI device behind $iface (not a PCI NIC?)"
fi
if [ -z "$pci" ]; then
  pci=$(env_get WIRELAB_DPDK_PCI)
  mac=${mac:-$(env_get WIRELAB_DPDK_MAC)}
  iface=$(env_get WIRELAB_DPDK_IFACE)
  [ -n "$pci" ] || die "test NIC not found (TEST_MAC='$TEST_MAC' TEST_IFACE='$TEST_IFACE') and no earlier binding in $envfile"
fi
dev=/sys/bus/pci/devices/$pci
[ -e "$dev" ] || die "PCI device $pci does not exist"

if [ "$action" = release ]; then
  current=$(pci_driver "$pci")
  if [ "$current" = uio_pci_generic ] || [ "$current" = vfio-pci ]; then
    echo "$pci" > "$dev/driver/unbind"
  fi
  echo > "$dev/driver_override"
  echo "$pci" > /sys/bus/pci/drivers_probe
  log "$pci returned to $(pci_driver "$pci")"
  rm -f "$envfile"
  exit 0
fi

if [ "$DRIVER" = auto ]; then
  if [ -n "$(ls -A /sys/kernel/iommu_groups 2>/dev/null)" ]; then DRIVER=vfio-pci; else DRIVER=uio_pci_generic; fi
fi

if [ "$DRIVER" != none ]; then
  modprobe "$DRIVER" 2>/dev/null || [ -d "/sys/bus/pci/drivers/$DRIVER" ] || die "cannot load $DRIVER (kernel module missing?)"
  current=$(pci_driver "$pci")
  kernel_driver=$current
  [ "$current" = "$DRIVER" ] && kernel_driver=$(env_get WIRELAB_DPDK_KERNEL_DRIVER)
  if [ "$current" != "$DRIVER" ]; then
    [ -z "$iface" ] || ip link set dev "$iface" down 2>/dev/null || true
    [ "$current" = none ] || echo "$pci" > "$dev/driver/unbind"
    # driver_override binds exactly this function, not every device with the same vendor:device id.
    echo "$DRIVER" > "$dev/driver_override"
    echo "$pci" > /sys/bus/pci/drivers_probe
    got=$(pci_driver "$pci")
    [ "$got" = "$DRIVER" ] || die "binding $pci to $DRIVER failed (now: $got)"
    log "$pci (${iface:-?} $mac) moved from $current to $DRIVER"
  else
    log "$pci already bound to $DRIVER"
  fi
else
  kernel_driver=$(pci_driver "$pci")
fi

if [ "$HUGEPAGES" -gt 0 ]; then
  echo "$HUGEPAGES" > /proc/sys/vm/nr_hugepages
  mkdir -p /dev/hugepages
  grep -q ' /dev/hugepages hugetlbfs ' /proc/mounts || mount -t hugetlbfs nodev /dev/hugepages
fi
huge=$(awk '/HugePages_Total/ {print $2}' /proc/meminfo)

mkdir -p "$(dirname "$envfile")"
tmp=$(mktemp "$envfile.XXXXXX")
{
  echo "WIRELAB_DPDK_PCI=$pci"
  echo "WIRELAB_DPDK_MAC=$mac"
  echo "WIRELAB_DPDK_DRIVER=$DRIVER"
  echo "WIRELAB_DPDK_IFACE=$iface"
  echo "WIRELAB_DPDK_KERNEL_DRIVER=$kernel_driver"
  echo "WIRELAB_DPDK_IPV4=$TEST_IPV4"
  echo "WIRELAB_HUGEPAGES=$huge"
  # EAL arguments: the engine needs no hugepages flag when some are reserved.
  if [ "$huge" -gt 0 ]; then echo "WIRELAB_DPDK_EAL=-a $pci"; else echo "WIRELAB_DPDK_EAL=-a $pci --no-huge -m 256"; fi
} > "$tmp"
chmod 0644 "$tmp"
mv -f "$tmp" "$envfile"
log "wrote $envfile"
