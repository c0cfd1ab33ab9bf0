#!/usr/bin/env bash
# Replay with two workers over a two-queue veth pair (one af_xdp vdev per
# queue): frame i of the capture leaves from worker i mod 2 on its own tx
# queue. Counted by tcpdump on the peer: frames x loops arrive, the
# per-worker counters add up to the totals, --pps 2000 is met within 1% at
# the receiver by the two shares together, --speed keeps the capture's
# timing across the workers; --workers 2 with --expect* is refused.
# Usage: sudo engine/tests/e2e_replay_workers.sh
export WL_QUEUES=2
WL_TEST_PREFIX="${WL_TEST_PREFIX:-wrw}"
source "$(dirname "$0")/lib.sh"
[ "$PMD" = net_af_xdp ] || { echo "e2e_replay_workers.sh: several queues need net_af_xdp (WL_PMD=$PMD)" >&2; exit 2; }
setup_pair

PCAP="$TMP/in.pcap"
FRAMES=$(/usr/bin/python3 "$ENGINE_DIR/tests/replay_pcap.py" "$PCAP")
log "capture: $FRAMES frames"
REPLAY_LCORES=0,1
REPLAY_ARGS=(--workers 2)
source "$ENGINE_DIR/tests/replay_lib.sh"
# both workers sent, their counters add up to the totals (every line: stats and summary)
SUM="len(s['workers'])==2 and all(len(l['workers'])==2 and sum(w['frames_sent'] for w in l['workers'])==l['replay']['frames_sent'] and sum(w['bytes_sent'] for w in l['workers'])==l['replay']['bytes_sent'] for l in lines if l['type'] in ('stats','summary')) and all(w['frames_sent']>0 for w in s['workers'])"

# 1. --loop 3 at full speed
replay loop --pcap "$PCAP" --loop 3 "${MAPS[@]}"
n=$(rx_count loop)
check "$TMP/loop.json" "lines[0]['port']['queues']==2 and lines[0]['config']['workers']==2" "start line: 2 queues, 2 workers"
check "$TMP/loop.json" "s['reason']=='loops' and s['replay']['frames_sent']==$FRAMES*3 and s['replay']['loops_done']==3" "loop 3: $FRAMES x 3 sent"
check "$TMP/loop.json" "$SUM and [w['frames_per_loop'] for w in s['workers']]==[($FRAMES+1)//2, $FRAMES//2] and all(w['frames_sent']==3*w['frames_per_loop'] for w in s['workers'])" "loop 3: workers add up to the totals, each sent its frames (i mod 2) 3 times"
check_cmd "loop 3: receiver counted $FRAMES x 3 = $((FRAMES * 3)) frames (got $n)" test "$n" -eq $((FRAMES * 3))
check_cmd "loop 3: received frames decode with valid checksums" pcap_clean "$TMP/loop.rx.pcap"

# 2. --pps 2000 over two workers: the sum at the receiver within 1%
PPS=2000 COUNT=6000
replay pps --pcap "$PCAP" --loop 0 --count $COUNT --pps $PPS "${MAPS[@]}"
n=$(rx_count pps)
check "$TMP/pps.json" "s['reason']=='count' and s['replay']['frames_sent']==$COUNT and abs(s['pps']-$PPS)<=0.01*$PPS and $SUM" "--pps $PPS: $COUNT sent by both workers, engine-measured rate within 1%"
rate=$(rx_rate pps)
log "receiver: $n frames at $rate pps"
check_cmd "--pps $PPS: receiver got $COUNT (got $n)" test "$n" -eq $COUNT
check_cmd "--pps $PPS: rate at the receiver within 1% ($rate)" python3 -c "import sys; sys.exit(0 if abs(float('${rate:-0}')-$PPS)<=0.01*$PPS else 1)"

# 3. --speed 0.5: each frame leaves when one worker would send it, so two
#    loops span the same (N-1 gaps of 2 ms per loop, the wrap gap 0)
replay speed --pcap "$PCAP" --loop 2 --speed 0.5 "${MAPS[@]}"
n=$(rx_count speed)
span=$(rx_span speed)
want=$(( (FRAMES - 1) * 2 * 2 ))
check_cmd "--speed 0.5: receiver counted $((FRAMES * 2)) (got $n)" test "$n" -eq $((FRAMES * 2))
check_cmd "--speed 0.5: 2 loops span $want ms +-3 ms at the receiver ($span s)" python3 -c "import sys; sys.exit(0 if abs(float('$span')*1000-$want)<=3 else 1)"

# 4. refusals: validation pairs on one lcore; N workers need N lcores
rc=0; out=$("$ENGINE" -- --role replay --pcap "$PCAP" --workers 2 --expect-rules icmp 2>&1 >/dev/null) || rc=$?
check_cmd "--workers 2 --expect-rules: exit 2, one line naming both ($out)" test "$rc" -eq 2 -a "$(echo "$out" | wc -l)" -eq 1 -a -n "$(echo "$out" | grep -- --workers | grep -- --expect)"
rc=0; engine_run "$NS_A" 0 "$TMP/lc.json" -- --role replay --workers 2 --pcap "$PCAP" || rc=$?
check_cmd "--workers 2 on one lcore: exit 1 ($(grep -h lcores "$TMP/lc.json.err"))" test "$rc" -eq 1 -a -n "$(grep -h 'needs 2 lcores' "$TMP/lc.json.err")"
finish
