#!/usr/bin/env bash
# Two workers at each end of a two-queue veth pair (one af_xdp vdev per
# queue): every protocol from a 2-worker generator to a 2-worker responder.
# The receiver's counts equal the sender's totals in both directions,
# answers are matched (each reply came back to the worker that sent the
# request), the per-worker entries add up to the totals, the workers share
# --count and the rate (their summed paced rate within what the pacer
# allows, check_rate below).
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

# check_rate FILE PER_WORKER MESSAGE: the workers' summed paced rate (the
# engine's achieved_pps: each worker's departures over its own first-to-last
# span, TSC) against the target, judged from the engine's own account of
# its schedule rather than with a fixed tolerance. Departure k of a worker
# is due k steps after its first, so a worker's span is (n + skipped) steps
# plus how late its last departure was, less how late its first was: the
# engine reports both lateness figures (pacing.late_first_ms,
# late_last_ms) and the departures it gave up (pacing.skipped: due during a
# stall longer than its 200 ms catch-up, or with no mbuf), summed over the
# workers. With one step more for the tick fraction, a worker of n gaps
# paces between n / ((n + skipped) * step + late_last + step) and
# n / (n * step - late_first - step): what the machine took from this run
# (these two CPUs are shared with the responder's workers and other labs,
# so a 1 s run can end 30 ms late) is allowed, a wrong step or share of the
# rate is not. PER_WORKER: paced departures per worker (--count's share),
# or 0 to take each worker's tx_packets (UDP at a rate: all paced but an
# ARP request or two).
check_rate() {
  local file="$1" per="$2" msg="$3" said
  if said=$(python3 - "$file" "$per" <<'PY'
import json, math, sys
s = [json.loads(l) for l in open(sys.argv[1]) if l.strip()][-1]
per = int(sys.argv[2])
pc, ws = s["pacing"], s["workers"]
step = 1e9 * len(ws) / pc["target_pps"]          # ns between one worker's departures
gaps = [(per if per else w["tx_packets"]) - 1 for w in ws]
first, last, skipped = pc["late_first_ms"] * 1e6, pc["late_last_ms"] * 1e6, pc["skipped"]
low = sum(1e9 * n / ((n + skipped) * step + last + step) for n in gaps)
high = sum(1e9 * n / (n * step - first - step) if n * step > first + step else math.inf for n in gaps)
print(f"achieved {pc['achieved_pps']:.1f} pps, allowed [{low:.1f}, {high:.1f}]: first departures {pc['late_first_ms']:.3f} ms late, last {pc['late_last_ms']:.3f} ms, {skipped} given up")
sys.exit(0 if low <= pc["achieved_pps"] <= high and min(gaps) > 1 else 1)
PY
  ); then log "ok   - $msg: $said"; else log "FAIL - $msg: ${said:-no pacing figures} ($file)"; FAILS=$((FAILS + 1)); fi
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
  check "$tx" "s['pacing']['target_pps']==2000" "$p: the workers' targets sum to 2000 pps"
  check_rate "$tx" 1000 "$p: the workers' paced rates sum to 2000 pps over 1 s"
done
check "$TMP/tx-udp.json" "lines[0]['port']['queues']==2 and lines[0]['config']['workers']==2" "start line: 2 queues, 2 workers"

# a higher rate for longer: the sum of the workers' paced rates
run_case rate --protocol udp --mode rate --pps 20000 --duration 3
# a worker stalled longer than the pacer catches up on (200 ms) sends fewer
# in the same 3 s: the departures it gave up (pacing.skipped) and those due
# before the end that it never sent (pacing.unsent_at_end) are its own
check "$TMP/tx-rate.json" "s['pacing']['target_pps']==20000 and abs(s['workers'][0]['tx_packets']-s['workers'][1]['tx_packets'])<=0.02*s['totals']['tx_packets']+s['pacing']['skipped']+s['pacing']['unsent_at_end']" "rate 20000 pps: split evenly (but for departures a stalled worker gave up or never sent before the end)"
check_rate "$TMP/tx-rate.json" 0 "rate 20000 pps: the workers' paced rates sum to the target over 3 s"
check "$TMP/rx-rate.json" "P['udp']['rx_packets']+s['totals']['rx_missed']>=0.99*$(python3 -c "import json;print([json.loads(l) for l in open('$TMP/tx-rate.json')][-1]['protocols']['udp']['tx_packets'])")" "rate 20000 pps: the receiver counted what was sent"

finish
