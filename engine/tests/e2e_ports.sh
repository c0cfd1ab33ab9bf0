#!/usr/bin/env bash
# One engine, two ports (--port 0 --port 1), stamped UDP (--stamp):
#  1. back-to-back: namespace A holds both ends of a veth wire (eth1, eth2);
#     port 0 resolves port 1 by ARP (then by NDP over IPv6), sends, port 1 receives;
#  2. through a router: namespace A is the tester (eth1 on 198.18.201.0/24,
#     eth2 on 198.18.202.0/24), namespace B the DUT, the Linux kernel
#     forwarding between them; the DUT resolves the tester's eth2 address
#     by ARP and the engine's port 1 answers.
#  1b. back-to-back with two workers (--workers 2): each worker owns a
#     queue pair on both ports and sends its own stamped stream;
# All: every frame sent arrives once and in order, latency percentiles
# positive and ordered, per-port counters add up to the totals, a capture
# of the wire checks clean in tshark (the stamp's checksum fix-up).
# Usage: engine/tests/e2e_ports.sh [COUNT] [PPS]   (root)
WL_TEST_PREFIX="${WL_TEST_PREFIX:-wlt-prt}"
source "$(dirname "$0")/lib.sh"
COUNT="${1:-20000}"
PPS="${2:-20000}"
L="${WL_TEST_PREFIX}-${ID}"

mac_of() { ip -n "$1" -j link show "$2" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["address"])'; }
ns_iface() {  # ns name ifname [addr/len]
  ip link set "$1" netns "$2"
  ip -n "$2" link set "$1" name "$3"
  [ -z "${4:-}" ] || ip -n "$2" addr add "$4" dev "$3"
  ip -n "$2" link set "$3" up
}
two_port_eal() {
  echo "--no-huge -m 512 --no-pci --file-prefix $L-$1 -l 0 --log-level=user1:notice --vdev ${PMD}0,iface=eth1 --vdev ${PMD}1,iface=eth2"
}
# port checks shared by both runs: FILE NAME
port_checks() {
  local f="$1" what="$2"
  check "$f" "s['reason'] == 'count' and len(s['ports']) == 2" "$what: summary with two ports"
  check "$f" "s['ports'][0]['tx_packets'] >= $COUNT and s['ports'][1]['rx_packets'] >= $COUNT" "$what: port 0 sent, port 1 received $COUNT"
  check "$f" "sum(p['tx_packets'] for p in s['ports']) == s['totals']['tx_packets'] and sum(p['rx_packets'] for p in s['ports']) == s['totals']['rx_packets']" "$what: per-port counters sum to the totals"
  check "$f" "s['sequence'] == {'received': $COUNT, 'lost': 0, 'reordered': 0, 'duplicates': 0}" "$what: sequence: all received, none lost/reordered/duplicated"
  check "$f" "s['latency']['samples'] == $COUNT" "$what: a latency sample per frame"
  check "$f" "0 < s['latency']['min_us'] <= s['latency']['p50_us'] <= s['latency']['p90_us'] <= s['latency']['p99_us'] <= s['latency']['p999_us'] <= s['latency']['max_us']" "$what: latency positive and ordered"
  check "$f" "s['latency']['min_us'] <= s['latency']['mean_us'] <= s['latency']['max_us']" "$what: mean within min..max"
  python3 -c "import json,sys; s=[json.loads(l) for l in open('$f')][-1]; print('$what: latency', s['latency'], 'ports', [(p['tx_packets'], p['rx_packets']) for p in s['ports']])" >&2
}

