/* IPv6 in the engine core: the pseudo-header checksum against known
 * values, the classifier and its bounded extension-header walk, receive
 * validation (33:33 groups, sources, checksums), NDP answers (RFC 4861),
 * echo and UDP echo replies, and tx templates. No DPDK. */
#include <stdio.h>
#include <string.h>
#include "ipv6.h"
#include "proto.h"
#include "proto_icmp6.h"
#include "pkt_parse.h"
#include "responder.h"
#include "rx_validate.h"
#include "check.h"

static const struct parse_cfg PCFG = { ETHERTYPE_WL_DEFAULT, 0 };
static const uint8_t PEER_MAC[ETH_ALEN] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t MY_MAC[ETH_ALEN] = { 0x02, 0, 0, 0, 0, 0x02 };
static uint8_t PEER6[16], MY6[16];
static struct resp_cfg RC;
static struct rxv_cfg RXV;

static struct wl_l2l3_6 to_me(void)
{
	struct wl_l2l3_6 a;
	memcpy(a.src_mac, PEER_MAC, ETH_ALEN);
	memcpy(a.dst_mac, MY_MAC, ETH_ALEN);
	memcpy(a.src, PEER6, 16);
	memcpy(a.dst, MY6, 16);
	return a;
}

/* Values from an independent implementation (python, RFC 8200 8.1 pseudo-header). */
static void test_checksum_vectors(void)
{
	uint8_t f[WL_MAX_FRAME];
	struct wl_l2l3_6 a = to_me();
	size_t n = icmp6_build_echo(f, sizeof(f), &a, ICMP6_ECHO_REQUEST, 0x1234, 1, (const uint8_t *)"abcd", 4, 0);
	CHECK_EQ(n, ETH_HLEN + IPV6_HLEN + 8 + 4);
	CHECK_EQ(rd16(f + ETH_HLEN + IPV6_HLEN + 2), 0x68b4);
	CHECK_EQ(rd16(f + 12), ETHERTYPE_IPV6);
	CHECK_EQ(rd16(f + ETH_HLEN + 4), 12); /* payload length */
	n = udp6_build(f, sizeof(f), &a, 1000, 9000, (const uint8_t *)"ping", 4, 0);
	CHECK_EQ(n, ETH_HLEN + IPV6_HLEN + 12);
	CHECK_EQ(rd16(f + ETH_HLEN + IPV6_HLEN + 6), 0xb9ec);
	CHECK(ipv6_l4_csum_ok(f + ETH_HLEN, f + ETH_HLEN + IPV6_HLEN, 12, IPPROTO_UDP_));
	f[n - 1] ^= 1;
	CHECK(!ipv6_l4_csum_ok(f + ETH_HLEN, f + ETH_HLEN + IPV6_HLEN, 12, IPPROTO_UDP_));
}

/* Insert an extension header of `len` bytes (type `type`) right after the
 * fixed header of frame f (n bytes); returns the new length. */
static size_t insert_ext(uint8_t *f, size_t n, uint8_t type, size_t len, uint16_t frag_field)
{
	uint8_t *ip = f + ETH_HLEN;
	memmove(ip + IPV6_HLEN + len, ip + IPV6_HLEN, n - ETH_HLEN - IPV6_HLEN);
	uint8_t *e = ip + IPV6_HLEN;
	memset(e, 0, len);
	e[0] = ip[6];
	if (type == 44)
		wr16(e + 2, frag_field);
	else
		e[1] = (uint8_t)(len / 8 - 1);
	ip[6] = type;
	wr16(ip + 4, (uint16_t)(rd16(ip + 4) + len));
	return n + len;
}

