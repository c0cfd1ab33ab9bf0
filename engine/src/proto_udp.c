#include "proto_udp.h"
#include "proto.h"
#include "proto_icmp6.h"

size_t udp_build(uint8_t *buf, size_t cap, const struct wl_l2l3 *a, uint16_t sport, uint16_t dport,
		 const uint8_t *msg, size_t msg_len, size_t frame_size)
{
	size_t hdrs = ETH_HLEN + IPV4_HLEN + UDP_HLEN;
	size_t len = frame_size;
	if (len < hdrs + msg_len)
		len = hdrs + msg_len;
	if (len > cap || len > ETH_MAX_FRAME)
		return 0;
	size_t plen = len - hdrs;
	eth_write_hdr(buf, a->dst_mac, a->src_mac, ETHERTYPE_IPV4);
	uint8_t *ip = buf + ETH_HLEN;
	ipv4_write_hdr(ip, IPPROTO_UDP_, a->src_ip, a->dst_ip, (uint16_t)(IPV4_HLEN + UDP_HLEN + plen), 0);
	udp_write(ip + IPV4_HLEN, sport, dport, msg, msg_len, plen);
	l4_set_csum(ip);
	return eth_pad_min(buf, len);
}

void udp_write(uint8_t *u, uint16_t sport, uint16_t dport, const uint8_t *msg, size_t msg_len, size_t plen)
{
	wr16(u, sport);
	wr16(u + 2, dport);
	wr16(u + 4, (uint16_t)(UDP_HLEN + plen));
	wr16(u + 6, 0);
	fill_pattern(u + UDP_HLEN, plen, msg, msg_len);
}

static size_t udp_tmpl(struct wl_tmpl *t, const struct wl_tmpl_ctx *x)
{
	const int v6 = x->family == 6;
	const size_t l4 = ETH_HLEN + (v6 ? IPV6_HLEN : IPV4_HLEN);
	size_t len = v6 ? udp6_build(t->data, sizeof(t->data), &x->a6, 0, x->dport, x->msg, x->msg_len, x->cfg->size)
			: udp_build(t->data, sizeof(t->data), &x->a, 0, x->dport, x->msg, x->msg_len, x->cfg->size);
	t->sport_off = l4 + UDP_OFF_SPORT;
	t->csum_off = l4 + UDP_OFF_CSUM;
	return wl_tmpl_done(t, len, x->family);
}

/* an echo: a datagram back from the peer's port to our address (either family) */
static void udp_match(const struct wl_match_ctx *m, const uint8_t *d, const struct pkt_info *pi, struct wl_reply *r)
{
	const struct wl_config *c = m->cfg;
	(void)d;
	if (pi->sport != options_dst_port(c, WL_P_UDP))
		return;
	if (wl_from_peer(c, pi))
		r->kind = WL_R_ANSWER;
}

const struct wl_proto_ops wl_proto_udp = {
	.name = WL_NAME_UDP, .proto = WL_P_UDP, .family = 4, .per_message = 1, .default_port = UDP_PORT_DEFAULT,
	.build = udp_tmpl, .match = udp_match, .answer = resp_answer_udp,
};
const struct wl_proto_ops wl_proto_udp6 = {
	.name = WL_NAME_UDP, .proto = WL_P_UDP, .family = 6, .per_message = 1, .default_port = UDP_PORT_DEFAULT,
	.build = udp_tmpl, .match = udp_match, .answer = resp6_answer_udp,
};
