#!/usr/bin/env bash
# v6-vlan.sh - count, drop and reflect on real IPv6 and VLAN-tagged traffic,
# on a veth pair in two private namespaces (wx6-gen-PID, wx6-dst-PID).
# Prints "ok"/"FAIL" per check; exit 1 if any failed, 77 without root.
#
#   - count: ping -6 (also fragmented), UDP over v6 (port 9 and 53), a TCP6
#     exchange, counted in the v6 classes; the kernel's own snmp6 counters
#     on the receiver agree. VLAN-tagged frames (one tag, 802.1ad + 802.1Q)
#     and extension-header frames crafted with scapy (no 8021q module here)
#     count in vlan/qinq and their classes; tshark on a capture of the same
#     link and wirelab-sink af-packet (the baseline) agree on the counts.
#   - drop: v6 rules (proto=icmp6 + source address, proto=dns6 + port) drop
#     only what they name; one-line errors for bad v6 rules.
#   - reflect: ping -6 is answered by the program (not the kernel); tagged
#     ICMPv6/ICMP echo and UDP come back with their tags, and tshark finds
#     the rewritten checksums valid.
#
# Needs: root, jq, tshark, tcpdump, python3 with scapy (WL_PY, default
# /usr/bin/python3: Debian's python3-scapy).
source "$(dirname "$0")/lib.sh"
NS_GEN=wx6-gen-$$
NS_DST=wx6-dst-$$
WL_TMP=/run/wx6-$$
WL_BPFFS=$WL_TMP/bpf
WL_PY=${WL_PY:-/usr/bin/python3}
GEN_IP6=2001:2:0:1::1
DST_IP6=2001:2:0:1::2
HERE=$(cd "$(dirname "$0")" && pwd)
trap wl_teardown EXIT

[ "$(id -u)" = 0 ] || { echo "$0: needs root (namespaces, XDP)" >&2; exit 77; }
"$WL_PY" -c 'import scapy' 2>/dev/null || { echo "$0: $WL_PY cannot import scapy (apt-get install python3-scapy)" >&2; exit 1; }
for t in jq tshark tcpdump; do command -v "$t" >/dev/null || { echo "$0: $t not installed" >&2; exit 1; }; done
wl_setup
for ns in "$NS_GEN" "$NS_DST"; do
	# No router solicitations: the only ICMPv6 on the link is ours (and MLD).
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.eth1.router_solicitations=0 net.ipv6.conf.eth1.accept_ra=0
done
ip -n "$NS_GEN" addr add "$GEN_IP6/64" dev eth1 nodad
ip -n "$NS_DST" addr add "$DST_IP6/64" dev eth1 nodad
ip -n "$NS_GEN" -6 neigh replace "$DST_IP6" lladdr "$DST_MAC" dev eth1 nud permanent
ip -n "$NS_DST" -6 neigh replace "$GEN_IP6" lladdr "$GEN_MAC" dev eth1 nud permanent
set +e  # checks look at exit codes themselves

FAILS=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; FAILS=$((FAILS + 1)); }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
PIN=$WL_BPFFS/v6-dst-eth1
GPIN=$WL_BPFFS/v6-gen-eth1

stats() { "$WL_XDP" stats --json --pin-dir "$1"; }
# delta BEFORE AFTER PATH: how much a counter (jq path under the stats object) grew.
delta() { jq -n --argjson a "$1" --argjson b "$2" -r "(\$b$3) - (\$a$3)"; }
# snmp6 NAME: the destination kernel's IPv6 counter, e.g. Icmp6InEchos.
snmp6() { in_dst awk -v k="$1" '$1 == k { print $2 }' /proc/net/snmp6; }
tcp_in() { in_dst awk '/^Tcp:/ { n++; if (n == 2) print $11 }' /proc/net/snmp; }
udp6() { in_gen bash -c "for i in \$(seq $2); do echo wirelab >/dev/udp/$DST_IP6/$1; done"; }
crafted() { in_gen "$WL_PY" "$HERE/tagged-frames.py" --iface eth1 --src-mac "$GEN_MAC" --dst-mac "$DST_MAC" \
	--src4 "$GEN_IP" --dst4 "$DST_IP" --src6 "$GEN_IP6" --dst6 "$DST_IP6" "$@"; }
