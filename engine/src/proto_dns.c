#include "proto_dns.h"
#include "proto.h"
#include "proto_udp.h"
#include "proto_icmp6.h"
#include "net.h"
#include <string.h>

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

/* Skip one resource record at off; returns the offset after it or -1.
 * The OPT record, if this is one, is read into q. */
static int rr_read(const uint8_t *msg, size_t len, size_t off, int additional, struct dns_question *q)
{
	struct dns_name owner;
	int e = dns_name_decode(msg, len, off, &owner);
	if (e < 0 || (size_t)e + 10 > len)
		return -1;
	size_t o = (size_t)e;
	uint16_t type = rd16(msg + o);
	uint16_t rdlen = rd16(msg + o + 8);
	if (o + 10 + rdlen > len)
		return -1;
	if (type == DNS_TYPE_OPT) {
		/* RFC 6891 6.1.1: only in the additional section, once, owned by the root */
		if (!additional || q->has_opt || owner.len != 1)
			return -1;
		const uint8_t *ttl = msg + o + 4;
		q->has_opt = 1;
		q->opt_udp_size = rd16(msg + o + 2);
		q->opt_version = ttl[1];
		q->opt_do = (ttl[2] & 0x80) != 0;
		/* options: {code, length, data} that must tile RDATA exactly */
		size_t p = o + 10, end = p + rdlen;
		while (p < end) {
			if (p + 4 > end || p + 4 + rd16(msg + p + 2) > end)
				return -1;
			p += 4u + rd16(msg + p + 2);
		}
	}
	return (int)(o + 10 + rdlen);
}

int dns_parse_query(const uint8_t *msg, size_t len, struct dns_question *q)
{
	if (len < DNS_HLEN)
		return -1;
	memset(q, 0, sizeof(*q));
	q->id = rd16(msg);
	q->flags = rd16(msg + 2);
	if (rd16(msg + 4) != 1)
		return -1;
	int e = dns_name_decode(msg, len, DNS_HLEN, &q->qname);
	if (e < 0 || (size_t)e + 4 > len)
		return -1;
	q->qtype = rd16(msg + e);
	q->qclass = rd16(msg + e + 2);
	size_t off = (size_t)e + 4;
	unsigned an = rd16(msg + 6), ns = rd16(msg + 8), ar = rd16(msg + 10);
	for (unsigned i = 0; i < an + ns + ar; i++) {
		int r = rr_read(msg, len, off, i >= an + ns, q);
		if (r < 0)
			return -1;
		off = (size_t)r;
	}
	return 0;
}

int dns_build_header_only(uint8_t *out, size_t cap, uint16_t id, uint16_t qflags, uint8_t rcode)
{
	if (cap < DNS_HLEN)
		return -1;
	wr16(out, id);
	wr16(out + 2, (uint16_t)(DNS_FLAG_QR | (qflags & (0x7800 | DNS_FLAG_RD)) | (rcode & 0xf)));
	memset(out + 4, 0, 8);
	return DNS_HLEN;
}

/* One answer RR for the question's name (uncompressed at offset 12). */
static size_t answer_rr(uint8_t *p, uint16_t type, const uint8_t *rdata, uint16_t rdlen)
{
	wr16(p, 0xc000 | DNS_HLEN);
	wr16(p + 2, type);
	wr16(p + 4, DNS_CLASS_IN);
	wr32(p + 6, 60);
	wr16(p + 10, rdlen);
	memcpy(p + 12, rdata, rdlen);
	return 12u + rdlen;
}

int dns_build_response(uint8_t *out, size_t cap, const struct dns_question *q, uint16_t rcode,
		       const struct dns_rrset *rr)
{
	uint32_t a_addr = rr ? rr->a : 0;
	const uint8_t *aaaa = rr ? rr->aaaa : NULL;
	size_t need = DNS_HLEN + q->qname.len + 4u + (a_addr ? 16u : 0u) + (aaaa ? 28u : 0u) + (q->has_opt ? 11u : 0u);
	if (need > cap || (rcode > 15 && !q->has_opt))
		return -1;
	wr16(out, q->id);
	uint16_t flags = (uint16_t)(DNS_FLAG_QR | DNS_FLAG_AA | (q->flags & (DNS_FLAG_RD | DNS_FLAG_CD | 0x7800)) | (rcode & 0xf));
	wr16(out + 2, flags);
	wr16(out + 4, 1);
	wr16(out + 6, (uint16_t)((a_addr ? 1 : 0) + (aaaa ? 1 : 0)));
	wr16(out + 8, 0);
	wr16(out + 10, q->has_opt ? 1 : 0);
	size_t o = DNS_HLEN;
	memcpy(out + o, q->qname.wire, q->qname.len);
	o += q->qname.len;
	wr16(out + o, q->qtype);
	wr16(out + o + 2, q->qclass);
	o += 4;
	if (a_addr) {
		uint8_t v4[4];
		wr32(v4, a_addr);
		o += answer_rr(out + o, DNS_TYPE_A, v4, 4);
	}
	if (aaaa)
		o += answer_rr(out + o, DNS_TYPE_AAAA, aaaa, 16);
	if (q->has_opt) {
		out[o] = 0;                              /* root owner */
		wr16(out + o + 1, DNS_TYPE_OPT);
		wr16(out + o + 3, DNS_EDNS_UDP_SIZE);
		out[o + 5] = (uint8_t)(rcode >> 4);      /* extended RCODE */
		out[o + 6] = 0;                          /* version 0 */
		wr16(out + o + 7, q->opt_do ? 0x8000 : 0); /* DO copied (RFC 3225 3) */
		wr16(out + o + 9, 0);
		o += 11;
	}
	return (int)o;
}

