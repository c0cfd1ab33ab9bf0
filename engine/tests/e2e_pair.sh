#!/usr/bin/env bash
# Engine tx -> engine rx over a veth pair: every protocol in rate mode, then
# every mode, with counts compared between the two sides, answers matched,
# RTT present, and the tx pcap decoded by tshark with checksum validation.
# Usage: sudo engine/tests/e2e_pair.sh   (WL_PMD=net_af_packet to use af_packet)
source "$(dirname "$0")/lib.sh"
setup_pair
# the rx engine owns 198.18.200.2 in B: take the kernel's address away
ip -n "$NS_B" addr flush dev eth1

RX_ARGS=(--role rx --ip "$IP_B" --udp-echo --dns-record www.example.com="198.18.200.10" --dns-record example.org=198.18.200.11)
TX_BASE=(--src-ip "$IP_A" --dst-ip "$IP_B" --stats-interval 0.5)

run_case() { # name rx_extra... -- tx_args...
  local name="$1"; shift
  local rxo="$TMP/rx-$name.json" txo="$TMP/tx-$name.json"
  engine_bg "$NS_B" 1 "$rxo" -- "${RX_ARGS[@]}" >/dev/null
  local rxpid=${PIDS[-1]}
  wait_start "$rxo"
  engine_run "$NS_A" 0 "$txo" -- "${TX_BASE[@]}" --pcap "$TMP/tx-$name.pcap" "$@" || log "tx exited $?"
  sleep 0.3
  kill -INT "$rxpid"; wait "$rxpid" || true
}

for p in eth arp icmp udp tcp dns; do
  extra=()
  [ "$p" = tcp ] && extra=(--flows 64 --message "hello over tcp")
  run_case "$p" --protocol "$p" --mode rate --pps 2000 --count 2000 "${extra[@]}"
  tx="$TMP/tx-$p.json"; rx="$TMP/rx-$p.json"
  check "$tx" "s['type']=='summary' and s['reason']=='count'" "$p: tx summary, reason count"
  check "$tx" "P['$p']['requests'] in (0,2000) and s['totals']['tx_dropped']==0" "$p: 2000 generated, nothing dropped"
  case "$p" in
    eth) check "$rx" "P['eth']['rx_packets']==2000 and P['eth']['rx_bytes']==128000" "eth: rx counted 2000 frames, 128000 bytes" ;;
    arp|icmp|dns)
      check "$rx" "P['$p']['rx_packets']==2000 and P['$p']['answers_sent']==2000" "$p: rx got 2000 requests and answered all"
      check "$tx" "P['$p']['answers_matched']==2000 and s['rtt_us'] and s['rtt_us']['count']>=2000 and s['rtt_us']['p50']>0" "$p: tx matched 2000 answers, RTT present" ;;
    udp)
      check "$rx" "P['udp']['rx_packets']==2000 and P['udp']['answers_sent']==2000" "udp: rx got 2000 and echoed all"
      check "$tx" "P['udp']['answers_matched']==2000" "udp: tx matched 2000 echoes" ;;
    tcp)
      check "$rx" "s['tcp']['handshakes_completed']==2000 and P['tcp']['answers_sent']==6000" "tcp: rx completed 2000 handshakes (SYN-ACK, data ACK, FIN-ACK each)"
      check "$tx" "s['tcp']['handshakes_completed']==2000 and P['tcp']['answers_matched']==2000 and s['tcp']['resets']==0" "tcp: tx completed 2000 handshakes, no resets" ;;
  esac
  check "$rx" "s['totals']['malformed']==0" "$p: rx saw no malformed frames"
  check_cmd "$p: tx pcap decodes with valid checksums" pcap_clean "$TMP/tx-$p.pcap"
done
check "$TMP/tx-dns.json" "s['dns_rcodes']['nxdomain']>0 and s['dns_rcodes']['noerror']>0 and P['dns']['errors']==0" "dns: names outside the table got NXDOMAIN (an answer, not an error)"

