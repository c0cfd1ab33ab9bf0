#!/usr/bin/env bash
# Hands the test NICs to DPDK: finds each one (by MAC, else by name), records
# its MAC and PCI address, unbinds it from the kernel driver, binds vfio-pci
# where an IOMMU exists or uio_pci_generic otherwise, reserves hugepages, and
# writes /etc/wirelab/dpdk.env for the engine. Runs at boot in lab VMs
# (wirelab-dpdk-bind.service) and over SSH on metal hosts; idempotent.
#
# Usage: wirelab-dpdk-bind.sh [--config FILE] [--env FILE] [--release] [--status]
#   --config FILE  settings (default /etc/wirelab/dpdk.conf); one set per test NIC,
#                  unsuffixed for the first, _1, _2, ... for the next ones:
#                    TEST_MAC=02:..   the test NIC's MAC (preferred: names can move)
#                    TEST_IFACE=eth1  used when no MAC is given
#                    TEST_PCI=0000:.. skip detection (metal hosts with a known NIC)
#                    TEST_IPV4=198.18.0.1/24  recorded for the engine, never configured here
#                    TEST_IPV6=2001:2::1/64   likewise, where the lab has IPv6
#                    TEST_MAC_1=02:.. TEST_IFACE_1=eth2 ...  the second test NIC
#                  and for all of them:
#                    DRIVER=auto|vfio-pci|uio_pci_generic|none
#                    HUGEPAGES=128    2 MiB pages to reserve (0: leave as is)
#   --env FILE     output (default /etc/wirelab/dpdk.env): WIRELAB_DPDK_NICS, per NIC
#                  WIRELAB_DPDK_PCI_<n>, _MAC_<n>, _IFACE_<n>, _KERNEL_DRIVER_<n>,
#                  _IPV4_<n>, the first NIC also unsuffixed, and WIRELAB_DPDK_EAL
#                  allowing every NIC
#   --release      give the NICs back to their kernel drivers
#   --status       print the env file and each NIC's current driver
# WIRELAB_SYSFS (default /sys) lets the tests run it against a sysfs tree of their own.
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
    -h|--help) sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "wirelab-dpdk-bind: unknown option '$1'" >&2; exit 2 ;;
  esac
  shift
done

log() { echo "wirelab-dpdk-bind: $*" >&2; }
die() { log "$*"; exit 1; }
sys=${WIRELAB_SYSFS:-/sys}

# Per NIC n (0 for the unsuffixed keys): what the config says.
declare -A MAC=() IFACE=() PCI=() IPV4=()
DRIVER=auto HUGEPAGES=0
# The config is data, not code: read KEY=VALUE lines without sourcing them.
if [ -r "$config" ]; then
  while IFS='=' read -r key value; do
    value=${value%\"}; value=${value#\"}; value=${value%\'}; value=${value#\'}
    n=0
    if [[ $key =~ ^(TEST_[A-Z0-9]+)_([0-9]+)$ ]]; then key=${BASH_REMATCH[1]}; n=${BASH_REMATCH[2]}; fi
    case "$key" in
      TEST_MAC) MAC[$n]=$(printf '%s' "$value" | tr 'A-F' 'a-f') ;;
      TEST_IFACE) IFACE[$n]=$value ;;
      TEST_PCI) PCI[$n]=$value ;;
      TEST_IPV4) IPV4[$n]=$value ;;
      DRIVER) DRIVER=$value ;;
      HUGEPAGES) HUGEPAGES=$value ;;
    esac
  done < <(grep -E '^[A-Z0-9_]+=' "$config")
fi
case "$HUGEPAGES" in ''|*[!0-9]*) die "HUGEPAGES must be a number, got '$HUGEPAGES'" ;; esac

env_get() { [ -r "$envfile" ] && sed -n "s/^$1=//p" "$envfile" | head -n1 || true; }

# NIC indexes: every one the config names, else every one an earlier run recorded.
nics=$(printf '%s\n' "${!MAC[@]}" "${!IFACE[@]}" "${!PCI[@]}" | sort -un)
if [ -z "$nics" ]; then
  recorded=$(env_get WIRELAB_DPDK_NICS)
  [ -n "$recorded" ] && nics=$(seq 0 $((recorded - 1)))
