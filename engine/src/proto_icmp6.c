#include "proto_icmp6.h"
#include "proto.h"
#include "proto_udp.h"

/* Frame length for headers + message, grown to frame_size; 0 if it does not fit. A
 * frame of a given size must fit the link; an answer (frame_size 0) may be larger
 * and leaves in fragments (ipv6_frag.h). */
static size_t frame_len(size_t hdrs, size_t msg_len, size_t frame_size, size_t cap)
{
	size_t len = frame_size < ETH_MIN_FRAME ? ETH_MIN_FRAME : frame_size;
	if (len < hdrs + msg_len)
		len = hdrs + msg_len;
	return len > cap || (frame_size && len > ETH_MAX_FRAME) || len - ETH_HLEN - IPV6_HLEN > 0xffff ? 0 : len;
}

size_t icmp6_build_echo(uint8_t *buf, size_t cap, const struct wl_l2l3_6 *a, uint8_t type, uint16_t id,
			uint16_t seq, const uint8_t *msg, size_t msg_len, size_t frame_size)
{
	size_t hdrs = ETH_HLEN + IPV6_HLEN + ICMP_HLEN;
	size_t len = frame_len(hdrs, msg_len, frame_size, cap);
	if (!len)
		return 0;
	eth_write_hdr(buf, a->dst_mac, a->src_mac, ETHERTYPE_IPV6);
	uint8_t *ip = buf + ETH_HLEN;
	ipv6_write_hdr(ip, IPPROTO_ICMPV6_, a->src, a->dst, (uint16_t)(len - ETH_HLEN - IPV6_HLEN), 64);
	uint8_t *ic = ip + IPV6_HLEN;
	ic[0] = type;
	ic[1] = 0;
	wr16(ic + 4, id);
	wr16(ic + 6, seq);
	fill_pattern(ic + ICMP_HLEN, len - hdrs, msg, msg_len);
	ipv6_set_l4_csum(ip);
	return len;
}

static size_t nd_frame(uint8_t *buf, size_t cap, uint8_t type, const uint8_t mac[ETH_ALEN],
		       const uint8_t dst_mac[ETH_ALEN], const uint8_t src[IPV6_ALEN], const uint8_t dst[IPV6_ALEN],
		       const uint8_t target[IPV6_ALEN], uint32_t flags, uint8_t opt)
{
	size_t l4len = ND_LEN + 8;
	size_t len = ETH_HLEN + IPV6_HLEN + l4len;
	if (len > cap)
		return 0;
	eth_write_hdr(buf, dst_mac, mac, ETHERTYPE_IPV6);
	uint8_t *ip = buf + ETH_HLEN;
	ipv6_write_hdr(ip, IPPROTO_ICMPV6_, src, dst, (uint16_t)l4len, ND_HOP_LIMIT);
	uint8_t *ic = ip + IPV6_HLEN;
	memset(ic, 0, l4len);
	ic[0] = type;
	wr32(ic + 4, flags);
	memcpy(ic + 8, target, IPV6_ALEN);
	ic[ND_LEN] = opt;
	ic[ND_LEN + 1] = 1; /* in units of 8 bytes */
	memcpy(ic + ND_LEN + 2, mac, ETH_ALEN);
	ipv6_set_l4_csum(ip);
	return len;
}

size_t ndp_build_ns(uint8_t *buf, size_t cap, const uint8_t mac[ETH_ALEN], const uint8_t src[IPV6_ALEN],
		    const uint8_t target[IPV6_ALEN])
{
	uint8_t group[IPV6_ALEN], gmac[ETH_ALEN];
	ipv6_solicited_node(target, group);
	ipv6_mcast_mac(group, gmac);
	return nd_frame(buf, cap, ND_NEIGHBOR_SOLICIT, mac, gmac, src, group, target, 0, ND_OPT_SLLA);
}

size_t ndp_build_na(uint8_t *buf, size_t cap, const uint8_t mac[ETH_ALEN], const uint8_t dst_mac[ETH_ALEN],
		    const uint8_t target[IPV6_ALEN], const uint8_t dst_ip[IPV6_ALEN], uint32_t flags)
{
	return nd_frame(buf, cap, ND_NEIGHBOR_ADVERT, mac, dst_mac, target, dst_ip, target, flags, ND_OPT_TLLA);
}

