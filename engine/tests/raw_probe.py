#!/usr/bin/env python3
"""Sends ICMP echo requests a conformant host must (or must not) answer, or
ARP announcements, out of an interface through AF_PACKET, so the frame is
exactly as given.
Usage: raw_probe.py IFACE KIND SRC_IP DST_IP DST_MAC [COUNT]
KIND: good            a plain echo request (the control: answered)
      foreign-mac     to another station's unicast MAC (02:00:00:00:99:99)
      src-zero        from 0.1.2.3     (RFC 1122 3.2.1.3: this network)
      src-loopback    from 127.0.0.1
      src-multicast   from 224.0.0.5
      src-broadcast   from 255.255.255.255
      mcast-src-mac   from a group (multicast) Ethernet address
      ttl-0, ttl-1    with that TTL (RFC 1122 3.2.1.7: not a reason to drop)
      bad-ip-csum     with a wrong IPv4 header checksum (RFC 1122 3.2.1.2)
      long-total      IPv4 total length 40 bytes beyond the frame (RFC 791)
      announce        no echo: an ARP announcement (RFC 5227 2.3) that SRC_IP
                      is now at 02:00:00:00:77:77 (DST_IP, DST_MAC unused)"""
import socket
import struct
import sys
import time

from inet_csum import csum

iface, kind, src_ip, dst_ip, dst_mac = sys.argv[1:6]
count = int(sys.argv[6]) if len(sys.argv) > 6 else 3
SOURCES = {"src-zero": "0.1.2.3", "src-loopback": "127.0.0.1", "src-multicast": "224.0.0.5", "src-broadcast": "255.255.255.255"}
KINDS = {"good", "foreign-mac", "mcast-src-mac", "announce", "ttl-0", "ttl-1", "bad-ip-csum", "long-total", *SOURCES}
if kind not in KINDS:
    sys.exit(f"raw_probe.py: KIND '{kind}' is not one of {', '.join(sorted(KINDS))}")


s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((iface, 0))
my_mac = s.getsockname()[4]
if kind == "announce":
    moved = bytes.fromhex("020000007777")
    ip = socket.inet_aton(src_ip)
    arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, moved, ip, b"\0" * 6, ip)
    for _ in range(count):
        s.send(b"\xff" * 6 + moved + b"\x08\x06" + arp + b"\0" * 18)
        time.sleep(0.1)
    sys.exit(0)
eth_dst = bytes.fromhex("020000009999") if kind == "foreign-mac" else bytes.fromhex(dst_mac.replace(":", ""))
eth_src = bytes.fromhex("010203040506") if kind == "mcast-src-mac" else my_mac
src = socket.inet_aton(SOURCES.get(kind, src_ip))
dst = socket.inet_aton(dst_ip)
for seq in range(1, count + 1):
    icmp = struct.pack("!BBHHH", 8, 0, 0, 0x5752, seq) + b"wirelab-conformance"
    icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
    ttl = int(kind[4:]) if kind.startswith("ttl-") else 64
    total = 20 + len(icmp) + (40 if kind == "long-total" else 0)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, 0x4000 + seq, 0, ttl, 1, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip) ^ (0x5A5A if kind == "bad-ip-csum" else 0)) + ip[12:]
    s.send(eth_dst + eth_src + b"\x08\x00" + ip + icmp)
    time.sleep(0.1)