int dns_lookup(const struct dns_record *t, size_t n, const struct dns_name *name, struct dns_rrset *rr)
{
	int known = 0;
	rr->a = 0;
	rr->aaaa = NULL;
	for (size_t i = 0; i < n; i++) {
		if (!dns_name_equal_text(name, t[i].name))
			continue;
		known = 1;
		if (t[i].is6 && !rr->aaaa)
			rr->aaaa = t[i].addr6;
		else if (!t[i].is6 && !rr->a)
			rr->a = t[i].addr;
	}
	return known;
}

static unsigned dns_n_tmpls(const struct wl_config *c)
{
	return c->n_domains ? c->n_domains : wl_n_builtin_domains;
}

/* one query template per domain; the DNS id is the request key */
static size_t dns_tmpl(struct wl_tmpl *t, const struct wl_tmpl_ctx *x)
{
	const struct wl_config *c = x->cfg;
	const int v6 = x->family == 6;
	const size_t l4 = ETH_HLEN + (v6 ? IPV6_HLEN : IPV4_HLEN);
	uint8_t q[512];
	const char *name = c->n_domains ? c->domains[x->index] : wl_builtin_domains[x->index];
	/* --dns-type, else the record of the family asked over: AAAA over IPv6, A over IPv4 */
	uint16_t qtype = c->dns_qtype ? c->dns_qtype : v6 ? DNS_TYPE_AAAA : DNS_TYPE_A;
	int ql = dns_build_query(q, sizeof(q), 0, name, qtype);
	if (ql < 0)
		return 0;
	size_t len = v6 ? udp6_build(t->data, sizeof(t->data), &x->a6, 0, x->dport, q, (size_t)ql, 0)
			: udp_build(t->data, sizeof(t->data), &x->a, 0, x->dport, q, (size_t)ql, 0);
	t->var = WL_VAR_DNS_ID;
	t->var_off = (uint16_t)(l4 + UDP_HLEN + DNS_OFF_ID);
	t->sport_off = (uint16_t)(l4 + UDP_OFF_SPORT);
	t->csum_off = (uint16_t)(l4 + UDP_OFF_CSUM);
	return wl_tmpl_done(t, len, x->family);
}

static void dns_match(const struct wl_match_ctx *m, const uint8_t *d, const struct pkt_info *pi, struct wl_reply *r)
{
	const struct wl_config *c = m->cfg;
	(void)d;
	if (wl_from_peer(c, pi) && (pi->dns_flags & DNS_FLAG_QR)) {
		r->kind = WL_R_KEY;
		r->key = pi->dns_id;
	}
}

static void dns_matched(struct wl_counters *c, const struct pkt_info *pi)
{
	unsigned rcode = pi->dns_flags & 0xf;
	c->dns_rcode[dns_rcode_slot(rcode)]++;
	if (dns_rcode_is_error(rcode))
		c->p[WL_P_DNS].errors++; /* FORMERR, SERVFAIL, ...; NXDOMAIN is an answer */
}

const struct wl_proto_ops wl_proto_dns = {
	.name = WL_NAME_DNS, .proto = WL_P_DNS, .family = 4, .is_request = 1, .key16 = 1, .default_port = DNS_PORT,
	.n_tmpls = dns_n_tmpls, .build = dns_tmpl, .match = dns_match, .matched = dns_matched,
	.answer = resp_answer_dns,
};
const struct wl_proto_ops wl_proto_dns6 = {
	.name = WL_NAME_DNS, .proto = WL_P_DNS, .family = 6, .is_request = 1, .key16 = 1, .default_port = DNS_PORT,
	.n_tmpls = dns_n_tmpls, .build = dns_tmpl, .match = dns_match, .matched = dns_matched,
	.answer = resp6_answer_dns,
};
