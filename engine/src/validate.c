#include "validate.h"
#include "csum.h"
#include "options.h"
#include "rx_validate.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const vfield_names[VF_COUNT] = {
	"ip.len", "ip.ttl", "ip.checksum", "l4.checksum", "arp.sha",
	"icmp.type", "icmp.code", "icmp.payload",
	"udp.len", "udp.payload",
	"dns.qr", "dns.rcode", "dns.qdcount", "dns.ancount", "dns.answer",
	"tcp.flags", "tcp.seq", "tcp.window", "tcp.len", "tcp.payload",
};

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_ACK 0x10

int vrule_parse(const char *s, unsigned *mask)
{
	static const struct { const char *n; unsigned bit; } r[] = {
		{ "icmp", VR_ICMP }, { "dns", VR_DNS }, { "udp-echo", VR_UDP_ECHO }, { "tcp", VR_TCP }, { "arp", VR_ARP },
	};
	char buf[128];
	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		unsigned k = 0;
		while (k < sizeof(r) / sizeof(r[0]) && strcmp(t, r[k].n))
			k++;
		if (k == sizeof(r) / sizeof(r[0]))
			return -1;
		*mask |= r[k].bit;
	}
	return 0;
}

int vfield_toggle(const char *s, unsigned *mask, char *err, size_t cap)
{
	char buf[256];
	if (strlen(s) >= sizeof(buf)) {
		snprintf(err, cap, "too long");
		return -1;
	}
	strcpy(buf, s);
	for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int on = *t != '-';
		if (*t == '+' || *t == '-')
			t++;
		int k = 0;
		while (k < VF_COUNT && strcmp(t, vfield_names[k]))
			k++;
		if (k == VF_COUNT) {
			snprintf(err, cap, "'%s' is not a field (ip.len, ip.ttl, dns.answer, tcp.flags, ...)", t);
			return -1;
		}
		*mask = on ? *mask | (1u << k) : *mask & ~(1u << k);
	}
	return 0;
}

/* ---------- keys ---------- */

static int quoted_key(const uint8_t *f, const struct pkt_info *pi, struct vkey *k)
{
	/* RFC 792: the error quotes the IP header and 8 bytes of the datagram */
	size_t off = (size_t)pi->l4_off + ICMP_HLEN, end = (size_t)pi->l4_off + pi->l4_len;
	if (end < off + IPV4_HLEN)
		return 0;
	const uint8_t *ip = f + off;
	size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
	if ((ip[0] >> 4) != 4 || ihl < IPV4_HLEN || end < off + ihl)
		return 0;
	k->kind = VK_ICMP_ERR;
	k->id = ip[9];
	k->src = rd32(ip + 16);
	k->dst = rd32(ip + 12);
	if ((ip[9] == IPPROTO_UDP_ || ip[9] == IPPROTO_TCP_) && end >= off + ihl + 4) {
		k->sport = rd16(ip + ihl + 2);
		k->dport = rd16(ip + ihl);
	}
	return 1;
}

int vkey_of(const uint8_t *f, size_t len, const struct parse_cfg *pc, struct pkt_info *pi, struct vkey *k)
{
	memset(k, 0, sizeof(*k));
	int cls = pkt_parse(f, len, pc, pi);
	if (cls == WL_C_ARP) {
		k->kind = VK_ARP;
		k->src = pi->arp_spa;
		k->dst = pi->arp_tpa;
		k->id = pi->arp_op;
		return 1;
	}
	if (pi->ethertype != ETHERTYPE_IPV4 || pi->ip6 || !pi->l3_off || pi->frag)
		return 0;
	k->src = pi->ip_src;
	k->dst = pi->ip_dst;
	k->kind = VK_IP;
	k->id = pi->ip_proto;
	if (cls == WL_C_MALFORMED || cls == WL_C_UNKNOWN)
		return 1;
	if (cls == WL_C_ICMP) {
		if (pi->icmp_type == 0 || pi->icmp_type == 8) {
			k->kind = VK_ECHO;
			k->id = (uint32_t)pi->icmp_id << 16 | pi->icmp_seq;
		} else if (pi->icmp_type == 3 || pi->icmp_type == 4 || pi->icmp_type == 5 || pi->icmp_type == 11 ||
			   pi->icmp_type == 12) {
			if (!quoted_key(f, pi, k))
				k->id = 0x100u | pi->icmp_type;
		} else {
			k->id = 0x100u | pi->icmp_type;
		}
		return 1;
	}
	if (pi->ip_proto == IPPROTO_UDP_ || pi->ip_proto == IPPROTO_TCP_) {
		k->sport = pi->sport;
		k->dport = pi->dport;
		if (pi->ip_proto == IPPROTO_TCP_) {
			k->kind = VK_TCP;
			k->id = pi->tcp_flags & TCP_ACK ? pi->tcp_ack : 0;
		} else if (cls == WL_C_DNS) {
			k->kind = VK_DNS;
			k->id = pi->dns_id;
		} else {
			k->kind = VK_UDP;
			k->id = 0;
		}
	}
	return 1;
}