# ---- 1. back-to-back ----
ip netns add "$NS_A"
ip netns exec "$NS_A" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
ip link add "${L}w0" type veth peer name "${L}w1"
ns_iface "${L}w0" "$NS_A" eth1
ns_iface "${L}w1" "$NS_A" eth2
ip -n "$NS_A" link set lo up
log "back-to-back: $NS_A eth1 <-> eth2"
# shellcheck disable=SC2046
timeout -s INT 120 ip netns exec "$NS_A" "$ENGINE" $(two_port_eal b2b) -- --port 0 --port 1 --stamp \
  --src-ip 198.18.200.1 --dst-ip 198.18.200.2 --mode rate --pps "$PPS" --count "$COUNT" --stats-interval 1 \
  >"$TMP/b2b.json" 2>"$TMP/b2b.json.err" || { log "FAIL - back-to-back engine exited $?"; tail -5 "$TMP/b2b.json.err" >&2; FAILS=$((FAILS + 1)); }
check "$TMP/b2b.json" "any(e['event'] == 'arp_resolved' for e in ev)" "back-to-back: port 0 resolved port 1 (the engine answered ARP on port 1)"
port_checks "$TMP/b2b.json" "back-to-back"
check "$TMP/b2b.json" "s['protocols']['arp']['answers_sent'] >= 1" "back-to-back: port 1 answered the ARP request"
# the same over IPv6: port 1 answers the neighbour solicitation for --dst-ip
# shellcheck disable=SC2046
timeout -s INT 120 ip netns exec "$NS_A" "$ENGINE" $(two_port_eal b2b6) -- --port 0 --port 1 --stamp \
  --src-ip 2001:2:0:200::1 --dst-ip 2001:2:0:200::2 --mode rate --pps "$PPS" --count "$COUNT" --size 200 \
  >"$TMP/b2b6.json" 2>"$TMP/b2b6.json.err" || { log "FAIL - IPv6 back-to-back engine exited $?"; tail -5 "$TMP/b2b6.json.err" >&2; FAILS=$((FAILS + 1)); }
check "$TMP/b2b6.json" "any(e['event'] == 'ndp_resolved' for e in ev)" "back-to-back IPv6: port 0 resolved port 1 by NDP"
port_checks "$TMP/b2b6.json" "back-to-back IPv6"
ip netns del "$NS_A"

# ---- 1b. back-to-back, two workers: each owns a queue pair on both ports ----
# two queues at each end of the wire, one af_xdp vdev per queue: eth1 is
# ports 0 and 1 (start_queue 0, 1), eth2 ports 2 and 3; --port 0 --port 2
ip netns add "$NS_A"
ip netns exec "$NS_A" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
ip link add "${L}w0" numtxqueues 2 numrxqueues 2 type veth peer name "${L}w1" numtxqueues 2 numrxqueues 2
ns_iface "${L}w0" "$NS_A" eth1
ns_iface "${L}w1" "$NS_A" eth2
ip -n "$NS_A" link set lo up
log "back-to-back, 2 workers: $NS_A eth1 <-> eth2, two queues each"
W2_EAL="--no-huge -m 768 --no-pci --file-prefix $L-w2 -l 0,1 --log-level=user1:notice"
for q in 0 1; do W2_EAL="$W2_EAL --vdev ${PMD}$q,iface=eth1,start_queue=$q"; done
for q in 0 1; do W2_EAL="$W2_EAL --vdev ${PMD}$((q + 2)),iface=eth2,start_queue=$q"; done
# shellcheck disable=SC2086
timeout -s INT 120 ip netns exec "$NS_A" "$ENGINE" $W2_EAL -- --port 0 --port 2 --workers 2 --stamp \
  --src-ip 198.18.200.1 --dst-ip 198.18.200.2 --mode rate --pps "$PPS" --count "$COUNT" --stats-interval 1 \
  >"$TMP/b2bw.json" 2>"$TMP/b2bw.json.err" || { log "FAIL - 2-worker back-to-back engine exited $?"; tail -5 "$TMP/b2bw.json.err" >&2; FAILS=$((FAILS + 1)); }
