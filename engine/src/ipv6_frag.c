#include "ipv6_frag.h"
#include "ipv6.h"

size_t ipv6_fragment(const uint8_t *frame, size_t len, size_t l3_off, size_t frag_payload, uint32_t id, unsigned k,
		     uint8_t *out, size_t cap)
{
	if (frag_payload < 8 || (frag_payload & 7) || len < l3_off + IPV6_HLEN)
		return 0;
	const uint8_t *ip = frame + l3_off;
	size_t plen = rd16(ip + 4);
	if (l3_off + IPV6_HLEN + plen > len)
		return 0;
	size_t start = (size_t)k * frag_payload;
	if (start >= plen || start > 0xfff8)
		return 0;
	size_t n = plen - start < frag_payload ? plen - start : frag_payload;
	size_t flen = l3_off + IPV6_HLEN + 8 + n;
	if (flen > cap || cap < ETH_MIN_FRAME)
		return 0;
	memcpy(out, frame, l3_off + IPV6_HLEN);
	uint8_t *oip = out + l3_off;
	oip[6] = 44;
	wr16(oip + 4, (uint16_t)(8 + n));
	uint8_t *fh = oip + IPV6_HLEN;
	fh[0] = ip[6];
	fh[1] = 0;
	wr16(fh + 2, (uint16_t)(start | (start + n < plen ? 1 : 0)));
	wr32(fh + 4, id);
	memcpy(fh + 8, ip + IPV6_HLEN + start, n);
	return eth_pad_min(out, flen);
}