int vkey_answer_of(const uint8_t *f, size_t len, const struct parse_cfg *pc, struct vkey *k)
{
	struct pkt_info pi;
	if (!vkey_of(f, len, pc, &pi, k))
		return 0;
	uint32_t a = k->src;
	uint16_t p = k->sport;
	k->src = k->dst;
	k->dst = a;
	k->sport = k->dport;
	k->dport = p;
	switch (k->kind) {
	case VK_ARP:
		if (pi.arp_op != 1)
			return 0;
		k->id = 2;
		return 1;
	case VK_ECHO:
		return pi.icmp_type == 8;
	case VK_DNS:
		return !(pi.dns_flags & 0x8000);
	case VK_UDP:
		return 1;
	case VK_TCP: {
		if (pi.tcp_flags & TCP_RST)
			return 0;
		uint32_t adv = pi.pl_len + !!(pi.tcp_flags & TCP_SYN) + !!(pi.tcp_flags & TCP_FIN);
		if (!adv)
			return 0; /* a bare ACK asks nothing */
		k->id = pi.tcp_seq + adv;
		return 1;
	}
	default:
		return 0;
	}
}

static int key_eq(const struct vkey *a, const struct vkey *b)
{
	return a->src == b->src && a->dst == b->dst && a->id == b->id && a->sport == b->sport &&
	       a->dport == b->dport && a->kind == b->kind;
}

static uint32_t key_hash(const struct vkey *k)
{
	uint64_t h = ((uint64_t)k->src << 32 | k->dst) * 0x9e3779b97f4a7c15ull;
	h ^= ((uint64_t)k->id << 32 | (uint32_t)k->sport << 16 | k->dport) + k->kind;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return (uint32_t)h;
}

void vkey_text(const struct vkey *k, char *out, size_t cap)
{
	char s[16], d[16];
	fmt_ipv4(k->src, s, sizeof(s));
	fmt_ipv4(k->dst, d, sizeof(d));
	switch (k->kind) {
	case VK_ARP:
		snprintf(out, cap, "arp %s %s > %s", k->id == 2 ? "reply" : "request", s, d);
		break;
	case VK_ECHO:
		snprintf(out, cap, "icmp echo %s > %s id %u seq %u", s, d, k->id >> 16, k->id & 0xffff);
		break;
	case VK_ICMP_ERR:
		/* the quoted datagram went the other way */
		snprintf(out, cap, "icmp error about proto %u %s:%u > %s:%u", k->id, d, k->dport, s, k->sport);
		break;
	case VK_DNS:
		snprintf(out, cap, "dns %s:%u > %s:%u id 0x%04x", s, k->sport, d, k->dport, k->id);
		break;
	case VK_UDP:
		snprintf(out, cap, "udp %s:%u > %s:%u", s, k->sport, d, k->dport);
		break;
	case VK_TCP:
		snprintf(out, cap, "tcp %s:%u > %s:%u ack %u", s, k->sport, d, k->dport, k->id);
		break;
	default:
		snprintf(out, cap, "ip proto %u %s > %s", k->id & 0xff, s, d);
	}
}

/* ---------- table ---------- */

/* An open-addressing index for n entries (at most half full), all empty. */
static int32_t *slots_new(size_t n, uint32_t *mask)
{
	size_t slots = 16;
	while (slots < 2 * n)
		slots <<= 1;
	int32_t *s = malloc(slots * sizeof(*s));
	if (s)
		memset(s, 0xff, slots * sizeof(*s));
	*mask = (uint32_t)slots - 1;
	return s;
}

