#!/usr/bin/env bash
# IPv6 end to end on a veth pair (namespaces we6-<id>-a/-b), from the
# RFC 5180 benchmarking range:
#  1. engine tx in A -> kernel in B: NDP resolves B (neighbour solicitation
#     to the solicited-node group), the kernel answers ICMPv6 echo, a UDP6
#     echo socket answers UDP, a TCP6 echo server takes the engine's connections;
#  2. real tools in A (ping -6, also -s 3000 in fragments, the kernel's own NDP,
#     ndisc6, nc -6 over UDP and TCP, a python TCP6 socket, dig AAAA/A over UDP6
#     and TCP6) -> engine rx in B;
#  3. engine to engine over IPv6: every protocol in every mode, answers
#     matched and counts equal at both ends; --fragment-size over IPv6
#     reassembled by the rx engine; random mode with both families
#     configured draws IPv4 and IPv6 phases, the same ones for the same seed.
# Every pcap must decode in tshark with checksum validation and no malformed frame.
# Usage: engine/tests/e2e_ipv6.sh
export WL_TEST_PREFIX="${WL_TEST_PREFIX:-we6}" WL_IPV6=1
source "$(dirname "$0")/lib.sh"
setup_pair
IP6_A=2001:2:0:200::1
IP6_B=2001:2:0:200::2
AAAA=2001:2:0:200::10
A4=198.18.200.10
N=1000
PROBE="$(dirname "$0")/tcp_dns_probe.py"
# nodad: no tentative address when traffic starts
ip -n "$NS_A" addr add "$IP6_A/64" dev eth1 nodad
ip -n "$NS_B" addr add "$IP6_B/64" dev eth1 nodad
MAC_B=$(ip -n "$NS_B" -j link show eth1 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["address"])')
TX=(--src-ip "$IP6_A" --dst-ip "$IP6_B" --stats-interval 0.5)

# ---- 1. engine -> kernel
engine_run "$NS_A" 0 "$TMP/k-icmp.json" -- "${TX[@]}" --protocol icmp --mode rate --pps 1000 --count "$N" --pcap "$TMP/k-icmp.pcap"
check "$TMP/k-icmp.json" "[e for e in ev if e['event']=='ndp_resolved' and e['mac']=='$MAC_B']" "engine resolved $IP6_B to $MAC_B by neighbour solicitation"
check "$TMP/k-icmp.json" "lines[0]['config']['ip_version']==6" "the family was derived from the addresses"
check "$TMP/k-icmp.json" "P['icmp']['answers_matched']==$N and s['rtt_us']['count']>=$N" "kernel answers the engine's ICMPv6 echo: $N/$N matched, RTT present"
check "$TMP/k-icmp.json" "s['families']['ipv6']['tx_packets']==$N+1 and s['families']['ipv4']['tx_packets']==0" "families: $N echoes + 1 NS counted as IPv6, nothing as IPv4"
check_cmd "ICMPv6 pcap (engine + kernel frames, NDP included) decodes cleanly" pcap_clean "$TMP/k-icmp.pcap"
check_cmd "the capture holds the NS to the solicited-node group and the kernel's NA" bash -c \
  "[ \$(tshark -r $TMP/k-icmp.pcap -Y 'icmpv6.type==135 && ipv6.dst==ff02::1:ff00:2 && eth.dst==33:33:ff:00:00:02' 2>/dev/null | wc -l) -ge 1 ] && [ \$(tshark -r $TMP/k-icmp.pcap -Y 'icmpv6.type==136 && icmpv6.nd.na.flag.s==1' 2>/dev/null | wc -l) -ge 1 ]"
