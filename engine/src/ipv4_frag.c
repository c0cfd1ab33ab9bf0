#include "ipv4_frag.h"
#include "csum.h"
#include "pkt_build.h"

static int dgram_bounds(const uint8_t *frame, size_t len, size_t l3_off, size_t *ihl, size_t *plen)
{
	if (len < l3_off + IPV4_HLEN)
		return -1;
	const uint8_t *ip = frame + l3_off;
	*ihl = (size_t)(ip[0] & 0x0f) * 4;
	size_t tot = rd16(ip + 2);
	if (*ihl < IPV4_HLEN || tot < *ihl || l3_off + tot > len)
		return -1;
	*plen = tot - *ihl;
	return 0;
}

unsigned ipv4_frag_count(const uint8_t *frame, size_t len, size_t l3_off, size_t frag_payload)
{
	size_t ihl, plen;
	if (dgram_bounds(frame, len, l3_off, &ihl, &plen) < 0 || frag_payload < 8 || (frag_payload & 7))
		return 1;
	if (plen <= frag_payload)
		return 1;
	return (unsigned)((plen + frag_payload - 1) / frag_payload);
}

size_t ipv4_fragment(const uint8_t *frame, size_t len, size_t l3_off, size_t frag_payload, uint16_t id, unsigned k,
		     uint8_t *out, size_t cap)
{
	size_t ihl, plen;
	if (frag_payload < 8 || (frag_payload & 7) || dgram_bounds(frame, len, l3_off, &ihl, &plen) < 0)
		return 0;
	size_t start = (size_t)k * frag_payload;
	if (start >= plen)
		return 0;
	const uint8_t *ip = frame + l3_off;
	/* the datagram may itself be a fragment: keep its offset and MF */
	uint16_t fo0 = rd16(ip + 6);
	size_t base = (size_t)(fo0 & 0x1fff) * 8;
	size_t n = plen - start < frag_payload ? plen - start : frag_payload;
	int more = start + n < plen || (fo0 & 0x2000);
	size_t flen = l3_off + ihl + n;
	if (flen > cap || cap < ETH_MIN_FRAME || ((base + start) >> 3) > 0x1fff)
		return 0;
	memcpy(out, frame, l3_off + ihl);
	memcpy(out + l3_off + ihl, ip + ihl + start, n);
	uint8_t *oip = out + l3_off;
	wr16(oip + 2, (uint16_t)(ihl + n));
	if (!(fo0 & 0x3fff))
		wr16(oip + 4, id);
	wr16(oip + 6, (uint16_t)(((base + start) >> 3) | (more ? 0x2000 : 0)));
	ipv4_set_csum(oip);
	return eth_pad_min(out, flen);
}
