#!/usr/bin/python3
"""Send VLAN-tagged (one and two tags) and IPv6 extension-header frames with
scapy, for xdp/tests/v6-vlan.sh: this kernel has no 8021q module, so tagged
traffic has to be crafted.  Each frame is declared with the XDP classes it
must count in (xdp/wirelab_xdp.h); the script sends every frame --count times
and prints one JSON line: {"sent": N, "classes": {"vlan": N, ...}}.

  tagged-frames.py --iface eth1 --src-mac M --dst-mac M --src4 A --dst4 B \
                   --src6 A --dst6 B [--set count|reflect] [--count N]
"""
import argparse
import json
import sys

from scapy.all import ARP, DNS, DNSQR, ICMP, IP, TCP, UDP, Dot1Q, Ether, Raw, sendp
from scapy.layers.inet6 import (ICMPv6EchoRequest, IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrFragment,
                                IPv6ExtHdrHopByHop, IPv6ExtHdrSegmentRouting)
from scapy.layers.l2 import Dot1AD


def frames(a):
    eth = Ether(src=a.src_mac, dst=a.dst_mac)
    bcast = Ether(src=a.src_mac, dst="ff:ff:ff:ff:ff:ff")
    one = Dot1Q(vlan=100, prio=3)
    two = Dot1AD(vlan=200, prio=5) / Dot1Q(vlan=100, prio=3)
    v4 = IP(src=a.src4, dst=a.dst4)
    v6 = IPv6(src=a.src6, dst=a.dst6)
    echo6 = ICMPv6EchoRequest(id=0x77, seq=1, data=b"wirelab-v6-" * 4)
    dns = DNS(rd=1, qd=DNSQR(qname="www.wirelab.test", qtype="AAAA"))
    tagged = [
        ("vlan ipv6 udp", eth / one / v6 / UDP(sport=40000, dport=7) / Raw(b"x" * 32),
         "vlan ipv6 udp udp6"),
        ("vlan ipv4 icmp echo", eth / one / v4 / ICMP(id=0x99, seq=1) / Raw(b"y" * 24),
         "vlan ipv4 icmp icmp4"),
        ("qinq ipv6 hbh icmp echo", eth / two / v6 / IPv6ExtHdrHopByHop() / echo6,
         "vlan qinq ipv6 icmp icmp6"),
    ]
    if a.set == "reflect":
        return tagged
    return tagged + [
        ("qinq ipv6 hbh dns", eth / two / v6 / IPv6ExtHdrHopByHop() / UDP(sport=40001, dport=53) / dns,
         "vlan qinq ipv6 dns dns6"),
        ("qinq ipv4 tcp syn", eth / two / v4 / TCP(sport=40002, dport=80, flags="S"),
         "vlan qinq ipv4 tcp tcp4"),
        ("vlan arp", bcast / one / ARP(psrc=a.src4, pdst=a.dst4, hwsrc=a.src_mac),
         "vlan arp"),
        ("vlan ipv6 non-first fragment", eth / one / v6 / IPv6ExtHdrFragment(nh=17, offset=100, m=0, id=7) / Raw(b"z" * 64),
         "vlan ipv6 other other6 frag"),
        ("ipv6 srh+dstopts+first fragment udp",
         eth / v6 / IPv6ExtHdrSegmentRouting(addresses=[a.dst6], segleft=0) / IPv6ExtHdrDestOpt() /
         IPv6ExtHdrFragment(offset=0, m=1, id=8) / UDP(sport=40003, dport=9) / Raw(b"w" * 40),
         "ipv6 udp udp6 frag"),
    ]


def main():
    p = argparse.ArgumentParser()
    for k in ("iface", "src-mac", "dst-mac", "src4", "dst4", "src6", "dst6"):
        p.add_argument("--" + k, required=True)
    p.add_argument("--set", choices=("count", "reflect"), default="count")
    p.add_argument("--count", type=int, default=50)
    a = p.parse_args()
    fs = frames(a)
    classes = {}
    for _, _, cls in fs:
        for c in ["frames"] + cls.split():
            classes[c] = classes.get(c, 0) + a.count
    pkts = [f for _, f, _ in fs] * a.count
    sendp(pkts, iface=a.iface, verbose=False)
    json.dump({"sent": len(pkts), "frames": [n for n, _, _ in fs], "classes": classes}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