static void test_parse(void)
{
	uint8_t f[WL_MAX_FRAME];
	struct pkt_info pi;
	struct wl_l2l3_6 a = to_me();
	size_t n = icmp6_build_echo(f, sizeof(f), &a, ICMP6_ECHO_REQUEST, 7, 9, (const uint8_t *)"xyz", 3, 100);
	CHECK_EQ(n, 100);
	CHECK_EQ(pkt_parse(f, n, &PCFG, &pi), WL_C_ICMP);
	CHECK(pi.ip6);
	CHECK_EQ(pi.icmp_type, 128);
	CHECK_EQ(pi.icmp_id, 7);
	CHECK_EQ(pi.icmp_seq, 9);
	CHECK_EQ(pi.hop_limit, 64);
	CHECK(!memcmp(pi.ip6_src, PEER6, 16));
	CHECK_EQ(pi.l4_off, ETH_HLEN + IPV6_HLEN);
	CHECK_EQ(pi.pl_len, 100 - ETH_HLEN - IPV6_HLEN - 8);

	/* hop-by-hop, destination options, routing and an atomic fragment: walked to the ICMPv6 */
	uint8_t g[WL_MAX_FRAME];
	memcpy(g, f, n);
	size_t m = insert_ext(g, n, 44, 8, 0);
	m = insert_ext(g, m, 43, 8, 0);
	m = insert_ext(g, m, 60, 16, 0);
	m = insert_ext(g, m, 0, 8, 0);
	CHECK_EQ(pkt_parse(g, m, &PCFG, &pi), WL_C_ICMP);
	CHECK_EQ(pi.l4_off, ETH_HLEN + IPV6_HLEN + 40);
	CHECK_EQ(pi.icmp_seq, 9);
	CHECK(!pi.frag);
	/* the checksum still covers only the upper layer */
	RXV.verify_checksums = 1;
	CHECK_EQ(rxv_check(&RXV, g, m, &pi), RXV_OK);

	/* a later fragment: L4 not parsed, marked fragment */
	memcpy(g, f, n);
	m = insert_ext(g, n, 44, 8, 8 << 3);
	CHECK_EQ(pkt_parse(g, m, &PCFG, &pi), WL_C_ICMP); /* classified by protocol, header not read */
	CHECK(pi.frag);
	CHECK_EQ(pi.icmp_type, 0);
	memcpy(g, f, n);
	m = insert_ext(g, n, 44, 8, 1); /* first fragment, more to come */
	CHECK_EQ(pkt_parse(g, m, &PCFG, &pi), WL_C_ICMP);
	CHECK(pi.frag);

	/* hop-by-hop anywhere but first is malformed (RFC 8200 4.3) */
	memcpy(g, f, n);
	m = insert_ext(g, n, 0, 8, 0);
	m = insert_ext(g, m, 60, 8, 0);
	CHECK_EQ(pkt_parse(g, m, &PCFG, &pi), WL_C_MALFORMED);
	CHECK_EQ(pi.why, WL_M_IP_HDR);
	/* a chain longer than the bound is refused, not walked forever */
	memcpy(g, f, n);
	m = n;
	for (int i = 0; i < IPV6_EXT_MAX + 1; i++)
		m = insert_ext(g, m, 60, 8, 0);
	CHECK_EQ(pkt_parse(g, m, &PCFG, &pi), WL_C_MALFORMED);
	memcpy(g, f, n);
	m = n;
	for (int i = 0; i < IPV6_EXT_MAX; i++)
		m = insert_ext(g, m, 60, 8, 0);
	CHECK_EQ(pkt_parse(g, m, &PCFG, &pi), WL_C_ICMP);
	/* an extension header whose length runs past the payload */
	memcpy(g, f, n);
	m = insert_ext(g, n, 60, 8, 0);
	g[ETH_HLEN + IPV6_HLEN + 1] = 200;
	CHECK_EQ(pkt_parse(g, m, &PCFG, &pi), WL_C_MALFORMED);
	/* payload length beyond the frame; a short header */
	memcpy(g, f, n);
	wr16(g + ETH_HLEN + 4, 2000);
	CHECK_EQ(pkt_parse(g, n, &PCFG, &pi), WL_C_MALFORMED);
	CHECK_EQ(pi.why, WL_M_IP_LEN);
	CHECK_EQ(pkt_parse(f, ETH_HLEN + 39, &PCFG, &pi), WL_C_MALFORMED);
	/* ICMP for IPv4 (1) inside IPv6 is not ICMPv6; no next header (59) is nothing */
	memcpy(g, f, n);
	g[ETH_HLEN + 6] = IPPROTO_ICMP_;
	CHECK_EQ(pkt_parse(g, n, &PCFG, &pi), WL_C_UNKNOWN);
	g[ETH_HLEN + 6] = IPPROTO_NONE6_;
	CHECK_EQ(pkt_parse(g, n, &PCFG, &pi), WL_C_UNKNOWN);
	/* UDP over IPv6 */
	n = udp6_build(f, sizeof(f), &a, 4000, 9000, (const uint8_t *)"hello", 5, 0);
	CHECK_EQ(pkt_parse(f, n, &PCFG, &pi), WL_C_UDP);
	CHECK_EQ(pi.sport, 4000);
	CHECK_EQ(pi.pl_len, 5);
}

