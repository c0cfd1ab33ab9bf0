#include "proto_tcp6.h"

size_t tcp_build_seg16(uint8_t *buf, size_t cap, const uint8_t src_mac[ETH_ALEN], const uint8_t dst_mac[ETH_ALEN],
		       const uint8_t src[IPV6_ALEN], const uint8_t dst[IPV6_ALEN], const struct tcp_seg *s)
{
	const int v4 = ip16_is_v4(src);
	size_t l3 = v4 ? IPV4_HLEN : IPV6_HLEN, thl = TCP_HLEN + s->optlen;
	size_t len = ETH_HLEN + l3 + thl + s->plen;
	if ((s->optlen & 3) || s->optlen > TCP_OPT_MAX || len > cap || len > ETH_MAX_FRAME)
		return 0;
	eth_write_hdr(buf, dst_mac, src_mac, v4 ? ETHERTYPE_IPV4 : ETHERTYPE_IPV6);
	uint8_t *ip = buf + ETH_HLEN;
	if (v4)
		ipv4_write_hdr(ip, IPPROTO_TCP_, ip16_v4(src), ip16_v4(dst), (uint16_t)(l3 + thl + s->plen), 0);
	else
		ipv6_write_hdr(ip, IPPROTO_TCP_, src, dst, (uint16_t)(thl + s->plen), 64);
	tcp_write_seg(ip + l3, s);
	if (v4)
		l4_set_csum(ip);
	else
		ipv6_set_l4_csum(ip);
	return eth_pad_min(buf, len);
}

size_t tcp6_build_seg(uint8_t *buf, size_t cap, const struct wl_l2l3_6 *a, const struct tcp_seg *s)
{
	return tcp_build_seg16(buf, cap, a->src_mac, a->dst_mac, a->src, a->dst, s);
}

size_t tcp_hdrs_len(const uint8_t addr[IPV6_ALEN])
{
	return ETH_HLEN + (ip16_is_v4(addr) ? IPV4_HLEN : IPV6_HLEN) + TCP_HLEN;
}