static void slot_put(int32_t *slot, uint32_t mask, const struct vkey *k, int32_t idx)
{
	uint32_t s = key_hash(k) & mask;
	while (slot[s] >= 0)
		s = (s + 1) & mask;
	slot[s] = idx;
}

int validator_init(struct validator *v, const struct vframe *req, size_t n_req, size_t cap, char *err, size_t errcap)
{
	memset(v, 0, sizeof(*v));
	v->n_req = n_req;
	v->cap = cap ? cap : 1;
	v->e = calloc(v->cap, sizeof(*v->e));
	v->rq = calloc(n_req ? n_req : 1, sizeof(*v->rq));
	v->slot = slots_new(v->cap, &v->mask);
	v->rslot = slots_new(n_req, &v->rmask);
	if (!v->e || !v->rq || !v->slot || !v->rslot) {
		snprintf(err, errcap, "out of memory for %zu expected answers and %zu requests", cap, n_req);
		validator_free(v);
		return -1;
	}
	/* the replay's own addresses: whatever the requests come from */
	for (size_t i = 0; i < n_req; i++) {
		struct pkt_info pi;
		struct vkey k;
		if (!vkey_of(req[i].f, req[i].len, &v->pc, &pi, &k))
			continue;
		struct vkey ans;
		if (vkey_answer_of(req[i].f, req[i].len, &v->pc, &ans)) {
			struct vreq *r = &v->rq[v->n_rq];
			r->k = ans;
			r->req = (int32_t)i;
			slot_put(v->rslot, v->rmask, &ans, (int32_t)v->n_rq++);
		}
		uint32_t a = k.kind == VK_ARP ? pi.arp_spa : pi.ip_src;
		unsigned c = 0;
		while (c < v->n_clients && v->clients[c] != a)
			c++;
		if (a && c == v->n_clients && c < V_MAX_CLIENTS) {
			v->clients[c] = a;
			memcpy(v->client_mac[c], req[i].f + ETH_ALEN, ETH_ALEN);
			v->n_clients++;
		}
	}
	return 0;
}

void validator_free(struct validator *v)
{
	free(v->e);
	free(v->slot);
	free(v->rq);
	free(v->rslot);
	v->e = NULL;
	v->slot = NULL;
	v->rq = NULL;
	v->rslot = NULL;
}

static struct ventry *add(struct validator *v, const struct vkey *k)
{
	if (v->n == v->cap)
		return NULL;
	struct ventry *e = &v->e[v->n];
	memset(e, 0, sizeof(*e));
	e->k = *k;
	e->req = -1;
	slot_put(v->slot, v->mask, k, (int32_t)v->n++);
	return e;
}

/* The first request whose answer carries key k and has none paired yet:
 * the n-th answer on a key pairs with the n-th request asking for it. */
static int32_t pair_request(struct validator *v, const struct vkey *k)
{
	for (uint32_t s = key_hash(k) & v->rmask; v->rslot[s] >= 0; s = (s + 1) & v->rmask) {
		struct vreq *r = &v->rq[v->rslot[s]];
		if (!r->taken && key_eq(&r->k, k)) {
			r->taken = 1;
			return r->req;
		}
	}
	return -1;
}

static void set_payload(struct ventry *e, const uint8_t *f, const struct pkt_info *pi)
{
	e->f = f;
	e->pl = f + pi->pl_off;
	e->pl_len = pi->pl_len;
}

int validator_expect(struct validator *v, const uint8_t *f, size_t len, uint32_t frame_no, uint32_t fields)
{
	struct pkt_info pi;
	struct vkey k;
	if (!vkey_of(f, len, &v->pc, &pi, &k))
		return 1;
	struct ventry *e = add(v, &k);
	if (!e)
		return -1;
	e->frame = frame_no;
	e->fields = fields;
	e->pi = pi;
	e->len = (uint16_t)len;
	set_payload(e, f, &pi);
	e->req = pair_request(v, &k);
	return 0;
}

