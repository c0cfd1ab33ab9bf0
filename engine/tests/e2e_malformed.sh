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
ip netns exec "$NS_A" python3 - "$N" "$TMP/sent.json" <<'PY'
import socket, struct, random, sys, json
n, out = int(sys.argv[1]), sys.argv[2]
rnd = random.Random(1234)
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("eth1", 0))
dst = bytes.fromhex("ffffffffffff")  # broadcast: every frame reaches the engine
src = s.getsockname()[4]
def cs(b):
    if len(b) % 2: b += b"\0"
    t = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while t >> 16: t = (t & 0xffff) + (t >> 16)
    return (~t) & 0xffff
def iphdr(proto, plen, ihl=5, tot=None, good=True):
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, tot if tot is not None else 20 + plen, rnd.randrange(65536), 0, 64, proto, 0,
                    bytes([198, 18, 200, 1]), bytes([198, 18, 200, 2]))
    c = cs(h) if good else (cs(h) ^ 0x5a5a)
    return h[:10] + struct.pack("!H", c) + h[12:]
kinds = {"short": 0, "ip_trunc": 0, "ip_badlen": 0, "ip_badcsum": 0, "ip_badihl": 0, "udp_badlen": 0,
         "tcp_trunc": 0, "dns_garbage": 0, "unknown_et": 0, "unknown_ipproto": 0, "random": 0}
for i in range(n):
    k = rnd.choice(list(kinds))
    kinds[k] += 1
    eth = dst + src
    if k == "short":
        f = eth + bytes(rnd.randrange(256) for _ in range(rnd.randrange(2, 4)))  # 14..15 bytes
    elif k == "ip_trunc":
        f = eth + b"\x08\x00" + iphdr(17, 8)[:rnd.randrange(0, 20)]
    elif k == "ip_badlen":
        f = eth + b"\x08\x00" + iphdr(17, 8, tot=rnd.choice([5, 19, 1400, 65535])) + b"\0" * 8
    elif k == "ip_badcsum":
        f = eth + b"\x08\x00" + iphdr(1, 8, good=False) + b"\x08\0\0\0\0\1\0\1"
    elif k == "ip_badihl":
        f = eth + b"\x08\x00" + iphdr(6, 20, ihl=rnd.choice([0, 1, 4, 15])) + b"\0" * 20
    elif k == "udp_badlen":
        f = eth + b"\x08\x00" + iphdr(17, 8) + struct.pack("!HHHH", 1, 9000, rnd.choice([0, 7, 500]), 0)
    elif k == "tcp_trunc":
        f = eth + b"\x08\x00" + iphdr(6, 12) + b"\0" * 12
    elif k == "dns_garbage":
        body = bytes(rnd.randrange(256) for _ in range(rnd.randrange(0, 80)))
        u = struct.pack("!HHHH", 5000, 53, 8 + len(body), 0) + body
        f = eth + b"\x08\x00" + iphdr(17, len(u)) + u
    elif k == "unknown_et":
        f = eth + struct.pack("!H", rnd.choice([0x86dd, 0x88cc, 0x0842, 0x9000])) + b"\0" * 46
    elif k == "unknown_ipproto":
        f = eth + b"\x08\x00" + iphdr(rnd.choice([2, 47, 50, 132]), 8) + b"\0" * 8
    else:
        f = eth + bytes(rnd.randrange(256) for _ in range(rnd.randrange(2, 200)))
    try:
        s.send(f)
    except OSError:          # the kernel refuses frames shorter than a header
        kinds[k] -= 1
json.dump(kinds, open(out, "w"))
print(kinds, file=sys.stderr)
PY
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
