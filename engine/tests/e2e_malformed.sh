#!/usr/bin/env bash
# A flood of malformed and unknown frames (raw AF_PACKET socket in A) into
# the engine rx in B: every frame is counted as malformed or unknown (or
# as a protocol with an error), the engine does not crash, still answers
# ping afterwards, and exits with a summary on SIGINT.
# Usage: engine/tests/e2e_malformed.sh [FRAMES]
source "$(dirname "$0")/lib.sh"
N="${1:-20000}"
setup_pair
ip -n "$NS_B" addr flush dev eth1
engine_bg "$NS_B" 1 "$TMP/rx.json" -- --role rx --ip "$IP_B" --udp-echo --dns-record a.example=198.18.200.9 >/dev/null
RXPID=${PIDS[-1]}
wait_start "$TMP/rx.json"
ip netns exec "$NS_A" python3 "$(dirname "$0")/malformed_flood.py" "$N" "$TMP/sent.json" eth1 "$IP_A" "$IP_B"
sleep 1
check_cmd "engine still alive after the flood" kill -0 "$RXPID"
check_cmd "engine still answers ping" bash -c "ip netns exec $NS_A ping -c 3 -i 0.2 -W 1 $IP_B | grep -q ' 0% packet loss'"
kill -INT "$RXPID"; wait "$RXPID"; rc=$?
check_cmd "engine exited 0 on SIGINT" test "$rc" -eq 0
python3 - "$TMP/rx.json" "$TMP/sent.json" <<'PY' && log "ok   - malformed/unknown counted" || { log "FAIL - malformed/unknown counts"; FAILS=$((FAILS+1)); }
import json, sys
s = [json.loads(l) for l in open(sys.argv[1])][-1]
k = json.load(open(sys.argv[2]))
t = s["totals"]
must_malformed = k["ip_trunc"] + k["ip_badlen"] + k["ip_badcsum"] + k["ip_badihl"] + k["udp_badlen"] + k["tcp_trunc"]
print("sent", k, "\nengine totals", t, file=sys.stderr)
# the kernel pads short frames to 60 bytes, so "short" ones may arrive as something else; random frames are anything
ok = s["type"] == "summary" and t["malformed"] >= must_malformed and t["unknown"] >= k["unknown_et"] + k["unknown_ipproto"]
sys.exit(0 if ok else 1)
PY
finish
