/* TCP and DNS over IPv6 in the engine core: segments with the v6
 * pseudo-header checksum, the rx side's connections (passive open, echo,
 * FIN, RST for closed ports) and the generator's client over IPv6, IPv4 and
 * IPv6 connections on the same ports kept apart, AAAA records (UDP6 and
 * DNS over TCP6), the IPv6 TCP/DNS tx templates, and IPv6 fragments
 * (RFC 8200 4.5) reassembled, answered, and the answer fragmented. No DPDK. */
#include <stdio.h>
#include <string.h>
#include "ipv6.h"
#include "proto.h"
#include "proto_tcp6.h"
#include "proto_icmp6.h"
#include "proto_dns.h"
#include "dns_answer.h"
#include "pkt_parse.h"
#include "responder.h"
#include "rx_validate.h"
#include "tcp_server.h"
#include "tcp_client.h"
#include "ipv4_reasm.h"
#include "ipv6_frag.h"
#include "check.h"

static const struct parse_cfg PCFG = { ETHERTYPE_WL_DEFAULT, 0 };
static const uint8_t PEER_MAC[ETH_ALEN] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t MY_MAC[ETH_ALEN] = { 0x02, 0, 0, 0, 0, 0x02 };
static uint8_t PEER6[16], MY6[16], AAAA[16];
static struct dns_record RECS[4];

static struct tcp_stats sst;
static struct tcp_server srv;
static uint8_t out[WL_MAX_FRAME];
static struct pkt_info po;
static unsigned ev;

static struct wl_l2l3_6 peer_to_me(void)
{
	struct wl_l2l3_6 a;
	memcpy(a.src_mac, PEER_MAC, ETH_ALEN);
	memcpy(a.dst_mac, MY_MAC, ETH_ALEN);
	memcpy(a.src, PEER6, 16);
	memcpy(a.dst, MY6, 16);
	return a;
}

/* A frame from the engine: parsed, IPv6, to the peer, its L4 checksum valid. */
static int check_reply6(const uint8_t *f, size_t n, struct pkt_info *pi)
{
	int cls = pkt_parse(f, n, &PCFG, pi);
	CHECK(pi->ip6);
	CHECK(!memcmp(pi->ip6_src, MY6, 16) && !memcmp(pi->ip6_dst, PEER6, 16));
	CHECK(!memcmp(f, PEER_MAC, ETH_ALEN));
	CHECK(ipv6_l4_csum_ok(f + ETH_HLEN, f + pi->l4_off, pi->l4_len, pi->ip_proto));
	return cls;
}

static void server_up(void)
{
	tcp_server_free(&srv);
	memset(&sst, 0, sizeof(sst));
	tcp_server_init(&srv, 64, &sst, MY_MAC, 99);
	srv.listen[0] = 8080;
	srv.listen[1] = 53;
	srv.n_listen = 2;
	srv.dns_port = 53;
	srv.echo = 1;
	srv.records = RECS;
	srv.n_records = 4;
	srv.now_ms = 1000;
}

/* One segment from the peer over IPv6 to the server; returns the reply length (po parsed). */
static size_t seg6(uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags, const void *data,
		   size_t dlen)
{
	uint8_t in[WL_MAX_FRAME];
	struct pkt_info pi;
	struct wl_l2l3_6 a = peer_to_me();
	struct tcp_seg g = { sport, dport, seq, ack, flags, 65535, NULL, 0, data, dlen };
	size_t n = tcp6_build_seg(in, sizeof(in), &a, &g);
	CHECK(n > 0);
	CHECK_EQ(pkt_parse(in, n, &PCFG, &pi), WL_C_TCP);
	CHECK(ipv6_l4_csum_ok(in + ETH_HLEN, in + pi.l4_off, pi.l4_len, IPPROTO_TCP_));
	size_t o = tcp_server_input(&srv, in, &pi, out, sizeof(out), &ev);
	memset(&po, 0, sizeof(po));
	if (o)
		CHECK_EQ(check_reply6(out, o, &po), WL_C_TCP);
	return o;
}

