# Shared helpers for the engine's namespace tests (sourced, bash).
# Creates two namespaces ${WL_TEST_PREFIX}-<id>-a / -b joined by a veth pair (eth1 in
# each), 198.18.200.1/24 (a) and 198.18.200.2/24 (b), and removes them on
# exit (trap), also on failure. Needs root.
set -euo pipefail

ENGINE_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROOT_DIR="$(cd "$ENGINE_DIR/.." && pwd)"
ENGINE="${WL_ENGINE:-$ROOT_DIR/build/engine/wirelab-engine}"
ID="${WL_TEST_ID:-$$}"
ID=$(( ID % 100000 ))
# names start with WL_TEST_PREFIX (a script may pick its own)
WL_TEST_PREFIX="${WL_TEST_PREFIX:-wlt-eng}"
NS_A="${WL_TEST_PREFIX}-$ID-a"
NS_B="${WL_TEST_PREFIX}-$ID-b"
IP_A=198.18.200.1
IP_B=198.18.200.2
# which vdev: net_af_xdp (default) or net_af_packet
PMD="${WL_PMD:-net_af_xdp}"
# rx/tx queues of each veth (several workers: one queue each)
QUEUES="${WL_QUEUES:-1}"
TMP="$(mktemp -d "/tmp/${WL_TEST_PREFIX}-XXXXXX")"
PIDS=()
FAILS=0

log() { echo "[$(date +%T)] $*" >&2; }

cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  ip netns del "$NS_A" 2>/dev/null || true
  ip netns del "$NS_B" 2>/dev/null || true
  rm -rf /var/run/dpdk/${WL_TEST_PREFIX}-"$ID"-* 2>/dev/null || true
  [ -n "${KEEP_TMP:-}" ] || rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

setup_pair() {
  [ -x "$ENGINE" ] || { echo "engine not built: $ENGINE (meson setup build/engine engine && meson compile -C build/engine)" >&2; exit 2; }
  ip netns add "$NS_A"
  ip netns add "$NS_B"
  # IPv6 off unless asked (WL_IPV6=1), as in a lab with ipv6: false: the
  # kernel's own NDP/MLD/RS frames would otherwise count as ICMP at the engines
  if [ "${WL_IPV6:-0}" != 1 ]; then
    for ns in "$NS_A" "$NS_B"; do
      ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    done
  fi
  ip link add "${WL_TEST_PREFIX}-${ID}a" numtxqueues "$QUEUES" numrxqueues "$QUEUES" type veth \
    peer name "${WL_TEST_PREFIX}-${ID}b" numtxqueues "$QUEUES" numrxqueues "$QUEUES"
  ip link set "${WL_TEST_PREFIX}-${ID}a" netns "$NS_A"
  ip link set "${WL_TEST_PREFIX}-${ID}b" netns "$NS_B"
  ip -n "$NS_A" link set "${WL_TEST_PREFIX}-${ID}a" name eth1
  ip -n "$NS_B" link set "${WL_TEST_PREFIX}-${ID}b" name eth1
  ip -n "$NS_A" addr add "$IP_A/24" dev eth1
  ip -n "$NS_B" addr add "$IP_B/24" dev eth1
  for ns in "$NS_A" "$NS_B"; do
    ip -n "$ns" link set lo up
    ip -n "$ns" link set eth1 up
    # the kernel side fills TCP/UDP checksums in software, so captures of
    # its frames verify (veth offloads them otherwise)
    ip netns exec "$ns" ethtool -K eth1 tx off >/dev/null 2>&1 || true
  done
  log "namespaces $NS_A, $NS_B up ($PMD)"
}

# eal NS LCORE: EAL arguments for an engine in namespace NS. With QUEUES > 1,
# net_af_xdp gets one vdev per queue (DPDK 22.11 reads a queue count only
# from combined channels, which a veth does not have)
eal() {
  local side="${1##*-}" lcore="$2" vdevs=" --vdev ${PMD}0,iface=eth1" q
  if [ "$QUEUES" -gt 1 ]; then
    vdevs=""
    for q in $(seq 0 $((QUEUES - 1))); do vdevs="$vdevs --vdev ${PMD}$q,iface=eth1,start_queue=$q"; done
  fi
  echo "--no-huge -m 512 --no-pci --file-prefix ${WL_TEST_PREFIX}-$ID-$side -l $lcore --log-level=user1:notice$vdevs"
}