udp_echo_bg "$NS_B" "$IP6_B"
sleep 0.5
engine_run "$NS_A" 0 "$TMP/k-udp.json" -- "${TX[@]}" --protocol udp --mode rate --pps 1000 --count "$N" --message hello-kernel6 --pcap "$TMP/k-udp.pcap"
check "$TMP/k-udp.json" "P['udp']['answers_matched']==$N" "a kernel UDP6 echo socket answers $N/$N"
check_cmd "UDP6 pcap decodes cleanly" pcap_clean "$TMP/k-udp.pcap"
ip netns exec "$NS_B" timeout 30 /usr/bin/python3 "$PROBE" echo-server "$IP6_B" 8080 >"$TMP/echo.out" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 50); do grep -q listening "$TMP/echo.out" 2>/dev/null && break; sleep 0.1; done
engine_run "$NS_A" 0 "$TMP/k-tcp.json" -- "${TX[@]}" --protocol tcp --mode rate --pps 100 --count 100 --message "hello kernel over tcp6" --pcap "$TMP/k-tcp.pcap"
check "$TMP/k-tcp.json" "s['tcp']['handshakes_completed']==100 and P['tcp']['answers_matched']==100 and s['tcp']['client']['completed']==100" "a kernel TCP6 echo server completes 100/100 of the engine's connections (handshake, data, both FINs)"
check "$TMP/k-tcp.json" "s['tcp']['client']['violations']==0 and s['tcp']['client']['aborted']==0 and s['tcp']['resets']==0" "the kernel's TCP6 segments break no rule the engine's client checks"
check_cmd "TCP6 pcap decodes cleanly (engine segments with the v6 pseudo-header checksum)" pcap_clean "$TMP/k-tcp.pcap"
check_cmd "the kernel echoed the engine's data over TCP6" bash -c \
  "[ \$(tshark -r $TMP/k-tcp.pcap -Y 'tcp.srcport==8080 && tcp.len==22' 2>/dev/null | wc -l) -eq 100 ]"

# ---- 2. tools -> engine rx
ip -n "$NS_B" addr flush dev eth1
ip netns exec "$NS_B" sysctl -qw net.ipv6.conf.eth1.disable_ipv6=1
engine_bg "$NS_B" 1 "$TMP/rx.json" -- --role rx --ip "$IP6_B" --udp-echo --tcp-listen 8080,53 --tcp-echo \
  --dns-record www.example.com="$AAAA" --dns-record www.example.com="$A4" --dns-record v4only.example.com="$A4" \
  --pcap "$TMP/rx.pcap" >/dev/null
RXPID=${PIDS[-1]}
wait_start "$TMP/rx.json"
ip -n "$NS_A" -6 neigh flush dev eth1
check_cmd "ndisc6 resolves the engine's address to its MAC (NS answered by a solicited NA)" bash -c \
  "ip netns exec $NS_A ndisc6 -1 -r 3 -w 500 $IP6_B eth1 | grep -qi 'link-layer address: $MAC_B'"
check_cmd "ping -6 gets 5 replies from the engine" bash -c "ip netns exec $NS_A ping -6 -c 5 -i 0.2 -W 1 $IP6_B | grep -q ' 0% packet loss'"
check_cmd "ping -6 -s 3000: the engine reassembles each request and answers in fragments the kernel reassembles" bash -c \
  "ip netns exec $NS_A ping -6 -s 3000 -c 3 -i 0.2 -W 1 $IP6_B | grep -q ' 0% packet loss'"
check_cmd "the kernel learned the engine's MAC by NDP (ip -6 neigh)" bash -c "ip -n $NS_A -6 neigh show $IP6_B dev eth1 | grep -q 'lladdr $MAC_B'"
check_cmd "nc -6 -u gets its datagram echoed" bash -c "[ \"\$(echo hello-udp6 | ip netns exec $NS_A timeout 3 nc -6 -u -w1 $IP6_B 9000)\" = hello-udp6 ]"
DIG="dig -6 +time=1 +tries=2 @$IP6_B"
check_cmd "dig AAAA over UDP6 gets the AAAA record" bash -c "[ \"\$(ip netns exec $NS_A $DIG www.example.com AAAA +short)\" = $AAAA ]"
check_cmd "dig AAAA over TCP6 gets the AAAA record" bash -c "[ \"\$(ip netns exec $NS_A $DIG +tcp www.example.com AAAA +short)\" = $AAAA ]"
check_cmd "dig A over UDP6 gets the A record" bash -c "[ \"\$(ip netns exec $NS_A $DIG www.example.com A +short)\" = $A4 ]"
check_cmd "dig A over TCP6 gets the A record" bash -c "[ \"\$(ip netns exec $NS_A $DIG +tcp www.example.com A +short)\" = $A4 ]"
check_cmd "dig AAAA for a name with only an A record: NOERROR, no answer (NODATA)" bash -c \
  "ip netns exec $NS_A $DIG v4only.example.com AAAA | grep -q 'status: NOERROR.*' && [ -z \"\$(ip netns exec $NS_A $DIG v4only.example.com AAAA +short)\" ]"
