#include "proto_arp.h"
#include "proto.h"
#include "pkt_parse.h"

static const uint8_t bcast[ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t zero_mac[ETH_ALEN];

size_t arp_build(uint8_t *buf, size_t cap, uint16_t op, const uint8_t eth_dst[ETH_ALEN],
		 const uint8_t sha[ETH_ALEN], uint32_t spa, const uint8_t tha[ETH_ALEN], uint32_t tpa)
{
	if (cap < ETH_MIN_FRAME)
		return 0;
	size_t o = eth_write_hdr(buf, eth_dst, sha, ETHERTYPE_ARP);
	uint8_t *a = buf + o;
	wr16(a, 1);          /* Ethernet */
	wr16(a + 2, ETHERTYPE_IPV4);
	a[4] = 6;
	a[5] = 4;
	wr16(a + 6, op);
	memcpy(a + 8, sha, ETH_ALEN);
	wr32(a + 14, spa);
	memcpy(a + 18, tha, ETH_ALEN);
	wr32(a + 24, tpa);
	return eth_pad_min(buf, o + ARP_LEN);
}

size_t arp_build_request(uint8_t *buf, size_t cap, const uint8_t sha[ETH_ALEN], uint32_t spa, uint32_t tpa)
{
	return arp_build(buf, cap, ARP_OP_REQUEST, bcast, sha, spa, zero_mac, tpa);
}

int arp_is_probe(const struct pkt_info *pi)
{
	return pi->arp_op == ARP_OP_REQUEST && pi->arp_spa == 0 && pi->arp_tpa != 0;
}

int arp_is_gratuitous(const struct pkt_info *pi)
{
	return pi->arp_spa != 0 && pi->arp_spa == pi->arp_tpa;
}

int arp_answers(const struct pkt_info *pi, uint32_t my_ip)
{
	if (pi->arp_op != ARP_OP_REQUEST || pi->arp_tpa != my_ip || !my_ip)
		return 0;
	if (arp_is_gratuitous(pi) || pi->arp_spa == my_ip)
		return 0;
	return 1;
}

static size_t arp_tmpl(struct wl_tmpl *t, const struct wl_tmpl_ctx *x)
{
	size_t len = arp_build_request(t->data, sizeof(t->data), x->a.src_mac, x->a.src_ip, x->a.dst_ip);
	return wl_tmpl_done(t, len, 4);
}

/* RFC 826 replies carry no id: one from --dst-ip answers the oldest request */
static void arp_match(const struct wl_match_ctx *m, const uint8_t *d, const struct pkt_info *pi, struct wl_reply *r)
{
	if (pi->arp_op == ARP_OP_REPLY && pi->arp_spa == m->cfg->dst_ip) {
		r->kind = WL_R_FIFO;
		r->mac = d + pi->l3_off + ARP_OFF_SHA;
	}
}

const struct wl_proto_ops wl_proto_arp = {
	.name = WL_NAME_ARP, .proto = WL_P_ARP, .family = 4, .is_request = 1, .build = arp_tmpl, .match = arp_match,
	.answer = resp_answer_arp,
};
