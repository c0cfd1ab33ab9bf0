#!/usr/bin/env bash
# Replay response validation over a veth pair. A scapy-made client side of a
# conversation (ICMP echoes, one to an address nobody has, a DNS query, UDP to
# port 7, a TCP SYN) is replayed, rewritten to the pair's addresses, and the
# answers are paired with their requests and judged:
#   1. the engine responder answers; rules (--expect-rules) derive the answers
#      expected from the requests: the silent address's echo is missing;
#   2. the answers the engine gave in 1 (its own --pcap), put back into the
#      recording's addresses with a missing and a wrong answer planted, are the
#      --expect capture of a --loop 2 replay: both plants are found and named;
#   3. the Linux kernel answers instead: the SYN to a closed port gets RST, not
#      SYN-ACK (a difference in tcp.flags), UDP/DNS get port unreachables
#      (unexpected) and no answer (missing); the replay answers the kernel's ARP;
#   4. the engine's capture of 1 (both sides) replayed with --expect-split:
#      every answer matched.
# Usage: sudo engine/tests/e2e_validate.sh   (WL_PMD=net_af_packet for af_packet)
WL_TEST_PREFIX="${WL_TEST_PREFIX:-wvl}"
source "$(dirname "$0")/lib.sh"
setup_pair
MAC_A=02:77:76:00:00:01 MAC_B=02:77:76:00:00:02
ip -n "$NS_A" link set eth1 address $MAC_A
ip -n "$NS_B" link set eth1 address $MAC_B
GEN="$ENGINE_DIR/tests/validate_pcap.py"
REQ="$TMP/requests.pcap"
N=$(/usr/bin/python3 "$GEN" requests "$REQ")
MAPS=(--map 10.0.0.5="$IP_A" --map 10.0.0.9="$IP_B" --map 10.0.0.7=198.18.200.7 --map-mac 02:00:00:00:00:05=$MAC_A --map-mac 02:00:00:00:00:09=$MAC_B)
log "requests: $N frames"

server_up() { # NAME: the engine responder on B, writing every frame to NAME.srv.pcap
  engine_bg "$NS_B" 1 "$TMP/$1.srv.json" -- --role rx --ip "$IP_B" --udp-echo --tcp-listen 80 \
    --dns-record www.example.com=198.18.0.10 --stats-interval 5 --pcap "$TMP/$1.srv.pcap" >/dev/null
  wait_start "$TMP/$1.srv.json"
}
server_down() { kill -INT "${PIDS[-1]}" 2>/dev/null || true; wait "${PIDS[-1]}" 2>/dev/null || true; }
replay() { # NAME args...
  local name="$1"; shift
  engine_run "$NS_A" 0 "$TMP/$name.json" -- --role replay --stats-interval 0.5 --expect-wait 1.5 "$@" || log "replay $name exited $?"
}
V() { echo "s['validate']['$1']"; }

# 1. engine responder, expectations from rules
server_up rules
replay rules --pcap "$REQ" "${MAPS[@]}" --expect-rules icmp,dns,udp-echo,tcp
server_down
check "$TMP/rules.json" "s['type']=='summary' and s['replay']['frames_sent']==$N" "rules: $N requests sent"
check "$TMP/rules.json" "$(V expectations)==6 and $(V matched)==5 and $(V missing)==1 and $(V different)==0 and $(V unexpected)==0" \
  "rules, engine server: 6 answers expected, 5 matched, 1 missing, none different or unexpected"
check "$TMP/rules.json" "s['validate']['missing_answers'][0]['answer']=='icmp echo 198.18.200.7 > $IP_A id 119 seq 3' and s['validate']['missing_answers'][0]['request_frame']==3" \
  "rules: the missing answer is named (the echo to 198.18.200.7, request frame 3)"

