#include "proto_icmp.h"

size_t icmp_build_echo(uint8_t *buf, size_t cap, const struct wl_l2l3 *a, uint8_t type, uint16_t id,
		       uint16_t seq, const uint8_t *msg, size_t msg_len, size_t frame_size)
{
	size_t hdrs = ETH_HLEN + IPV4_HLEN + ICMP_HLEN;
	size_t len = frame_size < ETH_MIN_FRAME ? ETH_MIN_FRAME : frame_size;
	if (len < hdrs + msg_len)
		len = hdrs + msg_len;
	if (len > cap || len > ETH_MAX_FRAME)
		return 0;
	eth_write_hdr(buf, a->dst_mac, a->src_mac, ETHERTYPE_IPV4);
	uint8_t *ip = buf + ETH_HLEN;
	ipv4_write_hdr(ip, IPPROTO_ICMP_, a->src_ip, a->dst_ip, (uint16_t)(len - ETH_HLEN), 0);
	uint8_t *ic = ip + IPV4_HLEN;
	ic[0] = type;
	ic[1] = 0;
	ic[2] = ic[3] = 0;
	wr16(ic + 4, id);
	wr16(ic + 6, seq);
	fill_pattern(ic + ICMP_HLEN, len - hdrs, msg, msg_len);
	l4_set_csum(ip);
	return len;
}