check_cmd "dig AAAA for an unknown name gets NXDOMAIN over TCP6" bash -c "ip netns exec $NS_A $DIG +tcp other.example.com AAAA | grep -q 'status: NXDOMAIN'"
check_cmd "a python TCP6 socket gets 3000 bytes echoed intact and the engine's FIN" bash -c \
  "ip netns exec $NS_A /usr/bin/python3 $PROBE tcp-client $IP6_B 8080 3000 | python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(0 if d[\"connected\"] and d[\"received\"]==3000 and d[\"echo_intact\"] else 1)'"
check_cmd "nc -6 over TCP gets its line echoed" bash -c "[ \"\$(echo hello-tcp6 | ip netns exec $NS_A timeout 3 nc -6 -N -w2 $IP6_B 8080)\" = hello-tcp6 ]"
check_cmd "a TCP6 connection to a port nobody listens on is refused (RST)" bash -c \
  "ip netns exec $NS_A /usr/bin/python3 $PROBE tcp-client $IP6_B 8081 10 | grep -q '\"refused\": true'"
kill -INT "$RXPID"; wait "$RXPID" || true
check "$TMP/rx.json" "P['icmp']['answers_sent']>=6 and P['udp']['answers_sent']>=1 and P['dns']['answers_sent']>=3 and s['totals']['malformed']==0" "engine rx answered NS, 5 echoes, the UDP6 datagram and the UDP6 queries"
check "$TMP/rx.json" "s['tcp']['handshakes_completed']>=5 and s['tcp']['server']['dns_queries']>=3 and s['tcp']['server']['refused']==1 and s['tcp']['server']['bad_transitions']==0" "engine rx: TCP6 handshakes, DNS over TCP6, one refused SYN"
check "$TMP/rx.json" "s['families']['ipv6']['rx_packets']>0 and s['families']['ipv4']['rx_packets']==0" "families: the tools' frames counted as IPv6"
check "$TMP/rx.json" "s['reassembly']['reassembled']==3 and s['reassembly']['fragments']==9 and s['reassembly']['dropped']==0" "IPv6 reassembly: 9 fragments, 3 echo requests rebuilt, none dropped"
check_cmd "rx pcap: the engine's answers to ping -s 3000 left as IPv6 fragments that tshark reassembles into echo replies" bash -c \
  "[ \$(tshark -r $TMP/rx.pcap -Y 'icmpv6.type==129 && ipv6.fragment.count==3' 2>/dev/null | wc -l) -eq 3 ]"
check_cmd "rx pcap (kernel + engine frames) decodes cleanly" pcap_clean "$TMP/rx.pcap"

# ---- 3. engine <-> engine
ip -n "$NS_A" addr flush dev eth1
ip netns exec "$NS_A" sysctl -qw net.ipv6.conf.eth1.disable_ipv6=1
RX_ARGS=(--role rx --ip "$IP6_B" --ip "$IP_B" --udp-echo --tcp-echo --dns-record www.example.com="$AAAA" --dns-record www.example.com="$A4")