fi
[ -n "$nics" ] || die "no test NIC in $config (TEST_MAC, TEST_IFACE or TEST_PCI) and no earlier binding in $envfile"
for n in $nics; do
  pci=${PCI[$n]:-} ifname=${IFACE[$n]:-}
  case "$pci" in ''|[0-9a-f][0-9a-f][0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f].[0-7]) ;; *) die "TEST_PCI of NIC $n '$pci' is not a PCI address" ;; esac
  case "$ifname" in ''|*[!A-Za-z0-9._-]*) [ -z "$ifname" ] || die "TEST_IFACE of NIC $n '$ifname' is not an interface name" ;; esac
done

pci_driver() { local l="$sys/bus/pci/devices/$1/driver"; [ -e "$l" ] && basename "$(readlink -f "$l")" || echo none; }

iface_of_mac() {
  local dev
  for dev in "$sys"/class/net/*; do
    [ "$(cat "$dev/address" 2>/dev/null)" = "$1" ] && { basename "$dev"; return 0; }
  done
  return 1
}

pci_of_iface() {
  local bus=""
  # ethtool names the bus address the way the engine's EAL expects it (only where sysfs is the kernel's).
  [ "$sys" = /sys ] && bus=$(ethtool -i "$1" 2>/dev/null | sed -n 's/^bus-info: //p')
  if [ -z "$bus" ] || [ "$bus" = "N/A" ]; then
    [ -e "$sys/class/net/$1/device" ] && bus=$(basename "$(readlink -f "$sys/class/net/$1/device")")
  fi
  # A virtio NIC's netdev hangs off the virtio bus; its PCI function is the parent.
  case "$bus" in virtio*) bus=$(basename "$(dirname "$(readlink -f "$sys/class/net/$1/device")")") ;; esac
  [ -n "$bus" ] && [ -e "$sys/bus/pci/devices/$bus" ] || return 1
  echo "$bus"
}

# The env file's key for NIC n (the recorded values of an earlier run).
env_nic() { env_get "WIRELAB_DPDK_$1_$2"; }

if [ "$action" = status ]; then
  [ -r "$envfile" ] && cat "$envfile" || echo "no $envfile"
  for n in $nics; do
    pci=$(env_nic PCI "$n")
    [ -n "$pci" ] && echo "current driver of $pci: $(pci_driver "$pci")"
  done
  exit 0
fi

# Locate each NIC. After a bind it has no netdev any more, so fall back to what the last run recorded.
declare -A FOUND_PCI=() FOUND_MAC=() FOUND_IFACE=()
for n in $nics; do
  iface="" pci=${PCI[$n]:-} mac=${MAC[$n]:-}
  if [ -n "$mac" ] && iface=$(iface_of_mac "$mac"); then :
  elif [ -n "${IFACE[$n]:-}" ] && [ -e "$sys/class/net/${IFACE[$n]}" ]; then iface=${IFACE[$n]}
  else iface=""; fi
  if [ -n "$iface" ]; then
    mac=$(cat "$sys/class/net/$iface/address")
    [ -n "$pci" ] || pci=$(pci_of_iface "$iface") || die "no PCI device behind $iface (not a PCI NIC?)"
  fi
  if [ -z "$pci" ]; then
    pci=$(env_nic PCI "$n")
    mac=${mac:-$(env_nic MAC "$n")}
    iface=$(env_nic IFACE "$n")
    [ -n "$pci" ] || die "test NIC $n not found (TEST_MAC='${MAC[$n]:-}' TEST_IFACE='${IFACE[$n]:-}') and no earlier binding in $envfile"
  fi
  [ -e "$sys/bus/pci/devices/$pci" ] || die "PCI device $pci (test NIC $n) does not exist"
  for m in "${!FOUND_PCI[@]}"; do [ "${FOUND_PCI[$m]}" != "$pci" ] || die "test NICs $m and $n are both $pci"; done
  FOUND_PCI[$n]=$pci FOUND_MAC[$n]=$mac FOUND_IFACE[$n]=$iface
done

if [ "$action" = release ]; then
  for n in $nics; do
    pci=${FOUND_PCI[$n]} dev=$sys/bus/pci/devices/${FOUND_PCI[$n]}
    current=$(pci_driver "$pci")
    if [ "$current" = uio_pci_generic ] || [ "$current" = vfio-pci ]; then
      echo "$pci" > "$dev/driver/unbind"
    fi
    echo > "$dev/driver_override"
    echo "$pci" > "$sys/bus/pci/drivers_probe"
    log "$pci returned to $(pci_driver "$pci")"
  done
  rm -f "$envfile"
  exit 0
fi

if [ "$DRIVER" = auto ]; then
  if [ -n "$(ls -A "$sys/kernel/iommu_groups" 2>/dev/null)" ]; then DRIVER=vfio-pci; else DRIVER=uio_pci_generic; fi
fi

declare -A KERNEL_DRIVER=()
# Against a sysfs tree of its own (tests) the script loads nothing into this machine's kernel.
[ "$DRIVER" = none ] || { [ "$sys" = /sys ] && modprobe "$DRIVER" 2>/dev/null; } || [ -d "$sys/bus/pci/drivers/$DRIVER" ] || die "cannot load $DRIVER (kernel module missing?)"
for n in $nics; do
  pci=${FOUND_PCI[$n]} iface=${FOUND_IFACE[$n]} dev=$sys/bus/pci/devices/${FOUND_PCI[$n]}
  current=$(pci_driver "$pci")
  KERNEL_DRIVER[$n]=$current
  if [ "$DRIVER" = none ]; then continue; fi
  if [ "$current" = "$DRIVER" ]; then
    KERNEL_DRIVER[$n]=$(env_nic KERNEL_DRIVER "$n")
    log "$pci already bound to $DRIVER"
    continue
  fi
  [ -z "$iface" ] || ip link set dev "$iface" down 2>/dev/null || true
  [ "$current" = none ] || echo "$pci" > "$dev/driver/unbind"
  # driver_override binds exactly this function, not every device with the same vendor:device id.
  echo "$DRIVER" > "$dev/driver_override"
  echo "$pci" > "$sys/bus/pci/drivers_probe"
  got=$(pci_driver "$pci")
  [ "$got" = "$DRIVER" ] || die "binding $pci to $DRIVER failed (now: $got)"
  log "$pci (${iface:-?} ${FOUND_MAC[$n]}) moved from $current to $DRIVER"
done

if [ "$HUGEPAGES" -gt 0 ]; then
  echo "$HUGEPAGES" > /proc/sys/vm/nr_hugepages
  mkdir -p /dev/hugepages
  grep -q ' /dev/hugepages hugetlbfs ' /proc/mounts || mount -t hugetlbfs nodev /dev/hugepages
fi
huge=$(awk '/HugePages_Total/ {print $2}' /proc/meminfo)

nic_lines() {
  echo "WIRELAB_DPDK_PCI$2=${FOUND_PCI[$1]}"
  echo "WIRELAB_DPDK_MAC$2=${FOUND_MAC[$1]}"
  echo "WIRELAB_DPDK_IFACE$2=${FOUND_IFACE[$1]}"
  echo "WIRELAB_DPDK_KERNEL_DRIVER$2=${KERNEL_DRIVER[$1]}"
  echo "WIRELAB_DPDK_IPV4$2=${IPV4[$1]:-}"
}

mkdir -p "$(dirname "$envfile")"
tmp=$(mktemp "$envfile.XXXXXX")
allow=""
{
  echo "WIRELAB_DPDK_NICS=$(printf '%s\n' $nics | wc -l)"
  echo "WIRELAB_DPDK_DRIVER=$DRIVER"
  # The first NIC also unsuffixed: what readers of a one-NIC env file know.
  nic_lines "${nics%%$'\n'*}" ""
  for n in $nics; do
    nic_lines "$n" "_$n"
    allow="$allow -a ${FOUND_PCI[$n]}"
  done
  echo "WIRELAB_HUGEPAGES=$huge"
  # EAL arguments: the engine needs no hugepages flag when some are reserved.
  if [ "$huge" -gt 0 ]; then echo "WIRELAB_DPDK_EAL=${allow# }"; else echo "WIRELAB_DPDK_EAL=${allow# } --no-huge -m 256"; fi
} > "$tmp"
chmod 0644 "$tmp"
mv -f "$tmp" "$envfile"
log "wrote $envfile"
