#include "proto_icmp.h"
#include "proto.h"

size_t icmp_build_echo(uint8_t *buf, size_t cap, const struct wl_l2l3 *a, uint8_t type, uint16_t id,
		       uint16_t seq, const uint8_t *msg, size_t msg_len, size_t frame_size)
{
	size_t hdrs = ETH_HLEN + IPV4_HLEN + ICMP_HLEN;
	size_t len = frame_size < ETH_MIN_FRAME ? ETH_MIN_FRAME : frame_size;
	if (len < hdrs + msg_len)
		len = hdrs + msg_len;
	if (len > cap || len > ETH_MAX_FRAME)
		return 0;
	eth_write_hdr(buf, a->dst_mac, a->src_mac, ETHERTYPE_IPV4);
	uint8_t *ip = buf + ETH_HLEN;
	ipv4_write_hdr(ip, IPPROTO_ICMP_, a->src_ip, a->dst_ip, (uint16_t)(len - ETH_HLEN), 0);
	uint8_t *ic = ip + IPV4_HLEN;
	ic[0] = type;
	ic[1] = 0;
	ic[2] = ic[3] = 0;
	wr16(ic + 4, id);
	wr16(ic + 6, seq);
	fill_pattern(ic + ICMP_HLEN, len - hdrs, msg, msg_len);
	l4_set_csum(ip);
	return len;
}

#define ICMP_L4 (ETH_HLEN + IPV4_HLEN)

static size_t icmp_tmpl(struct wl_tmpl *t, const struct wl_tmpl_ctx *x)
{
	size_t len = icmp_build_echo(t->data, sizeof(t->data), &x->a, ICMP_ECHO_REQUEST, x->icmp_id, 0, x->msg,
				     x->msg_len, x->cfg->size);
	t->var = WL_VAR_ICMP_SEQ;
	t->var_off = ICMP_L4 + ICMP_OFF_SEQ;
	t->csum_off = ICMP_L4 + ICMP_OFF_CSUM;
	return wl_tmpl_done(t, len, 4);
}

static void icmp_match(const struct wl_match_ctx *m, const uint8_t *d, const struct pkt_info *pi, struct wl_reply *r)
{
	(void)d;
	if (pi->ip_dst != m->cfg->src_ip || pi->frag)
		return;
	if (pi->icmp_type == ICMP_ECHO_REPLY) {
		if (pi->icmp_id == m->icmp_id) {
			r->kind = WL_R_KEY;
			r->key = pi->icmp_seq;
		}
	} else if (pi->icmp_type != ICMP_ECHO_REQUEST) {
		r->kind = WL_R_ERROR; /* unreachable, time exceeded, ... */
	}
}

const struct wl_proto_ops wl_proto_icmp = {
	.name = WL_NAME_ICMP, .proto = WL_P_ICMP, .family = 4, .is_request = 1, .key16 = 1, .build = icmp_tmpl,
	.match = icmp_match, .answer = resp_answer_icmp,
};
