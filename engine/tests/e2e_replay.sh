#!/usr/bin/env bash
# Engine replay (--role replay) over a veth pair: a scapy-made capture (mixed
# UDP/ICMP/TCP/DNS v4 frames, a fragment, a raw frame, a VLAN-tagged frame,
# IP options, a runt and a truncated frame)
# sent --loop 3 and counted by tcpdump on the peer; rewritten frames decoded
# by tshark with checksums validated and the mapped addresses; --pps rate
# measured on the receiver's timestamps; errors for missing/corrupt files.
# Usage: sudo engine/tests/e2e_replay.sh   (WL_PMD=net_af_packet for af_packet)
WL_TEST_PREFIX="${WL_TEST_PREFIX:-wrp}"
source "$(dirname "$0")/lib.sh"
setup_pair
for ns in "$NS_A" "$NS_B"; do ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1; done

PCAP="$TMP/in.pcap"
FRAMES=$(/usr/bin/python3 "$ENGINE_DIR/tests/replay_pcap.py" "$PCAP")
/usr/bin/python3 "$ENGINE_DIR/tests/replay_pcap.py" "$TMP/in.pcapng" pcapng >/dev/null
source "$ENGINE_DIR/tests/replay_lib.sh"
MAPS+=(--ttl 33)
log "capture: $FRAMES frames (one truncated)"

# 1. --loop 3 at full speed, rewritten, truncated frame padded
replay loop --pcap "$PCAP" --loop 3 "${MAPS[@]}"
n=$(rx_count loop)
check "$TMP/loop.json" "s['type']=='summary' and s['reason']=='loops' and s['replay']['frames_sent']==$FRAMES*3 and s['replay']['loops_done']==3" "loop 3: summary says $FRAMES x 3 frames sent, 3 loops"
check "$TMP/loop.json" "s['replay']['padded']==1 and s['replay']['skipped_truncated']==0 and s['rewrite']['ip_mapped']>0" "loop 3: the truncated frame padded, addresses mapped"
check_cmd "loop 3: receiver counted $FRAMES x 3 = $((FRAMES * 3)) frames (got $n)" test "$n" -eq $((FRAMES * 3))
check_cmd "loop 3: received frames decode with valid IP/UDP/TCP/ICMP checksums" pcap_clean "$TMP/loop.rx.pcap"
addrs=$(tshark -r "$TMP/loop.rx.pcap" -T fields -e ip.src -e ip.dst -Y ip 2>/dev/null | tr '\t' '\n' | sort -u | tr '\n' ' ')
check_cmd "loop 3: only the mapped addresses on the wire ($addrs)" test "$addrs" = "$IP_A $IP_B "
ttls=$(tshark -r "$TMP/loop.rx.pcap" -T fields -e ip.ttl -Y ip 2>/dev/null | sort -u | tr '\n' ' ')
check_cmd "loop 3: TTL 33 on every IPv4 frame ($ttls)" test "$ttls" = "33 "
dns=$(tshark -r "$TMP/loop.rx.pcap" -Y 'dns.flags.response == 1 && dns.a == 10.0.0.80' -T fields -e frame.number 2>/dev/null | grep -c . || true)
check_cmd "loop 3: the DNS answer decodes, rdata untouched (3 seen, got $dns)" test "$dns" -eq 3
macs=$(tshark -r "$TMP/loop.rx.pcap" -T fields -e eth.src 2>/dev/null | sort -u | tr '\n' ' ')
check_cmd "loop 3: source MACs mapped ($macs)" test "$macs" = "$MAC1 $MAC2 "
cmp_len=$(tshark -r "$TMP/loop.rx.pcap" -Y 'udp.port == 7' -T fields -e frame.len 2>/dev/null | sort -u)
check_cmd "loop 3: the truncated frame arrives padded to its wire length 242 (got $cmp_len)" test "$cmp_len" = 242

# 2. pcapng, truncated frame skipped
replay skip --pcap "$TMP/in.pcapng" --loop 3 --truncated skip "${MAPS[@]}"
n=$(rx_count skip)
check "$TMP/skip.json" "s['replay']['frames_sent']==($FRAMES-1)*3 and s['replay']['skipped_truncated']==1" "pcapng, --truncated skip: $((FRAMES - 1)) x 3 sent, 1 skipped"
check_cmd "pcapng, --truncated skip: receiver counted $(((FRAMES - 1) * 3)) (got $n)" test "$n" -eq $(((FRAMES - 1) * 3))

# 3. --pps: the rate at the receiver within 1% of the target
PPS=2000 COUNT=6000
replay pps --pcap "$PCAP" --loop 0 --count $COUNT --pps $PPS "${MAPS[@]}"
n=$(rx_count pps)
check "$TMP/pps.json" "s['reason']=='count' and s['replay']['frames_sent']==$COUNT and abs(s['pps']-$PPS)<=0.01*$PPS" "--pps $PPS: $COUNT sent, engine-measured rate within 1%"
rate=$(rx_rate pps)
log "receiver: $n frames at $rate pps"
check_cmd "--pps $PPS: receiver got $COUNT (got $n)" test "$n" -eq $COUNT
check_cmd "--pps $PPS: rate at the receiver within 1% ($rate)" python3 -c "import sys; sys.exit(0 if abs(float('${rate:-0}')-$PPS)<=0.01*$PPS else 1)"

# 4. --speed: the capture's 1 ms spacing at 0.5x is 2 ms between frames
#    (N frames: N-1 gaps of 2 ms, the wrap gap 0, N-1 more)
replay speed --pcap "$PCAP" --loop 2 --speed 0.5 "${MAPS[@]}"
span=$(rx_span speed)
want=$(( (FRAMES - 1) * 2 * 2 ))
check_cmd "--speed 0.5: 2 loops span $want ms +-3 ms at the receiver ($span s)" python3 -c "import sys; sys.exit(0 if abs(float('$span')*1000-$want)<=3 else 1)"

# 5. errors: one line, exit status 1, before any EAL output
rc=0; out=$("$ENGINE" -- --role replay --pcap "$TMP/nope.pcap" 2>&1 >/dev/null) || rc=$?
check_cmd "missing file: exit 1 and one line naming it ($out)" test "$rc" -eq 1 -a "$(echo "$out" | wc -l)" -eq 1 -a -n "$(echo "$out" | grep nope.pcap)"
head -c 110 "$PCAP" >"$TMP/cut.pcap"
rc=0; out=$("$ENGINE" -- --role replay --pcap "$TMP/cut.pcap" 2>&1 >/dev/null) || rc=$?
check_cmd "corrupt (cut) file: exit 1 and one line ($out)" test "$rc" -eq 1 -a "$(echo "$out" | wc -l)" -eq 1 -a -n "$(echo "$out" | grep 'record 2')"
finish