int validator_rules(struct validator *v, const struct vframe *req, unsigned rules, uint32_t fields)
{
	for (size_t i = 0; i < v->n_req; i++) {
		struct pkt_info pi;
		struct vkey q, k;
		if (!vkey_of(req[i].f, req[i].len, &v->pc, &pi, &q) || !vkey_answer_of(req[i].f, req[i].len, &v->pc, &k))
			continue;
		uint32_t m;
		uint8_t rule;
		if (k.kind == VK_ECHO && (rules & VR_ICMP)) {
			rule = VR_ICMP;
			m = 1u << VF_ICMP_TYPE | 1u << VF_ICMP_CODE | 1u << VF_ICMP_PAYLOAD | 1u << VF_IP_LEN;
			pi.icmp_type = 0;
			pi.icmp_code = 0;
		} else if (k.kind == VK_DNS && (rules & VR_DNS)) {
			rule = VR_DNS;
			m = 1u << VF_DNS_QR | 1u << VF_DNS_RCODE | 1u << VF_DNS_QDCOUNT;
		} else if (k.kind == VK_UDP && (rules & VR_UDP_ECHO)) {
			rule = VR_UDP_ECHO;
			m = 1u << VF_UDP_LEN | 1u << VF_UDP_PAYLOAD | 1u << VF_IP_LEN;
		} else if (k.kind == VK_TCP && (rules & VR_TCP) && (pi.tcp_flags & (TCP_SYN | TCP_ACK)) == TCP_SYN) {
			rule = VR_TCP;
			m = 1u << VF_TCP_FLAGS | 1u << VF_TCP_LEN;
			pi.tcp_flags = TCP_SYN | TCP_ACK;
			pi.pl_len = 0;
		} else if (k.kind == VK_ARP && (rules & VR_ARP)) {
			rule = VR_ARP;
			m = 0;
		} else {
			continue;
		}
		struct ventry *e = add(v, &k);
		if (!e)
			return -1;
		e->rule = rule;
		e->req = (int32_t)i;
		e->fields = (m | 1u << VF_IP_CSUM | 1u << VF_L4_CSUM) & fields;
		e->pi = pi;
		e->len = (uint16_t)req[i].len;
		set_payload(e, req[i].f, &pi);
		if (rule == VR_TCP)
			e->pl_len = 0;
	}
	return 0;
}

/* ---------- receiving ---------- */

static int client_index(const struct validator *v, uint32_t ip)
{
	for (unsigned c = 0; c < v->n_clients; c++)
		if (v->clients[c] == ip)
			return (int)c;
	return -1;
}

/* Times request r has gone out after `sent` frames; unpaired answers count loops begun. */
static uint64_t times_sent(const struct validator *v, int32_t r, uint64_t sent)
{
	if (!v->n_req)
		return 0;
	if (r < 0)
		return (sent + v->n_req - 1) / v->n_req;
	return sent / v->n_req + (sent % v->n_req > (uint64_t)r);
}

static int64_t request_no(const struct validator *v, int32_t r)
{
	if (r < 0)
		return -1;
	return v->req_no ? (int64_t)v->req_no[r] : (int64_t)r + 1;
}

struct diffs {
	struct validator *v;
	const struct ventry *e;
	unsigned n;
};

static void differ(struct diffs *d, enum vfield fld, const char *exp, const char *got)
{
	d->n++;
	struct validator *v = d->v;
	if (v->n_diffs >= V_MAX_REPORT)
		return;
	struct vdiff *x = &v->diffs[v->n_diffs++];
	x->expect_frame = d->e->frame;
	x->request = request_no(v, d->e->req);
	vkey_text(&d->e->k, x->what, sizeof(x->what));
	snprintf(x->field, sizeof(x->field), "%s", vfield_names[fld]);
	snprintf(x->expected, sizeof(x->expected), "%s", exp);
	snprintf(x->got, sizeof(x->got), "%s", got);
}

static void cmp_u(struct diffs *d, enum vfield fld, uint64_t exp, uint64_t got)
{
	if (!(d->e->fields & (1u << fld)) || exp == got)
		return;
	char a[24], b[24];
	snprintf(a, sizeof(a), "%llu", (unsigned long long)exp);
	snprintf(b, sizeof(b), "%llu", (unsigned long long)got);
	differ(d, fld, a, b);
}

