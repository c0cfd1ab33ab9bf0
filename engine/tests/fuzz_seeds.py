#!/usr/bin/env python3
"""Seed frames for the rx fuzz target: the fragments of echo requests and
UDP datagrams (in order, overlapping, duplicated), ARP probes and
announcements, IPv6 (echo, NS, UDP behind extension headers, a fragment, a TCP6 SYN,
DNS6 queries for AAAA over UDP and TCP, a TCP6 scripted conversation),
802.1Q/QinQ-tagged frames (well-formed, cut inside a tag, three deep), and --stamp
datagrams (engine/src/stamp.h: in order, late, repeated, IPv4 and IPv6), so the fuzzer
starts inside reassembly, ARP, NDP, the extension-header walk, TCP/DNS over IPv6, the
tag walk and the sequence tracker.
Usage: fuzz_seeds.py DIR"""
import os
import struct
import sys

from inet_csum import csum


ME, PEER = bytes([2, 0, 0, 0, 0, 2]), bytes([2, 0, 0, 0, 0, 1])
SRC, DST = bytes([198, 18, 200, 1]), bytes([198, 18, 200, 2])
ETH = ME + PEER + b"\x08\x00"

def ip(proto, payload, ident, off, mf):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, (off // 8) | (0x2000 if mf else 0), 64, proto, 0, SRC, DST)
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + payload

def fragments(proto, l4, ident, size):
    out, off = [], 0
    while off < len(l4):
        piece = l4[off:off + size]
        out.append(ETH + ip(proto, piece, ident, off, off + size < len(l4)))
        off += size
    return out

def icmp_echo(n):
    body = struct.pack("!BBHHH", 8, 0, 0, 7, 1) + bytes(i & 0xFF for i in range(n))
    return body[:2] + struct.pack("!H", csum(body)) + body[4:]

def arp(op, sha, spa, tpa):
    return b"\xff" * 6 + sha + b"\x08\x06" + struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, op, sha, spa, b"\0" * 6, tpa)

seeds = []
seeds += fragments(1, icmp_echo(3000), 1, 1480)
seeds += fragments(1, icmp_echo(600), 2, 256)
udp = struct.pack("!HHHH", 1000, 9000, 8 + 1200, 0) + b"u" * 1200
seeds += fragments(17, udp, 3, 512)
over = fragments(1, icmp_echo(1000), 4, 504)
seeds += over + [over[1]]
seeds.append(arp(1, PEER, b"\0\0\0\0", DST))
seeds.append(arp(1, PEER, SRC, SRC))

# IPv6 (RFC 8200): echo, NS for our address, UDP behind a chain of extension headers, a fragment
SRC6 = bytes.fromhex("20010002000002000000000000000001")
DST6 = bytes.fromhex("20010002000002000000000000000002")
ETH6 = ME + PEER + b"\x86\xdd"

def ip6(nh, payload, hop=64, exts=b""):
    return ETH6 + struct.pack("!IHBB", 6 << 28, len(exts) + len(payload), nh, hop) + SRC6 + DST6 + exts + payload

def l4_6(proto, body, csum_off):
    c = csum(SRC6 + DST6 + struct.pack("!IxxxB", len(body), proto) + body)
    return body[:csum_off] + struct.pack("!H", c) + body[csum_off + 2:]

seeds.append(ip6(58, l4_6(58, struct.pack("!BBHHH", 128, 0, 0, 7, 1) + b"ping6", 2)))
ns = struct.pack("!BBHI", 135, 0, 0, 0) + DST6 + struct.pack("!BB", 1, 1) + PEER
seeds.append(ip6(58, l4_6(58, ns, 2), hop=255))
udp6 = l4_6(17, struct.pack("!HHHH", 1000, 9000, 13, 0) + b"hello", 6)
# hop-by-hop (PadN), destination options, routing (type 0, no segments left), fragment (atomic)
exts = bytes([60, 0, 1, 4, 0, 0, 0, 0]) + bytes([43, 0, 1, 4, 0, 0, 0, 0]) + bytes([44, 0, 0, 0, 0, 0, 0, 0]) + bytes([17, 0, 0, 0, 0, 0, 0, 9])
seeds.append(ip6(0, udp6, exts=exts))
seeds.append(ip6(44, udp6, exts=bytes([17, 0, 0, 1, 0, 0, 0, 5])))  # first fragment, more to come
# TCP6 and DNS6: a SYN to the echo port (MSS, SACK-permitted, timestamps), a SYN behind a
# destination-options header, AAAA queries over UDP6 and (a segment with data) over TCP6
def tcp6(sport, dport, seq, ack, flags, opts=b"", data=b""):
    hl = (20 + len(opts)) // 4
    body = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, hl << 4, flags, 65535, 0, 0) + opts + data
    return l4_6(6, body, 16)

def dns_q(qid, name, qtype):
    q = b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"
    return struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + q + struct.pack("!HH", qtype, 1)