# capture NS FILE: tcpdump on eth1 in NS until stop_capture; sets CAP_PID.
capture() {
	# --immediate-mode: otherwise frames in the ring block not yet handed over (TPACKET_V3, 1 s timeout) are lost on SIGINT
	ip netns exec "$1" tcpdump -i eth1 --immediate-mode -U -n -w "$2" 2>"$2.log" &
	CAP_PID=$!; WL_PIDS+=("$CAP_PID")
	for _ in $(seq 50); do grep -q listening "$2.log" && return; sleep 0.1; done
}
stop_capture() { sleep 0.3; kill -INT "$CAP_PID"; wait "$CAP_PID"; }
tcount() { tshark -r "$1" -o udp.check_checksum:TRUE -o ip.check_checksum:TRUE -Y "$2" 2>/dev/null | wc -l; }

# --- count ---
wl_log "count"
in_dst "$WL_XDP" load --dev eth1 --prog count --pin-dir "$PIN" >/dev/null
sleep 1 # let the namespaces' own MLD reports pass before measuring

s0=$(stats "$PIN"); e0=$(snmp6 Icmp6InEchos)
out=$(in_gen ping -6 -c 20 -i 0.05 -q "$DST_IP6")
sleep 0.2; s1=$(stats "$PIN"); e1=$(snmp6 Icmp6InEchos)
check "ping -6: 20 answered by the kernel" grep -q '20 received' <<<"$out"
check "ping -6: the kernel counted 20 echo requests" [ $((e1 - e0)) = 20 ]
check "ping -6: icmp6 >= 20 ($(delta "$s0" "$s1" .protocols.icmp6.packets))" [ "$(delta "$s0" "$s1" .protocols.icmp6.packets)" -ge 20 ]
check "ping -6: no icmp4, no other6" [ "$(delta "$s0" "$s1" .protocols.icmp4.packets)" = 0 -a "$(delta "$s0" "$s1" .protocols.other6.packets)" = 0 ]

s0=$(stats "$PIN"); r0=$(snmp6 Ip6ReasmReqds)
out=$(in_gen ping -6 -c 5 -i 0.1 -s 3000 -q "$DST_IP6")
sleep 0.2; s1=$(stats "$PIN"); r1=$(snmp6 Ip6ReasmReqds)
check "ping -6 -s 3000: answered" grep -q '5 received' <<<"$out"
check "fragments: frag = the kernel's reassembly fragments ($((r1 - r0)))" [ "$(delta "$s0" "$s1" .protocols.frag.packets)" = $((r1 - r0)) -a $((r1 - r0)) -ge 10 ]
check "fragments: non-first ones are other6, first ones icmp6" [ "$(delta "$s0" "$s1" .protocols.other6.packets)" = $((r1 - r0 - 5)) -a \
	"$(delta "$s0" "$s1" .protocols.icmp6.packets)" -ge 5 ]

s0=$(stats "$PIN"); n0=$(snmp6 Udp6NoPorts)
udp6 9 100; udp6 53 40
sleep 0.2; s1=$(stats "$PIN"); n1=$(snmp6 Udp6NoPorts)
check "udp6: the kernel got 140 datagrams (no listener)" [ $((n1 - n0)) = 140 ]
check "udp6: udp6 = 100, dns6 = 40" [ "$(delta "$s0" "$s1" .protocols.udp6.packets)" = 100 -a "$(delta "$s0" "$s1" .protocols.dns6.packets)" = 40 ]
check "udp6: udp = udp6, no udp4/dns4" [ "$(delta "$s0" "$s1" .protocols.udp.packets)" = 100 -a \
	"$(delta "$s0" "$s1" '.protocols.udp4.packets + .protocols.dns4.packets')" = 0 ]

ip netns exec "$NS_DST" timeout 10 nc -6 -l "$DST_IP6" 5000 >"$WL_TMP/tcp6.out" &
NC=$!; WL_PIDS+=("$NC")
sleep 0.3
s0=$(stats "$PIN"); t0=$(tcp_in)
echo "hello over tcp6" | in_gen timeout 5 nc -6 -N "$DST_IP6" 5000
wait "$NC"
sleep 0.2; s1=$(stats "$PIN"); t1=$(tcp_in)
check "tcp6: data arrived" grep -q 'hello over tcp6' "$WL_TMP/tcp6.out"
check "tcp6: tcp6 = the kernel's InSegs ($((t1 - t0)))" [ "$(delta "$s0" "$s1" .protocols.tcp6.packets)" = $((t1 - t0)) -a $((t1 - t0)) -ge 3 ]
check "tcp6: no tcp4" [ "$(delta "$s0" "$s1" .protocols.tcp4.packets)" = 0 ]