int ndp_parse(const uint8_t *buf, const struct pkt_info *pi, const uint8_t **target, const uint8_t **lladdr)
{
	const uint8_t *ic = buf + pi->l4_off;
	size_t n = pi->l4_len;
	uint8_t want = pi->icmp_type == ND_NEIGHBOR_SOLICIT ? ND_OPT_SLLA : ND_OPT_TLLA;
	if (!pi->ip6 || pi->frag || pi->ip_proto != IPPROTO_ICMPV6_ || pi->hop_limit != ND_HOP_LIMIT ||
	    pi->icmp_code != 0 || n < ND_LEN || ic[8] == 0xff)
		return -1;
	*target = ic + 8;
	*lladdr = NULL;
	/* options: type, length in 8-byte units (0 is invalid, RFC 4861 4.6) */
	for (size_t p = ND_LEN; p + 2 <= n;) {
		size_t ol = (size_t)ic[p + 1] * 8;
		if (!ol || p + ol > n)
			return -1;
		if (ic[p] == want && ol >= 8)
			*lladdr = ic + p + 2;
		p += ol;
	}
	return 0;
}

size_t udp6_build(uint8_t *buf, size_t cap, const struct wl_l2l3_6 *a, uint16_t sport, uint16_t dport,
		  const uint8_t *msg, size_t msg_len, size_t frame_size)
{
	size_t hdrs = ETH_HLEN + IPV6_HLEN + UDP_HLEN;
	size_t len = frame_len(hdrs, msg_len, frame_size, cap);
	if (!len)
		return 0;
	/* the UDP length covers the message only; a shorter message is padded by Ethernet, not UDP */
	size_t plen = frame_size > hdrs + msg_len ? len - hdrs : msg_len;
	eth_write_hdr(buf, a->dst_mac, a->src_mac, ETHERTYPE_IPV6);
	uint8_t *ip = buf + ETH_HLEN;
	ipv6_write_hdr(ip, IPPROTO_UDP_, a->src, a->dst, (uint16_t)(UDP_HLEN + plen), 64);
	udp_write(ip + IPV6_HLEN, sport, dport, msg, msg_len, plen);
	ipv6_set_l4_csum(ip);
	return eth_pad_min(buf, hdrs + plen);
}

static size_t icmp6_tmpl(struct wl_tmpl *t, const struct wl_tmpl_ctx *x)
{
	const size_t l4 = ETH_HLEN + IPV6_HLEN;
	size_t len = icmp6_build_echo(t->data, sizeof(t->data), &x->a6, ICMP6_ECHO_REQUEST, x->icmp_id, 0, x->msg,
				      x->msg_len, x->cfg->size);
	t->var = WL_VAR_ICMP_SEQ;
	t->var_off = (uint16_t)(l4 + ICMP6_OFF_SEQ);
	t->csum_off = (uint16_t)(l4 + ICMP6_OFF_CSUM);
	return wl_tmpl_done(t, len, 6);
}

/* NA while resolving (RFC 4861 7.2.5), echo replies, and errors (RFC 4443
 * 2.1: types 0..127) addressed to us */
static void icmp6_match(const struct wl_match_ctx *m, const uint8_t *d, const struct pkt_info *pi, struct wl_reply *r)
{
	const struct wl_config *c = m->cfg;
	const uint8_t *target, *tlla;
	/* with both families configured, replies of either family's phases may arrive */
	if (pi->frag || !c->has_src_ip6 || memcmp(pi->ip6_dst, c->src_ip6, IPV6_ALEN))
		return;
	if (pi->icmp_type == ND_NEIGHBOR_ADVERT) {
		if (m->resolving && ndp_parse(d, pi, &target, &tlla) == 0 && !memcmp(target, c->dst_ip6, IPV6_ALEN)) {
			r->kind = WL_R_RESOLVED;
			r->mac = tlla ? tlla : d + ETH_ALEN;
		}
	} else if (pi->icmp_type == ICMP6_ECHO_REPLY) {
		if (pi->icmp_id == m->icmp_id) {
			r->kind = WL_R_KEY;
			r->key = pi->icmp_seq;
		}
	} else if (pi->icmp_type < 128) {
		r->kind = WL_R_ERROR;
	}
}

const struct wl_proto_ops wl_proto_icmp6 = {
	.name = WL_NAME_ICMP, .proto = WL_P_ICMP, .family = 6, .is_request = 1, .key16 = 1, .build = icmp6_tmpl,
	.match = icmp6_match, .answer = resp6_answer_icmp,
};
