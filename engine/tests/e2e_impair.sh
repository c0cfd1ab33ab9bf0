#!/usr/bin/env bash
# --role impair as a wire: namespace A holds a two-port stamping engine
# (eth1 sends, eth2 receives), namespace B the impair engine between
# them (w0 <-> w1), so every frame crosses the delay line once:
#   A eth1 -> B w0 [impair] B w1 -> A eth2
# One-way latency from the sender's --stamp (one engine, one clock):
#  1. delay D, uniform jitter +-J: p50 within [D, D + TOL], nothing before D-J,
#     and the lower half spans J (p50 - min: the least delayed frame is near D-J);
#  2. normal jitter, sd J: p50 within [D, D + TOL], the lower half spans about
#     3.4 J (the least of 8000 normal draws), nothing before D - 4J;
#  3. reorder P% (gap 1) on delay D, no jitter: the wire's own count within
#     the binomial bounds of P, and the receiver sees frames ahead (min latency
#     far below D) and out of order;
#  4. no impairment: every frame forwarded once and in order, and the wire
#     sleeps when idle (slept most of the run: it does not burn its core).
# TOL covers the path without impairment (veth, AF_XDP, the receiver's poll)
# plus the wire's idle poll (--poll-us): a frame arriving while the wire
# sleeps waits up to that long before its delay starts. Spreads are read on
# the lower side (min to median): the path only ever adds time, so on a busy
# machine (the sender engine descheduled, softirqs deferred) the upper tail
# grows while nothing arrives before its delay. The wire's own lateness (how
# long after its due time a frame left, from its stats) is checked apart.
# Usage: engine/tests/e2e_impair.sh [COUNT] [PPS]   (root)
WL_TEST_PREFIX="${WL_TEST_PREFIX:-wlt-imp}"
source "$(dirname "$0")/lib.sh"
COUNT="${1:-8000}"
PPS="${2:-2000}"
L="${WL_TEST_PREFIX}-${ID}"
D_MS=5
J_MS=1
TOL_MS="${WL_IMPAIR_TOL_MS:-1}"

ns_iface() {  # ifname ns newname
  ip link set "$1" netns "$2"
  ip -n "$2" link set "$1" name "$3"
  ip -n "$2" link set "$3" up
}
for ns in "$NS_A" "$NS_B"; do
  ip netns add "$ns"
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  ip -n "$ns" link set lo up
done
ip link add "${L}a" type veth peer name "${L}b"
ip link add "${L}c" type veth peer name "${L}d"
ns_iface "${L}a" "$NS_A" eth1
ns_iface "${L}b" "$NS_B" w0
ns_iface "${L}c" "$NS_B" w1
ns_iface "${L}d" "$NS_A" eth2
log "wire: $NS_A eth1 -> $NS_B w0 [impair] w1 -> $NS_A eth2"

WIRE_PID=""
# wire_start NAME impair-args...: the impair engine in B on lcore 1
wire_start() {
  local name="$1"; shift
  ip netns exec "$NS_B" "$ENGINE" --no-huge -m 512 --no-pci --file-prefix "$L-w$name" -l 1 --log-level=user1:notice \
    --vdev "${PMD}0,iface=w0" --vdev "${PMD}1,iface=w1" -- --role impair --port 0 --port 1 --rt-priority 10 "$@" \
    >"$TMP/wire-$name.json" 2>"$TMP/wire-$name.json.err" &
  WIRE_PID=$!
  PIDS+=("$WIRE_PID")
  wait_start "$TMP/wire-$name.json"
}
wire_stop() {
  kill -INT "$WIRE_PID" 2>/dev/null || true
  wait "$WIRE_PID" 2>/dev/null || true
}
# sender NAME [count]: the stamping engine in A on lcore 0, port 0 -> port 1 through the wire
sender() {
  local name="$1" n="${2:-$COUNT}"
  timeout -s INT 120 ip netns exec "$NS_A" "$ENGINE" --no-huge -m 512 --no-pci --file-prefix "$L-s$name" -l 0 \
    --log-level=user1:notice --vdev "${PMD}0,iface=eth1" --vdev "${PMD}1,iface=eth2" -- --port 0 --port 1 --stamp \
    --src-ip 198.18.210.1 --dst-ip 198.18.210.2 --mode rate --pps "$PPS" --count "$n" --stats-interval 1 \
    >"$TMP/tx-$name.json" 2>"$TMP/tx-$name.json.err" \
    || { log "FAIL - $name: sender exited $?"; tail -5 "$TMP/tx-$name.json.err" >&2; FAILS=$((FAILS + 1)); }
}
lat() { python3 -c "import json; s=[json.loads(l) for l in open('$1')][-1]; print('$2:', 'latency', {k: s['latency'][k] for k in ('min_us','p50_us','p90_us','p99_us','max_us')}, 'sequence', s['sequence'])" >&2; }
wire_line() { python3 -c "import json; s=[json.loads(l) for l in open('$1')][-1]; print('$2: wire', s['directions'][0], 'sleeps', s['sleeps'], 'slept_s', s['slept_s'], 'cpu_s', s['cpu_s'], 'duration', s['duration'])" >&2; }

D=$((D_MS * 1000)); J=$((J_MS * 1000)); T=$(python3 -c "print(int($TOL_MS * 1000))")