wl_log "crafted tagged frames"
# The userspace baseline classifies the same frames (AF_PACKET, after XDP_PASS).
ip netns exec "$NS_DST" "$WL_SINK" --mode af-packet --dev eth1 --job count --interval 10 >"$WL_TMP/sink.json" &
SINK=$!; WL_PIDS+=("$SINK")
capture "$NS_DST" "$WL_TMP/tagged.pcap"
sleep 0.3
s0=$(stats "$PIN")
sent=$(crafted --set count --count 50)
sleep 0.2; s1=$(stats "$PIN")
stop_capture
kill -TERM "$SINK"; wait "$SINK"
sink=$(grep '"type":"summary"' "$WL_TMP/sink.json")
check "scapy sent the tagged mix" [ "$(jq .sent <<<"$sent")" = 400 ]
for c in vlan qinq udp6 dns6 tcp4 arp frag other6; do
	want=$(jq ".classes.$c // 0" <<<"$sent")
	check "tagged: $c = $want" [ "$(delta "$s0" "$s1" ".protocols.$c.packets")" = "$want" ]
	check "tagged: wirelab-sink af-packet $c = $want" [ "$(jq ".protocols.$c.packets" <<<"$sink")" = "$want" ]
done
for c in icmp6 icmp4 ipv6 ipv4; do
	want=$(jq ".classes.$c // 0" <<<"$sent")
	check "tagged: $c >= $want" [ "$(delta "$s0" "$s1" ".protocols.$c.packets")" -ge "$want" ]
done
tv=$(tcount "$WL_TMP/tagged.pcap" 'vlan || ieee8021ad'); tq=$(tcount "$WL_TMP/tagged.pcap" '(ieee8021ad && vlan) || count(vlan.id) == 2')
check "tagged: tshark sees as many tagged frames ($tv)" [ "$tv" = "$(delta "$s0" "$s1" .protocols.vlan.packets)" ]
check "tagged: tshark sees as many double-tagged frames ($tq)" [ "$tq" = "$(delta "$s0" "$s1" .protocols.qinq.packets)" ]
check "tagged: tshark finds no malformed frame" [ "$(tcount "$WL_TMP/tagged.pcap" '_ws.malformed')" = 0 ]
s=$(stats "$PIN")
check "count: frames = eth + arp + icmp + udp + dns + tcp + other" [ "$(jq '.protocols.frames.packets' <<<"$s")" = \
	"$(jq '[.protocols.eth,.protocols.arp,.protocols.icmp,.protocols.udp,.protocols.dns,.protocols.tcp,.protocols.other]|map(.packets)|add' <<<"$s")" ]
check "count: ipv6 = icmp6 + udp6 + dns6 + tcp6 + other6" [ "$(jq '.protocols.ipv6.packets' <<<"$s")" = \
	"$(jq '[.protocols.icmp6,.protocols.udp6,.protocols.dns6,.protocols.tcp6,.protocols.other6]|map(.packets)|add' <<<"$s")" ]
in_dst "$WL_XDP" unload --dev eth1 --pin-dir "$PIN" >/dev/null

# --- drop with IPv6 rules ---
wl_log "drop with IPv6 rules"
out=$("$WL_XDP" run --dev eth1 --prog drop --rule src=2001:2::/129 2>&1); rc=$?
check "bad v6 prefix: exit 2, one line naming --rule" eval '[ "$rc" = 2 -a "$(wc -l <<<"$out")" = 1 ] && grep -q -- "--rule" <<<"$out"'
out=$("$WL_XDP" run --dev eth1 --prog drop --rule proto=udp4,src=2001:2::/64 2>&1); rc=$?
check "v4 class with a v6 prefix: exit 2, one line" eval '[ "$rc" = 2 -a "$(wc -l <<<"$out")" = 1 ] && grep -q "never matches" <<<"$out"'
in_dst "$WL_XDP" load --dev eth1 --prog drop --rule "proto=icmp6,src=$GEN_IP6/128" --rule proto=dns6,dport=53 \
	--pin-dir "$PIN" >/dev/null