static void tcp_flags_text(uint8_t fl, char *out, size_t cap)
{
	static const char n[] = "FSRPAUEC";
	size_t k = 0;
	for (int i = 0; i < 8 && k + 1 < cap; i++)
		if (fl & (1u << i))
			out[k++] = n[i];
	out[k] = 0;
	if (!k)
		snprintf(out, cap, "none");
}

static void cmp_bytes(struct diffs *d, enum vfield fld, const uint8_t *a, size_t la, const uint8_t *b, size_t lb)
{
	if (!(d->e->fields & (1u << fld)))
		return;
	size_t n = la < lb ? la : lb, i = 0;
	while (i < n && a[i] == b[i])
		i++;
	if (i == n && la == lb)
		return;
	char x[V_TEXT], y[V_TEXT];
	if (i == n) {
		snprintf(x, sizeof(x), "%zu bytes", la);
		snprintf(y, sizeof(y), "%zu bytes", lb);
	} else {
		snprintf(x, sizeof(x), "%zu bytes, [%zu]=0x%02x", la, i, a[i]);
		snprintf(y, sizeof(y), "%zu bytes, [%zu]=0x%02x", lb, i, b[i]);
	}
	differ(d, fld, x, y);
}

/* Offset just past a DNS name at off (labels or a pointer); 0 if cut short. */
static size_t dns_skip(const uint8_t *m, size_t len, size_t off)
{
	for (int labels = 0; off < len && labels < 128; labels++) {
		uint8_t l = m[off];
		if (l == 0)
			return off + 1;
		if ((l & 0xc0) == 0xc0)
			return off + 2 <= len ? off + 2 : 0;
		if (l & 0xc0)
			return 0;
		off += 1u + l;
	}
	return 0;
}

/* The first answer's record data as text: an address for A, else type and length. */
static void dns_answer_text(const uint8_t *m, size_t len, char *out, size_t cap)
{
	snprintf(out, cap, "none");
	if (len < DNS_HLEN || !rd16(m + 6))
		return;
	size_t off = DNS_HLEN;
	for (unsigned q = rd16(m + 4); q && off; q--)
		off = dns_skip(m, len, off) ? dns_skip(m, len, off) + 4 : 0;
	if (!off || off > len || !(off = dns_skip(m, len, off)) || off + 10 > len)
		return;
	uint16_t type = rd16(m + off), rdlen = rd16(m + off + 8);
	const uint8_t *rd = m + off + 10;
	if (off + 10 + rdlen > len)
		return;
	if (type == 1 && rdlen == 4)
		fmt_ipv4(rd32(rd), out, cap);
	else
		snprintf(out, cap, "type %u, %u bytes", type, rdlen);
}

