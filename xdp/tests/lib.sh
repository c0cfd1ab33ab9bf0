# shellcheck shell=bash
# Shared setup for xdp/tests/*.sh: two namespaces joined by a veth pair.
#
#   wlt-xdp-gen-$$ : eth1 198.18.210.1/24   (generator side)
#   wlt-xdp-dst-$$ : eth1 198.18.210.2/24   (receiver / XDP side)
#
# A private bpffs is mounted for pins (never the runner's /run/wirelab/bpf),
# and everything (namespaces, mount, processes we started) is removed by
# wl_teardown, which callers install as an EXIT trap.
set -euo pipefail

WL_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WL_BUILD=${WL_BUILD:-$WL_ROOT/build/xdp}
WL_XDP=$WL_BUILD/wirelab-xdp
WL_SINK=$WL_BUILD/wirelab-sink
NS_GEN=wlt-xdp-gen-$$
NS_DST=wlt-xdp-dst-$$
GEN_IP=198.18.210.1
DST_IP=198.18.210.2
WL_TMP=/run/wlt-xdp-$$
WL_BPFFS=$WL_TMP/bpf
WL_PIDS=()

wl_log() { echo "[$(date +%T)] $*" >&2; }

wl_teardown() {
	local pid
	for pid in "${WL_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${WL_PIDS[@]}"; do
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null || true
	done
	ip netns del "$NS_GEN" 2>/dev/null || true
	ip netns del "$NS_DST" 2>/dev/null || true
	if mountpoint -q "$WL_BPFFS" 2>/dev/null; then umount "$WL_BPFFS" || true; fi
	rm -rf "$WL_TMP" "/var/run/dpdk/wlt-xdp-$$"
}

wl_setup() {
	[ "$(id -u)" = 0 ] || { echo "$0: needs root (namespaces, XDP)" >&2; exit 77; }
	[ -x "$WL_XDP" ] || { echo "$0: build first: meson setup build/xdp xdp && meson compile -C build/xdp" >&2; exit 2; }
	mkdir -p "$WL_BPFFS"
	mount -t bpf bpf "$WL_BPFFS"
	wl_net_up
}

# Remove and recreate only the namespaces (a fresh veth pair, fresh napi).
wl_net_down() {
	ip netns del "$NS_GEN" 2>/dev/null || true
	ip netns del "$NS_DST" 2>/dev/null || true
}

wl_net_up() {
	ip netns add "$NS_GEN"
	ip netns add "$NS_DST"
	ip link add "wxg$$" type veth peer name "wxd$$"
	ip link set "wxg$$" netns "$NS_GEN"
	ip link set "wxd$$" netns "$NS_DST"
	ip -n "$NS_GEN" link set "wxg$$" name eth1
	ip -n "$NS_DST" link set "wxd$$" name eth1
	ip -n "$NS_GEN" addr add "$GEN_IP/24" dev eth1
	ip -n "$NS_DST" addr add "$DST_IP/24" dev eth1
	ip -n "$NS_GEN" link set lo up
	ip -n "$NS_DST" link set lo up
	ip -n "$NS_GEN" link set eth1 up
	ip -n "$NS_DST" link set eth1 up
	GEN_MAC=$(ip netns exec "$NS_GEN" cat /sys/class/net/eth1/address)
	DST_MAC=$(ip netns exec "$NS_DST" cat /sys/class/net/eth1/address)
	# Static neighbours: no ARP in the measurements.
	ip -n "$NS_GEN" neigh replace "$DST_IP" lladdr "$DST_MAC" dev eth1 nud permanent
	ip -n "$NS_DST" neigh replace "$GEN_IP" lladdr "$GEN_MAC" dev eth1 nud permanent
}

# Foreground only: a backgrounded function is a subshell, so $! would not be
# the program's PID. Background with: ip netns exec "$NS_DST" prog &
in_gen() { ip netns exec "$NS_GEN" "$@"; }
in_dst() { ip netns exec "$NS_DST" "$@"; }

# Number of XDP programs attached to eth1 in the destination namespace.
wl_xdp_attached() { ip -n "$NS_DST" -d link show eth1 | grep -c 'prog/xdp' || true; }
