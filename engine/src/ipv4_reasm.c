#include <stdlib.h>
#include "ipv4_reasm.h"
#include "csum.h"
#include "ipv6.h"

/* The unfragmentable part of an IPv6 fragment kept (fixed header and the
 * extension headers before the fragment header); a longer one is refused. */
#define REASM_V6_UNFRAG_MAX 168

struct range { uint16_t start, end; }; /* payload bytes [start, end) */

struct dgram {
	int live;
	uint8_t src[16], dst[16];  /* IPv4 mapped (ipv6.h ip16_*) */
	uint32_t id;               /* 16 bits in IPv4, 32 in IPv6 */
	uint8_t proto;
	uint8_t v6;
	uint8_t next;              /* IPv6: the fragment header's Next Header, written back at nh_off */
	uint16_t nh_off;
	uint8_t have_first, have_last;
	uint64_t born;
	uint32_t total;            /* payload length, known once the last fragment came */
	uint32_t got;              /* payload bytes received */
	uint16_t l2_len, ihl;      /* ihl: the IP header (IPv6: the unfragmentable part) */
	uint8_t hdr[ETH_HLEN + 8 + REASM_V6_UNFRAG_MAX]; /* L2 + IP header of the first fragment */
	unsigned n_ranges;
	struct range ranges[REASM_MAX_FRAGS];
	uint8_t *payload;          /* REASM_MAX_DGRAM bytes */
};

struct reasm {
	unsigned max;
	uint64_t timeout;
	struct reasm_stats st;
	struct dgram *d;
	uint8_t *out;              /* REASM_MAX_FRAME bytes */
	uint8_t *pool;
};

struct reasm *reasm_create(unsigned max_dgrams, uint64_t timeout)
{
	if (max_dgrams == 0 || max_dgrams > 1024)
		return NULL;
	struct reasm *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->max = max_dgrams;
	r->timeout = timeout;
	r->d = calloc(max_dgrams, sizeof(*r->d));
	r->pool = malloc((size_t)max_dgrams * REASM_MAX_DGRAM);
	r->out = malloc(REASM_MAX_FRAME);
	if (!r->d || !r->pool || !r->out) {
		reasm_destroy(r);
		return NULL;
	}
	for (unsigned i = 0; i < max_dgrams; i++)
		r->d[i].payload = r->pool + (size_t)i * REASM_MAX_DGRAM;
	return r;
}

void reasm_destroy(struct reasm *r)
{
	if (!r)
		return;
	free(r->d);
	free(r->pool);
	free(r->out);
	free(r);
}

const struct reasm_stats *reasm_get_stats(const struct reasm *r) { return &r->st; }

unsigned reasm_in_progress(const struct reasm *r)
{
	unsigned n = 0;
	for (unsigned i = 0; i < r->max; i++)
		n += r->d[i].live != 0;
	return n;
}

static void drop(struct reasm *r, struct dgram *g, uint64_t *why)
{
	g->live = 0;
	r->st.dropped++;
	(*why)++;
}

void reasm_expire(struct reasm *r, uint64_t now)
{
	for (unsigned i = 0; i < r->max; i++) {
		struct dgram *g = &r->d[i];
		if (g->live && now - g->born > r->timeout) {
			g->live = 0;
			r->st.timed_out++;
		}
	}
}

/* What reassembly needs of a fragment of either family. */
struct frag {
	uint8_t src[16], dst[16];
	uint32_t id, start, plen;
	int more;
	uint16_t hlen;             /* header bytes kept from the first fragment (after L2) */
	uint16_t nh_off;
	uint8_t next;
	const uint8_t *data;
};

static int frag_of(const uint8_t *frame, size_t len, const struct pkt_info *pi, struct frag *f)
{
	const uint8_t *ip = frame + pi->l3_off;
	ip16_src(pi, f->src);
	ip16_dst(pi, f->dst);
	if (pi->ethertype == ETHERTYPE_IPV6) {
		struct ipv6_frag_view v;
		if (len < (size_t)pi->l3_off + IPV6_HLEN || ipv6_frag_view(ip, IPV6_HLEN + rd16(ip + 4), &v) < 0 ||
		    (size_t)pi->l3_off + v.data_off + v.data_len > len)
			return -1;
		f->id = v.id;
		f->start = v.start;
		f->more = v.more;
		f->plen = (uint32_t)v.data_len;
		f->hlen = (uint16_t)v.unfrag_len;
		f->nh_off = (uint16_t)v.nh_off;
		f->next = v.next;
		f->data = ip + v.data_off;
		return 0;
	}
	if (pi->ethertype != ETHERTYPE_IPV4 || pi->l4_off <= pi->l3_off || len < pi->l4_off)
		return -1;
	uint16_t fo = rd16(ip + 6);
	f->id = rd16(ip + 4);
	f->start = (uint32_t)(fo & 0x1fff) * 8;
	f->more = (fo & 0x2000) != 0;
	f->plen = pi->l4_len;
	f->hlen = (uint16_t)(pi->l4_off - pi->l3_off);
	f->data = frame + pi->l4_off;
	return 0;
}

