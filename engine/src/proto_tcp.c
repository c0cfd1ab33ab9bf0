#include "proto_tcp.h"

size_t tcp_build(uint8_t *buf, size_t cap, const struct wl_l2l3 *a, uint16_t sport, uint16_t dport,
		 uint32_t seq, uint32_t ack, uint8_t flags, const uint8_t *payload, size_t plen)
{
	size_t hdrs = ETH_HLEN + IPV4_HLEN + TCP_HLEN;
	size_t len = hdrs + plen;
	if (len > cap || len > ETH_MAX_FRAME)
		return 0;
	eth_write_hdr(buf, a->dst_mac, a->src_mac, ETHERTYPE_IPV4);
	uint8_t *ip = buf + ETH_HLEN;
	ipv4_write_hdr(ip, IPPROTO_TCP_, a->src_ip, a->dst_ip, (uint16_t)(IPV4_HLEN + TCP_HLEN + plen), 0);
	uint8_t *t = ip + IPV4_HLEN;
	wr16(t, sport);
	wr16(t + 2, dport);
	wr32(t + 4, seq);
	wr32(t + 8, (flags & TCP_ACK) ? ack : 0);
	t[12] = (TCP_HLEN / 4) << 4;
	t[13] = flags;
	wr16(t + 14, TCP_WINDOW);
	wr16(t + 16, 0);
	wr16(t + 18, 0);
	if (plen)
		memcpy(t + TCP_HLEN, payload, plen);
	l4_set_csum(ip);
	return eth_pad_min(buf, len);
}

uint32_t tcp_cookie_isn(uint32_t saddr, uint32_t daddr, uint16_t sport, uint16_t dport, uint32_t secret)
{
	uint64_t h = ((uint64_t)saddr << 32 | daddr) ^ ((uint64_t)sport << 16 | dport) * 0x9E3779B97F4A7C15ull;
	h ^= secret;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return (uint32_t)h;
}
