#include "responder.h"
#include "proto_arp.h"
#include "proto_icmp.h"
#include "proto_udp.h"
#include "proto_tcp.h"

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
	const uint8_t *q = in + pi->pl_off;
	if (pi->dns_flags & DNS_FLAG_QR)   /* a response, not for us to answer */
		return 0;
	struct dns_question dq;
	uint8_t msg[512];
	int n;
	if (pi->pl_len > sizeof(msg) || dns_parse_query(q, pi->pl_len, &dq) < 0) {
		*ev |= RESP_ERROR;
		if (pi->pl_len < DNS_HLEN)
			return 0;
		/* FORMERR with the header only */
		wr16(msg, pi->dns_id);
		wr16(msg + 2, (uint16_t)(DNS_FLAG_QR | (pi->dns_flags & DNS_FLAG_RD) | DNS_RCODE_FORMERR));
		memset(msg + 4, 0, 8);
		n = DNS_HLEN;
	} else if (((dq.flags >> 11) & 0xf) != 0) {
		dq.q_end = DNS_HLEN; /* drop question */
		wr16(msg, dq.id);
		wr16(msg + 2, (uint16_t)(DNS_FLAG_QR | (dq.flags & 0x7900) | DNS_RCODE_NOTIMP));
		memset(msg + 4, 0, 8);
		n = DNS_HLEN;
	} else {
		uint32_t addr = dns_lookup(c->records, c->n_records, dq.name);
		uint8_t rcode = addr ? DNS_RCODE_NOERROR : DNS_RCODE_NXDOMAIN;
		if (addr && !(dq.qtype == DNS_TYPE_A || dq.qtype == DNS_TYPE_ANY))
			addr = 0;     /* NODATA */
		if (dq.qclass != DNS_CLASS_IN && dq.qclass != 255)
			addr = 0;
		n = dns_build_response(msg, sizeof(msg), q, &dq, rcode, addr);
		if (n < 0)
			return 0;
	}
	struct wl_l2l3 a;
	reply_addrs(c, in, pi, &a);
	size_t l = udp_build(out, cap, &a, pi->dport, pi->sport, msg, (size_t)n, 0);
	if (l)
		*ev |= RESP_ANSWERED;
	return l;
}

static size_t answer_tcp(const struct resp_cfg *c, const uint8_t *in, const struct pkt_info *pi,
			 uint8_t *out, size_t cap, unsigned *ev)
{
	uint8_t f = pi->tcp_flags;
	struct wl_l2l3 a;
	if (f & TCP_RST) {
		*ev |= RESP_TCP_RESET;
		return 0;
	}
	uint32_t isn = tcp_cookie_isn(pi->ip_src, pi->ip_dst, pi->sport, pi->dport, c->tcp_secret);
	reply_addrs(c, in, pi, &a);
	if ((f & (TCP_SYN | TCP_ACK)) == TCP_SYN) {
		size_t l = tcp_build(out, cap, &a, pi->dport, pi->sport, isn, pi->tcp_seq + 1, TCP_SYN | TCP_ACK, NULL, 0);
		if (l)
			*ev |= RESP_ANSWERED;
		return l;
	}
	if (!(f & TCP_ACK) || (f & TCP_SYN))
		return 0;
	uint32_t adv = pi->pl_len + ((f & TCP_FIN) ? 1u : 0u);
	if (adv == 0) {
		if (pi->tcp_ack == isn + 1)
			*ev |= RESP_TCP_HANDSHAKE;
		return 0;
	}
	uint8_t rf = (f & TCP_FIN) ? (TCP_FIN | TCP_ACK) : TCP_ACK;
	size_t l = tcp_build(out, cap, &a, pi->dport, pi->sport, pi->tcp_ack, pi->tcp_seq + adv, rf, NULL, 0);
	if (l)
		*ev |= RESP_ANSWERED;
	return l;
}

size_t respond(const struct resp_cfg *c, const uint8_t *in, size_t len, const struct pkt_info *pi,
	       uint8_t *out, size_t cap, unsigned *events)
{
	struct wl_l2l3 a;
	*events = 0;
	(void)len;
	if (pi->vlan)
		return 0;
	if (pi->cls == WL_C_ARP) {
		if (!arp_answers(pi, c->ip))
			return 0;
		const uint8_t *sha = in + ETH_HLEN + 8;
		size_t l = arp_build(out, cap, ARP_OP_REPLY, sha, c->mac, c->ip, sha, pi->arp_spa);
		if (l)
			*events |= RESP_ANSWERED;
		return l;
	}
	if (c->arp_only)
		return 0;
	if (pi->cls >= WL_C_MALFORMED || pi->cls == WL_C_ETH || pi->cls == WL_C_ARP)
		return 0;
	if (pi->ip_dst != c->ip || pi->frag)
		return 0;
	switch (pi->cls) {
	case WL_C_ICMP: {
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
	case WL_C_DNS:
		if (pi->dport == DNS_PORT || pi->sport != DNS_PORT)
			return answer_dns(c, in, pi, out, cap, events);
		return 0;
	case WL_C_UDP: {
		if (!c->udp_echo)
			return 0;
		reply_addrs(c, in, pi, &a);
		size_t l = udp_build(out, cap, &a, pi->dport, pi->sport, in + pi->pl_off, pi->pl_len, 0);
		if (l)
			*events |= RESP_ANSWERED;
		return l;
	}
	case WL_C_TCP:
		return answer_tcp(c, in, pi, out, cap, events);
	default:
		return 0;
	}
}

int tcp_client_react(const struct tcp_client_cfg *c, const uint8_t *in, const struct pkt_info *pi,
		     uint8_t out[][WL_MAX_FRAME], size_t lens[])
{
	struct wl_l2l3 a;
	uint8_t f = pi->tcp_flags;
	int n = 0;
	if (f & TCP_RST)
		return 0;
	memcpy(a.src_mac, c->mac, ETH_ALEN);
	memcpy(a.dst_mac, in + ETH_ALEN, ETH_ALEN);
	a.src_ip = c->ip;
	a.dst_ip = pi->ip_src;
	if ((f & (TCP_SYN | TCP_ACK)) == (TCP_SYN | TCP_ACK)) {
		uint32_t seq = pi->tcp_ack, ack = pi->tcp_seq + 1;
		lens[n] = tcp_build(out[n], WL_MAX_FRAME, &a, pi->dport, pi->sport, seq, ack, TCP_ACK, NULL, 0);
		if (lens[n])
			n++;
		size_t ml = c->msg_len;
		if (ml > ETH_MAX_FRAME - ETH_HLEN - IPV4_HLEN - TCP_HLEN)
			ml = ETH_MAX_FRAME - ETH_HLEN - IPV4_HLEN - TCP_HLEN;
		if (c->msg && ml) {
			lens[n] = tcp_build(out[n], WL_MAX_FRAME, &a, pi->dport, pi->sport, seq, ack, TCP_PSH | TCP_ACK, c->msg, ml);
			if (lens[n])
				n++;
			seq += (uint32_t)ml;
		}
		lens[n] = tcp_build(out[n], WL_MAX_FRAME, &a, pi->dport, pi->sport, seq, ack, TCP_FIN | TCP_ACK, NULL, 0);
		if (lens[n])
			n++;
		return n;
	}
	if (f & TCP_FIN) {
		uint32_t ack = pi->tcp_seq + pi->pl_len + 1;
		lens[n] = tcp_build(out[n], WL_MAX_FRAME, &a, pi->dport, pi->sport, pi->tcp_ack, ack, TCP_ACK, NULL, 0);
		if (lens[n])
			n++;
	}
	return n;
}
