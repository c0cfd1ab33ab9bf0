#include "ipv6.h"
#include <arpa/inet.h>

int parse_ipv6(const char *s, uint8_t out[IPV6_ALEN])
{
	return inet_pton(AF_INET6, s, out) == 1 ? 0 : -1;
}

void fmt_ipv6(const uint8_t *a, char *out, size_t cap)
{
	if (!inet_ntop(AF_INET6, a, out, (socklen_t)cap) && cap)
		out[0] = 0;
}

int ipv6_is_unspecified(const uint8_t *a)
{
	static const uint8_t zero[IPV6_ALEN];
	return !memcmp(a, zero, IPV6_ALEN);
}

int ipv6_bad_source(const uint8_t *a)
{
	static const uint8_t loop[IPV6_ALEN] = { [15] = 1 };
	return a[0] == 0xff || !memcmp(a, loop, IPV6_ALEN);
}

void ipv6_solicited_node(const uint8_t a[IPV6_ALEN], uint8_t out[IPV6_ALEN])
{
	static const uint8_t pfx[13] = { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff };
	memcpy(out, pfx, sizeof(pfx));
	memcpy(out + 13, a + 13, 3);
}

void ipv6_mcast_mac(const uint8_t group[IPV6_ALEN], uint8_t mac[ETH_ALEN])
{
	mac[0] = mac[1] = 0x33;
	memcpy(mac + 2, group + 12, 4);
}

size_t ipv6_write_hdr(uint8_t *ip, uint8_t next, const uint8_t src[IPV6_ALEN], const uint8_t dst[IPV6_ALEN],
		      uint16_t payload_len, uint8_t hop_limit)
{
	wr32(ip, 6u << 28);
	wr16(ip + 4, payload_len);
	ip[6] = next;
	ip[7] = hop_limit;
	memcpy(ip + 8, src, IPV6_ALEN);
	memcpy(ip + 24, dst, IPV6_ALEN);
	return IPV6_HLEN;
}

uint32_t csum_pseudo_v6(const uint8_t src[IPV6_ALEN], const uint8_t dst[IPV6_ALEN], uint8_t proto, uint32_t l4_len)
{
	uint32_t s = csum_partial(src, IPV6_ALEN, 0);
	s = csum_partial(dst, IPV6_ALEN, s);
	return s + (l4_len >> 16) + (l4_len & 0xffff) + proto;
}

static size_t l4_csum_off(uint8_t proto)
{
	return proto == IPPROTO_UDP_ ? 6 : proto == IPPROTO_TCP_ ? 16 : 2;
}

void ipv6_set_l4_csum(uint8_t *ip)
{
	uint8_t proto = ip[6];
	uint16_t l4len = rd16(ip + 4);
	uint8_t *l4 = ip + IPV6_HLEN;
	size_t co = l4_csum_off(proto);
	wr16(l4 + co, 0);
	uint16_t c = (uint16_t)~csum_fold(csum_partial(l4, l4len, csum_pseudo_v6(ip + 8, ip + 24, proto, l4len)));
	if (proto == IPPROTO_UDP_ && c == 0)
		c = 0xffff;
	wr16(l4 + co, c);
}

int ipv6_l4_csum_ok(const uint8_t *ip, const uint8_t *l4, size_t l4_len, uint8_t proto)
{
	if (proto != IPPROTO_UDP_ && proto != IPPROTO_TCP_ && proto != IPPROTO_ICMPV6_)
		return 1;
	if (l4_len < l4_csum_off(proto) + 2)
		return 0;
	if (proto == IPPROTO_UDP_ && rd16(l4 + 6) == 0)
		return 0; /* RFC 8200 8.1: mandatory over IPv6 */
	uint32_t s = csum_pseudo_v6(ip + 8, ip + 24, proto, (uint32_t)l4_len);
	return csum_fold(csum_partial(l4, l4_len, s)) == 0xffff;
}

