#include "proto_tcp.h"
#include "proto_tcp6.h"
#include "proto.h"

size_t tcp_write_seg(uint8_t *t, const struct tcp_seg *s)
{
	size_t thl = TCP_HLEN + s->optlen;
	wr16(t, s->sport);
	wr16(t + 2, s->dport);
	wr32(t + 4, s->seq);
	wr32(t + 8, (s->flags & TCP_ACK) ? s->ack : 0);
	t[12] = (uint8_t)((thl / 4) << 4);
	t[13] = s->flags;
	wr16(t + 14, s->win);
	wr16(t + 16, 0);
	wr16(t + 18, 0);
	if (s->optlen)
		memcpy(t + TCP_HLEN, s->opts, s->optlen);
	if (s->plen)
		memcpy(t + thl, s->payload, s->plen);
	return thl + s->plen;
}

size_t tcp_build_seg(uint8_t *buf, size_t cap, const struct wl_l2l3 *a, const struct tcp_seg *s)
{
	uint8_t src[IPV6_ALEN], dst[IPV6_ALEN];
	ip16_from_v4(a->src_ip, src);
	ip16_from_v4(a->dst_ip, dst);
	return tcp_build_seg16(buf, cap, a->src_mac, a->dst_mac, src, dst, s);
}

size_t tcp_build(uint8_t *buf, size_t cap, const struct wl_l2l3 *a, uint16_t sport, uint16_t dport,
		 uint32_t seq, uint32_t ack, uint8_t flags, const uint8_t *payload, size_t plen)
{
	struct tcp_seg s = { sport, dport, seq, ack, flags, TCP_WINDOW, NULL, 0, payload, plen };
	return tcp_build_seg(buf, cap, a, &s);
}

int tcp_parse_opts(const uint8_t *p, size_t len, struct tcp_opts *o)
{
	memset(o, 0, sizeof(*o));
	size_t i = 0;
	while (i < len) {
		uint8_t kind = p[i];
		if (kind == 0)           /* end of option list */
			break;
		if (kind == 1) {         /* NOP */
			i++;
			continue;
		}
		if (i + 1 >= len || p[i + 1] < 2 || i + p[i + 1] > len)
			return -1;
		uint8_t l = p[i + 1];
		const uint8_t *v = p + i + 2;
		switch (kind) {
		case 2:
			if (l != 4)
				return -1;
			o->has_mss = 1;
			o->mss = rd16(v);
			break;
		case 3:
			if (l != 3)
				return -1;
			o->has_ws = 1;
			o->wscale = v[0] > 14 ? 14 : v[0];   /* RFC 7323 2.3: larger shifts are treated as 14 */
			break;
		case 4:
			if (l != 2)
				return -1;
			o->sack_ok = 1;
			break;
		case 8:
			if (l != 10)
				return -1;
			o->has_ts = 1;
			o->tsval = rd32(v);
			o->tsecr = rd32(v + 4);
			break;
		default:
			break;
		}
		i += l;
	}
	return 0;
}

size_t tcp_write_opts(uint8_t *p, const struct tcp_opts *o)
{
	size_t n = 0;
	if (o->has_mss) {
		p[n++] = 2; p[n++] = 4;
		wr16(p + n, o->mss);
		n += 2;
	}
	if (o->has_ts) {
		if (o->sack_ok) {
			p[n++] = 4; p[n++] = 2;
		} else {
			p[n++] = 1; p[n++] = 1;
		}
		p[n++] = 8; p[n++] = 10;
		wr32(p + n, o->tsval);
		wr32(p + n + 4, o->tsecr);
		n += 8;
	} else if (o->sack_ok) {
		p[n++] = 1; p[n++] = 1; p[n++] = 4; p[n++] = 2;
	}
	if (o->has_ws) {
		p[n++] = 1; p[n++] = 3; p[n++] = 3; p[n++] = o->wscale;
	}
	return n;
}

uint32_t tcp_cookie_isn(uint32_t saddr, uint32_t daddr, uint16_t sport, uint16_t dport, uint32_t secret)
{
	uint64_t h = ((uint64_t)saddr << 32 | daddr) ^ ((uint64_t)sport << 16 | dport) * 0x9E3779B97F4A7C15ull;
	h ^= secret;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return (uint32_t)h;
}

/* the generator's requests are SYNs; the ISN is the request key */
static size_t tcp_tmpl(struct wl_tmpl *t, const struct wl_tmpl_ctx *x)
{
	const int v6 = x->family == 6;
	const size_t l4 = ETH_HLEN + (v6 ? IPV6_HLEN : IPV4_HLEN);
	struct tcp_seg syn = { 0, x->dport, 0, 0, TCP_SYN, TCP_WINDOW, NULL, 0, NULL, 0 };
	size_t len = v6 ? tcp6_build_seg(t->data, sizeof(t->data), &x->a6, &syn)
			: tcp_build_seg(t->data, sizeof(t->data), &x->a, &syn);
	t->var = WL_VAR_TCP_SEQ;
	t->var_off = (uint16_t)(l4 + TCP_OFF_SEQ);
	t->sport_off = (uint16_t)(l4 + TCP_OFF_SPORT);
	t->csum_off = (uint16_t)(l4 + TCP_OFF_CSUM);
	return wl_tmpl_done(t, len, x->family);
}

/* every segment from the peer's port belongs to the generator's client; a
 * SYN-ACK acknowledges ISN + 1 */
static void tcp_match(const struct wl_match_ctx *m, const uint8_t *d, const struct pkt_info *pi, struct wl_reply *r)
{
	const struct wl_config *c = m->cfg;
	(void)d;
	if (!wl_from_peer(c, pi) || pi->sport != options_dst_port(c, WL_P_TCP))
		return;
	r->kind = WL_R_CONN;
	if ((pi->tcp_flags & (TCP_SYN | TCP_ACK)) == (TCP_SYN | TCP_ACK)) {
		r->has_key = 1;
		r->key = pi->tcp_ack - 1;
	}
}

const struct wl_proto_ops wl_proto_tcp = {
	.name = WL_NAME_TCP, .proto = WL_P_TCP, .family = 4, .is_request = 1, .default_port = TCP_PORT_DEFAULT,
	.build = tcp_tmpl, .match = tcp_match, .answer = resp_answer_tcp,
};
const struct wl_proto_ops wl_proto_tcp6 = {
	.name = WL_NAME_TCP, .proto = WL_P_TCP, .family = 6, .is_request = 1, .default_port = TCP_PORT_DEFAULT,
	.build = tcp_tmpl, .match = tcp_match, .answer = resp6_answer_tcp,
};