static void test_addresses(void)
{
	uint8_t a[16];
	ip16_from_v4(0xC6120001, a);
	CHECK(ip16_is_v4(a));
	CHECK_EQ(ip16_v4(a), 0xC6120001);
	CHECK_EQ(ip16_fold(a), 0xC6120001); /* IPv4 hashes as before */
	CHECK(!ip16_is_v4(MY6));
	uint8_t f[WL_MAX_FRAME];
	struct wl_l2l3_6 p = peer_to_me();
	size_t n = udp6_build(f, sizeof(f), &p, 1, 2, (const uint8_t *)"x", 1, 0);
	CHECK_EQ(wl_frame_family(f, n), 6);
	wr16(f + 12, ETHERTYPE_VLAN);    /* behind a tag, the family is still found */
	memmove(f + 16, f + 12, n - 12);
	wr16(f + 12, ETHERTYPE_VLAN);
	wr16(f + 16, ETHERTYPE_IPV6);
	CHECK_EQ(wl_frame_family(f, n + 4), 6);
	wr16(f + 16, ETHERTYPE_ARP);
	CHECK_EQ(wl_frame_family(f, n + 4), 0);
	CHECK_EQ(wl_frame_family(f, 13), 0);
}

/* RFC 9293 3.10.7.2 over IPv6: SYN -> SYN-ACK (MSS for a 1500 MTU less 60), ACK, echo, FIN. */
static void test_server_connection6(void)
{
	server_up();
	CHECK(seg6(40000, 8080, 5000, 0, TCP_SYN, NULL, 0) > 0);
	CHECK_EQ(po.tcp_flags, TCP_SYN | TCP_ACK);
	CHECK_EQ(po.tcp_ack, 5001);
	struct tcp_opts o;
	tcp_parse_opts(out + po.l4_off + TCP_HLEN, (size_t)(po.pl_off - po.l4_off - TCP_HLEN), &o);
	CHECK(o.has_mss && o.mss == TCP_MSS_V6);
	uint32_t iss = po.tcp_seq;
	CHECK_EQ(seg6(40000, 8080, 5001, iss + 1, TCP_ACK, NULL, 0), 0);
	CHECK(ev & TCPS_EV_HANDSHAKE);
	CHECK_EQ(sst.in_state[TCPS_ESTABLISHED], 1);
	CHECK(seg6(40000, 8080, 5001, iss + 1, TCP_ACK | TCP_PSH, "hello6", 6) > 0);
	CHECK_EQ(po.pl_len, 6);
	CHECK(!memcmp(out + po.pl_off, "hello6", 6));
	CHECK_EQ(po.tcp_ack, 5007);
	CHECK(seg6(40000, 8080, 5007, iss + 7, TCP_ACK | TCP_FIN, NULL, 0) > 0);
	CHECK_EQ(po.tcp_flags, TCP_ACK | TCP_FIN);
	CHECK_EQ(seg6(40000, 8080, 5008, iss + 8, TCP_ACK, NULL, 0), 0);
	CHECK_EQ(sst.in_state[TCPS_LAST_ACK], 0);
	CHECK_EQ(sst.bad_transitions, 0);
	/* a closed port: RST|ACK back over IPv6 (3.10.7.1) */
	CHECK(seg6(40001, 9999, 7000, 0, TCP_SYN, NULL, 0) > 0);
	CHECK_EQ(po.tcp_flags, TCP_RST | TCP_ACK);
	CHECK_EQ(po.tcp_ack, 7001);
	CHECK_EQ(sst.refused, 1);
}

/* The same ports from an IPv4 peer whose address equals the low 32 bits of
 * the IPv6 peer's: two connections, never one. */
static void test_families_apart(void)
{
	server_up();
	CHECK(seg6(40000, 8080, 100, 0, TCP_SYN, NULL, 0) > 0);
	uint8_t in[WL_MAX_FRAME];
	struct pkt_info pi;
	struct wl_l2l3 a4 = { { 0x02, 0, 0, 0, 0, 0x01 }, { 0x02, 0, 0, 0, 0, 0x02 }, rd32(PEER6 + 12), rd32(MY6 + 12) };
	struct tcp_seg g = { 40000, 8080, 900, 0, TCP_SYN, 65535, NULL, 0, NULL, 0 };
	size_t n = tcp_build_seg(in, sizeof(in), &a4, &g);
	CHECK_EQ(pkt_parse(in, n, &PCFG, &pi), WL_C_TCP);
	size_t o = tcp_server_input(&srv, in, &pi, out, sizeof(out), &ev);
	CHECK(o > 0);
	CHECK_EQ(pkt_parse(out, o, &PCFG, &po), WL_C_TCP);
	CHECK(!po.ip6 && po.ip_dst == a4.src_ip);
	CHECK_EQ(po.tcp_flags, TCP_SYN | TCP_ACK);   /* not a challenge ACK of the IPv6 connection */
	CHECK_EQ(po.tcp_ack, 901);
	CHECK_EQ(sst.in_state[TCPS_SYN_RECEIVED], 2);
}

