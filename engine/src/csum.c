#include "csum.h"
#include "net.h"

uint32_t csum_partial(const void *buf, size_t len, uint32_t sum)
{
	const uint8_t *p = buf;
	uint64_t s = sum;
	while (len >= 8) {
		s += ((uint32_t)p[0] << 8 | p[1]) + ((uint32_t)p[2] << 8 | p[3]) +
		     ((uint32_t)p[4] << 8 | p[5]) + ((uint32_t)p[6] << 8 | p[7]);
		p += 8;
		len -= 8;
	}
	while (len >= 2) {
		s += (uint32_t)p[0] << 8 | p[1];
		p += 2;
		len -= 2;
	}
	if (len)
		s += (uint32_t)p[0] << 8;
	while (s >> 32)
		s = (s & 0xffffffffu) + (s >> 32);
	/* keep headroom for further additions */
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint32_t)s;
}

uint16_t csum_buf(const void *buf, size_t len)
{
	return (uint16_t)~csum_fold(csum_partial(buf, len, 0));
}

uint32_t csum_pseudo_v4(uint32_t src, uint32_t dst, uint8_t proto, uint16_t l4_len)
{
	uint32_t s = (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + proto + l4_len;
	return s;
}

void ipv4_set_csum(uint8_t *ip)
{
	size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
	ip[10] = ip[11] = 0;
	wr16(ip + 10, csum_buf(ip, ihl));
}

int ipv4_csum_ok(const uint8_t *ip, size_t ihl_bytes)
{
	return csum_fold(csum_partial(ip, ihl_bytes, 0)) == 0xffff;
}

void l4_set_csum(uint8_t *ip)
{
	size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
	uint16_t tot = rd16(ip + 2);
	uint8_t proto = ip[9];
	uint8_t *l4 = ip + ihl;
	uint16_t l4len = (uint16_t)(tot - ihl);
	uint32_t s = 0;
	size_t off;
	switch (proto) {
	case IPPROTO_ICMP_: off = 2; break;
	case IPPROTO_UDP_: off = 6; break;
	case IPPROTO_TCP_: off = 16; break;
	default: return;
	}
	l4[off] = l4[off + 1] = 0;
	if (proto != IPPROTO_ICMP_)
		s = csum_pseudo_v4(rd32(ip + 12), rd32(ip + 16), proto, l4len);
	uint16_t c = (uint16_t)~csum_fold(csum_partial(l4, l4len, s));
	if (proto == IPPROTO_UDP_ && c == 0)
		c = 0xffff;
	wr16(l4 + off, c);
}