# modes (ICMP, answers matched)
run_case burst --protocol icmp --mode burst --burst-size 50 --burst-gap 20000 --count 1000
check "$TMP/tx-burst.json" "P['icmp']['tx_packets']==1000 and P['icmp']['answers_matched']==1000" "burst: 1000 sent in bursts of 50, all answered"
check "$TMP/rx-burst.json" "P['icmp']['rx_packets']==1000" "burst: rx counted 1000"
run_case cont --protocol udp --mode continuous --interval 500 --duration 2
check "$TMP/tx-cont.json" "1000*2*0.9 < P['udp']['tx_packets'] <= 4001 and P['udp']['answers_matched']>=0.98*P['udp']['tx_packets']" "continuous --interval 500: ~2000/s for 2 s, echoes matched"
run_case cont0 --protocol udp --mode continuous --count 200000
check "$TMP/tx-cont0.json" "P['udp']['tx_packets']==200000" "continuous at full speed: 200000 sent"
check "$TMP/rx-cont0.json" "P['udp']['rx_packets']+s['totals']['rx_missed']>=200000*0.95" "continuous at full speed: rx counted or reported missed >= 95%"
run_case backoff --protocol dns --mode backoff --initial-delay 20000 --factor 2 --max-delay 200000 --max-retries 3 --count 50 --domain www.example.com
check "$TMP/tx-backoff.json" "s['backoff']['answered']==50 and s['backoff']['gave_up']==0 and P['dns']['answers_matched']==50" "backoff: 50 DNS requests answered"
run_case random --protocol random --mode random --seed 42 --phase-duration 1 --duration 5
check "$TMP/tx-random.json" "len([e for e in ev if e['event']=='phase'])>=5 and s['reason']=='duration'" "random: 5 phases logged as events"
cp "$TMP/tx-random.json" "$TMP/tx-random1.json"
run_case random --protocol random --mode random --seed 42 --phase-duration 1 --duration 5
python3 - "$TMP/tx-random1.json" "$TMP/tx-random.json" <<'PY' && log "ok   - random: same seed, same phases" || { log "FAIL - random: phases differ for the same seed"; FAILS=$((FAILS+1)); }
import json, sys
def phases(f):
    return [(e["protocol"], e["mode"], e["pps"], e["burst_size"]) for e in map(json.loads, open(f)) if e.get("event") == "phase"][:5]
a, b = phases(sys.argv[1]), phases(sys.argv[2])
print(a, file=sys.stderr)
sys.exit(0 if a == b and len(a) == 5 else 1)
PY

# random messages at full speed, 1500 B, seen on the wire by B's kernel (no
# engine on B): each message's frames are sent from mbufs kept with its
# template (tmpl_slab.h); on the wire every frame must still be whole, carry
# one message only, and the messages must still vary
MAC_B=$(ip -n "$NS_B" -br link show eth1 | awk '{print $3}')
ip netns exec "$NS_B" tcpdump -i eth1 -w "$TMP/wire-1500.pcap" -U -s 1514 -c 3000 "udp and src host $IP_A" 2>/dev/null &
dump=$!
sleep 1
engine_run "$NS_A" 0 "$TMP/tx-wire.json" -- --src-ip "$IP_A" --dst-ip "$IP_B" --dst-mac "$MAC_B" --protocol udp --mode continuous --size 1500 --count 20000 || log "tx exited $?"
for _ in $(seq 1 50); do kill -0 "$dump" 2>/dev/null || break; sleep 0.1; done
kill "$dump" 2>/dev/null || true; wait "$dump" 2>/dev/null || true
check "$TMP/tx-wire.json" "P['udp']['tx_packets']==20000" "wire 1500 B: 20000 random-message frames sent at full speed"
check_cmd "wire 1500 B: frames on the wire decode with valid checksums" pcap_clean "$TMP/wire-1500.pcap"
python3 - "$TMP/wire-1500.pcap" <<'PY' && log "ok   - wire 1500 B: 3000 frames, each one message repeated, at least 8 messages" || { log "FAIL - wire 1500 B: frames mixed or too few messages"; FAILS=$((FAILS+1)); }
import struct, sys
d = open(sys.argv[1], "rb").read()
off, frames, msgs = 24, 0, set()
while off + 16 <= len(d):
    incl = struct.unpack_from("<I", d, off + 8)[0]
    f = d[off + 16: off + 16 + incl]
    off += 16 + incl
    payload = f[42:]
    # the message is the payload up to where it starts again
    m = next((payload[:k] for k in range(4, 80) if payload[k:k + 4] == payload[:4] and payload == (payload[:k] * (len(payload) // k + 1))[:len(payload)]), None)
    if m is None or len(f) != 1500:
        print(f"frame {frames}: not one message repeated: {payload[:60]!r}", file=sys.stderr)
        sys.exit(1)
    frames += 1
    msgs.add(m)
print(f"{frames} frames, {len(msgs)} messages", file=sys.stderr)
sys.exit(0 if frames == 3000 and len(msgs) >= 8 else 1)
PY

# signal: SIGINT still prints the summary
rxo="$TMP/rx-sig.json"
engine_bg "$NS_B" 1 "$rxo" -- "${RX_ARGS[@]}" >/dev/null; rxpid=${PIDS[-1]}; wait_start "$rxo"
sleep 1; kill -INT "$rxpid"; wait "$rxpid"; rc=$?
check "$rxo" "s['type']=='summary' and s['reason']=='signal'" "SIGINT: summary with reason signal"
check_cmd "SIGINT: exit status 0" test "$rc" -eq 0
finish