int ipv6_walk_ext(const uint8_t *ip, size_t end, struct ipv6_walk *w)
{
	size_t p = IPV6_HLEN;
	uint8_t nh = ip[6];
	w->frag = 0;
	w->first = 1;
	for (w->n_ext = 0; w->n_ext <= IPV6_EXT_MAX; w->n_ext++) {
		switch (nh) {
		case 0:  /* hop-by-hop: only right after the fixed header (RFC 8200 4.3) */
			if (w->n_ext)
				return -1;
			/* fall through */
		case 43: /* routing */
		case 60: /* destination options */ {
			if (p + 8 > end)
				return -1;
			size_t hl = ((size_t)ip[p + 1] + 1) * 8;
			if (p + hl > end)
				return -1;
			nh = ip[p];
			p += hl;
			break;
		}
		case 44: { /* fragment */
			if (p + 8 > end)
				return -1;
			uint16_t fo = rd16(ip + p + 2);
			if (fo & 0xfff9)
				w->frag = 1;
			if (fo & 0xfff8)
				w->first = 0;
			nh = ip[p];
			p += 8;
			break;
		}
		default:
			w->proto = nh;
			w->l4_off = p;
			return 0;
		}
	}
	return -1;
}

void tmpl_finish6(struct wl_tmpl *t, size_t l3_off)
{
	uint8_t *ip = t->data + l3_off;
	uint8_t proto = ip[6];
	uint16_t l4len = rd16(ip + 4);
	if (t->csum_off)
		t->data[t->csum_off] = t->data[t->csum_off + 1] = 0;
	t->csum_base = csum_partial(ip + IPV6_HLEN, l4len, csum_pseudo_v6(ip + 8, ip + 24, proto, l4len));
	t->udp_csum = proto == IPPROTO_UDP_;
}

void ip16_from_v4(uint32_t v4, uint8_t out[IPV6_ALEN])
{
	memset(out, 0, 10);
	out[10] = out[11] = 0xff;
	wr32(out + 12, v4);
}

int ip16_is_v4(const uint8_t a[IPV6_ALEN])
{
	static const uint8_t pfx[12] = { [10] = 0xff, [11] = 0xff };
	return !memcmp(a, pfx, sizeof(pfx));
}

void ip16_src(const struct pkt_info *pi, uint8_t out[IPV6_ALEN])
{
	if (pi->ip6)
		memcpy(out, pi->ip6_src, IPV6_ALEN);
	else
		ip16_from_v4(pi->ip_src, out);
}

void ip16_dst(const struct pkt_info *pi, uint8_t out[IPV6_ALEN])
{
	if (pi->ip6)
		memcpy(out, pi->ip6_dst, IPV6_ALEN);
	else
		ip16_from_v4(pi->ip_dst, out);
}

uint32_t ip16_fold(const uint8_t a[IPV6_ALEN])
{
	return rd32(a) ^ rd32(a + 4) ^ rd32(a + 8) ^ rd32(a + 12) ^ (ip16_is_v4(a) ? 0xffffu : 0);
}

int ipv6_frag_view(const uint8_t *ip, size_t end, struct ipv6_frag_view *v)
{
	size_t p = IPV6_HLEN, nh_off = 6;
	uint8_t nh = ip[6];
	for (unsigned n = 0; n <= IPV6_EXT_MAX; n++) {
		if (nh == 44) {
			if (p + 8 > end)
				return -1;
			uint16_t fo = rd16(ip + p + 2);
			v->unfrag_len = p;
			v->nh_off = nh_off;
			v->next = ip[p];
			v->id = rd32(ip + p + 4);
			v->start = fo & 0xfff8u;
			v->more = fo & 1;
			v->data_off = p + 8;
			v->data_len = end - (p + 8);
			return 0;
		}
		if (nh != 0 && nh != 43 && nh != 60)
			return -1;
		if (p + 8 > end || p + ((size_t)ip[p + 1] + 1) * 8 > end)
			return -1;
		nh_off = p;
		nh = ip[p];
		p += ((size_t)ip[p + 1] + 1) * 8;
	}
	return -1;
}
