#!/usr/bin/env python3
"""Sends N malformed and unknown frames out of an interface (AF_PACKET), seeded
and reproducible, and writes how many of each kind went out as JSON.
Usage: malformed_flood.py N OUT.json [IFACE] [SRC_IP DST_IP]"""
import socket, struct, random, sys, json
n, out = int(sys.argv[1]), sys.argv[2]
iface = sys.argv[3] if len(sys.argv) > 3 else "eth1"
src_ip = bytes(int(o) for o in (sys.argv[4] if len(sys.argv) > 4 else "198.18.200.1").split("."))
dst_ip = bytes(int(o) for o in (sys.argv[5] if len(sys.argv) > 5 else "198.18.200.2").split("."))
rnd = random.Random(1234)
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((iface, 0))
dst = bytes.fromhex("ffffffffffff")  # broadcast: every frame reaches the engine
src = s.getsockname()[4]
def cs(b):
    if len(b) % 2: b += b"\0"
    t = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while t >> 16: t = (t & 0xffff) + (t >> 16)
    return (~t) & 0xffff
def iphdr(proto, plen, ihl=5, tot=None, good=True):
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, tot if tot is not None else 20 + plen, rnd.randrange(65536), 0, 64, proto, 0,
                    src_ip, dst_ip)
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
        f = eth + struct.pack("!H", rnd.choice([0x88e5, 0x88cc, 0x0842, 0x9000])) + b"\0" * 46
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
