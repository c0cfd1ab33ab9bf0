/* What a host with --ip6 answers: neighbour solicitations for its address
 * (RFC 4861 7.2.4), ICMPv6 echo (RFC 4443 4.2), UDP echo, DNS over UDP,
 * and TCP (DNS over TCP included) through the same tcp_server as IPv4. */
#include "responder.h"
#include "proto_icmp6.h"
#include "proto.h"

static size_t answer_ns(const struct resp_cfg *c, const uint8_t *in, const struct pkt_info *pi, uint8_t *out,
			size_t cap)
{
	const uint8_t *target, *slla;
	if (ndp_parse(in, pi, &target, &slla) < 0 || memcmp(target, c->ip6, IPV6_ALEN))
		return 0;
	if (ipv6_is_unspecified(pi->ip6_src)) {
		/* a DAD probe: answered to all-nodes, unsolicited (RFC 4861 7.2.4) */
		static const uint8_t all_nodes[IPV6_ALEN] = { 0xff, 0x02, [15] = 1 };
		uint8_t mac[ETH_ALEN];
		if (slla)
			return 0; /* RFC 4861 7.1.1: no SLLA option from :: */
		ipv6_mcast_mac(all_nodes, mac);
		return ndp_build_na(out, cap, c->mac, mac, c->ip6, all_nodes, ND_NA_OVERRIDE);
	}
	return ndp_build_na(out, cap, c->mac, slla ? slla : in + ETH_ALEN, c->ip6, pi->ip6_src,
			    ND_NA_SOLICITED | ND_NA_OVERRIDE);
}

/* Addresses for a reply: to the sender of `in`. */
static void reply_addrs6(const struct resp_cfg *c, const uint8_t *in, const struct pkt_info *pi, struct wl_l2l3_6 *a)
{
	memcpy(a->src_mac, c->mac, ETH_ALEN);
	memcpy(a->dst_mac, in + ETH_ALEN, ETH_ALEN);
	memcpy(a->src, c->ip6, IPV6_ALEN);
	memcpy(a->dst, pi->ip6_src, IPV6_ALEN);
}

/* RFC 4861 7.2.4 wants an NS answered whatever else we do; the rest only
 * for our address, whole datagrams, and not by the tx role. */
static int for_us6(const struct resp_cfg *c, const struct pkt_info *pi)
{
	return !c->arp_only && !pi->frag && !memcmp(pi->ip6_dst, c->ip6, IPV6_ALEN);
}

size_t resp6_answer_icmp(const struct resp_cfg *c, const uint8_t *in, const struct pkt_info *pi, uint8_t *out,
			 size_t cap, unsigned *events)
{
	struct wl_l2l3_6 a;
	size_t l = 0;
	if (pi->icmp_type == ND_NEIGHBOR_SOLICIT) {
		l = answer_ns(c, in, pi, out, cap);
	} else if (for_us6(c, pi) && pi->icmp_type == ICMP6_ECHO_REQUEST && pi->icmp_code == 0) {
		reply_addrs6(c, in, pi, &a);
		l = icmp6_build_echo(out, cap, &a, ICMP6_ECHO_REPLY, pi->icmp_id, pi->icmp_seq, in + pi->pl_off,
				     pi->pl_len, 0);
	}
	if (l)
		*events |= RESP_ANSWERED;
	return l;
}

size_t udp6_reply(const struct resp_cfg *c, const uint8_t *in, const struct pkt_info *pi, const uint8_t *msg,
		  size_t msg_len, uint8_t *out, size_t cap)
{
	struct wl_l2l3_6 a;
	reply_addrs6(c, in, pi, &a);
	return udp6_build(out, cap, &a, pi->dport, pi->sport, msg, msg_len, 0);
}

size_t resp6_answer_udp(const struct resp_cfg *c, const uint8_t *in, const struct pkt_info *pi, uint8_t *out,
			size_t cap, unsigned *events)
{
	if (!for_us6(c, pi) || !c->udp_echo)
		return 0;
	size_t l = udp6_reply(c, in, pi, in + pi->pl_off, pi->pl_len, out, cap);
	if (l)
		*events |= RESP_ANSWERED;
	return l;
}

size_t resp6_answer_dns(const struct resp_cfg *c, const uint8_t *in, const struct pkt_info *pi, uint8_t *out,
			size_t cap, unsigned *events)
{
	return for_us6(c, pi) ? resp_answer_dns(c, in, pi, out, cap, events) : 0;
}

size_t resp6_answer_tcp(const struct resp_cfg *c, const uint8_t *in, const struct pkt_info *pi, uint8_t *out,
			size_t cap, unsigned *events)
{
	return for_us6(c, pi) ? resp_answer_tcp(c, in, pi, out, cap, events) : 0;
}

size_t respond6(const struct resp_cfg *c, const uint8_t *in, const struct pkt_info *pi, uint8_t *out, size_t cap,
		unsigned *events)
{
	if (!c->has_ip6 || pi->cls >= WL_C_MALFORMED)
		return 0;
	const struct wl_proto_ops *o = wl_proto_get(6, pi->cls);
	return o && o->answer ? o->answer(c, in, pi, out, cap, events) : 0;
}