static unsigned compare(struct validator *v, const struct ventry *e, const uint8_t *f, size_t len, const struct pkt_info *pi)
{
	struct diffs d = { .v = v, .e = e };
	const struct pkt_info *x = &e->pi;
	if (e->k.kind != VK_ARP) {
		const uint8_t *ip = f + pi->l3_off;
		size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
		const uint8_t *xip = e->f + x->l3_off;
		cmp_u(&d, VF_IP_LEN, rd16(xip + 2), rd16(ip + 2));
		cmp_u(&d, VF_IP_TTL, xip[8], ip[8]);
		if ((e->fields & (1u << VF_IP_CSUM)) && !ipv4_csum_ok(ip, ihl))
			differ(&d, VF_IP_CSUM, "valid", "bad");
		if ((e->fields & (1u << VF_L4_CSUM)) && !rxv_l4_csum_ok(ip, len - pi->l3_off))
			differ(&d, VF_L4_CSUM, "valid", "bad");
	} else if ((e->fields & (1u << VF_ARP_SHA)) && memcmp(e->f + x->l3_off + 8, f + pi->l3_off + 8, ETH_ALEN)) {
		char a[24], b[24];
		fmt_mac(e->f + x->l3_off + 8, a, sizeof(a));
		fmt_mac(f + pi->l3_off + 8, b, sizeof(b));
		differ(&d, VF_ARP_SHA, a, b);
	}
	switch (e->k.kind) {
	case VK_ECHO:
	case VK_ICMP_ERR:
		cmp_u(&d, VF_ICMP_TYPE, x->icmp_type, pi->icmp_type);
		cmp_u(&d, VF_ICMP_CODE, x->icmp_code, pi->icmp_code);
		if (e->k.kind == VK_ECHO)
			cmp_bytes(&d, VF_ICMP_PAYLOAD, e->pl, e->pl_len, f + pi->pl_off, pi->pl_len);
		break;
	case VK_UDP:
		cmp_u(&d, VF_UDP_LEN, x->pl_len, pi->pl_len);
		cmp_bytes(&d, VF_UDP_PAYLOAD, e->pl, e->pl_len, f + pi->pl_off, pi->pl_len);
		break;
	case VK_DNS: {
		const uint8_t *m = f + pi->pl_off;
		cmp_u(&d, VF_DNS_QR, e->rule ? 1 : x->dns_flags >> 15, pi->dns_flags >> 15);
		cmp_u(&d, VF_DNS_RCODE, e->rule ? e->rcode : x->dns_flags & 0xf, pi->dns_flags & 0xf);
		cmp_u(&d, VF_DNS_QDCOUNT, e->pl_len >= DNS_HLEN ? rd16(e->pl + 4) : 0, pi->pl_len >= DNS_HLEN ? rd16(m + 4) : 0);
		cmp_u(&d, VF_DNS_ANCOUNT, e->pl_len >= DNS_HLEN ? rd16(e->pl + 6) : 0, pi->pl_len >= DNS_HLEN ? rd16(m + 6) : 0);
		if (e->fields & (1u << VF_DNS_ANSWER)) {
			char a[V_TEXT], b[V_TEXT];
			dns_answer_text(e->pl, e->pl_len, a, sizeof(a));
			dns_answer_text(m, pi->pl_len, b, sizeof(b));
			if (strcmp(a, b))
				differ(&d, VF_DNS_ANSWER, a, b);
		}
		break;
	}
	case VK_TCP:
		if ((e->fields & (1u << VF_TCP_FLAGS)) && x->tcp_flags != pi->tcp_flags) {
			char a[12], b[12];
			tcp_flags_text(x->tcp_flags, a, sizeof(a));
			tcp_flags_text(pi->tcp_flags, b, sizeof(b));
			differ(&d, VF_TCP_FLAGS, a, b);
		}
		cmp_u(&d, VF_TCP_SEQ, x->tcp_seq, pi->tcp_seq);
		if (e->fields & (1u << VF_TCP_WINDOW))
			cmp_u(&d, VF_TCP_WINDOW, rd16(e->f + x->l4_off + 14), rd16(f + pi->l4_off + 14));
		cmp_u(&d, VF_TCP_LEN, e->pl_len, pi->pl_len);
		cmp_bytes(&d, VF_TCP_PAYLOAD, e->pl, e->pl_len, f + pi->pl_off, pi->pl_len);
		break;
	default:
		break;
	}
	return d.n;
}

static void unexpected(struct validator *v, const struct vkey *k, size_t len, int dup)
{
	v->c.unexpected++;
	v->c.duplicate += (uint64_t)dup;
	if (v->n_unexp >= V_MAX_REPORT)
		return;
	struct vunexp *u = &v->unexp[v->n_unexp++];
	u->len = (uint32_t)len;
	u->dup = dup;
	vkey_text(k, u->what, sizeof(u->what));
}

int validator_rx(struct validator *v, const uint8_t *f, size_t len, uint64_t sent, uint32_t *ip, const uint8_t **mac)
{
	struct pkt_info pi;
	struct vkey k;
	if (!vkey_of(f, len, &v->pc, &pi, &k)) {
		v->c.ignored++;
		return VRX_IGNORED;
	}
	int to = client_index(v, k.kind == VK_ARP ? pi.arp_tpa : pi.ip_dst);
	if (k.kind == VK_ARP && pi.arp_op == 1 && to >= 0 && client_index(v, pi.arp_spa) < 0) {
		v->c.arp_answered++;
		*ip = v->clients[to];
		*mac = v->client_mac[to];
		return VRX_ARP_REQUEST;
	}
	if (to < 0) {
		v->c.ignored++;
		return VRX_IGNORED;
	}
	int seen = 0;
	for (uint32_t s = key_hash(&k) & v->mask; v->slot[s] >= 0; s = (s + 1) & v->mask) {
		struct ventry *e = &v->e[v->slot[s]];
		if (!key_eq(&e->k, &k))
			continue;
		seen = 1;
		if (e->matched + e->differed >= times_sent(v, e->req, sent))
			continue;
		if (compare(v, e, f, len, &pi)) {
			e->differed++;
			v->c.different++;
			return VRX_DIFFERENT;
		}
		e->matched++;
		v->c.matched++;
		return VRX_MATCHED;
	}
	unexpected(v, &k, len, seen);
	return VRX_UNEXPECTED;
}

