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

/* What the classifier found.  Offsets are from the start of the frame. */
struct wl_pkt {
	__u32 mask;	/* 1 << enum wl_proto for every class the frame is in */
	__u16 l3_off;	/* 0: no complete IP header */
	__u16 l4_off;	/* 0: no complete UDP/TCP/ICMP header */
	__u16 sport;	/* network byte order, UDP/TCP only */
	__u16 dport;
	__u32 saddr;	/* IPv4 only, network byte order */
	__u32 daddr;
	__u8 ipver;	/* 4, 6 or 0 */
	__u8 l4proto;
	__u16 pad;
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

/* Returns the frame's classes in p; never fails (unknown -> other). */
WL_INLINE void wl_parse(const __u8 *data, const __u8 *end, struct wl_pkt *p)
{
	const __u8 *cur = data;
	__u16 eth_proto;
	__u8 l4 = 0;
	int i;

	p->mask = WL_M(WL_P_ETH);
	p->l3_off = 0;
	p->l4_off = 0;
	p->sport = 0;
	p->dport = 0;
	p->saddr = 0;
	p->daddr = 0;
	p->ipver = 0;
	p->l4proto = 0;
	p->pad = 0;

	if (cur + WL_ETH_HLEN > end)
		goto other;
	eth_proto = wl_rd16(cur + 12);
	cur += WL_ETH_HLEN;

	/* Up to two VLAN tags (802.1Q / 802.1ad). */
	WL_UNROLL
	for (i = 0; i < 2; i++) {
		if (eth_proto != wl_htons(WL_ETH_P_8021Q) && eth_proto != wl_htons(WL_ETH_P_8021AD))
			break;
		if (cur + 4 > end)
			goto other;
		eth_proto = wl_rd16(cur + 2);
		cur += 4;
	}

	if (eth_proto == wl_htons(WL_ETH_P_ARP)) {
		p->mask |= WL_M(WL_P_ARP);
		return;
	}

	if (eth_proto == wl_htons(WL_ETH_P_IP)) {
		__u32 ihl;

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
		p->saddr = wl_rd32(cur + 12);
		p->daddr = wl_rd32(cur + 16);
		l4 = cur[9];
		/* A non-first fragment carries no L4 header. */
		if (wl_rd16(cur + 6) & wl_htons(0x1fff))
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
		l4 = cur[6];
		cur += WL_IP6_HLEN;
		/* Skip up to three extension headers. */
		WL_UNROLL
		for (i = 0; i < 3; i++) {
			if (l4 == 0 || l4 == 43 || l4 == 60) { /* hop-by-hop, routing, dest opts */
				__u32 len;

				if (cur + 8 > end)
					goto other;
				len = ((__u32)cur[1] + 1) * 8;
				l4 = cur[0];
				if (cur + len > end)
					goto other;
				cur += len;
			} else if (l4 == 44) { /* fragment */
				if (cur + 8 > end)
					goto other;
				l4 = cur[0];
				if (wl_rd16(cur + 2) & wl_htons(0xfff8))
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
		p->mask |= WL_M(WL_P_ICMP);
		return;
	}
	if (l4 == WL_IPPROTO_UDP || l4 == WL_IPPROTO_TCP) {
		if (cur + (l4 == WL_IPPROTO_UDP ? WL_UDP_HLEN : WL_TCP_HLEN) > end)
			goto other;
		p->l4_off = (__u16)(cur - data);
		p->sport = wl_rd16(cur);
		p->dport = wl_rd16(cur + 2);
		p->mask |= WL_M(l4 == WL_IPPROTO_UDP ? WL_P_UDP : WL_P_TCP);
		if (p->sport == wl_htons(WL_DNS_PORT) || p->dport == wl_htons(WL_DNS_PORT))
			p->mask |= WL_M(WL_P_DNS);
		return;
	}
other:
	p->mask |= WL_M(WL_P_OTHER);
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
		if (!(p->mask & (WL_M(WL_P_UDP) | WL_M(WL_P_TCP))))
			return 0;
		if ((f & WL_RULE_SPORT) && p->sport != r->sport)
			return 0;
		if ((f & WL_RULE_DPORT) && p->dport != r->dport)
			return 0;
		if ((f & WL_RULE_PORT) && p->sport != r->dport && p->dport != r->dport)
			return 0;
	}
	if (f & (WL_RULE_SRC | WL_RULE_DST)) {
		if (p->ipver != 4)
			return 0;
		if ((f & WL_RULE_SRC) && (p->saddr & r->src_mask) != r->src)
			return 0;
		if ((f & WL_RULE_DST) && (p->daddr & r->dst_mask) != r->dst)
			return 0;
	}
	return 1;
}

#endif
