#!/usr/bin/env bash
# 802.1Q and QinQ end to end. Three hosts (namespaces wvl-<id>-a/-b/-c) on
# a Linux bridge in a fourth (wvl-<id>-br): this kernel has no 8021q module,
# and a bridge without vlan_filtering carries tagged frames as they are.
#  1. engine A -> engine B with one tag (100, PCP 5) and with two (S-tag 100,
#     C-tag 200): every protocol (eth, arp, icmp, udp, tcp, dns; icmp and
#     udp over IPv6 with NDP) answered and matched through the tags; the
#     per-VLAN counters ("vlans") hold every frame and agree between the two
#     ends; tshark decodes the tags (vlan.id, ieee8021ad.id) in every frame
#     of the sender's pcap, with valid checksums and no malformed frame.
#  2. VLAN separation: B on VLAN 100 and C on VLAN 200 own the same address;
#     A on VLAN 200 is answered by C only (ARP resolves to C's MAC), B counts
#     those frames as refused.vlan and answers nothing; untagged frames get
#     no answer from either.
#  3. The receive side on net_af_packet with --vlan-strip (the PMD strips
#     the tag into the mbuf, the engine puts it back) while wirelab-xdp
#     count runs on the same interface: the XDP vlan/qinq counters equal the
#     frames the sender tagged and the receiving engine counted.
# Usage: engine/tests/e2e_vlan.sh   (WL_PMD=net_af_packet for part 1 and 2 on af_packet)
export WL_TEST_PREFIX="${WL_TEST_PREFIX:-wvl}"
source "$(dirname "$0")/lib.sh"
NS_C="${WL_TEST_PREFIX}-$ID-c"
NS_BR="${WL_TEST_PREFIX}-$ID-br"
WL_XDP="${WL_BUILD:-$ROOT_DIR/build/xdp}/wirelab-xdp"
BPFFS="$TMP/bpf"

vlan_cleanup() {
  [ -n "${XDP_PIN:-}" ] && ip netns exec "$NS_B" "$WL_XDP" unload --dev eth1 --pin-dir "$XDP_PIN" >/dev/null 2>&1
  mountpoint -q "$BPFFS" 2>/dev/null && umount "$BPFFS"
  ip netns del "$NS_C" 2>/dev/null || true
  ip netns del "$NS_BR" 2>/dev/null || true
  cleanup
}
trap vlan_cleanup EXIT INT TERM

[ -x "$ENGINE" ] || { echo "engine not built: $ENGINE" >&2; exit 2; }
for ns in "$NS_A" "$NS_B" "$NS_C" "$NS_BR"; do
  ip netns add "$ns"
  # no kernel IPv6 (NDP, MLD) on the link: every frame is an engine's
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  ip -n "$ns" link set lo up
done
# mcast_snooping 0: a snooping bridge joins 224.0.0.106 and its IGMP report
# reaches the hosts untagged, an extra frame the first case would count
ip -n "$NS_BR" link add br0 type bridge stp_state 0 forward_delay 0 mcast_snooping 0
ip -n "$NS_BR" link set br0 up
for h in a b c; do
  ip link add "${WL_TEST_PREFIX}-${ID}$h" type veth peer name "${WL_TEST_PREFIX}-${ID}${h}p"
  ip link set "${WL_TEST_PREFIX}-${ID}$h" netns "${WL_TEST_PREFIX}-$ID-$h"
  ip link set "${WL_TEST_PREFIX}-${ID}${h}p" netns "$NS_BR"
  ip -n "${WL_TEST_PREFIX}-$ID-$h" link set "${WL_TEST_PREFIX}-${ID}$h" name eth1
  ip -n "${WL_TEST_PREFIX}-$ID-$h" link set eth1 up
  ip -n "$NS_BR" link set "${WL_TEST_PREFIX}-${ID}${h}p" master br0 up
  # The bridge takes a received tag out of the frame into the skb; a port
  # that offloads tag insertion would hand it to the host's veth still out of
  # the frame, where XDP (and so AF_XDP) never sees it. Inserted in software,
  # it is back in the frame, as on a real wire.
  ip netns exec "$NS_BR" ethtool -K "${WL_TEST_PREFIX}-${ID}${h}p" tx-vlan-hw-insert off tx-vlan-stag-hw-insert off >/dev/null
done
mac_of() { ip -n "$1" -j link show eth1 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["address"])'; }
MAC_B=$(mac_of "$NS_B"); MAC_C=$(mac_of "$NS_C")
log "hosts $NS_A, $NS_B, $NS_C on br0 in $NS_BR ($PMD)"