static void test_validate(void)
{
	uint8_t f[WL_MAX_FRAME];
	struct pkt_info pi;
	struct wl_l2l3_6 a = to_me();
	size_t n = udp6_build(f, sizeof(f), &a, 4000, 9000, (const uint8_t *)"hello", 5, 0);
	pkt_parse(f, n, &PCFG, &pi);
	CHECK_EQ(rxv_check(&RXV, f, n, &pi), RXV_OK);
	wr16(f + ETH_HLEN + IPV6_HLEN + 6, 0); /* no checksum: mandatory over IPv6 */
	CHECK_EQ(rxv_check(&RXV, f, n, &pi), RXV_L4_CHECKSUM);
	n = udp6_build(f, sizeof(f), &a, 4000, 9000, (const uint8_t *)"hello", 5, 0);
	f[n - 1] ^= 0x40;
	CHECK_EQ(rxv_check(&RXV, f, n, &pi), RXV_L4_CHECKSUM);
	/* sources: multicast and loopback never answered */
	n = udp6_build(f, sizeof(f), &a, 4000, 9000, (const uint8_t *)"hello", 5, 0);
	f[ETH_HLEN + 8] = 0xff;
	pkt_parse(f, n, &PCFG, &pi);
	CHECK_EQ(rxv_check(&RXV, f, n, &pi), RXV_SRC_ADDR);
	/* our solicited-node group (33:33:ff:00:00:02) and all-nodes are joined; another group is not */
	n = udp6_build(f, sizeof(f), &a, 4000, 9000, (const uint8_t *)"hello", 5, 0);
	static const uint8_t sn[6] = { 0x33, 0x33, 0xff, 0, 0, 0x02 }, other[6] = { 0x33, 0x33, 0xff, 0, 0, 0x03 },
			     all[6] = { 0x33, 0x33, 0, 0, 0, 1 };
	pkt_parse(f, n, &PCFG, &pi);
	memcpy(f, sn, 6);
	CHECK_EQ(rxv_check(&RXV, f, n, &pi), RXV_OK);
	memcpy(f, all, 6);
	CHECK_EQ(rxv_check(&RXV, f, n, &pi), RXV_OK);
	memcpy(f, other, 6);
	CHECK_EQ(rxv_check(&RXV, f, n, &pi), RXV_DST_MAC);
	struct rxv_cfg no6 = RXV;
	no6.has_ip6 = 0;
	memcpy(f, sn, 6);
	CHECK_EQ(rxv_check(&no6, f, n, &pi), RXV_DST_MAC);
}

