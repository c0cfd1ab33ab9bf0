/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * wl_parse.h - one frame classifier for the XDP programs and for
 * wirelab-sink's AF_PACKET mode, so both sides count by the same rules
 * (see the counting model in wirelab_xdp.h).
 *
 * Written in the verifier's style: every read is preceded by a bounds
 * check against `end`.  No libc, no kernel headers beyond linux/types.h,
 * so it compiles for -target bpf and for user space alike.
 */
#ifndef WL_PARSE_H
#define WL_PARSE_H

#include "wirelab_xdp.h"

#ifdef __bpf__
#include <bpf/bpf_endian.h>
#define wl_htons(x) bpf_htons(x)
#define wl_ntohs(x) bpf_ntohs(x)
#define WL_INLINE static __always_inline
#define WL_UNROLL _Pragma("unroll")
#else
#include <arpa/inet.h>
#define wl_htons(x) htons(x)
#define wl_ntohs(x) ntohs(x)
#define WL_INLINE static inline __attribute__((always_inline))
#define WL_UNROLL
#endif

#define WL_ETH_P_IP	0x0800
#define WL_ETH_P_ARP	0x0806
#define WL_ETH_P_8021Q	0x8100
#define WL_ETH_P_8021AD	0x88A8
#define WL_ETH_P_IPV6	0x86DD
#define WL_IPPROTO_ICMP	1
#define WL_IPPROTO_TCP	6
#define WL_IPPROTO_UDP	17
#define WL_IPPROTO_ICMPV6 58
#define WL_DNS_PORT	53

#define WL_ETH_HLEN	14
#define WL_IP4_HLEN	20
#define WL_IP6_HLEN	40
#define WL_UDP_HLEN	8
#define WL_TCP_HLEN	20

/* IPv6 extension headers walked before giving up (the verifier needs a bound). */
#define WL_IP6_MAX_EXT	6
/* IPv6 next-header values of the extension headers we walk. */
#define WL_IP6_HOPOPTS	0
#define WL_IP6_ROUTING	43
#define WL_IP6_FRAGMENT	44
#define WL_IP6_DSTOPTS	60

/* What the classifier found.  Offsets are from the start of the frame. */
struct wl_pkt {
	__u32 mask;	/* 1 << enum wl_proto for every class the frame is in */
	__u16 l3_off;	/* 0: no complete IP header */
	__u16 l4_off;	/* 0: no complete UDP/TCP/ICMP header */
	__u16 sport;	/* network byte order, UDP/TCP only */
	__u16 dport;
	__u32 saddr[4];	/* network byte order: IPv4 in [0], IPv6 in [0..3] */
	__u32 daddr[4];
	__u8 ipver;	/* 4, 6 or 0 */
	__u8 l4proto;
	__u8 vlans;	/* tags walked: 0, 1 or 2 */
	__u8 pad;
};

#define WL_M(p) (1u << (p))

/* Unaligned loads that keep network byte order. */
WL_INLINE __u16 wl_rd16(const __u8 *p)
{
	__u16 v;

	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}

WL_INLINE __u32 wl_rd32(const __u8 *p)
{
	__u32 v;

	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}

_Static_assert(WL_P_MAX <= 32, "struct wl_pkt.mask holds one bit per class");

/* Class c (icmp, udp, tcp, dns or other) and its family twin. */
WL_INLINE void wl_mark(struct wl_pkt *p, int c)
{
	p->mask |= WL_M(c);
	if (p->ipver == 4)
		p->mask |= WL_M(WL_P_FAM4(c));
	else if (p->ipver == 6)
		p->mask |= WL_M(WL_P_FAM6(c));
}