IP6_A=2001:2:0:201::1
IP6_B=2001:2:0:201::2
N=1000
RX_ARGS=(--role rx --stats-interval 0.1 --ip "$IP_B" --ip "$IP6_B" --udp-echo --dns-record www.example.com=198.18.200.10 --dns-record example.org=198.18.200.11)

# check2 TX RX 'expr' 'message': expr over both summaries (t, r)
check2() {
  if python3 - "$1" "$2" "$3" <<'PY'
import json, sys
last = lambda f: [json.loads(l) for l in open(f) if l.strip()][-1]
sys.exit(0 if eval(sys.argv[3], {"t": last(sys.argv[1]), "r": last(sys.argv[2])}) else 1)
PY
  then log "ok   - $4"; else log "FAIL - $4 ($1 $2: $3)"; FAILS=$((FAILS + 1)); fi
}
# tcount FILE FILTER: frames of FILE matching a tshark display filter
tcount() { tshark -r "$1" -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE -o tcp.check_checksum:TRUE -Y "$2" 2>/dev/null | wc -l; }
frames() { capinfos -c -M "$1" | awk '/Number of packets/ {print $NF}'; }

# run_case NAME "VLAN ARGS" RX_PMD RX_EXTRA -- TX ARGS...
run_case() {
  local name="$1" vl="$2"; shift 3
  local rxo="$TMP/rx-$name.json" txo="$TMP/tx-$name.json"
  # shellcheck disable=SC2086
  engine_bg "$NS_B" 1 "$rxo" -- "${RX_ARGS[@]}" $vl >/dev/null
  local rxpid=${PIDS[-1]}
  wait_start "$rxo"
  # shellcheck disable=SC2086
  engine_run "$NS_A" 0 "$txo" -- --stats-interval 0.5 --pcap "$TMP/tx-$name.pcap" $vl "$@" || log "tx exited $?"
  # The receiver ends once it has counted every frame the sender sent (its stats every 0.1 s), 5 s at most:
  # a fixed pause lost the last TCP ACKs on a busy machine.
  for _ in $(seq 50); do
    python3 - "$txo" "$rxo" <<'PY' && break
import json, sys
last = lambda f: [json.loads(l) for l in open(f) if l.strip().startswith("{")][-1]
sys.exit(0 if last(sys.argv[2])["totals"]["rx_packets"] >= last(sys.argv[1])["totals"]["tx_packets"] else 1)
PY
    sleep 0.1
  done
  kill -INT "$rxpid"; wait "$rxpid" || true
}

# ---- 1. every protocol through one tag and through two
for cfg in one two; do
  if [ "$cfg" = one ]; then
    VL="--vlan 100,5"; KEY=100; TAGS='vlan.id == 100 && vlan.priority == 5 && !ieee8021ad'
  else
    VL="--vlan 100 --vlan 200,3"; KEY=100.200
    # af_packet hands a received S-tag back as 0x8100 (the kernel untags it, the PMD re-tags)
    TAGS='(ieee8021ad.id == 100 && vlan.id == 200 && vlan.priority == 3) || (!ieee8021ad && count(vlan.id) == 2 && vlan.id == 100 && vlan.id == 200)'
  fi
  for p in eth arp icmp udp tcp dns icmp6 udp6; do
    case "$p" in
      icmp6|udp6) TXA=(--protocol "${p%6}" --src-ip "$IP6_A" --dst-ip "$IP6_B") ;;
      tcp) TXA=(--protocol tcp --src-ip "$IP_A" --dst-ip "$IP_B" --message "hello over tcp") ;;
      *) TXA=(--protocol "$p" --src-ip "$IP_A" --dst-ip "$IP_B") ;;
    esac
    name="$cfg-$p"
    run_case "$name" "$VL" -- "${TXA[@]}" --mode rate --pps 4000 --count "$N"
    tx="$TMP/tx-$name.json"; rx="$TMP/rx-$name.json"
    check "$tx" "s['reason']=='count' and s['totals']['tx_dropped']==0" "$name: tx sent $N, nothing dropped"
    q="${p%6}"
    case "$p" in
      eth) check "$rx" "P['eth']['rx_packets']==$N" "$name: rx counted $N raw frames through the tags" ;;
      tcp) check "$tx" "s['tcp']['handshakes_completed']==$N and P['tcp']['answers_matched']==$N and s['tcp']['resets']==0" "$name: $N connections completed through the tags, no resets"
           check "$rx" "s['tcp']['handshakes_completed']==$N" "$name: rx completed $N handshakes" ;;
      *) check "$tx" "P['$q']['answers_matched']==$N" "$name: tx matched $N/$N answers"
         check "$rx" "P['$q']['answers_sent']>=$N and s['refused']['vlan']==0" "$name: rx answered every request, refused none for its tags" ;;
    esac
    # every frame of both ends under the one key, and the ends agree
    check2 "$tx" "$rx" "list(t['vlans'])==['$KEY'] and list(r['vlans'])==['$KEY'] and t['vlans']['$KEY']['tx_packets']==t['totals']['tx_packets'] and t['vlans']['$KEY']['rx_packets']==t['totals']['rx_packets'] and r['vlans']['$KEY']['rx_packets']==r['totals']['rx_packets'] and r['vlans']['$KEY']['tx_packets']==r['totals']['tx_packets']" "$name: vlans[$KEY] holds every frame sent and received at both ends"
    check2 "$tx" "$rx" "t['totals']['tx_packets']==r['totals']['rx_packets']>0 and r['totals']['tx_packets']==t['totals']['rx_packets'] and t['totals']['malformed']==r['totals']['malformed']==0" "$name: counts equal at both ends (tx->rx and rx->tx)"
    check_cmd "$name: tshark decodes the tags in every frame of the tx pcap" test "$(tcount "$TMP/tx-$name.pcap" "$TAGS")" -eq "$(frames "$TMP/tx-$name.pcap")"
    check_cmd "$name: tx pcap decodes with valid checksums, nothing malformed" pcap_clean "$TMP/tx-$name.pcap"
  done