run_case() { # name -- tx args...
  local name="$1"; shift
  engine_bg "$NS_B" 1 "$TMP/rx-$name.json" -- "${RX_ARGS[@]}" >/dev/null
  local rxpid=${PIDS[-1]}
  wait_start "$TMP/rx-$name.json"
  engine_run "$NS_A" 0 "$TMP/tx-$name.json" -- --stats-interval 0.5 --pcap "$TMP/tx-$name.pcap" --domain www.example.com "$@" || log "tx exited $?"
  sleep 0.3
  kill -INT "$rxpid"; wait "$rxpid" || true
}
# both_ends NAME PROTO: what one side sent of PROTO the other received, both ways, and per family
both_ends() {
  if python3 - "$TMP/tx-$1.json" "$TMP/rx-$1.json" "$2" <<'PY'
import json, sys
tx, rx = (json.loads([l for l in open(f) if l.strip()][-1]) for f in sys.argv[1:3])
p = sys.argv[3]
a, b = tx["protocols"][p], rx["protocols"][p]
ok = a["tx_packets"] == b["rx_packets"] and b["tx_packets"] == a["rx_packets"] and a["tx_packets"] > 0
for fam in ("ipv4", "ipv6"):
    ok = ok and tx["families"][fam]["tx_packets"] == rx["families"][fam]["rx_packets"]
    ok = ok and rx["families"][fam]["tx_packets"] == tx["families"][fam]["rx_packets"]
ok = ok and tx["totals"]["malformed"] == 0 and rx["totals"]["malformed"] == 0 and tx["totals"]["tx_dropped"] == 0
if not ok:
    print(p, a, b, tx["families"], rx["families"], file=sys.stderr)
sys.exit(0 if ok else 1)
PY
  then log "ok   - $1: counts equal at both ends ($2 both ways, per family), nothing malformed or dropped"
  else log "FAIL - $1: counts differ between the ends"; FAILS=$((FAILS + 1)); fi
}
# matched NAME PROTO COUNT: every request answered and matched
matched() {
  local name="$1" p="$2" n="$3" extra=""
  case "$p" in
    tcp) extra="and s['tcp']['client']['completed']==$n and s['tcp']['client']['violations']==0 and s['tcp']['resets']==0" ;;
    dns) extra="and s['dns_rcodes']['noerror']==$n" ;;
  esac
  check "$TMP/tx-$name.json" "s['reason']=='count' and P['$p']['answers_matched']==$n $extra" "$name: $n/$n $p answers matched over IPv6"
  check_cmd "$name: tx pcap decodes with valid checksums" pcap_clean "$TMP/tx-$name.pcap"
}

for p in icmp udp tcp dns; do
  run_case "$p-rate" "${TX[@]}" --protocol "$p" --mode rate --pps 2000 --count 2000
  matched "$p-rate" "$p" 2000
  both_ends "$p-rate" "$p"
  run_case "$p-cont" "${TX[@]}" --protocol "$p" --mode continuous --interval 1000 --count 300
  matched "$p-cont" "$p" 300
  both_ends "$p-cont" "$p"
  run_case "$p-burst" "${TX[@]}" --protocol "$p" --mode burst --burst-size 50 --burst-gap 20000 --count 300
  matched "$p-burst" "$p" 300
  both_ends "$p-burst" "$p"
  run_case "$p-backoff" "${TX[@]}" --protocol "$p" --mode backoff --initial-delay 20000 --max-delay 200000 --max-retries 3 --count 50
  check "$TMP/tx-$p-backoff.json" "s['backoff']['answered']==50 and s['backoff']['gave_up']==0" "$p-backoff: 50 requests answered, none given up"
  matched "$p-backoff" "$p" 50
  both_ends "$p-backoff" "$p"
done
check "$TMP/rx-tcp-rate.json" "s['tcp']['handshakes_completed']==2000 and P['tcp']['answers_sent']==6000" "tcp-rate: rx completed 2000 TCP6 handshakes (SYN-ACK, echo, FIN-ACK each)"
check_cmd "dns-rate: the engine's queries ask for AAAA and its answers carry the AAAA record" bash -c \
  "[ \$(tshark -r $TMP/tx-dns-rate.pcap -Y 'dns.flags.response==0 && dns.qry.type==28' 2>/dev/null | wc -l) -eq 2000 ] && [ \$(tshark -r $TMP/tx-dns-rate.pcap -Y 'dns.aaaa==$AAAA' 2>/dev/null | wc -l) -eq 2000 ]"