s0=$(stats "$PIN"); n0=$(snmp6 Udp6NoPorts)
out=$(in_gen ping -6 -c 5 -i 0.1 -W 1 -q "$DST_IP6")
udp6 53 30; udp6 9 30
check "drop: ping -4 still answered" in_gen sh -c "ping -c 2 -i 0.1 -W 1 -q $DST_IP >/dev/null"
sleep 0.2; s1=$(stats "$PIN"); n1=$(snmp6 Udp6NoPorts)
check "drop: ping -6 from $GEN_IP6 got no answer" grep -q ' 0 received' <<<"$out"
check "drop: 5 icmp6 dropped" [ "$(delta "$s0" "$s1" .by_action.drop.icmp6.packets)" = 5 ]
check "drop: 30 dns6 dropped, 30 udp6 to port 9 passed" [ "$(delta "$s0" "$s1" .by_action.drop.dns6.packets)" = 30 -a \
	"$(delta "$s0" "$s1" .by_action.pass.udp6.packets)" = 30 ]
check "drop: the kernel saw only the 30 passed" [ $((n1 - n0)) = 30 ]
check "drop: nothing v4 dropped" [ "$(delta "$s0" "$s1" '.by_action.drop.ipv4.packets + .by_action.drop.arp.packets')" = 0 ]
in_dst "$WL_XDP" unload --dev eth1 --pin-dir "$PIN" >/dev/null

# --- reflect ---
wl_log "reflect"
# XDP_TX on a veth needs NAPI on the peer: count runs on the generator.
in_gen "$WL_XDP" load --dev eth1 --prog count --pin-dir "$GPIN" >/dev/null
in_dst "$WL_XDP" load --dev eth1 --prog reflect --pin-dir "$PIN" >/dev/null
s0=$(stats "$PIN"); e0=$(snmp6 Icmp6InEchos)
out=$(in_gen ping -6 -c 10 -i 0.05 -W 1 -q "$DST_IP6")
sleep 0.2; s1=$(stats "$PIN"); e1=$(snmp6 Icmp6InEchos)
check "reflect: ping -6 answered (the sender's kernel checked the checksum)" grep -q '10 received' <<<"$out"
check "reflect: answered by XDP, not by the kernel" [ $((e1 - e0)) = 0 -a "$(delta "$s0" "$s1" .by_action.tx.icmp6.packets)" = 10 ]

capture "$NS_GEN" "$WL_TMP/reflect.pcap"
g0=$(stats "$GPIN"); s0=$(stats "$PIN")
sent=$(crafted --set reflect --count 20)
sleep 0.2; g1=$(stats "$GPIN"); s1=$(stats "$PIN")
stop_capture
check "reflect: 60 tagged frames sent back (XDP_TX)" [ "$(delta "$s0" "$s1" '.by_action.tx.vlan.packets')" = 60 ]
check "reflect: the generator received 60 tagged, 20 double-tagged" [ "$(delta "$g0" "$g1" .protocols.vlan.packets)" = 60 -a \
	"$(delta "$g0" "$g1" .protocols.qinq.packets)" = 20 ]
P=$WL_TMP/reflect.pcap
check "reflect: 20 ICMPv6 echo replies, tags 200/100, valid checksum" \
	[ "$(tcount "$P" 'icmpv6.type == 129 && ieee8021ad.id == 200 && vlan.id == 100 && ipv6.dst == '"$GEN_IP6"' && icmpv6.checksum.status == 1')" = 20 ]
check "reflect: 20 ICMP echo replies, tag 100, valid checksum" \
	[ "$(tcount "$P" 'icmp.type == 0 && vlan.id == 100 && ip.dst == '"$GEN_IP"' && icmp.checksum.status == 1 && ip.checksum.status == 1')" = 20 ]
check "reflect: 20 UDP6 from port 7 back, tag 100, valid checksum" \
	[ "$(tcount "$P" 'udp.srcport == 7 && udp.dstport == 40000 && vlan.id == 100 && ipv6.dst == '"$GEN_IP6"' && udp.checksum.status == 1')" = 20 ]
check "reflect: no bad checksum at all" [ "$(tcount "$P" 'icmpv6.checksum.status == 0 || icmp.checksum.status == 0 || udp.checksum.status == 0')" = 0 ]
in_dst "$WL_XDP" unload --dev eth1 --pin-dir "$PIN" >/dev/null
in_gen "$WL_XDP" unload --dev eth1 --pin-dir "$GPIN" >/dev/null
check "nothing attached after unload" [ "$(wl_xdp_attached)" = 0 ]

echo "v6-vlan: $FAILS failed"
[ "$FAILS" = 0 ]
