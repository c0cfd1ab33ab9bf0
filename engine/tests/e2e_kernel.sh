#!/usr/bin/env bash
# The Linux kernel as the peer, both ways:
#  1. engine tx in A -> kernel in B answers ARP, ICMP, UDP (a small echo
#     server) and TCP (nc -l gets the handshake and the data);
#  2. real tools in A (arping, ping, dig, nc over TCP and UDP) -> engine rx in B.
# Both pcaps must decode in tshark with valid checksums.
# Usage: engine/tests/e2e_kernel.sh
source "$(dirname "$0")/lib.sh"
setup_pair
TX=(--src-ip "$IP_A" --dst-ip "$IP_B")

# ---- 1. engine -> kernel
for p in arp icmp; do
  engine_run "$NS_A" 0 "$TMP/k-$p.json" -- "${TX[@]}" --protocol "$p" --mode rate --pps 500 --count 500 --pcap "$TMP/k-$p.pcap"
  check "$TMP/k-$p.json" "P['$p']['answers_matched']==500 and s['rtt_us']['count']>=500" "kernel answers the engine's $p: 500/500 matched, RTT present"
  check_cmd "$p pcap (engine + kernel frames) decodes cleanly" pcap_clean "$TMP/k-$p.pcap"
done
udp_echo_bg "$NS_B" "$IP_B"
sleep 0.5
engine_run "$NS_A" 0 "$TMP/k-udp.json" -- "${TX[@]}" --protocol udp --mode rate --pps 500 --count 500 --message hello-kernel --pcap "$TMP/k-udp.pcap"
check "$TMP/k-udp.json" "P['udp']['answers_matched']==500" "a kernel UDP echo socket answers 500/500"
check_cmd "udp pcap decodes cleanly" pcap_clean "$TMP/k-udp.pcap"
ip netns exec "$NS_B" timeout 15 nc -l "$IP_B" 8080 >"$TMP/nc.out" &
NCPID=$!; PIDS+=($NCPID)
sleep 0.5
engine_run "$NS_A" 0 "$TMP/k-tcp.json" -- "${TX[@]}" --protocol tcp --mode rate --pps 10 --count 1 --message "hello kernel over tcp" --pcap "$TMP/k-tcp.pcap"
wait "$NCPID" || true
check "$TMP/k-tcp.json" "s['tcp']['handshakes_completed']==1 and P['tcp']['answers_matched']==1 and s['rtt_us']['count']>=1" "kernel SYN-ACKs the engine's SYN: handshake completed, RTT"
check_cmd "nc -l received the engine's data" grep -q "hello kernel over tcp" "$TMP/nc.out"
check_cmd "tcp pcap decodes cleanly" pcap_clean "$TMP/k-tcp.pcap"

# ---- 2. tools -> engine rx
ip -n "$NS_B" addr flush dev eth1
engine_bg "$NS_B" 1 "$TMP/rx.json" -- --role rx --ip "$IP_B" --udp-echo --dns-record www.example.com=198.18.200.10 --pcap "$TMP/rx.pcap" >/dev/null
RXPID=${PIDS[-1]}
wait_start "$TMP/rx.json"
ip netns exec "$NS_A" ip neigh flush dev eth1
check_cmd "arping gets 3 replies from the engine" bash -c "ip netns exec $NS_A arping -c 3 -w 5 -I eth1 $IP_B | grep -q 'Received 3 response'"
check_cmd "ping gets 5 replies from the engine" bash -c "ip netns exec $NS_A ping -c 5 -i 0.2 -W 1 $IP_B | grep -q ' 0% packet loss'"
check_cmd "dig gets the A record" bash -c "[ \"\$(ip netns exec $NS_A dig +time=1 +tries=2 @$IP_B www.example.com A +short)\" = 198.18.200.10 ]"
check_cmd "dig gets NXDOMAIN for other names" bash -c "ip netns exec $NS_A dig +time=1 +tries=2 @$IP_B other.example.com A | grep -q 'status: NXDOMAIN'"
check_cmd "nc (TCP) connects, sends and closes cleanly" bash -c "echo hello | ip netns exec $NS_A timeout 5 nc -N $IP_B 8080"
check_cmd "nc -u gets its datagram echoed" bash -c "[ \"\$(echo hello-udp | ip netns exec $NS_A timeout 3 nc -u -w1 $IP_B 9000)\" = hello-udp ]"
kill -INT "$RXPID"; wait "$RXPID" || true
check "$TMP/rx.json" "P['arp']['answers_sent']>=3 and P['icmp']['answers_sent']==5 and P['dns']['answers_sent']>=2 and s['tcp']['handshakes_completed']>=1 and P['udp']['answers_sent']>=1" "engine rx counted its answers"
check_cmd "rx pcap (tools + engine answers) decodes cleanly" pcap_clean "$TMP/rx.pcap"
finish
