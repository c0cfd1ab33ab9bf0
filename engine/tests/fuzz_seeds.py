#!/usr/bin/env python3
"""Seed frames for the rx fuzz target: the fragments of echo requests and
UDP datagrams (in order, overlapping, duplicated), ARP probes and
announcements, IPv6 (echo, NS, UDP behind extension headers, a fragment, a TCP6 SYN,
DNS6 queries for AAAA over UDP and TCP, a TCP6 scripted conversation),
802.1Q/QinQ-tagged frames (well-formed, cut inside a tag, three deep), and --stamp
datagrams (engine/src/stamp.h: in order, late, repeated, IPv4 and IPv6), so the fuzzer
starts inside reassembly, ARP, NDP, the extension-header walk, TCP/DNS over IPv6, the
tag walk and the sequence tracker; and the target's other modes (tests/fuzz_modes.h):
stamped UDP frames as the generator fills them, stamped arrivals split over workers,
frames through the impair role's delay line, engine and impair command lines.
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

# the other modes of the target (tests/fuzz_modes.h): a NUL and a tag, then that mode's bytes
def fill(sport, key, seq, ns):
    return struct.pack("!HIIQ", sport, key, seq, ns)

def stmp(flags, size, stream, vlans, msg):
    return b"\0STMP" + struct.pack("!BHH", flags, size, stream) + fill(1024, 1, 0, 0) + fill(1025, 2, 0xFFFFFFFF, 2**64 - 1) + struct.pack("!HH", *vlans) + msg

seeds.append(stmp(0, 64, 0, (0, 0), b""))                                   # IPv4, untagged, 64 B
seeds.append(stmp(1, 1514, 0x0103, (0, 0), b"x" * 100))                     # IPv6, 1514 B
seeds.append(stmp(2, 60, 7, (100 | 5 << 13, 0), b"hello"))                  # one tag
seeds.append(stmp(5, 200, 0x0200, (100, 200), b"\0" * 3))                  # IPv6 under QinQ

def splt(workers, arrivals):
    return b"\0SPLT" + bytes([workers]) + b"".join(struct.pack("!BHBH", st | w << 6, seq, (lat >> 15) & 0xFE, lat & 0xFFFF) for st, w, seq, lat in arrivals)

# one stream over two workers (in order, one lost, one late, one repeated), a second on one
seeds.append(splt(2, [(0, i % 2, i, 5000 + i) for i in range(12)] + [(0, 1, 14, 5000), (0, 0, 13, 9000), (0, 0, 13, 9000), (1, 0, 3, 100)]))
seeds.append(splt(4, [(i % 3, i % 4, i // 3, 200000) for i in range(40)]))

def impr(delay_ms, jitter_us, normal, loss, dup, corrupt, reorder, gap, limit, frames):
    cfg = struct.pack("!HHBBBBBBQH", delay_ms * 1000, jitter_us * 2, normal, loss, dup, corrupt, reorder, gap, 1, limit)
    return b"\0IMPR" + cfg + b"".join(bytes([len(f), adv]) + f for adv, f in frames)

frames = [(i % 4, echo[:60]) for i in range(20)]
seeds.append(impr(10, 0, 0, 0, 0, 0, 0, 0, 100, frames))                    # delay only
seeds.append(impr(10, 2000, 1, 25, 25, 25, 64, 2, 100, frames))             # everything, normal jitter
seeds.append(impr(1, 500, 0, 0, 128, 255, 0, 0, 4, frames + [(0, b""), (0, echo[:10])]))  # a short queue, tiny frames

def argv(*args):
    return b"\0ARGV" + b"\0".join(a.encode() for a in args)

seeds.append(argv("--role", "tx", "--protocol", "udp", "--src-ip", "198.18.0.1", "--dst-ip", "198.18.0.2", "--port", "0", "--port", "1", "--workers", "2", "--stamp"))
seeds.append(argv("--role", "both", "--protocol", "udp", "--src-ip", "198.18.0.1", "--dst-ip", "198.18.0.2", "--vlan", "100,5", "--vlan", "200", "--message", 'q"\\\x01', "--flows", "64"))
seeds.append(argv("--role", "tx", "--protocol", "udp", "--ip-version", "6", "--src-ip", "2001:2::1", "--dst-ip", "2001:2::2", "--stamp", "--port", "0", "--port", "0"))
seeds.append(argv("--role", "impair", "--port", "0", "--port", "1", "--dir", "0", "--delay", "10ms", "--jitter", "2ms", "--distribution", "normal", "--reorder", "25%", "--gap", "3", "--dir", "1", "--loss", "1%", "--duplicate", "0.5", "--corrupt", "0.1%"))
seeds.append(argv("--role", "impair", "--port", "0", "--port", "1", "--reorder", "5%"))
seeds.append(argv("--role", "replay", "--pcap", "x.pcap", "--loop", "3", "--mbps", "50", "--workers", "2", "--map", "198.18.0.1=198.18.1.1", "--truncated", "skip"))
seeds.append(argv("--role", "replay", "--pcap", "x.pcap", "--expect", "y.pcap", "--expect-rules", "icmp,dns", "--pps", "1000", "--speed", "2"))
seeds.append(argv("-hh"))
os.makedirs(sys.argv[1], exist_ok=True)
for i, s in enumerate(seeds):
    with open(os.path.join(sys.argv[1], "seed-%02d" % i), "wb") as f:
        f.write(s)