done
check "$TMP/tx-one-dns.json" "s['dns_rcodes']['noerror']>0 and P['dns']['errors']==0" "dns over VLAN 100: A records answered"
check "$TMP/tx-two-icmp6.json" "[e for e in ev if e['event']=='ndp_resolved' and e['mac']=='$MAC_B']" "QinQ: NDP resolved $IP6_B through two tags"

# ---- 2. separation: same address on VLAN 100 (B) and VLAN 200 (C)
engine_bg "$NS_B" 1 "$TMP/sep-b.json" -- "${RX_ARGS[@]}" --vlan 100 >/dev/null; PB=${PIDS[-1]}
engine_bg "$NS_C" 1 "$TMP/sep-c.json" -- "${RX_ARGS[@]}" --vlan 200 >/dev/null; PC=${PIDS[-1]}
wait_start "$TMP/sep-b.json"; wait_start "$TMP/sep-c.json"
# B and C poll on one lcore: on a busy machine the last echoes may come later than the default 500 ms linger
engine_run "$NS_A" 0 "$TMP/sep-a200.json" -- --vlan 200 --src-ip "$IP_A" --dst-ip "$IP_B" --protocol icmp --mode rate --pps 2000 --count 500 --linger 2000 --stats-interval 0.5 || log "tx exited $?"
# untagged, straight to B's MAC: neither tagged host may answer
engine_run "$NS_A" 0 "$TMP/sep-a0.json" -- --dst-mac "$MAC_B" --src-ip "$IP_A" --dst-ip "$IP_B" --protocol udp --count 200 --mode rate --pps 2000 --linger 300 --stats-interval 0.5 || log "tx exited $?"
sleep 0.3
kill -INT "$PB" "$PC"; wait "$PB" || true; wait "$PC" || true
check "$TMP/sep-a200.json" "[e for e in ev if e['event']=='arp_resolved' and e['mac']=='$MAC_C'] and P['icmp']['answers_matched']==500" "VLAN 200: ARP resolved to C ($MAC_C), 500/500 echoes answered by C"
check "$TMP/sep-c.json" "P['icmp']['answers_sent']==500 and P['arp']['answers_sent']==1 and s['vlans']['200']['rx_packets']==501" "C (VLAN 200) answered the ARP request and 500 echoes"
check "$TMP/sep-b.json" "sum(p['answers_sent'] for p in P.values())==0 and s['vlans']['200']['rx_packets']==1 and s['refused']['vlan']>=1" "B (VLAN 100) answered nothing of VLAN 200 (the flooded ARP counted under 200 and refused.vlan)"
check "$TMP/sep-a0.json" "P['udp']['tx_packets']==200 and P['udp']['answers_matched']==0" "untagged: 200 datagrams sent, none answered"
check "$TMP/sep-b.json" "s['refused']['vlan']==201 and P['udp']['answers_sent']==0" "B refused the 200 untagged datagrams as refused.vlan (201 with the ARP)"

