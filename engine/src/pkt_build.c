#include "pkt_build.h"

const char *const wl_proto_names[WL_P_COUNT] = { WL_TRAFFIC_PROTO_NAMES };

size_t eth_write_hdr(uint8_t *buf, const uint8_t dst[ETH_ALEN], const uint8_t src[ETH_ALEN], uint16_t ethertype)
{
	memcpy(buf, dst, ETH_ALEN);
	memcpy(buf + ETH_ALEN, src, ETH_ALEN);
	wr16(buf + 12, ethertype);
	return ETH_HLEN;
}

size_t ipv4_write_hdr(uint8_t *ip, uint8_t proto, uint32_t src, uint32_t dst, uint16_t total_len, uint16_t id)
{
	ip[0] = 0x45;
	ip[1] = 0;
	wr16(ip + 2, total_len);
	wr16(ip + 4, id);
	wr16(ip + 6, 0x4000); /* DF */
	ip[8] = 64;
	ip[9] = proto;
	wr32(ip + 12, src);
	wr32(ip + 16, dst);
	ipv4_set_csum(ip);
	return IPV4_HLEN;
}

void fill_pattern(uint8_t *dst, size_t n, const uint8_t *pat, size_t pat_len)
{
	if (!pat_len) {
		memset(dst, 0, n);
		return;
	}
	size_t i = 0;
	while (i < n) {
		size_t c = pat_len < n - i ? pat_len : n - i;
		memcpy(dst + i, pat, c);
		i += c;
	}
}

size_t eth_pad_min(uint8_t *buf, size_t len)
{
	if (len < ETH_MIN_FRAME) {
		memset(buf + len, 0, ETH_MIN_FRAME - len);
		len = ETH_MIN_FRAME;
	}
	return len;
}

void tmpl_finish(struct wl_tmpl *t, size_t l3_off)
{
	if (t->csum_off)
		t->data[t->csum_off] = t->data[t->csum_off + 1] = 0;
	const uint8_t *ip = t->data + l3_off;
	size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
	uint16_t l4len = (uint16_t)(rd16(ip + 2) - ihl);
	uint32_t s = 0;
	if (ip[9] != IPPROTO_ICMP_)
		s = csum_pseudo_v4(rd32(ip + 12), rd32(ip + 16), ip[9], l4len);
	t->csum_base = csum_partial(ip + ihl, l4len, s);
	t->udp_csum = ip[9] == IPPROTO_UDP_;
}
