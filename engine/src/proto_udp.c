#include "proto_udp.h"

size_t udp_build(uint8_t *buf, size_t cap, const struct wl_l2l3 *a, uint16_t sport, uint16_t dport,
		 const uint8_t *msg, size_t msg_len, size_t frame_size)
{
	size_t hdrs = ETH_HLEN + IPV4_HLEN + UDP_HLEN;
	size_t len = frame_size;
	if (len < hdrs + msg_len)
		len = hdrs + msg_len;
	if (len > cap || len > ETH_MAX_FRAME)
		return 0;
	size_t plen = len - hdrs;
	eth_write_hdr(buf, a->dst_mac, a->src_mac, ETHERTYPE_IPV4);
	uint8_t *ip = buf + ETH_HLEN;
	ipv4_write_hdr(ip, IPPROTO_UDP_, a->src_ip, a->dst_ip, (uint16_t)(IPV4_HLEN + UDP_HLEN + plen), 0);
	udp_write(ip + IPV4_HLEN, sport, dport, msg, msg_len, plen);
	l4_set_csum(ip);
	return eth_pad_min(buf, len);
}

void udp_write(uint8_t *u, uint16_t sport, uint16_t dport, const uint8_t *msg, size_t msg_len, size_t plen)
{
	wr16(u, sport);
	wr16(u + 2, dport);
	wr16(u + 4, (uint16_t)(UDP_HLEN + plen));
	wr16(u + 6, 0);
	fill_pattern(u + UDP_HLEN, plen, msg, msg_len);
}