# ---- 3. XDP counters and a PMD that strips the tags
if [ -x "$WL_XDP" ]; then
  mkdir -p "$BPFFS"; mount -t bpf bpf "$BPFFS"
  XDP_PIN="$BPFFS/b-eth1"
  xdp_stats() { ip netns exec "$NS_B" "$WL_XDP" stats --json --pin-dir "$XDP_PIN"; }
  for cfg in one two; do
    if [ "$cfg" = one ]; then VL="--vlan 100"; KEY=100; else VL="--vlan 100 --vlan 200"; KEY=100.200; fi
    ip netns exec "$NS_B" "$WL_XDP" load --dev eth1 --prog count --pin-dir "$XDP_PIN" >/dev/null
    s0=$(xdp_stats)
    # shellcheck disable=SC2086
    PMD=net_af_packet engine_bg "$NS_B" 1 "$TMP/xdp-rx-$cfg.json" -- "${RX_ARGS[@]}" $VL --vlan-strip >/dev/null
    rxpid=${PIDS[-1]}; wait_start "$TMP/xdp-rx-$cfg.json"
    # shellcheck disable=SC2086
    engine_run "$NS_A" 0 "$TMP/xdp-tx-$cfg.json" -- $VL --src-ip "$IP_A" --dst-ip "$IP_B" --protocol udp --mode rate --pps 4000 --count "$N" --stats-interval 0.5 || log "tx exited $?"
    sleep 0.3
    kill -INT "$rxpid"; wait "$rxpid" || true
    s1=$(xdp_stats)
    ip netns exec "$NS_B" "$WL_XDP" unload --dev eth1 --pin-dir "$XDP_PIN" >/dev/null
    echo "$s0" >"$TMP/xdp-$cfg-0.json"; echo "$s1" >"$TMP/xdp-$cfg-1.json"
    check "$TMP/xdp-tx-$cfg.json" "P['udp']['answers_matched']==$N" "$cfg tag(s), rx on af_packet --vlan-strip: $N/$N echoes matched"
    check_cmd "$cfg: net_af_packet took --vlan-strip (RX VLAN offload on)" bash -c "! grep -q 'does not strip' $TMP/xdp-rx-$cfg.json.err && grep -q '\"vlan_strip\":true' $TMP/xdp-rx-$cfg.json"
    check "$TMP/xdp-rx-$cfg.json" "s['refused']['vlan']==0 and s['totals']['rx_packets']==$N+1 and list(s['vlans'])==['$KEY']" "$cfg: the stripped tags were put back (every frame counted under its VLAN, none refused)"
    if python3 - "$TMP/xdp-$cfg-0.json" "$TMP/xdp-$cfg-1.json" "$TMP/xdp-tx-$cfg.json" "$TMP/xdp-rx-$cfg.json" "$cfg" <<'PY'
import json, sys
a, b = (json.loads(open(f).read().strip().splitlines()[-1]) for f in sys.argv[1:3])
tx, rx = ([json.loads(l) for l in open(f) if l.strip()][-1] for f in sys.argv[3:5])
d = lambda k: b["protocols"][k]["packets"] - a["protocols"][k]["packets"]
sent = tx["totals"]["tx_packets"]
want_qinq = sent if sys.argv[5] == "two" else 0
print(f"xdp vlan={d('vlan')} qinq={d('qinq')} udp4={d('udp4')} arp={d('arp')}; engine tx={sent} rx={rx['totals']['rx_packets']}", file=sys.stderr)
sys.exit(0 if d("vlan") == sent == rx["totals"]["rx_packets"] and d("qinq") == want_qinq and d("udp4") == sent - 1 and d("arp") == 1 else 1)
PY
    then log "ok   - $cfg: XDP count on B's eth1: vlan (and qinq) = the $((N + 1)) frames A tagged = what B's engine counted; udp4 and arp classified through the tags"
    else log "FAIL - $cfg: XDP counters disagree with the engines ($TMP/xdp-$cfg-*.json)"; FAILS=$((FAILS + 1)); fi
  done
else
  log "FAIL - wirelab-xdp not built ($WL_XDP): meson setup build/xdp xdp && meson compile -C build/xdp"; FAILS=$((FAILS + 1))
fi
finish
