#!/usr/bin/python3
"""Write the replay test's capture: mixed IPv4 frames made with scapy (UDP,
ICMP echo, TCP SYN and data, a DNS query and its answer, an IPv4 fragment,
a raw 0x88b5 frame, a VLAN-tagged UDP datagram, a datagram with IP options
(record route), a runt: an ICMP echo of 42 bytes, under Ethernet's 60) and
one truncated frame (caplen < len), in classic pcap
(usec) or pcapng, written by hand so caplen/len are ours to choose.
Usage: replay_pcap.py OUT.pcap [pcapng]"""
import struct
import sys

from scapy.all import DNS, DNSQR, DNSRR, ICMP, IP, TCP, UDP, Dot1Q, Ether, IPOption_RR, Raw, fragment  # type: ignore

SRC_MAC, DST_MAC = "02:00:00:00:00:05", "02:00:00:00:00:09"
A, B = "10.0.0.5", "10.0.0.9"


def frames():
    e = Ether(src=SRC_MAC, dst=DST_MAC)
    big = e / IP(src=A, dst=B, id=77) / UDP(sport=4000, dport=4001) / Raw(b"F" * 1200)
    out = [
        e / IP(src=A, dst=B, ttl=64) / UDP(sport=1234, dport=9999) / Raw(b"replay udp payload"),
        e / IP(src=A, dst=B) / ICMP(type=8, id=0x77, seq=1) / Raw(b"ping" * 8),
        e / IP(src=A, dst=B) / TCP(sport=40000, dport=80, flags="S", seq=1000),
        e / IP(src=A, dst=B) / TCP(sport=40000, dport=80, flags="PA", seq=1001, ack=5) / Raw(b"GET / HTTP/1.0\r\n\r\n"),
        e / IP(src=A, dst=B) / UDP(sport=5353, dport=53) / DNS(id=0x1234, rd=1, qd=DNSQR(qname="www.example.com")),
        Ether(src=DST_MAC, dst=SRC_MAC) / IP(src=B, dst=A) / UDP(sport=53, dport=5353)
        / DNS(id=0x1234, qr=1, qd=DNSQR(qname="www.example.com"), an=DNSRR(rrname="www.example.com", rdata="10.0.0.80")),
        Ether(src=SRC_MAC, dst=DST_MAC, type=0x88B5) / Raw(b"\x00" * 46),
        e / Dot1Q(vlan=42) / IP(src=A, dst=B) / UDP(sport=1235, dport=9999) / Raw(b"tagged"),
        e / IP(src=A, dst=B, options=[IPOption_RR(routers=["0.0.0.0"] * 2)]) / UDP(sport=1236, dport=9999) / Raw(b"options"),
        e / IP(src=A, dst=B) / ICMP(type=8, id=0x78, seq=1),  # 42 bytes: a runt
    ]
    frags = [Ether(src=SRC_MAC, dst=DST_MAC) / f for f in fragment(big[IP], fragsize=600)]
    out += frags[:1]  # a first fragment: checksums updated incrementally
    return [(bytes(f), len(bytes(f))) for f in out]


def main():
    path, ng = sys.argv[1], len(sys.argv) > 2 and sys.argv[2] == "pcapng"
    recs = frames()
    # the truncated frame: 200 bytes of UDP payload on the wire, 60 captured
    trunc = bytes(Ether(src=SRC_MAC, dst=DST_MAC) / IP(src=A, dst=B) / UDP(sport=7, dport=7) / Raw(b"T" * 200))
    recs.append((trunc[:60], len(trunc)))
    with open(path, "wb") as f:
        if not ng:
            f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
            for i, (data, wire) in enumerate(recs):
                f.write(struct.pack("<IIII", 1700000000, i * 1000, len(data), wire) + data)
        else:
            def block(t, body):
                body += b"\x00" * (-len(body) % 4)
                n = len(body) + 12
                return struct.pack("<II", t, n) + body + struct.pack("<I", n)
            f.write(block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)))
            f.write(block(1, struct.pack("<HHI", 1, 0, 65535)))
            for i, (data, wire) in enumerate(recs):
                ts = 1700000000 * 1000000 + i * 1000
                f.write(block(6, struct.pack("<IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(data), wire) + data))
    print(len(recs))


main()
