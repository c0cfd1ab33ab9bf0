#!/usr/bin/env bash
# Engine tx rate vs dpdk-testpmd txonly on the same vdev and cores, and
# rate-mode accuracy, counted at the receiver (the peer veth's kernel rx
# counter; frames go to a MAC nobody owns so the peer drops them at L2).
# Usage: engine/tests/bench.sh [REPS] [SECONDS] [all|tx|rate]
#   prints one JSON line per measurement and a summary line.
source "$(dirname "$0")/lib.sh"
REPS="${1:-3}"
SECS="${2:-5}"
WARM=2
DST_MAC=02:00:00:00:00:99
setup_pair

rxcount() { ip netns exec "$NS_B" cat /sys/class/net/eth1/statistics/rx_packets; }
# measure CMD...: run CMD in the background; a sampler inside B reads the
# peer's rx counter at WARM and WARM+SECS seconds (monotonic clock)
measure() {
  "$@" >"$TMP/m.out" 2>"$TMP/m.err" &
  local pid=$!
  ip netns exec "$NS_B" python3 -c "
import time
f = '/sys/class/net/eth1/statistics/rx_packets'
rd = lambda: int(open(f).read())
time.sleep($WARM)
c0, t0 = rd(), time.monotonic()
time.sleep($SECS)
c1, t1 = rd(), time.monotonic()
print((c1 - c0) / (t1 - t0))"
  kill -INT "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
EAL_A="--no-huge -m 1024 --no-pci --file-prefix wlt-eng-$ID-a -l 0,1 --vdev ${PMD}0,iface=eth1"
# each runner execs, so the background job's pid is the program itself and
# SIGINT reaches it (a backgrounded shell function would ignore it)
engine_tx() { # size
  exec ip netns exec "$NS_A" "$ENGINE" $EAL_A -- --protocol udp --size "$1" --src-ip "$IP_A" --dst-ip "$IP_B" \
     --dst-mac "$DST_MAC" --mode continuous --stats-interval 10
}
testpmd_tx() { # size
  exec ip netns exec "$NS_A" dpdk-testpmd $EAL_A -- --forward-mode=txonly --txpkts="$1" --total-num-mbufs=16384 \
     --eth-peer=0,"$DST_MAC" --nb-cores=1 --stats-period 1 -a
}
engine_rate() { # pps
  exec ip netns exec "$NS_A" "$ENGINE" $EAL_A -- --protocol udp --size 64 --src-ip "$IP_A" --dst-ip "$IP_B" \
     --dst-mac "$DST_MAC" --mode rate --pps "$1" --stats-interval 10
}

results="$TMP/results.jsonl"
WHAT="${3:-all}"   # all | tx | rate
: >"$results"
[ "$WHAT" = rate ] || for size in 64 1500; do
  for r in $(seq 1 "$REPS"); do
    e=$(measure engine_tx "$size"); t=$(measure testpmd_tx "$size")
    echo "{\"bench\":\"tx_rate\",\"size\":$size,\"rep\":$r,\"engine_pps\":$e,\"testpmd_pps\":$t,\"ratio\":$(python3 -c "print(round($e/$t,3) if $t else None)")}" | tee -a "$results"
  done
done
[ "$WHAT" = tx ] || for pps in 10000 100000 1000000; do
  for r in $(seq 1 "$REPS"); do
    a=$(measure engine_rate "$pps")
    echo "{\"bench\":\"rate\",\"target_pps\":$pps,\"rep\":$r,\"achieved_pps\":$a,\"ratio\":$(python3 -c "print(round($a/$pps,4))")}" | tee -a "$results"
  done
done
python3 - "$results" <<'PY'
import json, sys, statistics as st
rows = [json.loads(l) for l in open(sys.argv[1])]
out = {"type": "bench_summary"}
for size in (64, 1500):
    r = [x for x in rows if x["bench"] == "tx_rate" and x["size"] == size]
    if not r: continue
    out[f"tx_{size}"] = {"engine_pps_median": st.median(x["engine_pps"] for x in r),
                         "testpmd_pps_median": st.median(x["testpmd_pps"] for x in r),
                         "ratio_median": st.median(x["ratio"] for x in r)}
for pps in (10000, 100000, 1000000):
    r = [x for x in rows if x["bench"] == "rate" and x["target_pps"] == pps]
    if not r: continue
    out[f"rate_{pps}"] = {"ratio_median": st.median(x["ratio"] for x in r), "ratios": [x["ratio"] for x in r]}
print(json.dumps(out))
PY
