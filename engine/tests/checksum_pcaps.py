#!/usr/bin/env python3
"""Writes small pcaps for pcap_clean's own test: good.pcap (an ICMP echo, a
UDP datagram and a TCP SYN, every checksum right) and one file per broken
checksum (bad-ip.pcap, bad-icmp.pcap, bad-udp.pcap, bad-tcp.pcap), each the
good frames plus one frame whose checksum is off.
Usage: checksum_pcaps.py DIR"""
import os
import struct
import sys

from inet_csum import csum

SRC, DST = bytes([198, 18, 0, 1]), bytes([198, 18, 0, 2])
ETH = bytes([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 8, 0])


def ip(proto, payload, bad=False):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, 0x4000, 64, proto, 0, SRC, DST)
    c = csum(h) ^ (0x1111 if bad else 0)
    return ETH + h[:10] + struct.pack("!H", c) + h[12:] + payload

def pseudo(proto, l4):
    return SRC + DST + struct.pack("!BBH", 0, proto, len(l4))

def icmp(bad=False):
    p = struct.pack("!BBHHH", 8, 0, 0, 1, 1) + b"abcdefgh"
    return ip(1, p[:2] + struct.pack("!H", csum(p) ^ (0x55 if bad else 0)) + p[4:])

def udp(bad=False):
    u = struct.pack("!HHHH", 1000, 9000, 13, 0) + b"hello"
    return ip(17, u[:6] + struct.pack("!H", csum(pseudo(17, u) + u) ^ (0x55 if bad else 0)) + u[8:])

def tcp(bad=False):
    t = struct.pack("!HHIIBBHHH", 1000, 80, 1, 0, 0x50, 2, 1000, 0, 0)
    return ip(6, t[:16] + struct.pack("!H", csum(pseudo(6, t) + t) ^ (0x55 if bad else 0)) + t[18:])

def write(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames):
            f.write(struct.pack("<IIII", i, 0, len(fr), len(fr)) + fr)

d = sys.argv[1]
good = [icmp(), udp(), tcp()]
write(os.path.join(d, "good.pcap"), good)
write(os.path.join(d, "bad-ip.pcap"), good + [ip(1, struct.pack("!BBHHH", 0, 0, 0xFFFF, 0, 0), bad=True)])
write(os.path.join(d, "bad-icmp.pcap"), good + [icmp(bad=True)])
write(os.path.join(d, "bad-udp.pcap"), good + [udp(bad=True)])
write(os.path.join(d, "bad-tcp.pcap"), good + [tcp(bad=True)])
