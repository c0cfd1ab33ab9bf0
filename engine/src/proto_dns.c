#include "proto_dns.h"
#include "net.h"
#include <ctype.h>
#include <string.h>
#include <strings.h>

int dns_encode_name(const char *name, uint8_t *out, size_t cap)
{
	size_t n = strlen(name);
	if (n && name[n - 1] == '.')
		n--;
	if (n == 0) {               /* root */
		if (cap < 1)
			return -1;
		out[0] = 0;
		return 1;
	}
	size_t o = 0, i = 0;
	while (i <= n) {
		size_t j = i;
		while (j < n && name[j] != '.')
			j++;
		size_t l = j - i;
		if (l == 0 || l > 63 || o + 1 + l >= cap || o + 1 + l + 1 > DNS_MAX_NAME)
			return -1;
		out[o++] = (uint8_t)l;
		memcpy(out + o, name + i, l);
		o += l;
		i = j + 1;
	}
	out[o++] = 0;
	return (int)o;
}

int dns_decode_name(const uint8_t *msg, size_t len, size_t off, char *out, size_t out_cap)
{
	size_t o = 0, wire = 0;
	int end = -1, jumps = 0;
	if (out_cap == 0)
		return -1;
	for (;;) {
		if (off >= len)
			return -1;
		uint8_t l = msg[off];
		if ((l & 0xc0) == 0xc0) {
			if (off + 1 >= len || ++jumps > 16)
				return -1;
			if (end < 0)
				end = (int)(off + 2);
			size_t target = ((size_t)(l & 0x3f) << 8) | msg[off + 1];
			if (target >= off) /* only backwards pointers: no loops */
				return -1;
			off = target;
			continue;
		}
		if (l & 0xc0)
			return -1;
		if (l == 0) {
			if (end < 0)
				end = (int)(off + 1);
			break;
		}
		if (off + 1 + l > len)
			return -1;
		wire += 1u + l;
		if (wire + 1 > DNS_MAX_NAME || o + l + 2 > out_cap)
			return -1;
		if (o)
			out[o++] = '.';
		for (size_t k = 0; k < l; k++)
			out[o++] = (char)tolower(msg[off + 1 + k]);
		off += 1u + l;
	}
	out[o] = 0;
	return end;
}

int dns_build_query(uint8_t *out, size_t cap, uint16_t id, const char *name, uint16_t qtype)
{
	if (cap < DNS_HLEN + 5)
		return -1;
	wr16(out, id);
	wr16(out + 2, DNS_FLAG_RD);
	wr16(out + 4, 1);
	wr16(out + 6, 0);
	wr16(out + 8, 0);
	wr16(out + 10, 0);
	int n = dns_encode_name(name, out + DNS_HLEN, cap - DNS_HLEN - 4);
	if (n < 0)
		return -1;
	size_t o = DNS_HLEN + (size_t)n;
	wr16(out + o, qtype);
	wr16(out + o + 2, DNS_CLASS_IN);
	return (int)(o + 4);
}

int dns_parse_query(const uint8_t *msg, size_t len, struct dns_question *q)
{
	if (len < DNS_HLEN)
		return -1;
	q->id = rd16(msg);
	q->flags = rd16(msg + 2);
	if (rd16(msg + 4) != 1)
		return -1;
	int e = dns_decode_name(msg, len, DNS_HLEN, q->name, sizeof(q->name));
	if (e < 0 || (size_t)e + 4 > len)
		return -1;
	q->qtype = rd16(msg + e);
	q->qclass = rd16(msg + e + 2);
	q->q_end = (size_t)e + 4;
	return 0;
}

int dns_build_response(uint8_t *out, size_t cap, const uint8_t *query, const struct dns_question *q,
		       uint8_t rcode, uint32_t a_addr)
{
	size_t qlen = q->q_end - DNS_HLEN;
	size_t need = q->q_end + (a_addr ? 16 : 0);
	if (need > cap)
		return -1;
	wr16(out, q->id);
	uint16_t flags = (uint16_t)(DNS_FLAG_QR | DNS_FLAG_AA | (q->flags & (DNS_FLAG_RD | 0x7800)) | (rcode & 0xf));
	wr16(out + 2, flags);
	wr16(out + 4, 1);
	wr16(out + 6, a_addr ? 1 : 0);
	wr16(out + 8, 0);
	wr16(out + 10, 0);
	memmove(out + DNS_HLEN, query + DNS_HLEN, qlen);
	size_t o = q->q_end;
	if (a_addr) {
		wr16(out + o, 0xc000 | DNS_HLEN); /* pointer to the question name */
		wr16(out + o + 2, DNS_TYPE_A);
		wr16(out + o + 4, DNS_CLASS_IN);
		wr32(out + o + 6, 60);
		wr16(out + o + 10, 4);
		wr32(out + o + 12, a_addr);
		o += 16;
	}
	return (int)o;
}

uint32_t dns_lookup(const struct dns_record *t, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcasecmp(t[i].name, name) == 0)
			return t[i].addr;
	return 0;
}