uint64_t validator_outstanding(const struct validator *v, uint64_t sent)
{
	uint64_t due = 0;
	for (size_t i = 0; i < v->n; i++) {
		uint64_t t = times_sent(v, v->e[i].req, sent), got = v->e[i].matched + v->e[i].differed;
		due += t > got ? t - got : 0;
	}
	return due;
}

void validator_finish(struct validator *v, uint64_t sent)
{
	if (v->finished)
		return;
	v->finished = 1;
	for (size_t i = 0; i < v->n; i++) {
		const struct ventry *e = &v->e[i];
		uint64_t t = times_sent(v, e->req, sent), got = e->matched + e->differed;
		v->c.expected += t;
		if (t <= got)
			continue;
		v->c.missing += t - got;
		if (v->n_miss < V_MAX_REPORT) {
			struct vmiss *m = &v->miss[v->n_miss++];
			m->expect_frame = e->frame;
			m->request = request_no(v, e->req);
			m->count = t - got;
			vkey_text(&e->k, m->what, sizeof(m->what));
		}
	}
}

static void frame_refs(struct jbuf *j, uint32_t expect_frame, int64_t request)
{
	if (expect_frame)
		jb_ku64(j, "expect_frame", expect_frame);
	else
		jb_kstr(j, "expect_frame", "rule");
	if (request > 0)
		jb_ku64(j, "request_frame", (uint64_t)request);
	else
		jb_knull(j, "request_frame");
}

void validator_json(struct jbuf *j, const struct validator *v, int detail)
{
	jb_key(j, "validate");
	jb_obj_open(j);
	if (v->finished) {
		jb_ku64(j, "expected", v->c.expected);
		jb_ku64(j, "missing", v->c.missing);
	}
	jb_ku64(j, "matched", v->c.matched);
	jb_ku64(j, "different", v->c.different);
	jb_ku64(j, "unexpected", v->c.unexpected);
	jb_ku64(j, "duplicate", v->c.duplicate);
	jb_ku64(j, "arp_answered", v->c.arp_answered);
	jb_ku64(j, "ignored", v->c.ignored);
	jb_ku64(j, "expectations", v->n);
	if (detail) {
		jb_key(j, "differences");
		jb_arr_open(j);
		for (unsigned i = 0; i < v->n_diffs; i++) {
			const struct vdiff *x = &v->diffs[i];
			jb_obj_open(j);
			jb_kstr(j, "answer", x->what);
			jb_kstr(j, "field", x->field);
			jb_kstr(j, "expected", x->expected);
			jb_kstr(j, "got", x->got);
			frame_refs(j, x->expect_frame, x->request);
			jb_obj_close(j);
		}
		jb_arr_close(j);
		jb_key(j, "missing_answers");
		jb_arr_open(j);
		for (unsigned i = 0; i < v->n_miss; i++) {
			jb_obj_open(j);
			jb_kstr(j, "answer", v->miss[i].what);
			jb_ku64(j, "count", v->miss[i].count);
			frame_refs(j, v->miss[i].expect_frame, v->miss[i].request);
			jb_obj_close(j);
		}
		jb_arr_close(j);
		jb_key(j, "unexpected_answers");
		jb_arr_open(j);
		for (unsigned i = 0; i < v->n_unexp; i++) {
			jb_obj_open(j);
			jb_kstr(j, "answer", v->unexp[i].what);
			jb_ku64(j, "len", v->unexp[i].len);
			jb_kbool(j, "duplicate", v->unexp[i].dup);
			jb_obj_close(j);
		}
		jb_arr_close(j);
	}
	jb_obj_close(j);
}