# 2. the engine's recorded answers, planted, as --expect of a --loop 2 replay
tshark -r "$TMP/rules.srv.pcap" -Y "ip.src == $IP_B" -w "$TMP/answers.pcap" 2>/dev/null
A=$(/usr/bin/python3 "$GEN" plant "$TMP/answers.pcap" "$TMP/expect.pcap")
log "expected answers: $A frames (the server's $((A - 1)) recorded + 1 planted missing)"
server_up expect
replay expect --pcap "$REQ" --loop 2 "${MAPS[@]}" --expect "$TMP/expect.pcap"
server_down
check "$TMP/expect.json" "$(V expected)==2*$A and $(V matched)==2*($A-2) and $(V missing)==2 and $(V different)==2 and $(V unexpected)==0" \
  "--expect, loop 2: $((2 * A)) expected, $((2 * (A - 2))) matched, 2 missing, 2 different, 0 unexpected"
check "$TMP/expect.json" "s['validate']['missing_answers'][0]['answer']=='icmp echo 198.18.200.7 > $IP_A id 119 seq 3' and s['validate']['missing_answers'][0]['count']==2 and s['validate']['missing_answers'][0]['expect_frame']==$A" \
  "--expect: the planted missing answer is named (expected frame $A, twice)"
check "$TMP/expect.json" "[(d['answer'],d['field'],d['expected'],d['got']) for d in s['validate']['differences']]==[('dns $IP_B:53 > $IP_A:5353 id 0x1234','dns.answer','198.18.0.99','198.18.0.10')]*2" \
  "--expect: the planted wrong answer is named field by field (dns.answer expected 198.18.0.99, got 198.18.0.10)"
check "$TMP/expect.json" "s['validate']['differences'][0]['request_frame']==4" "--expect: the wrong answer is paired with its request (frame 4)"

# 3. the kernel answers
replay kernel --pcap "$REQ" "${MAPS[@]}" --expect-rules icmp,dns,udp-echo,tcp
check "$TMP/kernel.json" "$(V matched)==2 and $(V missing)==3 and $(V different)==1 and $(V unexpected)>=1 and $(V arp_answered)>=1" \
  "kernel server: echoes matched, 3 missing (silent echo, DNS, UDP), 1 different, port unreachables unexpected, its ARP answered"
check "$TMP/kernel.json" "[(d['field'],d['expected'],d['got']) for d in s['validate']['differences']]==[('tcp.flags','SA','RA')]" \
  "kernel: the SYN to a closed port: tcp.flags expected SA, got RA"
check "$TMP/kernel.json" "any(u['answer'].startswith('icmp error about proto 17 $IP_A:') for u in s['validate']['unexpected_answers'])" \
  "kernel: the unexpected port unreachable is named"

# 4. a lab capture (both sides) replayed with its server side expected
server_up split
replay split --pcap "$TMP/rules.srv.pcap" --expect-split
server_down
sent=$(tshark -r "$TMP/rules.srv.pcap" -Y "ip.src == $IP_A" 2>/dev/null | grep -c . || true)
check "$TMP/split.json" "s['replay']['frames_sent']==$sent and $(V expectations)==$((A - 1)) and $(V matched)==$((A - 1)) and $(V missing)==0 and $(V different)==0" \
  "--expect-split: $sent client frames sent, the $((A - 1)) server answers held back and all matched"

# 5. errors: one line each, before any EAL output (1: a file, 2: an option)
rc=0; out=$("$ENGINE" -- --role replay --pcap "$REQ" --expect "$TMP/nope.pcap" 2>&1 >/dev/null) || rc=$?
check_cmd "missing --expect file: exit 1, one line naming it ($out)" test "$rc" -eq 1 -a "$(echo "$out" | wc -l)" -eq 1 -a -n "$(echo "$out" | grep nope.pcap)"
rc=0; out=$("$ENGINE" -- --role replay --pcap "$REQ" --expect-fields +ip.nope 2>&1 >/dev/null) || rc=$?
check_cmd "unknown --expect-fields field: exit 2, named ($out)" test "$rc" -eq 2 -a -n "$(echo "$out" | grep "'ip.nope' is not a field")"
finish
