#!/usr/bin/python3
"""Captures for the replay validation test (e2e_validate.sh), made with scapy.

requests OUT.pcap
    the client side of a conversation recorded between 10.0.0.5 and 10.0.0.9:
    two ICMP echoes, one echo to 10.0.0.7 (nobody will answer it), a DNS
    query for www.example.com, a UDP datagram to port 7, a TCP SYN to port 80.
plant RECORDED.pcap OUT.pcap
    the answers a server gave (captured in the lab), turned into an
    expected-answers capture in the recording's addresses, with two plants:
    an echo reply from 10.0.0.7 that will never come (a missing answer) and
    the DNS answer's address changed to 198.18.0.99 (a wrong answer).
Prints the number of frames written."""
import struct
import sys

from inet_csum import csum
from scapy.all import DNS, DNSQR, ICMP, IP, TCP, UDP, Ether, Raw, rdpcap, wrpcap  # type: ignore

CLIENT, SERVER, SILENT = "10.0.0.5", "10.0.0.9", "10.0.0.7"
CMAC, SMAC = "02:00:00:00:00:05", "02:00:00:00:00:09"
# lab side of the maps e2e_validate.sh passes (--map/--map-mac)
LAB = {"198.18.200.1": CLIENT, "198.18.200.2": SERVER, "198.18.200.7": SILENT}
LAB_MAC = {"02:77:76:00:00:01": CMAC, "02:77:76:00:00:02": SMAC}


def requests(path):
    e = Ether(src=CMAC, dst=SMAC)
    out = [
        e / IP(src=CLIENT, dst=SERVER) / ICMP(type=8, id=0x77, seq=1) / Raw(b"ping" * 8),
        e / IP(src=CLIENT, dst=SERVER) / ICMP(type=8, id=0x77, seq=2) / Raw(b"ping" * 8),
        e / IP(src=CLIENT, dst=SILENT) / ICMP(type=8, id=0x77, seq=3) / Raw(b"ping" * 8),
        e / IP(src=CLIENT, dst=SERVER) / UDP(sport=5353, dport=53) / DNS(id=0x1234, rd=1, qd=DNSQR(qname="www.example.com")),
        e / IP(src=CLIENT, dst=SERVER) / UDP(sport=40002, dport=7) / Raw(b"hello validation"),
        e / IP(src=CLIENT, dst=SERVER) / TCP(sport=40001, dport=80, flags="S", seq=1000, window=64240),
    ]
    wrpcap(path, out)
    return len(out)


def to_recording(p):
    """A lab frame back in the recording's addresses, checksums recomputed."""
    p = p.copy()
    p[Ether].src = LAB_MAC.get(p[Ether].src, p[Ether].src)
    p[Ether].dst = LAB_MAC.get(p[Ether].dst, p[Ether].dst)
    if IP in p:
        p[IP].src = LAB.get(p[IP].src, p[IP].src)
        p[IP].dst = LAB.get(p[IP].dst, p[IP].dst)
        del p[IP].chksum
        for layer in (ICMP, UDP, TCP):
            if layer in p:
                del p[layer].chksum
    return Ether(bytes(p))


def wrong_address(frame):
    """The DNS answer's A record (its last 4 bytes) changed in place, so the
    frame keeps the server's encoding; the UDP checksum made right again."""
    f = bytearray(frame)
    ip = 14
    end = ip + struct.unpack("!H", f[ip + 2:ip + 4])[0]
    f[end - 4:end] = bytes([198, 18, 0, 99])
    udp = ip + (f[ip] & 15) * 4
    f[udp + 6:udp + 8] = b"\0\0"
    pseudo = f[ip + 12:ip + 20] + struct.pack("!BBH", 0, 17, end - udp)
    f[udp + 6:udp + 8] = struct.pack("!H", csum(bytes(pseudo + f[udp:end])) or 0xFFFF)
    return Ether(bytes(f))


def plant(recorded, path):
    out = [to_recording(p) for p in rdpcap(recorded)]
    echo = next(p for p in out if ICMP in p and p[ICMP].type == 0)
    missing = echo.copy()
    missing[IP].src = SILENT
    missing[ICMP].seq = 3
    del missing[IP].chksum
    del missing[ICMP].chksum
    out.append(Ether(bytes(missing)))
    for i, p in enumerate(out):
        if DNS in p and p[DNS].qr == 1 and p[DNS].ancount:
            out[i] = wrong_address(bytes(p))
    wrpcap(path, out)
    return len(out)


if __name__ == "__main__":
    if sys.argv[1] == "requests":
        print(requests(sys.argv[2]))
    else:
        print(plant(sys.argv[2], sys.argv[3]))