# engine_bg NS LCORE OUTFILE -- args... : start an engine in the background
engine_bg() {
  local ns="$1" lc="$2" out="$3"; shift 4
  # shellcheck disable=SC2046
  ip netns exec "$ns" "$ENGINE" $(eal "$ns" "$lc") -- "$@" >"$out" 2>"$out.err" &
  PIDS+=($!)
  echo $!
}
# engine_run NS LCORE OUTFILE -- args... : run in the foreground (timeout 120 s)
engine_run() {
  local ns="$1" lc="$2" out="$3"; shift 4
  # shellcheck disable=SC2046
  timeout -s INT 120 ip netns exec "$ns" "$ENGINE" $(eal "$ns" "$lc") -- "$@" >"$out" 2>"$out.err"
}
# wait for the start line of an engine's output
wait_start() {
  local out="$1" i
  for i in $(seq 1 100); do grep -q '"type":"start"' "$out" 2>/dev/null && return 0; sleep 0.1; done
  echo "engine did not start; stderr:" >&2; tail -5 "$out.err" >&2; return 1
}
# jq-like checks on the last JSON line (summary) with python: check FILE 'expr' 'message'
check() {
  local file="$1" expr="$2" msg="$3"
  if python3 - "$file" "$expr" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
s = lines[-1]
ev = [l for l in lines if l.get("type") == "event"]
P = s.get("protocols", {})
ok = eval(sys.argv[2], {"s": s, "P": P, "ev": ev, "lines": lines})
sys.exit(0 if ok else 1)
PY
  then log "ok   - $msg"
  else log "FAIL - $msg ($file: $expr)"; FAILS=$((FAILS + 1)); fi
}
# check_cmd 'message' command... : a shell check
check_cmd() {
  local msg="$1"; shift
  if "$@"; then log "ok   - $msg"; else log "FAIL - $msg"; FAILS=$((FAILS + 1)); fi
}
# pcap_clean FILE: tshark decodes every frame of FILE with IP/UDP/TCP checksum
# validation on (ICMP's and ICMPv6's are always checked; tshark 4.0 has no preference for
# it) and finds no bad checksum, malformed frame or error. A tshark that
# fails (an unknown preference, an unreadable file) or decodes fewer frames
# than the file holds is an error (status 2), never a clean capture.
PCAP_CHECKS=(-o ip.check_checksum:TRUE -o udp.check_checksum:TRUE -o tcp.check_checksum:TRUE)
PCAP_BAD='ip.checksum.status == 0 || icmp.checksum.status == 0 || icmpv6.checksum.status == 0 || udp.checksum.status == 0 || tcp.checksum.status == 0 || _ws.malformed || _ws.expert.severity >= error'
pcap_clean() {
  local f="$1" frames decoded bad err
  err="$(mktemp)"
  frames=$(capinfos -c -M "$f" 2>"$err" | awk '/Number of packets/ {print $NF}')
  [ -n "$frames" ] || { echo "pcap_clean: capinfos cannot read $f: $(head -1 "$err")" >&2; rm -f "$err"; return 2; }
  if ! decoded=$(tshark -r "$f" "${PCAP_CHECKS[@]}" -T fields -e frame.number 2>"$err" | grep -c .); then decoded=0; fi
  if [ "$decoded" -ne "$frames" ] || grep -q "unknown preference" "$err"; then
    echo "pcap_clean: tshark decoded $decoded of $frames frames of $f: $(grep -v 'Running as user' "$err" | head -1)" >&2
    rm -f "$err"; return 2
  fi
  if ! bad=$(tshark -r "$f" "${PCAP_CHECKS[@]}" -Y "$PCAP_BAD" -T fields -e frame.number -e _ws.expert.message 2>"$err"); then
    echo "pcap_clean: tshark rejected the check filter on $f: $(grep -v 'Running as user' "$err" | head -1)" >&2
    rm -f "$err"; return 2
  fi
  rm -f "$err"
  [ -z "$bad" ] || { echo "pcap_clean: $f: bad frames (number, expert info):" >&2; echo "$bad" | head -5 >&2; return 1; }
}
# udp_echo_bg NS ADDR: a kernel UDP echo socket on ADDR port 9000 (IPv4 or IPv6), for 15 s
udp_echo_bg() {
  ip netns exec "$1" python3 -c "
import socket
s = socket.socket(socket.AF_INET6 if ':' in '$2' else socket.AF_INET, socket.SOCK_DGRAM); s.bind(('$2', 9000)); s.settimeout(15)
try:
    while True:
        d, a = s.recvfrom(4096); s.sendto(d, a)
except Exception: pass" &
  PIDS+=($!)
}
finish() {
  if [ "$FAILS" -eq 0 ]; then log "all checks passed"; exit 0; fi
  log "$FAILS check(s) failed"; exit 1
}