# ---- 1. delay + uniform jitter ----
wire_start uni --delay "${D_MS}ms" --jitter "${J_MS}ms" --distribution uniform
sender uni
wire_stop
lat "$TMP/tx-uni.json" "uniform"; wire_line "$TMP/wire-uni.json" "uniform"
check "$TMP/tx-uni.json" "s['sequence']['received'] == $COUNT and s['sequence']['lost'] == 0" "uniform: all $COUNT frames arrived through the wire"
# the histogram's quantiles are bucket middles, about 3% wide
check "$TMP/tx-uni.json" "$D * 0.97 <= s['latency']['p50_us'] <= $D + $T" "uniform: p50 one-way latency within [${D_MS}ms, ${D_MS}ms + ${TOL_MS}ms]"
check "$TMP/tx-uni.json" "s['latency']['min_us'] >= $D - $J" "uniform: no frame before ${D_MS}ms - ${J_MS}ms"
check "$TMP/tx-uni.json" "0.85 * $J <= s['latency']['p50_us'] - s['latency']['min_us'] <= $J + $T" "uniform: the lower half spans the jitter (p50 - min within [0.85 J, J + ${TOL_MS}ms])"
check "$TMP/tx-uni.json" "s['latency']['max_us'] >= $D + 0.9 * $J" "uniform: the upper half reaches D + J"
check "$TMP/wire-uni.json" "s['directions'][0]['late_mean_us'] < 100" "uniform: the wire sent frames within 100 us of their due time on average"
check "$TMP/tx-uni.json" "s['sequence']['reordered'] > 0" "uniform: jitter reorders frames (they leave in due order, as netem's)"
check "$TMP/wire-uni.json" "s['directions'][0]['forwarded'] >= $COUNT and s['directions'][0]['delayed'] >= $COUNT and s['directions'][0]['dropped'] == 0 and s['directions'][0]['overflow'] == 0" "uniform: the wire forwarded and delayed every frame, dropped none"
check "$TMP/wire-uni.json" "s['directions'][1]['forwarded'] >= 1" "uniform: the ARP answer came back through the wire"

# ---- 2. delay + normal jitter ----
wire_start nor --delay "${D_MS}ms" --jitter "${J_MS}ms" --distribution normal
sender nor
wire_stop
lat "$TMP/tx-nor.json" "normal"; wire_line "$TMP/wire-nor.json" "normal"
check "$TMP/tx-nor.json" "s['sequence']['received'] == $COUNT" "normal: all $COUNT frames arrived"
check "$TMP/tx-nor.json" "$D * 0.97 <= s['latency']['p50_us'] <= $D + $T" "normal: p50 within [${D_MS}ms, ${D_MS}ms + ${TOL_MS}ms]"
# the least of n normal draws lies about 3.4 sd below the mean for n = 8000 (2.9 to 4: cut at 4 sd)
check "$TMP/tx-nor.json" "2.7 * $J <= s['latency']['p50_us'] - s['latency']['min_us'] <= 4 * $J + $T" "normal: the lower half spans 2.7..4 sd (sd = jitter)"
check "$TMP/tx-nor.json" "s['latency']['min_us'] >= $D - 4 * $J" "normal: nothing before D - 4 sd (the cut)"

# ---- 3. reorder 20% gap 1 on 2 ms ----
P=20
wire_start reo --delay 2ms --reorder "${P}%"
sender reo
wire_stop
lat "$TMP/tx-reo.json" "reorder"; wire_line "$TMP/wire-reo.json" "reorder"
# the wire's count against the binomial: P% of what it received, 4.5 standard deviations
check "$TMP/wire-reo.json" "(lambda d: abs(d['reordered'] - d['received'] * $P / 100) <= 4.5 * (d['received'] * $P / 100 * (1 - $P / 100)) ** 0.5)(s['directions'][0])" "reorder: the wire sent ${P}% ahead (binomial, 4.5 sd)"
check "$TMP/tx-reo.json" "s['sequence']['received'] == $COUNT and s['sequence']['lost'] == 0" "reorder: all frames arrived"
check "$TMP/tx-reo.json" "s['latency']['min_us'] < 500 and 2000 - $T <= s['latency']['p50_us'] <= 2000 + $T" "reorder: frames ahead arrive at once (min < 0.5ms), the rest after 2ms (p50)"
# frames a sent-ahead one overtakes arrive late: with K = 2ms x PPS frames in
# flight, a delayed frame is late when one of the next K is sent ahead: 1-(1-p)^K of them
check "$TMP/tx-reo.json" "(lambda k, p: abs(s['sequence']['reordered'] / s['sequence']['received'] - (1 - p) * (1 - (1 - p) ** k)) <= 0.1)(round(0.002 * $PPS), $P / 100)" "reorder: the receiver's out-of-order share matches ${P}% ahead over 2ms in flight (+-0.1)"

# ---- 4. no impairment, and idle ----
wire_start none
sender none 2000
sleep 2
wire_stop
lat "$TMP/tx-none.json" "none"; wire_line "$TMP/wire-none.json" "none"
check "$TMP/tx-none.json" "s['sequence'] == {'received': 2000, 'lost': 0, 'reordered': 0, 'duplicates': 0}" "none: every frame once and in order"
check "$TMP/tx-none.json" "s['latency']['p50_us'] < $T" "none: the wire adds less than ${TOL_MS}ms (p50)"
check "$TMP/wire-none.json" "s['cpu_s'] < 0.5 * s['duration']" "none: the wire used less than half a core (it sleeps when idle)"

[ "$FAILS" -eq 0 ] && log "e2e_impair: all checks passed" || log "e2e_impair: $FAILS check(s) failed"
exit "$FAILS"
