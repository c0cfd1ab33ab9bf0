#include "responder.h"
#include "proto.h"
#include "proto_arp.h"
#include "proto_icmp.h"
#include "proto_udp.h"
#include "proto_tcp.h"
#include "dns_answer.h"

/* Addresses for a reply: to the sender of `in`. */
static void reply_addrs(const struct resp_cfg *c, const uint8_t *in, const struct pkt_info *pi, struct wl_l2l3 *a)
{
	memcpy(a->src_mac, c->mac, ETH_ALEN);
	memcpy(a->dst_mac, in + ETH_ALEN, ETH_ALEN);
	a->src_ip = pi->ip_dst;
	a->dst_ip = pi->ip_src;
}

static size_t answer_dns(const struct resp_cfg *c, const uint8_t *in, const struct pkt_info *pi,
			 uint8_t *out, size_t cap, unsigned *ev)
{
	uint8_t msg[512];
	uint16_t rcode;
	int malformed;
	int n = dns_answer(c->records, c->n_records, in + pi->pl_off, pi->pl_len, msg, sizeof(msg), &rcode, &malformed);
	if (malformed)
		*ev |= RESP_ERROR;
	if (n <= 0)
		return 0;
	size_t l;
	if (pi->ip6) {
		l = udp6_reply(c, in, pi, msg, (size_t)n, out, cap);
	} else {
		struct wl_l2l3 a;
		reply_addrs(c, in, pi, &a);
		l = udp_build(out, cap, &a, pi->dport, pi->sport, msg, (size_t)n, 0);
	}
	if (l)
		*ev |= RESP_ANSWERED;
	return l;
}

size_t resp_answer_tcp(const struct resp_cfg *c, const uint8_t *in, const struct pkt_info *pi,
			 uint8_t *out, size_t cap, unsigned *ev)
{
	unsigned tev;
	if (!c->tcp)
		return 0;
	size_t l = tcp_server_input(c->tcp, in, pi, out, cap, &tev);
	if (tev & TCPS_EV_HANDSHAKE)
		*ev |= RESP_TCP_HANDSHAKE;
	if (tev & TCPS_EV_RST_RCVD)
		*ev |= RESP_TCP_RESET;
	if (tev & TCPS_EV_DNS)
		*ev |= RESP_DNS_TCP;
	if (l)
		*ev |= RESP_ANSWERED;
	return l;
}

size_t resp_answer_arp(const struct resp_cfg *c, const uint8_t *in, const struct pkt_info *pi, uint8_t *out,
		       size_t cap, unsigned *events)
{
	if (!arp_answers(pi, c->ip))
		return 0;
	const uint8_t *sha = in + pi->l3_off + 8;
	size_t l = arp_build(out, cap, ARP_OP_REPLY, sha, c->mac, c->ip, sha, pi->arp_spa);
	if (l)
		*events |= RESP_ANSWERED;
	return l;
}

size_t resp_answer_icmp(const struct resp_cfg *c, const uint8_t *in, const struct pkt_info *pi, uint8_t *out,
			size_t cap, unsigned *events)
{
	struct wl_l2l3 a;
	if (pi->icmp_type != ICMP_ECHO_REQUEST || pi->icmp_code != 0)
		return 0;
	size_t plen = pi->pl_len;
	if (ETH_HLEN + IPV4_HLEN + ICMP_HLEN + plen > cap)
		return 0;
	reply_addrs(c, in, pi, &a);
	/* build header with no payload, then copy payload and redo checksum */
	eth_write_hdr(out, a.dst_mac, a.src_mac, ETHERTYPE_IPV4);
	uint8_t *ip = out + ETH_HLEN;
	ipv4_write_hdr(ip, IPPROTO_ICMP_, a.src_ip, a.dst_ip, (uint16_t)(IPV4_HLEN + ICMP_HLEN + plen), 0);
	uint8_t *ic = ip + IPV4_HLEN;
	ic[0] = ICMP_ECHO_REPLY;
	ic[1] = 0;
	wr16(ic + 4, pi->icmp_id);
	wr16(ic + 6, pi->icmp_seq);
	memcpy(ic + ICMP_HLEN, in + pi->pl_off, plen);
	l4_set_csum(ip);
	*events |= RESP_ANSWERED;
	return eth_pad_min(out, ETH_HLEN + IPV4_HLEN + ICMP_HLEN + plen);
}

size_t resp_answer_dns(const struct resp_cfg *c, const uint8_t *in, const struct pkt_info *pi, uint8_t *out,
		       size_t cap, unsigned *events)
{
	if (pi->dport == DNS_PORT || pi->sport != DNS_PORT)
		return answer_dns(c, in, pi, out, cap, events);
	return 0;
}

size_t resp_answer_udp(const struct resp_cfg *c, const uint8_t *in, const struct pkt_info *pi, uint8_t *out,
		       size_t cap, unsigned *events)
{
	struct wl_l2l3 a;
	if (!c->udp_echo)
		return 0;
	reply_addrs(c, in, pi, &a);
	size_t l = udp_build(out, cap, &a, pi->dport, pi->sport, in + pi->pl_off, pi->pl_len, 0);
	if (l)
		*events |= RESP_ANSWERED;
	return l;
}

size_t respond(const struct resp_cfg *c, const uint8_t *in, size_t len, const struct pkt_info *pi,
	       uint8_t *out, size_t cap, unsigned *events)
{
	*events = 0;
	(void)len;
	if (pi->ip6)
		return respond6(c, in, pi, out, cap, events);
	if (pi->cls >= WL_C_MALFORMED)
		return 0;
	const struct wl_proto_ops *o = wl_proto_get(4, pi->cls);
	if (!o || !o->answer)
		return 0;
	/* the tx role answers ARP only; IP answers are for our address, whole datagrams */
	if (pi->cls != WL_C_ARP && (c->arp_only || pi->ip_dst != c->ip || pi->frag))
		return 0;
	return o->answer(c, in, pi, out, cap, events);
}