/* Returns the frame's classes in p; never fails (unknown -> other). */
WL_INLINE void wl_parse(const __u8 *data, const __u8 *end, struct wl_pkt *p)
{
	const __u8 *cur = data;
	__u16 eth_proto;
	__u8 l4 = 0;
	int i;

	__builtin_memset(p, 0, sizeof(*p));
	p->mask = WL_M(WL_P_FRAMES);

	if (cur + WL_ETH_HLEN > end)
		goto other;
	eth_proto = wl_rd16(cur + 12);
	cur += WL_ETH_HLEN;

	/* Up to two VLAN tags (802.1Q / 802.1ad), in either order. */
	WL_UNROLL
	for (i = 0; i < 2; i++) {
		if (eth_proto != wl_htons(WL_ETH_P_8021Q) && eth_proto != wl_htons(WL_ETH_P_8021AD))
			break;
		if (cur + 4 > end)
			goto other;
		eth_proto = wl_rd16(cur + 2);
		cur += 4;
		p->vlans++;
	}
	if (p->vlans)
		p->mask |= WL_M(WL_P_VLAN);
	if (p->vlans == 2)
		p->mask |= WL_M(WL_P_QINQ);

	if (eth_proto == wl_htons(WL_ETH_P_ARP)) {
		p->mask |= WL_M(WL_P_ARP);
		return;
	}
	if (eth_proto == wl_htons(WL_ETHERTYPE_RAW)) {
		p->mask |= WL_M(WL_P_ETH);
		return;
	}

	if (eth_proto == wl_htons(WL_ETH_P_IP)) {
		__u32 ihl;
		__u16 frag;

		if (cur + WL_IP4_HLEN > end)
			goto other;
		if ((cur[0] >> 4) != 4)
			goto other;
		ihl = (__u32)(cur[0] & 0x0f) * 4;
		if (ihl < WL_IP4_HLEN)
			goto other;
		if (cur + ihl > end)
			goto other;
		p->mask |= WL_M(WL_P_IPV4);
		p->ipver = 4;
		p->l3_off = (__u16)(cur - data);
		p->saddr[0] = wl_rd32(cur + 12);
		p->daddr[0] = wl_rd32(cur + 16);
		l4 = cur[9];
		frag = wl_rd16(cur + 6);
		if (frag & wl_htons(0x3fff)) /* MF or an offset */
			p->mask |= WL_M(WL_P_FRAG);
		/* A non-first fragment carries no L4 header. */
		if (frag & wl_htons(0x1fff))
			goto other;
		cur += ihl;
	} else if (eth_proto == wl_htons(WL_ETH_P_IPV6)) {
		if (cur + WL_IP6_HLEN > end)
			goto other;
		if ((cur[0] >> 4) != 6)
			goto other;
		p->mask |= WL_M(WL_P_IPV6);
		p->ipver = 6;
		p->l3_off = (__u16)(cur - data);
		__builtin_memcpy(p->saddr, cur + 8, 16);
		__builtin_memcpy(p->daddr, cur + 24, 16);
		l4 = cur[6];
		cur += WL_IP6_HLEN;
		/* Extension headers, a fixed number at most; still one after
		 * that leaves the frame in other. */
		WL_UNROLL
		for (i = 0; i < WL_IP6_MAX_EXT; i++) {
			if (l4 == WL_IP6_HOPOPTS || l4 == WL_IP6_ROUTING || l4 == WL_IP6_DSTOPTS) {
				__u32 len;

				if (cur + 8 > end)
					goto other;
				len = ((__u32)cur[1] + 1) * 8;
				l4 = cur[0];
				if (cur + len > end)
					goto other;
				cur += len;
			} else if (l4 == WL_IP6_FRAGMENT) {
				__u16 off;

				if (cur + 8 > end)
					goto other;
				l4 = cur[0];
				off = wl_rd16(cur + 2);
				if (off & wl_htons(0xfff9)) /* an offset or M */
					p->mask |= WL_M(WL_P_FRAG);
				if (off & wl_htons(0xfff8))
					goto other;
				cur += 8;
			} else {
				break;
			}
		}
	} else {
		goto other;
	}

	p->l4proto = l4;
	if ((l4 == WL_IPPROTO_ICMP && p->ipver == 4) || (l4 == WL_IPPROTO_ICMPV6 && p->ipver == 6)) {
		if (cur + 4 > end)
			goto other;
		p->l4_off = (__u16)(cur - data);
		wl_mark(p, WL_P_ICMP);
		return;
	}
	if (l4 == WL_IPPROTO_UDP || l4 == WL_IPPROTO_TCP) {
		if (cur + (l4 == WL_IPPROTO_UDP ? WL_UDP_HLEN : WL_TCP_HLEN) > end)
			goto other;
		p->l4_off = (__u16)(cur - data);
		p->sport = wl_rd16(cur);
		p->dport = wl_rd16(cur + 2);
		/* DNS is a class of its own only over UDP, as the engine counts it. */
		if (l4 == WL_IPPROTO_TCP)
			wl_mark(p, WL_P_TCP);
		else if (p->sport == wl_htons(WL_DNS_PORT) || p->dport == wl_htons(WL_DNS_PORT))
			wl_mark(p, WL_P_DNS);
		else
			wl_mark(p, WL_P_UDP);
		return;
	}
other:
	wl_mark(p, WL_P_OTHER);
}

/* Is the address a (masked) inside prefix net/mask?  n words: 1 (v4) or 4. */
WL_INLINE int wl_prefix_match(const __u32 *a, const __u32 *net, const __u32 *mask, int n)
{
	int i;

	WL_UNROLL
	for (i = 0; i < 4; i++)
		if (i < n && (a[i] & mask[i]) != net[i])
			return 0;
	return 1;
}

/* Does rule r name packet p?  (Used by drop.bpf.c and the tests.) */
WL_INLINE int wl_rule_match(const struct wl_rule *r, const struct wl_pkt *p)
{
	__u32 f = r->fields;

	if (!f)
		return 0;
	if ((f & WL_RULE_PROTO) && !(p->mask & WL_M(r->proto & 31)))
		return 0;
	if (f & (WL_RULE_SPORT | WL_RULE_DPORT | WL_RULE_PORT)) {
		if (!(p->mask & (WL_M(WL_P_UDP) | WL_M(WL_P_DNS) | WL_M(WL_P_TCP))))
			return 0;
		if ((f & WL_RULE_SPORT) && p->sport != r->sport)
			return 0;
		if ((f & WL_RULE_DPORT) && p->dport != r->dport)
			return 0;
		if ((f & WL_RULE_PORT) && p->sport != r->dport && p->dport != r->dport)
			return 0;
	}
	if (f & (WL_RULE_SRC | WL_RULE_DST)) {
		int n = p->ipver == 6 ? 4 : 1;

		if (!p->ipver || p->ipver != r->family)
			return 0;
		if ((f & WL_RULE_SRC) && !wl_prefix_match(p->saddr, r->src, r->src_mask, n))
			return 0;
		if ((f & WL_RULE_DST) && !wl_prefix_match(p->daddr, r->dst, r->dst_mask, n))
			return 0;
	}
	return 1;
}

#endif