static struct dgram *find_or_new(struct reasm *r, const struct pkt_info *pi, const struct frag *f, uint64_t now)
{
	struct dgram *free_slot = NULL;
	for (unsigned i = 0; i < r->max; i++) {
		struct dgram *g = &r->d[i];
		if (!g->live) {
			if (!free_slot)
				free_slot = g;
			continue;
		}
		if (g->id == f->id && g->proto == pi->ip_proto && g->v6 == pi->ip6 && !memcmp(g->src, f->src, 16) &&
		    !memcmp(g->dst, f->dst, 16))
			return g;
	}
	if (!free_slot)
		return NULL;
	struct dgram *g = free_slot;
	g->live = 1;
	memcpy(g->src, f->src, 16);
	memcpy(g->dst, f->dst, 16);
	g->id = f->id;
	g->proto = pi->ip_proto;
	g->v6 = pi->ip6;
	g->have_first = g->have_last = 0;
	g->born = now;
	g->total = 0;
	g->got = 0;
	g->n_ranges = 0;
	return g;
}

size_t reasm_add(struct reasm *r, const uint8_t *frame, size_t len, const struct pkt_info *pi, uint64_t now,
		 const uint8_t **out)
{
	reasm_expire(r, now);
	struct frag f;
	if (!pi->frag || frag_of(frame, len, pi, &f) < 0)
		return 0;
	r->st.fragments++;
	uint16_t ihl = f.hlen;
	int mf = f.more;
	uint32_t start = f.start, plen = f.plen;
	uint32_t end = start + plen;
	struct dgram *g = find_or_new(r, pi, &f, now);
	if (!g) {
		r->st.dropped++;
		r->st.no_slot++;
		return 0;
	}
	/* every fragment but the last carries a multiple of 8 bytes (RFC 791) */
	if (plen == 0 || (mf && (plen & 7)) || ihl > REASM_V6_UNFRAG_MAX) {
		drop(r, g, &r->st.bad_fragment);
		return 0;
	}
	/* IPv4's total length counts its header, IPv6's payload length does not (RFC 8200 4.5) */
	if (ihl - (g->v6 ? IPV6_HLEN : 0) + end > REASM_MAX_DGRAM) {
		drop(r, g, &r->st.too_big);
		return 0;
	}
	if (!mf) {
		if (g->have_last && end != g->total) {
			drop(r, g, &r->st.overlap);
			return 0;
		}
	} else if (g->have_last && end > g->total) {
		drop(r, g, &r->st.overlap);
		return 0;
	}
	for (unsigned i = 0; i < g->n_ranges; i++) {
		const struct range *x = &g->ranges[i];
		if (x->start == start && x->end == end)
			return 0; /* exact duplicate: ignored */
		if (start < x->end && end > x->start) {
			drop(r, g, &r->st.overlap);
			return 0;
		}
		if (!mf && x->end > end) {
			drop(r, g, &r->st.overlap);
			return 0;
		}
	}
	if (g->n_ranges == REASM_MAX_FRAGS) {
		drop(r, g, &r->st.bad_fragment);
		return 0;
	}
	g->ranges[g->n_ranges].start = (uint16_t)start;
	g->ranges[g->n_ranges].end = (uint16_t)end;
	g->n_ranges++;
	memcpy(g->payload + start, f.data, plen);
	g->got += plen;
	if (!mf) {
		g->have_last = 1;
		g->total = end;
	}
	if (start == 0) {
		g->have_first = 1;
		g->l2_len = pi->l3_off;
		g->ihl = ihl;
		g->nh_off = f.nh_off;
		g->next = f.next;
		memcpy(g->hdr, frame, (size_t)pi->l3_off + ihl);
	}
	if (!g->have_first || !g->have_last || g->got != g->total)
		return 0;
	/* complete: the first fragment's headers, unfragmented, then the data */
	uint8_t *o = r->out;
	memcpy(o, g->hdr, (size_t)g->l2_len + g->ihl);
	uint8_t *oip = o + g->l2_len;
	if (g->v6) {
		oip[g->nh_off] = g->next;  /* the fragment header is gone */
		wr16(oip + 4, (uint16_t)(g->ihl - IPV6_HLEN + g->total));
	} else {
		wr16(oip + 2, (uint16_t)(g->ihl + g->total));
		wr16(oip + 6, (uint16_t)(rd16(oip + 6) & 0x4000));
		ipv4_set_csum(oip);
	}
	memcpy(oip + g->ihl, g->payload, g->total);
	g->live = 0;
	r->st.reassembled++;
	*out = o;
	return (size_t)g->l2_len + g->ihl + g->total;
}