run_case dns-a "${TX[@]}" --protocol dns --dns-type A --mode rate --pps 1000 --count 200
matched dns-a dns 200
check_cmd "dns-a: --dns-type A over IPv6 gets the A record" bash -c "[ \$(tshark -r $TMP/tx-dns-a.pcap -Y 'dns.a==$A4' 2>/dev/null | wc -l) -eq 200 ]"
run_case udp-frag "${TX[@]}" --protocol udp --mode rate --pps 500 --count 200 --size 1400 --fragment-size 512
check "$TMP/rx-udp-frag.json" "s['reassembly']['fragments']==600 and s['reassembly']['reassembled']==200 and s['reassembly']['dropped']==0 and P['udp']['answers_sent']==200" "udp-frag: --fragment-size 512 over IPv6: rx rebuilt 200 datagrams from 600 fragments and echoed each"
check "$TMP/tx-udp-frag.json" "P['udp']['answers_matched']==200 and P['udp']['tx_packets']==600" "udp-frag: tx sent 600 fragments, matched 200 echoes"
check_cmd "udp-frag: tx pcap (IPv6 fragments and the echoes) decodes with valid checksums" pcap_clean "$TMP/tx-udp-frag.pcap"
run_case eth "${TX[@]}" --protocol eth --mode rate --pps 2000 --count 2000
check "$TMP/rx-eth.json" "P['eth']['rx_packets']==2000" "eth with IPv6 addresses: 2000 raw frames counted at rx"
check "$TMP/tx-eth.json" "lines[0]['config']['ip_version']==6 and P['eth']['tx_packets']==2000" "eth: sent 2000 frames in an IPv6 configuration"

# random mode, both families configured: phases of either family, reproducible from the seed
DUAL=("${TX[@]}" --src-ip "$IP_A" --dst-ip "$IP_B")
for k in 1 2; do
  run_case "random$k" "${DUAL[@]}" --protocol random --mode random --seed 7 --phase-duration 1 --duration 6
done
check "$TMP/tx-random1.json" "{e['ip_version'] for e in ev if e['event']=='phase'}=={4,6} and s['reason']=='duration'" "random: phases drawn over IPv4 and IPv6"
check "$TMP/tx-random1.json" "[e for e in ev if e['event']=='ndp_resolved'] and [e for e in ev if e['event']=='arp_resolved']" "random: both neighbours resolved first (NDP and ARP)"
check "$TMP/tx-random1.json" "s['families']['ipv4']['tx_packets']>0 and s['families']['ipv6']['tx_packets']>0 and s['families']['ipv6']['rx_packets']>0" "random: tx sent and received frames of both families"
check "$TMP/rx-random1.json" "s['families']['ipv4']['rx_packets']>0 and s['families']['ipv6']['rx_packets']>0 and s['totals']['malformed']==0" "random: rx received both families, nothing malformed"
check_cmd "random: tx pcap decodes with valid checksums" pcap_clean "$TMP/tx-random1.pcap"
python3 - "$TMP/tx-random1.json" "$TMP/tx-random2.json" <<'PY' && log "ok   - random: same seed, same phases and families" || { log "FAIL - random: phases differ for the same seed"; FAILS=$((FAILS+1)); }
import json, sys
def phases(f):
    return [(e["protocol"], e["mode"], e["ip_version"], e["pps"]) for e in map(json.loads, open(f)) if e.get("event") == "phase"][:5]
a, b = phases(sys.argv[1]), phases(sys.argv[2])
print(a, file=sys.stderr)
sys.exit(0 if a == b and len(a) == 5 else 1)
PY
finish