static void test_ndp(void)
{
	uint8_t f[WL_MAX_FRAME], o[WL_MAX_FRAME];
	struct pkt_info pi, po;
	unsigned ev;
	/* NS from the peer for our address, to our solicited-node group */
	size_t n = ndp_build_ns(f, sizeof(f), PEER_MAC, PEER6, MY6);
	CHECK_EQ(n, 86);
	static const uint8_t sn[6] = { 0x33, 0x33, 0xff, 0, 0, 0x02 };
	CHECK(!memcmp(f, sn, 6));
	CHECK_EQ(pkt_parse(f, n, &PCFG, &pi), WL_C_ICMP);
	CHECK_EQ(pi.icmp_type, ND_NEIGHBOR_SOLICIT);
	CHECK_EQ(pi.ip6_dst[0], 0xff);
	CHECK_EQ(pi.ip6_dst[11], 0x01);
	CHECK_EQ(pi.ip6_dst[12], 0xff);
	CHECK_EQ(rxv_check(&RXV, f, n, &pi), RXV_OK);
	size_t l = respond(&RC, f, n, &pi, o, sizeof(o), &ev);
	CHECK_EQ(l, 86);
	CHECK(ev & RESP_ANSWERED);
	CHECK_EQ(pkt_parse(o, l, &PCFG, &po), WL_C_ICMP);
	CHECK_EQ(po.icmp_type, ND_NEIGHBOR_ADVERT);
	CHECK_EQ(po.hop_limit, 255);
	CHECK(!memcmp(o, PEER_MAC, 6));
	CHECK(!memcmp(po.ip6_dst, PEER6, 16));
	CHECK(!memcmp(po.ip6_src, MY6, 16));
	CHECK_EQ(rd32(o + po.l4_off + 4), ND_NA_SOLICITED | ND_NA_OVERRIDE);
	CHECK(ipv6_l4_csum_ok(o + ETH_HLEN, o + po.l4_off, po.l4_len, IPPROTO_ICMPV6_));
	const uint8_t *target, *ll;
	CHECK_EQ(ndp_parse(o, &po, &target, &ll), 0);
	CHECK(!memcmp(target, MY6, 16));
	CHECK(ll && !memcmp(ll, MY_MAC, 6));
	/* the tx role answers NDP as it answers ARP */
	struct resp_cfg txonly = RC;
	txonly.arp_only = 1;
	CHECK_EQ(respond(&txonly, f, n, &pi, o, sizeof(o), &ev), 86);
	/* not for us: another target */
	uint8_t other6[16];
	memcpy(other6, MY6, 16);
	other6[15] = 9;
	n = ndp_build_ns(f, sizeof(f), PEER_MAC, PEER6, other6);
	pkt_parse(f, n, &PCFG, &pi);
	CHECK_EQ(respond(&RC, f, n, &pi, o, sizeof(o), &ev), 0);
	/* hop limit not 255: it came through a router, ignored (RFC 4861 7.1.1) */
	n = ndp_build_ns(f, sizeof(f), PEER_MAC, PEER6, MY6);
	f[ETH_HLEN + 7] = 64;
	pkt_parse(f, n, &PCFG, &pi);
	CHECK_EQ(respond(&RC, f, n, &pi, o, sizeof(o), &ev), 0);
	/* an option of length 0 is invalid */
	n = ndp_build_ns(f, sizeof(f), PEER_MAC, PEER6, MY6);
	f[ETH_HLEN + IPV6_HLEN + ND_LEN + 1] = 0;
	pkt_parse(f, n, &PCFG, &pi);
	CHECK_EQ(respond(&RC, f, n, &pi, o, sizeof(o), &ev), 0);
	/* a DAD probe from ::, without SLLA: answered to all-nodes, not solicited */
	n = ndp_build_ns(f, sizeof(f), PEER_MAC, PEER6, MY6);
	uint8_t *ip = f + ETH_HLEN;
	memset(ip + 8, 0, 16);
	n -= 8;
	wr16(ip + 4, ND_LEN);
	ipv6_set_l4_csum(ip);
	pkt_parse(f, n, &PCFG, &pi);
	CHECK_EQ(rxv_check(&RXV, f, n, &pi), RXV_OK);
	l = respond(&RC, f, n, &pi, o, sizeof(o), &ev);
	CHECK_EQ(l, 86);
	static const uint8_t all[6] = { 0x33, 0x33, 0, 0, 0, 1 };
	CHECK(!memcmp(o, all, 6));
	pkt_parse(o, l, &PCFG, &po);
	CHECK_EQ(rd32(o + po.l4_off + 4), ND_NA_OVERRIDE);
	CHECK_EQ(po.ip6_dst[0], 0xff);
	/* :: as a source of anything else is refused */
	struct wl_l2l3_6 a = to_me();
	memset(a.src, 0, 16);
	n = udp6_build(f, sizeof(f), &a, 1, 2, (const uint8_t *)"x", 1, 0);
	pkt_parse(f, n, &PCFG, &pi);
	CHECK_EQ(rxv_check(&RXV, f, n, &pi), RXV_SRC_ADDR);
}

