#!/usr/bin/env bash
# wirelab provisioning: the one script that prepares a machine for wirelab.
# The same script runs in CI, on a developer's Debian machine, inside the lab
# VMs (cloud-init) and on bare-metal hosts (Pulumi remote.Command).
#
# Usage: provision.sh [--check] [--profile NAME]... [--hugepages N] [--quiet]
#   --check        report what is missing, change nothing (exit 1 if anything is)
#   --profile P    package groups to install: core (default), vm-host, test (core + vm-host +
#                  what the tests use: what `npm test` installs), bench, all
#   --hugepages N  reserve N 2 MiB hugepages (default: leave as is)
#   --quiet        print only problems
set -euo pipefail

check_only=0
hugepages=""
quiet=0
profiles=()

usage() { sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
  case "$1" in
    --check) check_only=1 ;;
    --profile) profiles+=("${2:?--profile needs a name}"); shift ;;
    --hugepages) hugepages="${2:?--hugepages needs a count}"; shift ;;
    --quiet) quiet=1 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "provision.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[ ${#profiles[@]} -eq 0 ] && profiles=(core)

# Packages per profile. core: build and run the engine, XDP tools, netns lab, captures.
core_pkgs=(
  build-essential pkg-config meson ninja-build
  dpdk dpdk-dev libdpdk-dev
  clang llvm lld libclang-rt-14-dev
  libbpf-dev libxdp-dev xdp-tools linux-libc-dev bpftool
  libpcap-dev libelf-dev zlib1g-dev
  iproute2 iputils-ping iputils-arping ethtool procps psmisc util-linux kmod
  tcpdump tshark tcpreplay bind9-dnsutils netcat-openbsd
  openssh-server openssh-client
  linux-perf sqlite3 git curl ca-certificates jq
)
# vm-host: what a KVM lab host needs (issue: Pulumi libvirt backend).
vm_host_pkgs=(
  libvirt-daemon-system libvirt-clients libvirt-daemon-driver-qemu
  qemu-system-x86 qemu-utils cloud-image-utils debootstrap genisoimage
  libxml2-utils dnsmasq-base
)
# test: what `npm test` needs beyond core: libvirt to validate and define the rendered XML,
# a headless browser for the report check, promtool to check the /metrics format, hping3
# to send the host-conformance suite's bad-checksum segments, and scapy to craft
# VLAN-tagged frames for xdp/tests/v6-vlan.sh (the kernel here has no 8021q), and ndisc6 to
# resolve the engine by neighbour solicitation in the IPv6 conformance suite.
test_pkgs=(chromium prometheus hping3 python3-scapy ndisc6)
# bench: reference tools the benchmarks compare against.
bench_pkgs=(mininet bridge-utils openvswitch-switch wrk hyperfine)

want=()
for p in "${profiles[@]}"; do
  case "$p" in
    core) want+=("${core_pkgs[@]}") ;;
    vm-host) want+=("${vm_host_pkgs[@]}") ;;
    bench) want+=("${bench_pkgs[@]}") ;;
    test) want+=("${core_pkgs[@]}" "${vm_host_pkgs[@]}" "${test_pkgs[@]}") ;;
    all) want+=("${core_pkgs[@]}" "${vm_host_pkgs[@]}" "${bench_pkgs[@]}" "${test_pkgs[@]}") ;;
    *) echo "provision.sh: unknown profile '$p' (core, vm-host, test, bench, all)" >&2; exit 2 ;;
  esac
done

say() { [ "$quiet" = 1 ] || echo "provision: $*"; }

missing=()
for pkg in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

problems=0
report_missing() {
  if [ ${#missing[@]} -gt 0 ]; then
    echo "missing packages: ${missing[*]}"
    problems=1
  else
    say "all ${#want[@]} packages present"
  fi
}

bpffs_mounted() { grep -q ' /sys/fs/bpf bpf ' /proc/mounts; }

if [ "$check_only" = 1 ]; then
  report_missing
  [ "$(id -u)" = 0 ] || { echo "not root: the lab, XDP and DPDK need root"; problems=1; }
  bpffs_mounted || { echo "bpffs not mounted at /sys/fs/bpf"; problems=1; }
  say "hugepages: $(awk '/HugePages_Total/ {print $2}' /proc/meminfo) reserved"
  exit $problems
fi

if [ "$(id -u)" != 0 ]; then
  echo "provision.sh: must run as root (it installs packages and mounts bpffs)" >&2
  exit 1
fi

if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${#missing[@]} packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # tshark asks whether non-root users may capture; the answer does not matter for root.
  echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
  # Services must not start on install: no systemd here, and sshd is started per namespace.
  policy=/usr/sbin/policy-rc.d
  made_policy=0
  if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod +x "$policy"; made_policy=1; fi
  trap '[ "$made_policy" = 1 ] && rm -f "$policy"' EXIT
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/tmp/wirelab-provision-apt.log 2>&1 || {
    echo "provision.sh: apt-get install failed; last lines of /tmp/wirelab-provision-apt.log:" >&2
    tail -n 20 /tmp/wirelab-provision-apt.log >&2
    exit 1
  }
else
  say "packages already installed"
fi

if ! bpffs_mounted; then
  mkdir -p /sys/fs/bpf
  mount -t bpf bpf /sys/fs/bpf
  say "mounted bpffs at /sys/fs/bpf"
fi

if [ -n "$hugepages" ]; then
  echo "$hugepages" > /proc/sys/vm/nr_hugepages
  got=$(cat /proc/sys/vm/nr_hugepages)
  say "hugepages: asked $hugepages, reserved $got"
  if [ -d /dev/hugepages ] && ! grep -q ' /dev/hugepages hugetlbfs ' /proc/mounts; then
    mount -t hugetlbfs nodev /dev/hugepages
  fi
fi
say "done"