/* The generator's client over IPv6 against the server: SYN-ACK -> ACK, data, FIN; then the close. */
static void test_client6(void)
{
	server_up();
	struct tcp_stats cst = { 0 };
	struct tcp_client cl;
	tcp_client_init(&cl, 64, &cst);
	memcpy(cl.mac, PEER_MAC, ETH_ALEN);
	cl.dport = 8080;
	cl.msg = (const uint8_t *)"payload6";
	cl.msg_len = 8;
	size_t sl = seg6(41000, 8080, 3000, 0, TCP_SYN, NULL, 0);
	CHECK(sl > 0);
	/* the server's SYN-ACK, as the client receives it */
	uint8_t frames[TCP_CLIENT_MAX_OUT][WL_MAX_FRAME];
	size_t lens[TCP_CLIENT_MAX_OUT];
	uint8_t synack[WL_MAX_FRAME];
	struct pkt_info spi;
	memcpy(synack, out, sl);
	CHECK_EQ(pkt_parse(synack, sl, &PCFG, &spi), WL_C_TCP);
	int n = tcp_client_input(&cl, synack, &spi, 1, frames, lens);
	CHECK_EQ(n, 3);
	for (int i = 0; i < n; i++) {
		struct pkt_info pi;
		CHECK_EQ(pkt_parse(frames[i], lens[i], &PCFG, &pi), WL_C_TCP);
		CHECK(pi.ip6 && !memcmp(pi.ip6_src, PEER6, 16) && !memcmp(pi.ip6_dst, MY6, 16));
		CHECK(ipv6_l4_csum_ok(frames[i] + ETH_HLEN, frames[i] + pi.l4_off, pi.l4_len, IPPROTO_TCP_));
		/* the server takes each: handshake, data (echoed), FIN (answered with FIN);
		 * each answer goes back to the client */
		size_t o = tcp_server_input(&srv, frames[i], &pi, out, sizeof(out), &ev);
		CHECK_EQ(o > 0, i > 0);
		if (!o)
			continue;
		struct pkt_info ri;
		uint8_t back[WL_MAX_FRAME], f2[TCP_CLIENT_MAX_OUT][WL_MAX_FRAME];
		size_t l2[TCP_CLIENT_MAX_OUT];
		memcpy(back, out, o);
		CHECK_EQ(check_reply6(back, o, &ri), WL_C_TCP);
		CHECK_EQ(!!(ri.tcp_flags & TCP_FIN), i == 2);
		tcp_client_input(&cl, back, &ri, 0, f2, l2);
	}
	CHECK_EQ(cst.completed, 1);
	CHECK_EQ(cst.violations, 0);
	CHECK_EQ(sst.echoed_bytes, 8);
	tcp_client_free(&cl);
}

/* RFC 1035 / RFC 3596: AAAA answered from NAME=IPv6, A from NAME=IPv4, ANY both,
 * NODATA for a type the name lacks, NXDOMAIN for an unknown name. */
