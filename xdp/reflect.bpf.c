/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * reflect: send IP frames back where they came from (XDP_TX) with MAC,
 * IP addresses and UDP/TCP ports swapped.  Swapping two 16-bit-aligned
 * fields of the same checksummed sum leaves the IPv4, UDP and TCP
 * checksums valid as they are (the pseudo-header sum is unchanged).
 * With wl_cfg.reflect_icmp_echo, ICMP/ICMPv6 echo requests become echo
 * replies (checksum updated incrementally, RFC 1624), so ping works.
 * Frames to a group (multicast/broadcast) MAC and non-IP frames pass to
 * the stack (ARP keeps working), unless wl_cfg.reflect_non_ip is set; so
 * does neighbour discovery (ICMPv6 133..137), the ARP of IPv6: a unicast
 * neighbour solicitation bounced back would leave the sender's neighbour
 * entry unconfirmed.  VLAN tags stay as they are (only MACs move).
 */
#include "wl_common.bpf.h"

static __always_inline void wl_swap(__u8 *a, __u8 *b, const __u8 *end, __u32 n)
{
	__u8 t[16];

	if (n > 16 || a + n > end || b + n > end)
		return;
	__builtin_memcpy(t, a, n);
	__builtin_memcpy(a, b, n);
	__builtin_memcpy(b, t, n);
}

/* One's complement update of a checksum for a 16-bit word change. */
static __always_inline __u16 wl_csum_replace(__u16 csum, __u16 old, __u16 new)
{
	__u32 s = (__u16)~csum + (__u16)~old + (__u32)new;

	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)~s;
}

SEC("xdp")
int wl_reflect(struct xdp_md *ctx)
{
	__u8 *data = (__u8 *)(long)ctx->data;
	__u8 *end = (__u8 *)(long)ctx->data_end;
	__u64 len = (__u64)(end - data);
	struct wl_pkt p;
	__u8 *l3, *l4;
	__u8 tmp[6];

	wl_parse(data, end, &p);
	if (data + WL_ETH_HLEN > end || (data[0] & 1))
		return wl_account(&p, len, XDP_PASS);
	if (!p.ipver && !wl_cfg.reflect_non_ip)
		return wl_account(&p, len, XDP_PASS);
	if (p.ipver == 6 && (p.mask & WL_M(WL_P_ICMP))) {
		l4 = data + (p.l4_off & 0xfff);
		if (l4 + 1 > end)
			return wl_account(&p, len, XDP_ABORTED);
		if (l4[0] >= 133 && l4[0] <= 137)
			return wl_account(&p, len, XDP_PASS);
	}

	__builtin_memcpy(tmp, data, 6);
	__builtin_memcpy(data, data + 6, 6);
	__builtin_memcpy(data + 6, tmp, 6);

	if (p.ipver == 4) {
		l3 = data + (p.l3_off & 0x3ff);
		if (l3 + WL_IP4_HLEN > end)
			return wl_account(&p, len, XDP_ABORTED);
		wl_swap(l3 + 12, l3 + 16, end, 4);
	} else if (p.ipver == 6) {
		l3 = data + (p.l3_off & 0x3ff);
		if (l3 + WL_IP6_HLEN > end)
			return wl_account(&p, len, XDP_ABORTED);
		wl_swap(l3 + 8, l3 + 24, end, 16);
	}

	if (p.l4_off) {
		/* Without multi-buffer XDP a frame fits in a page: the mask is exact. */
		l4 = data + (p.l4_off & 0xfff);
		if (l4 + 4 > end)
			return wl_account(&p, len, XDP_ABORTED);
		if (p.mask & (WL_M(WL_P_UDP) | WL_M(WL_P_DNS) | WL_M(WL_P_TCP))) {
			wl_swap(l4, l4 + 2, end, 2);
		} else if (wl_cfg.reflect_icmp_echo && (p.mask & WL_M(WL_P_ICMP))) {
			__u8 req = p.ipver == 4 ? 8 : 128;

			if (l4[0] == req && l4[1] == 0) {
				__u16 old = wl_rd16(l4), new, csum;

				l4[0] = p.ipver == 4 ? 0 : 129;
				new = wl_rd16(l4);
				csum = wl_csum_replace(wl_rd16(l4 + 2), old, new);
				__builtin_memcpy(l4 + 2, &csum, 2);
			}
		}
	}
	return wl_account(&p, len, XDP_TX);
}