check "$TMP/b2bw.json" "lines[0]['config']['workers'] == 2 and [p['port']['queues'] for p in lines[0]['ports']] == [2, 2]" "2 workers: two queues on each port"
port_checks "$TMP/b2bw.json" "back-to-back, 2 workers"
check "$TMP/b2bw.json" "len(s['workers']) == 2 and all(sum(w[k] for w in s['workers']) == s['totals'][k] for k in ('tx_packets', 'tx_bytes', 'rx_packets', 'rx_bytes'))" "2 workers: per-worker counters sum to the totals"
# each worker sent its half on port 0 and received its own stream on port 1 (a queue each on every port)
check "$TMP/b2bw.json" "all(w['tx_packets'] >= $COUNT // 2 and w['rx_packets'] >= $COUNT // 2 for w in s['workers'])" "2 workers: each sent its half and received its own stream back"
# 1 s of sending: a stall before a worker's first departure on these shared
# CPUs is already a percent; e2e_workers.sh and the workers suite hold the
# sum to 1% over 3-4 s
check "$TMP/b2bw.json" "abs(s['pacing']['achieved_pps'] - $PPS) <= 0.03 * $PPS" "2 workers: the paced rates sum to $PPS pps within 3% over 1 s"
python3 -c "import json; s=[json.loads(l) for l in open('$TMP/b2bw.json')][-1]; print('2 workers: achieved', s['pacing']['achieved_pps'], 'workers', [(w['tx_packets'], w['rx_packets']) for w in s['workers']])" >&2
ip netns del "$NS_A"

# ---- 2. through a kernel router ----
ip netns add "$NS_A"
ip netns add "$NS_B"
for ns in "$NS_A" "$NS_B"; do
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  ip -n "$ns" link set lo up
done
ip netns exec "$NS_B" sysctl -qw net.ipv4.ip_forward=1
ip link add "${L}a1" type veth peer name "${L}b1"
ip link add "${L}a2" type veth peer name "${L}b2"
ns_iface "${L}a1" "$NS_A" eth1 198.18.201.1/24
ns_iface "${L}a2" "$NS_A" eth2 198.18.202.1/24
ns_iface "${L}b1" "$NS_B" eth1 198.18.201.254/24
ns_iface "${L}b2" "$NS_B" eth2 198.18.202.254/24
DUT_MAC=$(mac_of "$NS_B" eth1)
log "through a router: $NS_A eth1 -> $NS_B (ip_forward) -> $NS_A eth2; next hop $DUT_MAC"
ip netns exec "$NS_B" tcpdump -i eth2 -w "$TMP/dut.pcap" -U -s 128 -c 200 udp 2>/dev/null &
PIDS+=($!)
sleep 1
# shellcheck disable=SC2046
timeout -s INT 120 ip netns exec "$NS_A" "$ENGINE" $(two_port_eal dut) -- --port 0 --port 1 --stamp \
  --src-ip 198.18.201.1 --dst-ip 198.18.202.1 --dst-mac "$DUT_MAC" --mode rate --pps "$PPS" --count "$COUNT" \
  --size 128 --stats-interval 1 >"$TMP/dut.json" 2>"$TMP/dut.json.err" \
  || { log "FAIL - DUT engine exited $?"; tail -5 "$TMP/dut.json.err" >&2; FAILS=$((FAILS + 1)); }
port_checks "$TMP/dut.json" "via DUT"
check "$TMP/dut.json" "s['ports'][1]['tx_packets'] >= 1 and s['protocols']['arp']['answers_sent'] >= 1" "via DUT: port 1 answered the DUT's ARP"
check "$TMP/dut.json" "s['totals']['rx_bytes'] >= $COUNT * 128" "via DUT: 128-byte frames arrived"
sleep 0.5
check_cmd "via DUT: the routed frames (TTL 63, checksums incl. the stamp's fix-up) check clean in tshark" pcap_clean "$TMP/dut.pcap"
check_cmd "via DUT: the DUT decremented the TTL (routed, not bridged)" \
  bash -c "tshark -r '$TMP/dut.pcap' -T fields -e ip.ttl 2>/dev/null | sort -u | grep -qx 63"

[ "$FAILS" -eq 0 ] && log "e2e_ports: all checks passed" || log "e2e_ports: $FAILS check(s) failed"
exit "$FAILS"