syn_opts = bytes([2, 4, 5, 0xa0, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7])
seeds.append(ip6(6, tcp6(40000, 8080, 1000, 0, 0x02, syn_opts)))
seeds.append(ip6(60, tcp6(40001, 8080, 2000, 0, 0x02), exts=bytes([6, 0, 1, 4, 0, 0, 0, 0])))
q6 = dns_q(0x1234, "www.example.com", 28)
seeds.append(ip6(17, l4_6(17, struct.pack("!HHHH", 5353, 53, 8 + len(q6), 0) + q6, 6)))
seeds.append(ip6(6, tcp6(40002, 53, 3001, 1, 0x18, data=struct.pack("!H", len(q6)) + q6)))
# the scripted conversation over IPv6 (first byte: odd = conversation, bit 1 = IPv6):
# SYN, then ACK of the SYN-ACK, data, FIN (steps of flags, seq/ack offsets, options, length, ms)
step = lambda flags, so, ao, plen: struct.pack("!BhhBBB", flags, so, ao, 0, plen, 1) + b"d" * plen
seeds.append(bytes([3]) + step(0x02, 0, 0, 0) + step(0x10, 0, 0, 0) + step(0x18, 0, 0, 4) + step(0x11, 0, 0, 0))
# an ICMPv6 echo of 2000 bytes in two fragments (RFC 8200 4.5), so reassembly starts over IPv6 too
echo6 = l4_6(58, struct.pack("!BBHHH", 128, 0, 0, 7, 2) + bytes(i & 0xFF for i in range(2000)), 2)
for off, more in ((0, 1), (1448, 0)):
    seeds.append(ip6(44, echo6[off:off + 1448], exts=bytes([58, 0]) + struct.pack("!HI", off | more, 0x5151)))

# 802.1Q / 802.1ad: the same frames behind one tag (C-tag, PCP 5), two (S-tag
# 0x88a8 then C-tag, or 0x8100 twice as af_packet hands QinQ back), a
# priority tag (VID 0), and malformed stacks
def tag(tpid, vid, pcp=0):
    return struct.pack("!HH", tpid, pcp << 13 | vid)

def tagged(frame, *tags):
    return frame[:12] + b"".join(tags) + frame[12:]

echo = ETH + ip(1, icmp_echo(56), 9, 0, False)
udp_small = struct.pack("!HHHH", 1000, 9000, 8 + 5, 0) + b"hello"
udp_frame = ETH + ip(17, udp_small, 10, 0, False)
ns_frame = ip6(58, l4_6(58, ns, 2), hop=255)
a_req = arp(1, PEER, SRC, DST)
seeds.append(tagged(echo, tag(0x8100, 100, 5)))
seeds.append(tagged(udp_frame, tag(0x88a8, 100), tag(0x8100, 200, 3)))
seeds.append(tagged(a_req, tag(0x88a8, 100), tag(0x8100, 200)))
seeds.append(tagged(ns_frame, tag(0x8100, 100)))
seeds.append(tagged(udp_frame, tag(0x8100, 100), tag(0x8100, 200)))
seeds.append(tagged(echo, tag(0x8100, 0, 6)))
seeds += [tagged(f, tag(0x8100, 100)) for f in fragments(1, icmp_echo(1000), 11, 504)]
seeds.append(tagged(echo, tag(0x88a8, 1), tag(0x8100, 2), tag(0x8100, 3)))   # three tags
seeds.append(tagged(echo, tag(0x8100, 100))[:16])                             # cut inside the tag
seeds.append(tagged(echo, tag(0x88a8, 100), tag(0x8100, 200))[:20])           # cut before the inner type
seeds.append(tagged(echo, tag(0x8100, 4095))[:18 + 10])                       # reserved VID, IPv4 cut short
seeds.append(ME + PEER + tag(0x8100, 100) + b"\x81\x00")                      # a tag announcing another, then nothing

# --stamp: magic "WLS1", stream, seq, tx_ns (stamp.h), the whole payload of a 60-byte frame
def stamp(stream, seq, ns):
    return struct.pack("!IHIQ", 0x574C5331, stream, seq, ns)

def udp4(payload):
    body = struct.pack("!HHHH", 10000, 9000, 8 + len(payload), 0) + payload
    c = csum(SRC + DST + struct.pack("!xBH", 17, len(body)) + body)
    return ETH + ip(17, body[:6] + struct.pack("!H", c or 0xFFFF) + body[8:], 9, 0, False)

for seq in (0, 1, 3, 2, 2, 0xFFFFFFFF):
    seeds.append(udp4(stamp(0, seq, 1000 + seq)))
seeds.append(udp4(stamp(0x0101, 5, 7) + b"after the stamp"))
seeds.append(ip6(17, l4_6(17, struct.pack("!HHHH", 10000, 9000, 26, 0) + stamp(1, 4, 99), 6)))
os.makedirs(sys.argv[1], exist_ok=True)
for i, s in enumerate(seeds):
    with open(os.path.join(sys.argv[1], "seed-%02d" % i), "wb") as f:
        f.write(s)