static void test_echo(void)
{
	uint8_t f[WL_MAX_FRAME], o[WL_MAX_FRAME];
	struct pkt_info pi, po;
	unsigned ev;
	struct wl_l2l3_6 a = to_me();
	size_t n = icmp6_build_echo(f, sizeof(f), &a, ICMP6_ECHO_REQUEST, 77, 5, (const uint8_t *)"payload!", 8, 0);
	pkt_parse(f, n, &PCFG, &pi);
	size_t l = respond(&RC, f, n, &pi, o, sizeof(o), &ev);
	CHECK_EQ(l, n);
	CHECK_EQ(pkt_parse(o, l, &PCFG, &po), WL_C_ICMP);
	CHECK_EQ(po.icmp_type, ICMP6_ECHO_REPLY);
	CHECK_EQ(po.icmp_id, 77);
	CHECK_EQ(po.icmp_seq, 5);
	CHECK(!memcmp(o + po.pl_off, "payload!", 8));
	CHECK(!memcmp(po.ip6_dst, PEER6, 16));
	CHECK(!memcmp(o, PEER_MAC, 6));
	CHECK(ipv6_l4_csum_ok(o + ETH_HLEN, o + po.l4_off, po.l4_len, IPPROTO_ICMPV6_));
	/* to another address: not answered; the tx role answers no echo */
	f[ETH_HLEN + 24 + 15] = 9;
	pkt_parse(f, n, &PCFG, &pi);
	CHECK_EQ(respond(&RC, f, n, &pi, o, sizeof(o), &ev), 0);
	/* UDP echo */
	n = udp6_build(f, sizeof(f), &a, 4000, 9000, (const uint8_t *)"hello", 5, 0);
	pkt_parse(f, n, &PCFG, &pi);
	l = respond(&RC, f, n, &pi, o, sizeof(o), &ev);
	CHECK_EQ(pkt_parse(o, l, &PCFG, &po), WL_C_UDP);
	CHECK_EQ(po.sport, 9000);
	CHECK_EQ(po.dport, 4000);
	CHECK(!memcmp(o + po.pl_off, "hello", 5));
	CHECK(ipv6_l4_csum_ok(o + ETH_HLEN, o + po.l4_off, po.l4_len, IPPROTO_UDP_));
	struct resp_cfg noecho = RC;
	noecho.udp_echo = 0;
	CHECK_EQ(respond(&noecho, f, n, &pi, o, sizeof(o), &ev), 0);
}

static void test_templates(void)
{
	struct wl_config c;
	memset(&c, 0, sizeof(c));
	memcpy(c.src_mac, PEER_MAC, 6);
	memcpy(c.src_ip6, PEER6, 16);
	memcpy(c.dst_ip6, MY6, 16);
	c.size = 128;
	static struct wl_tmpl t;
	uint8_t p[WL_MAX_FRAME];
	struct pkt_info pi;
	for (int proto = WL_P_ICMP; proto <= WL_P_UDP; proto++) {
		memset(&t, 0, sizeof(t));
		struct wl_tmpl_ctx x = { .cfg = &c, .family = 6, .dport = 9000, .icmp_id = 42, .msg = (const uint8_t *)"m", .msg_len = 1 };
		memcpy(x.a6.src_mac, c.src_mac, 6);
		memcpy(x.a6.dst_mac, MY_MAC, 6);
		memcpy(x.a6.src, c.src_ip6, 16);
		memcpy(x.a6.dst, c.dst_ip6, 16);
		const struct wl_proto_ops *o = wl_proto_get(6, proto);
		CHECK(o && o->family == 6 && o->proto == proto);
		size_t n = o->build(&t, &x);
		CHECK_EQ(n, 128);
		for (uint32_t k = 0; k < 70000; k += 6999) {
			memcpy(p, t.data, t.len);
			tmpl_fill(&t, p, k, (uint16_t)(1024 + k));
			CHECK_EQ(pkt_parse(p, t.len, &PCFG, &pi), proto == WL_P_ICMP ? WL_C_ICMP : WL_C_UDP);
			CHECK_EQ(rxv_check(&RXV, p, t.len, &pi), RXV_OK);
			if (proto == WL_P_ICMP)
				CHECK_EQ(pi.icmp_seq, k & 0xffff);
			else
				CHECK_EQ(pi.sport, (uint16_t)(1024 + k));
		}
	}
	CHECK(wl_proto_get(6, WL_P_ARP) == NULL); /* IPv4's; NDP resolves neighbours over IPv6 */
}

int main(void)
{
	CHECK_EQ(parse_ipv6("2001:2::1", PEER6), 0);
	CHECK_EQ(parse_ipv6("2001:2::2", MY6), 0);
	uint8_t junk[16];
	CHECK(parse_ipv6("2001:2::1::2", junk) < 0);
	CHECK(parse_ipv6("198.18.0.1", junk) < 0);
	char s[64];
	fmt_ipv6(MY6, s, sizeof(s));
	CHECK(!strcmp(s, "2001:2::2"));
	memcpy(RC.mac, MY_MAC, 6);
	RC.has_ip6 = 1;
	RC.udp_echo = 1;
	memcpy(RC.ip6, MY6, 16);
	memcpy(RXV.mac, MY_MAC, 6);
	RXV.has_ip6 = 1;
	RXV.verify_checksums = 1;
	memcpy(RXV.ip6, MY6, 16);
	test_checksum_vectors();
	test_parse();
	test_validate();
	test_ndp();
	test_echo();
	test_templates();
	printf("%d checks, %d failures\n", checks, failures);
	return failures ? 1 : 0;
}