static void test_dns_aaaa(void)
{
	uint8_t q[512], r[512];
	uint16_t rcode;
	int bad;
	struct { const char *name; uint16_t type; uint16_t rcode; int an; } cases[] = {
		{ "www.example.com", DNS_TYPE_AAAA, DNS_RCODE_NOERROR, 1 },
		{ "www.example.com", DNS_TYPE_A, DNS_RCODE_NOERROR, 1 },
		{ "www.example.com", DNS_TYPE_ANY, DNS_RCODE_NOERROR, 2 },
		{ "v4.example.com", DNS_TYPE_AAAA, DNS_RCODE_NOERROR, 0 },
		{ "v6.example.com", DNS_TYPE_A, DNS_RCODE_NOERROR, 0 },
		{ "v6.example.com", DNS_TYPE_AAAA, DNS_RCODE_NOERROR, 1 },
		{ "nope.example.com", DNS_TYPE_AAAA, DNS_RCODE_NXDOMAIN, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int ql = dns_build_query(q, sizeof(q), (uint16_t)(0x100 + i), cases[i].name, cases[i].type);
		int n = dns_answer(RECS, 4, q, (size_t)ql, r, sizeof(r), &rcode, &bad);
		CHECK(n > 0);
		CHECK_EQ(rcode, cases[i].rcode);
		CHECK_EQ(rd16(r + 6), cases[i].an);
		if (cases[i].type == DNS_TYPE_AAAA && cases[i].an == 1) {
			/* the last 28 bytes: pointer, type 28, class IN, TTL, rdlength 16, the address */
			const uint8_t *rr = r + n - 28;
			CHECK_EQ(rd16(rr + 2), DNS_TYPE_AAAA);
			CHECK_EQ(rd16(rr + 10), 16);
			CHECK(!memcmp(rr + 12, cases[i].name[0] == 'w' ? AAAA : RECS[2].addr6, 16));
		}
	}
}

/* DNS over UDP6 through the responder, and over TCP6 through the server. */
static void test_dns_over_v6(void)
{
	uint8_t q[512], f[WL_MAX_FRAME], o[WL_MAX_FRAME];
	int ql = dns_build_query(q, sizeof(q), 0x4242, "www.example.com", DNS_TYPE_AAAA);
	struct wl_l2l3_6 a = peer_to_me();
	size_t n = udp6_build(f, sizeof(f), &a, 33333, DNS_PORT, q, (size_t)ql, 0);
	struct pkt_info pi, pr;
	CHECK_EQ(pkt_parse(f, n, &PCFG, &pi), WL_C_DNS);
	struct resp_cfg rc;
	memset(&rc, 0, sizeof(rc));
	memcpy(rc.mac, MY_MAC, ETH_ALEN);
	rc.has_ip6 = 1;
	memcpy(rc.ip6, MY6, 16);
	rc.records = RECS;
	rc.n_records = 4;
	unsigned e;
	size_t l = respond(&rc, f, n, &pi, o, sizeof(o), &e);
	CHECK(l > 0 && (e & RESP_ANSWERED));
	CHECK_EQ(check_reply6(o, l, &pr), WL_C_DNS);
	CHECK_EQ(pr.dns_id, 0x4242);
	CHECK_EQ(pr.sport, DNS_PORT);
	CHECK_EQ(pr.dport, 33333);
	CHECK(!memcmp(o + pr.pl_off + pr.pl_len - 16, AAAA, 16));

	/* TCP6 to port 53: a length-prefixed query answered on the connection */
	server_up();
	rc.tcp = &srv;
	CHECK(seg6(42000, 53, 100, 0, TCP_SYN, NULL, 0) > 0);
	uint32_t iss = po.tcp_seq;
	seg6(42000, 53, 101, iss + 1, TCP_ACK, NULL, 0);
	uint8_t m[514];
	wr16(m, (uint16_t)ql);
	memcpy(m + 2, q, (size_t)ql);
	CHECK(seg6(42000, 53, 101, iss + 1, TCP_ACK | TCP_PSH, m, (size_t)ql + 2) > 0);
	CHECK(ev & TCPS_EV_DNS);
	CHECK_EQ(sst.dns_queries, 1);
	CHECK(po.pl_len > 2 + DNS_HLEN);
	CHECK_EQ(rd16(out + po.pl_off), po.pl_len - 2);
	CHECK_EQ(rd16(out + po.pl_off + 2), 0x4242);
	CHECK(!memcmp(out + po.pl_off + po.pl_len - 16, AAAA, 16));
}

/* The query type a DNS template asks for (the type of its one question). */
static uint16_t tmpl_qtype(const struct wl_tmpl *t)
{
	return rd16(t->data + t->len - 4);
}

/* tx templates over IPv6 (the ops of proto.h): a SYN whose ISN and source
 * port vary, and a DNS query (AAAA by default over IPv6, A over IPv4,
 * --dns-type otherwise) whose id varies, each with a checksum a receiver
 * accepts; the matchers take replies of either family from the peer only. */
static void test_templates6(void)
{
	struct wl_config c;
	memset(&c, 0, sizeof(c));
	memcpy(c.src_mac, PEER_MAC, 6);
	memcpy(c.src_ip6, PEER6, 16);
	memcpy(c.dst_ip6, MY6, 16);
	c.has_src_ip6 = c.has_dst_ip6 = 1;
	c.n_domains = 1;
	strcpy(c.domains[0], "www.example.com");
	static struct wl_tmpl t;
	uint8_t p[WL_MAX_FRAME];
	struct pkt_info pi;
	struct rxv_cfg rxv;
	memset(&rxv, 0, sizeof(rxv));
	memcpy(rxv.mac, MY_MAC, 6);
	rxv.verify_checksums = 1;
	rxv.has_ip6 = 1;
	memcpy(rxv.ip6, MY6, 16);
	struct wl_tmpl_ctx x = { .cfg = &c, .family = 6, .icmp_id = 1 };
	memcpy(x.a6.src_mac, PEER_MAC, 6);
	memcpy(x.a6.dst_mac, MY_MAC, 6);
	memcpy(x.a6.src, PEER6, 16);
	memcpy(x.a6.dst, MY6, 16);
	for (int proto = WL_P_TCP; proto <= WL_P_DNS; proto++) {
		const struct wl_proto_ops *o = wl_proto_get(6, proto);
		CHECK(o && o->family == 6 && o->proto == proto && o->is_request);
		memset(&t, 0, sizeof(t));
		x.dport = proto == WL_P_TCP ? 8080 : 53;
		CHECK(o->build(&t, &x) > 0);
		if (proto == WL_P_DNS)
			CHECK_EQ(tmpl_qtype(&t), DNS_TYPE_AAAA);
		for (uint32_t k = 1; k < 0xfffff000u; k += 0x1234567u) {
			memcpy(p, t.data, t.len);
			uint32_t key = proto == WL_P_DNS ? k & 0xffff : k;
			tmpl_fill(&t, p, key, (uint16_t)(10000 + (k & 0x3fff)));
			CHECK_EQ(pkt_parse(p, t.len, &PCFG, &pi), proto == WL_P_TCP ? WL_C_TCP : WL_C_DNS);
			CHECK_EQ(rxv_check(&rxv, p, t.len, &pi), RXV_OK);
			CHECK_EQ(pi.sport, (uint16_t)(10000 + (k & 0x3fff)));
			if (proto == WL_P_TCP)
				CHECK(pi.tcp_seq == k && pi.tcp_flags == TCP_SYN);
			else
				CHECK_EQ(pi.dns_id, key);
		}
	}
	/* --dns-type A over IPv6; over IPv4 the default is A */
	c.dns_qtype = DNS_TYPE_A;
	x.dport = 53;
	CHECK(wl_proto_get(6, WL_P_DNS)->build(&t, &x) > 0);
	CHECK_EQ(tmpl_qtype(&t), DNS_TYPE_A);
	c.dns_qtype = 0;
	x.family = 4;
	x.a = (struct wl_l2l3){ { 2, 0, 0, 0, 0, 1 }, { 2, 0, 0, 0, 0, 2 }, 0xC6120001, 0xC6120002 };
	CHECK(wl_proto_get(4, WL_P_DNS)->build(&t, &x) > 0);
	CHECK_EQ(tmpl_qtype(&t), DNS_TYPE_A);
	/* a SYN-ACK from the peer over IPv6 is the client's (WL_R_CONN, keyed by ISN + 1); from another address it is not */
	uint8_t f[WL_MAX_FRAME];
	struct wl_l2l3_6 back = { { 2, 0, 0, 0, 0, 2 }, { 2, 0, 0, 0, 0, 1 }, { 0 }, { 0 } };
	memcpy(back.src, MY6, 16);
	memcpy(back.dst, PEER6, 16);
	struct tcp_seg sa = { 8080, 10000, 5000, 778, TCP_SYN | TCP_ACK, 65535, NULL, 0, NULL, 0 };
	size_t n = tcp6_build_seg(f, sizeof(f), &back, &sa);
	CHECK_EQ(pkt_parse(f, n, &PCFG, &pi), WL_C_TCP);
	struct wl_match_ctx m = { .cfg = &c };
	struct wl_reply r = { 0 };
	wl_proto_get(6, WL_P_TCP)->match(&m, f, &pi, &r);
	CHECK(r.kind == WL_R_CONN && r.has_key && r.key == 777);
	back.src[15] ^= 0x40;
	tcp6_build_seg(f, sizeof(f), &back, &sa);
	pkt_parse(f, n, &PCFG, &pi);
	memset(&r, 0, sizeof(r));
	wl_proto_get(6, WL_P_TCP)->match(&m, f, &pi, &r);
	CHECK_EQ(r.kind, WL_R_NONE);
}

/* A 3000-byte echo request over IPv6, as the peer's kernel sends `ping -6 -s 3000`: three
 * fragments, fed in any order, rebuilt, answered; the 3000-byte reply leaves as fragments a
 * receiver rebuilds into a valid reply. Overlaps drop the datagram; a UDP6 first fragment
 * is not malformed for holding only the start of its datagram. */
static void test_fragments6(void)
{
	static uint8_t big[4096], frags[4][ETH_MAX_FRAME], reply[REASM_MAX_FRAME];
	size_t flen[4];
	struct wl_l2l3_6 a = peer_to_me();
	eth_write_hdr(big, a.dst_mac, a.src_mac, ETHERTYPE_IPV6);
	ipv6_write_hdr(big + ETH_HLEN, IPPROTO_ICMPV6_, a.src, a.dst, 8 + 3000, 64);
	uint8_t *ic = big + ETH_HLEN + IPV6_HLEN;
	ic[0] = ICMP6_ECHO_REQUEST;
	ic[1] = 0;
	wr16(ic + 4, 0x77);
	wr16(ic + 6, 3);
	for (int i = 0; i < 3000; i++)
		ic[8 + i] = (uint8_t)(i * 13);
	ipv6_set_l4_csum(big + ETH_HLEN);
	size_t blen = ETH_HLEN + IPV6_HLEN + 8 + 3000;
	unsigned n = 0;
	while (n < 4 && (flen[n] = ipv6_fragment(big, blen, ETH_HLEN, IPV6_FRAG_PAYLOAD, 0xabcd, n, frags[n], ETH_MAX_FRAME)) != 0)
		n++;
	CHECK_EQ(n, 3);
	struct reasm *ra = reasm_create(4, 1000);
	struct resp_cfg rc;
	memset(&rc, 0, sizeof(rc));
	memcpy(rc.mac, MY_MAC, ETH_ALEN);
	rc.has_ip6 = 1;
	memcpy(rc.ip6, MY6, 16);
	static const unsigned order[3] = { 2, 0, 1 };
	const uint8_t *whole = NULL;
	size_t wl = 0;
	for (unsigned i = 0; i < 3; i++) {
		struct pkt_info pi;
		CHECK_EQ(pkt_parse(frags[order[i]], flen[order[i]], &PCFG, &pi), WL_C_ICMP);
		CHECK(pi.ip6 && pi.frag);
		unsigned e;
		CHECK_EQ(respond(&rc, frags[order[i]], flen[order[i]], &pi, reply, sizeof(reply), &e), 0); /* not before it is whole */
		wl = reasm_add(ra, frags[order[i]], flen[order[i]], &pi, 1, &whole);
		CHECK_EQ(wl != 0, i == 2);
	}
	CHECK_EQ(wl, blen);
	CHECK(whole && !memcmp(whole, big, blen));
	CHECK_EQ(reasm_get_stats(ra)->reassembled, 1);
	struct pkt_info pw;
	CHECK_EQ(pkt_parse(whole, wl, &PCFG, &pw), WL_C_ICMP);
	CHECK(!pw.frag && pw.icmp_type == ICMP6_ECHO_REQUEST);
	unsigned e;
	size_t rl = respond(&rc, whole, wl, &pw, reply, sizeof(reply), &e);
	CHECK_EQ(rl, blen);
	/* the reply, fragmented as send_answer does, rebuilt by a receiver: a valid echo reply */
	static uint8_t rf[4][ETH_MAX_FRAME];
	size_t rfl[4];
	unsigned m = 0;
	while (m < 4 && (rfl[m] = ipv6_fragment(reply, rl, ETH_HLEN, IPV6_FRAG_PAYLOAD, 9, m, rf[m], ETH_MAX_FRAME)) != 0)
		m++;
	CHECK_EQ(m, 3);
	struct reasm *rb = reasm_create(4, 1000);
	const uint8_t *back = NULL;
	size_t bl = 0;
	for (unsigned i = 0; i < m; i++) {
		struct pkt_info pi;
		CHECK(rfl[i] <= ETH_MAX_FRAME);
		CHECK_EQ(pkt_parse(rf[i], rfl[i], &PCFG, &pi), WL_C_ICMP);
		bl = reasm_add(rb, rf[i], rfl[i], &pi, 1, &back);
	}
	struct pkt_info pb;
	CHECK_EQ(bl, blen);
	CHECK_EQ(check_reply6(back, bl, &pb), WL_C_ICMP);
	CHECK(pb.icmp_type == ICMP6_ECHO_REPLY && pb.icmp_id == 0x77 && pb.icmp_seq == 3 && pb.pl_len == 3000);
	/* an overlapping fragment drops the datagram */
	struct pkt_info pi;
	pkt_parse(frags[0], flen[0], &PCFG, &pi);
	reasm_add(ra, frags[0], flen[0], &pi, 2, &whole);
	wr16(frags[1] + ETH_HLEN + IPV6_HLEN + 2, (uint16_t)(1440 | 1)); /* offset 1440: over the first */
	pkt_parse(frags[1], flen[1], &PCFG, &pi);
	CHECK_EQ(reasm_add(ra, frags[1], flen[1], &pi, 2, &whole), 0);
	CHECK_EQ(reasm_get_stats(ra)->overlap, 1);
	CHECK_EQ(reasm_in_progress(ra), 0);
	/* a UDP6 first fragment: UDP, not malformed, though its length covers the whole datagram */
	static uint8_t u[4096];
	eth_write_hdr(u, a.dst_mac, a.src_mac, ETHERTYPE_IPV6);
	ipv6_write_hdr(u + ETH_HLEN, IPPROTO_UDP_, a.src, a.dst, 8 + 2000, 64);
	wr16(u + ETH_HLEN + IPV6_HLEN + 4, 8 + 2000);
	uint8_t uf[ETH_MAX_FRAME];
	size_t ufl = ipv6_fragment(u, ETH_HLEN + IPV6_HLEN + 2008, ETH_HLEN, IPV6_FRAG_PAYLOAD, 1, 0, uf, sizeof(uf));
	CHECK_EQ(pkt_parse(uf, ufl, &PCFG, &pi), WL_C_UDP);
	CHECK(pi.frag);
	reasm_destroy(ra);
	reasm_destroy(rb);
}

int main(void)
{
	CHECK_EQ(parse_ipv6("2001:2:0:200::1", PEER6), 0);
	CHECK_EQ(parse_ipv6("2001:2:0:200::2", MY6), 0);
	CHECK_EQ(parse_ipv6("2001:2:0:200::10", AAAA), 0);
	RECS[0] = (struct dns_record){ "www.example.com", 0xC612C80A, 0, { 0 } };
	RECS[1] = (struct dns_record){ "www.example.com", 0, 1, { 0 } };
	memcpy(RECS[1].addr6, AAAA, 16);
	RECS[2] = (struct dns_record){ "v6.example.com", 0, 1, { 0 } };
	CHECK_EQ(parse_ipv6("2001:2:0:200::66", RECS[2].addr6), 0);
	RECS[3] = (struct dns_record){ "v4.example.com", 0xC612C80B, 0, { 0 } };
	test_addresses();
	test_server_connection6();
	test_families_apart();
	test_client6();
	test_dns_aaaa();
	test_dns_over_v6();
	test_templates6();
	test_fragments6();
	tcp_server_free(&srv);
	printf("%d checks, %d failures\n", checks, failures);
	return failures ? 1 : 0;
}
