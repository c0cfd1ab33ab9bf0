#!/usr/bin/env bash
# Two workers at each end of a two-queue veth pair (one af_xdp vdev per
# queue): every protocol from a 2-worker generator to a 2-worker responder.
# The receiver's counts equal the sender's totals in both directions,
# answers are matched (each reply came back to the worker that sent the
# request), the per-worker entries add up to the totals, the workers share
# --count and the rate (sum within 1% of the target over 3 s).
# Usage: sudo engine/tests/e2e_workers.sh   (two lcores are enough: a worker
# may share the main lcore, which then prints the stats lines itself)
export WL_QUEUES=2
source "$(dirname "$0")/lib.sh"
[ "$PMD" = net_af_xdp ] || { echo "e2e_workers.sh: several queues need net_af_xdp (WL_PMD=$PMD)" >&2; exit 2; }
setup_pair
ip -n "$NS_B" addr flush dev eth1

RX_ARGS=(--role rx --workers 2 --ip "$IP_B" --udp-echo --dns-record www.example.com="198.18.200.10")
TX_BASE=(--workers 2 --src-ip "$IP_A" --dst-ip "$IP_B" --stats-interval 0.5 --flows 16)

run_case() { # name tx_args...
  local name="$1"; shift
  local rxo="$TMP/rx-$name.json" txo="$TMP/tx-$name.json"
  engine_bg "$NS_B" 0,1 "$rxo" -- "${RX_ARGS[@]}" >/dev/null
  local rxpid=${PIDS[-1]}
  wait_start "$rxo"
  engine_run "$NS_A" 0,1 "$txo" -- "${TX_BASE[@]}" "$@" || log "tx exited $?"
  sleep 0.3
  kill -INT "$rxpid"; wait "$rxpid" || true
}

# the per-worker entries add up to the totals, each worker did its part
WORKERS_SUM="len(s['workers'])==2 and all(sum(w[k] for w in s['workers'])==s['totals'][k] for k in ('tx_packets','tx_bytes','rx_packets','rx_bytes')) and sum(w['answers_matched'] for w in s['workers'])==sum(p['answers_matched'] for p in P.values()) and s['ports'][0]['tx_packets']==s['totals']['tx_packets'] and s['ports'][0]['rx_packets']==s['totals']['rx_packets']"

for p in eth arp icmp udp tcp dns; do
  extra=()
  [ "$p" = tcp ] && extra=(--message "hello over tcp")
  run_case "$p" --protocol "$p" --mode rate --pps 2000 --count 2000 "${extra[@]}"
  tx="$TMP/tx-$p.json"; rx="$TMP/rx-$p.json"
  check "$tx" "s['type']=='summary' and s['reason']=='count' and s['totals']['tx_dropped']==0" "$p: tx summary, reason count, nothing dropped"
  check "$tx" "$WORKERS_SUM and all(w['tx_packets']>=1000 for w in s['workers'])" "$p: tx workers add up to the totals, both sent their 1000"
  check "$rx" "$WORKERS_SUM and all(w['rx_packets']>0 for w in s['workers'])" "$p: rx workers add up to the totals, both received"
  python3 - "$tx" "$rx" "$p" <<'PY' && log "ok   - $p: receiver counts equal the sender's, both ways" || { log "FAIL - $p: counts differ between the ends"; FAILS=$((FAILS+1)); }
import json, sys
last = lambda f: [json.loads(l) for l in open(f) if l.strip()][-1]
t, r, p = last(sys.argv[1]), last(sys.argv[2]), sys.argv[3]
a = (t["protocols"][p]["tx_packets"], r["protocols"][p]["rx_packets"], r["protocols"][p]["tx_packets"], t["protocols"][p]["rx_packets"])
print(p, "tx->rx", a[0], a[1], "rx->tx", a[2], a[3], file=sys.stderr)
sys.exit(0 if a[0] == a[1] and a[2] == a[3] and a[0] > 0 else 1)
PY
  case "$p" in
    eth) check "$rx" "P['eth']['rx_packets']==2000" "eth: rx counted 2000 frames" ;;
    arp|icmp|dns|udp)
      check "$tx" "P['$p']['answers_matched']==2000" "$p: 2000 answers matched by the workers that asked" ;;
    tcp)
      check "$tx" "s['tcp']['handshakes_completed']==2000 and P['tcp']['answers_matched']==2000 and s['tcp']['resets']==0 and s['tcp']['client']['completed']==2000" "tcp: 2000 connections completed over two workers, no resets"
      check "$rx" "s['tcp']['handshakes_completed']==2000" "tcp: rx completed 2000 handshakes" ;;
  esac
  # 1 s at 1000 pps a worker: a 10 ms stall before the first departure on
  # these shared 2 CPUs is already 1% of departures/span; the 1% check is
  # the 3 s run below
  check "$tx" "abs(s['pacing']['achieved_pps']-2000)<=60 and s['pacing']['target_pps']==2000" "$p: the workers' rates sum to 2000 pps within 3% over 1 s"
done
check "$TMP/tx-udp.json" "lines[0]['port']['queues']==2 and lines[0]['config']['workers']==2" "start line: 2 queues, 2 workers"

# a higher rate for longer: the sum of the workers' paced rates within 1%
run_case rate --protocol udp --mode rate --pps 20000 --duration 3
check "$TMP/tx-rate.json" "abs(s['pacing']['achieved_pps']-20000)<=200 and abs(s['workers'][0]['tx_packets']-s['workers'][1]['tx_packets'])<=0.02*s['totals']['tx_packets']" "rate 20000 pps: sum within 1%, split evenly"
check "$TMP/rx-rate.json" "P['udp']['rx_packets']+s['totals']['rx_missed']>=0.99*$(python3 -c "import json;print([json.loads(l) for l in open('$TMP/tx-rate.json')][-1]['protocols']['udp']['tx_packets'])")" "rate 20000 pps: the receiver counted what was sent"

finish
