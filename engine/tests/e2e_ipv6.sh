#!/usr/bin/env bash
# IPv6 end to end on a veth pair (namespaces we6-<id>-a/-b), from the
# RFC 5180 benchmarking range:
#  1. engine tx in A -> kernel in B: NDP resolves B (neighbour solicitation
#     to the solicited-node group), the kernel answers ICMPv6 echo and a
#     UDP6 echo socket answers UDP;
#  2. real tools in A (ping -6, the kernel's own NDP, nc -6 -u) -> engine rx in B;
#  3. engine to engine over ICMPv6 and UDP6, counts equal at both ends.
# Every pcap must decode in tshark with checksum validation and no malformed frame.
# Usage: engine/tests/e2e_ipv6.sh
export WL_TEST_PREFIX="${WL_TEST_PREFIX:-we6}" WL_IPV6=1
source "$(dirname "$0")/lib.sh"
setup_pair
IP6_A=2001:2:0:200::1
IP6_B=2001:2:0:200::2
N=1000
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
check_cmd "ICMPv6 pcap (engine + kernel frames, NDP included) decodes cleanly" pcap_clean "$TMP/k-icmp.pcap"
check_cmd "the capture holds the NS to the solicited-node group and the kernel's NA" bash -c \
  "[ \$(tshark -r $TMP/k-icmp.pcap -Y 'icmpv6.type==135 && ipv6.dst==ff02::1:ff00:2 && eth.dst==33:33:ff:00:00:02' 2>/dev/null | wc -l) -ge 1 ] && [ \$(tshark -r $TMP/k-icmp.pcap -Y 'icmpv6.type==136 && icmpv6.nd.na.flag.s==1' 2>/dev/null | wc -l) -ge 1 ]"
udp_echo_bg "$NS_B" "$IP6_B"
sleep 0.5
engine_run "$NS_A" 0 "$TMP/k-udp.json" -- "${TX[@]}" --protocol udp --mode rate --pps 1000 --count "$N" --message hello-kernel6 --pcap "$TMP/k-udp.pcap"
check "$TMP/k-udp.json" "P['udp']['answers_matched']==$N" "a kernel UDP6 echo socket answers $N/$N"
check_cmd "UDP6 pcap decodes cleanly" pcap_clean "$TMP/k-udp.pcap"

# ---- 2. tools -> engine rx
ip -n "$NS_B" addr flush dev eth1
ip netns exec "$NS_B" sysctl -qw net.ipv6.conf.eth1.disable_ipv6=1
engine_bg "$NS_B" 1 "$TMP/rx.json" -- --role rx --ip "$IP6_B" --udp-echo --pcap "$TMP/rx.pcap" >/dev/null
RXPID=${PIDS[-1]}
wait_start "$TMP/rx.json"
ip -n "$NS_A" -6 neigh flush dev eth1
check_cmd "ping -6 gets 5 replies from the engine" bash -c "ip netns exec $NS_A ping -6 -c 5 -i 0.2 -W 1 $IP6_B | grep -q ' 0% packet loss'"
check_cmd "the kernel learned the engine's MAC by NDP" bash -c "ip -n $NS_A -6 neigh show $IP6_B dev eth1 | grep -q 'lladdr $MAC_B'"
check_cmd "nc -6 -u gets its datagram echoed" bash -c "[ \"\$(echo hello-udp6 | ip netns exec $NS_A timeout 3 nc -6 -u -w1 $IP6_B 9000)\" = hello-udp6 ]"
kill -INT "$RXPID"; wait "$RXPID" || true
check "$TMP/rx.json" "P['icmp']['answers_sent']>=6 and P['udp']['answers_sent']>=1 and s['totals']['malformed']==0" "engine rx answered NS, 5 echoes and the UDP6 datagram"
check_cmd "rx pcap (kernel + engine frames) decodes cleanly" pcap_clean "$TMP/rx.pcap"

# ---- 3. engine <-> engine
ip -n "$NS_A" addr flush dev eth1
ip netns exec "$NS_A" sysctl -qw net.ipv6.conf.eth1.disable_ipv6=1
for p in icmp udp; do
  engine_bg "$NS_B" 1 "$TMP/rx-$p.json" -- --role rx --ip "$IP6_B" --udp-echo >/dev/null
  RXPID=${PIDS[-1]}
  wait_start "$TMP/rx-$p.json"
  engine_run "$NS_A" 0 "$TMP/tx-$p.json" -- "${TX[@]}" --protocol "$p" --mode rate --pps 2000 --count 2000 --pcap "$TMP/tx-$p.pcap" || log "tx exited $?"
  sleep 0.3
  kill -INT "$RXPID"; wait "$RXPID" || true
  check "$TMP/tx-$p.json" "s['reason']=='count' and P['$p']['answers_matched']==2000 and s['totals']['tx_dropped']==0" "$p over IPv6: tx matched 2000/2000"
  if [ "$p" = udp ]; then
    check "$TMP/rx-$p.json" "P['udp']['rx_packets']==2000 and P['udp']['answers_sent']==2000" "udp over IPv6: rx counted 2000 and echoed 2000 (equal at both ends)"
  else
    # the one NS of the resolution is ICMPv6 too, answered by an NA
    check "$TMP/rx-$p.json" "P['icmp']['rx_packets']==2001 and P['icmp']['answers_sent']==2001" "icmp over IPv6: rx counted 2000 echoes + 1 NS and answered each"
  fi
  check "$TMP/rx-$p.json" "s['totals']['malformed']==0" "$p over IPv6: rx saw no malformed frames"
  check_cmd "$p over IPv6: tx pcap decodes with valid checksums" pcap_clean "$TMP/tx-$p.pcap"
done
finish
