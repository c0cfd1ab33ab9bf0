/* Unit tests for the plain-C core: no DPDK, no EAL. Run by `meson test`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include "csum.h"
#include "pkt_build.h"
#include "pkt_parse.h"
#include "proto_eth.h"
#include "proto_arp.h"
#include "proto_icmp.h"
#include "proto_udp.h"
#include "proto_tcp.h"
#include "proto_dns.h"
#include "responder.h"
#include "pacing.h"
#include "stats.h"
#include "options.h"
#include "json_out.h"

#include "check.h"
#include "parse_args.h"

static const struct parse_cfg PCFG = { ETHERTYPE_WL_DEFAULT, 0 };
static struct wl_l2l3 A = {
	{ 0x02, 0, 0, 0, 0, 0x01 }, { 0x02, 0, 0, 0, 0, 0x02 }, 0xC612C801 /* 198.18.200.1 */, 0xC612C802,
};

/* L4 checksum of an IPv4 frame verifies (sum over pseudo+L4 folds to 0xffff). */
static int l4_ok(const uint8_t *f)
{
	const uint8_t *ip = f + ETH_HLEN;
	size_t ihl = (size_t)(ip[0] & 15) * 4;
	uint16_t l4len = (uint16_t)(rd16(ip + 2) - ihl);
	uint32_t s = ip[9] == IPPROTO_ICMP_ ? 0 : csum_pseudo_v4(rd32(ip + 12), rd32(ip + 16), ip[9], l4len);
	return csum_fold(csum_partial(ip + ihl, l4len, s)) == 0xffff;
}

static void test_csum(void)
{
	/* RFC 1071 example: 00 01 f2 03 f4 f5 f6 f7 -> sum 0xddf2 */
	const uint8_t v[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	CHECK_EQ(csum_fold(csum_partial(v, sizeof(v), 0)), 0xddf2);
	CHECK_EQ(csum_buf(v, sizeof(v)), (uint16_t)~0xddf2);
	/* odd length */
	const uint8_t o[] = { 0x01, 0x02, 0x03 };
	CHECK_EQ(csum_fold(csum_partial(o, 3, 0)), 0x0402);
	/* a known IPv4 header (wikipedia example) */
	uint8_t ip[20] = { 0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0, 0,
			   0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7 };
	ipv4_set_csum(ip);
	CHECK_EQ(rd16(ip + 10), 0xb861);
	CHECK(ipv4_csum_ok(ip, 20));
	ip[12] ^= 1;
	CHECK(!ipv4_csum_ok(ip, 20));
}

static void test_builders_and_parse(void)
{
	uint8_t f[WL_MAX_FRAME];
	struct pkt_info pi;
	const uint8_t msg[] = "hello";
	size_t n;

	n = eth_build_raw(f, sizeof(f), &A, 0x88b5, msg, 5, 64);
	CHECK_EQ(n, 64);
	CHECK_EQ(pkt_parse(f, n, &PCFG, &pi), WL_C_ETH);
	CHECK_EQ(pi.pl_len, 50);
	CHECK(!memcmp(f + 14, "hellohello", 10));

	n = arp_build_request(f, sizeof(f), A.src_mac, A.src_ip, A.dst_ip);
	CHECK_EQ(n, 60);
	CHECK_EQ(pkt_parse(f, n, &PCFG, &pi), WL_C_ARP);
	CHECK_EQ(pi.arp_op, ARP_OP_REQUEST);
	CHECK_EQ(pi.arp_spa, A.src_ip);
	CHECK_EQ(pi.arp_tpa, A.dst_ip);
	CHECK(f[0] == 0xff && f[5] == 0xff);

	n = icmp_build_echo(f, sizeof(f), &A, ICMP_ECHO_REQUEST, 0x1234, 7, msg, 5, 100);
	CHECK_EQ(n, 100);
	CHECK(l4_ok(f));
	CHECK(ipv4_csum_ok(f + 14, 20));
	CHECK_EQ(pkt_parse(f, n, &PCFG, &pi), WL_C_ICMP);
	CHECK_EQ(pi.icmp_id, 0x1234);
	CHECK_EQ(pi.icmp_seq, 7);

	n = udp_build(f, sizeof(f), &A, 1111, 2222, msg, 5, 64);
	CHECK_EQ(n, 64);
	CHECK(l4_ok(f));
	CHECK_EQ(pkt_parse(f, n, &PCFG, &pi), WL_C_UDP);
	CHECK_EQ(pi.sport, 1111);
	CHECK_EQ(pi.dport, 2222);
	CHECK_EQ(pi.pl_len, 64 - 42);
	/* exact payload, padded to the Ethernet minimum */
	n = udp_build(f, sizeof(f), &A, 1, 2, msg, 5, 0);
	CHECK_EQ(n, 60);
	CHECK_EQ(pkt_parse(f, n, &PCFG, &pi), WL_C_UDP);
	CHECK_EQ(pi.pl_len, 5);
	CHECK(l4_ok(f));
	/* 1514 max */
	CHECK_EQ(udp_build(f, sizeof(f), &A, 1, 2, msg, 5, 1514), 1514);
	CHECK(l4_ok(f));
	CHECK_EQ(udp_build(f, sizeof(f), &A, 1, 2, msg, 5, 1515), 0);

	n = tcp_build(f, sizeof(f), &A, 1000, 80, 0xdeadbeef, 5, TCP_SYN, NULL, 0);
	CHECK_EQ(n, 60);
	CHECK(l4_ok(f));
	CHECK_EQ(pkt_parse(f, n, &PCFG, &pi), WL_C_TCP);
	CHECK_EQ(pi.tcp_seq, 0xdeadbeef);
	CHECK_EQ(pi.tcp_ack, 0); /* no ACK flag -> ack field zero */
	CHECK_EQ(pi.tcp_flags, TCP_SYN);

	uint8_t q[512];
	int ql = dns_build_query(q, sizeof(q), 0xabcd, "www.example.com", DNS_TYPE_A);
	CHECK_EQ(ql, 12 + 17 + 4);
	n = udp_build(f, sizeof(f), &A, 5353, 53, q, (size_t)ql, 0);
	CHECK(l4_ok(f));
	CHECK_EQ(pkt_parse(f, n, &PCFG, &pi), WL_C_DNS);
	CHECK_EQ(pi.dns_id, 0xabcd);
}

static void test_malformed(void)
{
	uint8_t f[WL_MAX_FRAME];
	struct pkt_info pi;
	size_t n = udp_build(f, sizeof(f), &A, 1, 2, (const uint8_t *)"x", 1, 64);
	CHECK_EQ(pkt_parse(f, 10, &PCFG, &pi), WL_C_MALFORMED);
	CHECK_EQ(pi.why, WL_M_SHORT_ETH);
	CHECK_EQ(pkt_parse(f, 20, &PCFG, &pi), WL_C_MALFORMED); /* truncated IP header */
	uint8_t g[WL_MAX_FRAME];
	memcpy(g, f, n);
	g[14] = 0x44; /* ihl 4 */
	CHECK_EQ(pkt_parse(g, n, &PCFG, &pi), WL_C_MALFORMED);
	memcpy(g, f, n);
	wr16(g + 16, 2000); /* total length beyond frame */
	CHECK_EQ(pkt_parse(g, n, &PCFG, &pi), WL_C_MALFORMED);
	CHECK_EQ(pi.why, WL_M_IP_LEN);
	memcpy(g, f, n);
	g[14 + 8] = 1; /* TTL changed: bad header checksum */
	CHECK_EQ(pkt_parse(g, n, &PCFG, &pi), WL_C_MALFORMED);
	CHECK_EQ(pi.why, WL_M_IP_CSUM);
	memcpy(g, f, n);
	wr16(g + 34 + 4, 4); /* udp length < 8 */
	CHECK_EQ(pkt_parse(g, n, &PCFG, &pi), WL_C_MALFORMED);
	CHECK_EQ(pi.why, WL_M_UDP);
	memcpy(g, f, n);
	wr16(g + 12, 0x86dd); /* an IPv4 packet under the IPv6 ethertype: version 4 is refused */
	CHECK_EQ(pkt_parse(g, n, &PCFG, &pi), WL_C_MALFORMED);
	CHECK_EQ(pi.why, WL_M_IP_HDR);
	memcpy(g, f, n);
	g[14 + 9] = 47; /* GRE */
	ipv4_set_csum(g + 14);
	CHECK_EQ(pkt_parse(g, n, &PCFG, &pi), WL_C_UNKNOWN);
	/* ARP with wrong hlen */
	n = arp_build_request(g, sizeof(g), A.src_mac, A.src_ip, A.dst_ip);
	g[14 + 4] = 8;
	CHECK_EQ(pkt_parse(g, n, &PCFG, &pi), WL_C_MALFORMED);
	/* TCP data offset too big */
	n = tcp_build(g, sizeof(g), &A, 1, 2, 0, 0, TCP_SYN, NULL, 0);
	g[34 + 12] = 0xf0;
	CHECK_EQ(pkt_parse(g, n, &PCFG, &pi), WL_C_MALFORMED);
	/* DNS shorter than its header */
	n = udp_build(g, sizeof(g), &A, 1, 53, (const uint8_t *)"abc", 3, 0);
	CHECK_EQ(pkt_parse(g, n, &PCFG, &pi), WL_C_MALFORMED);
	CHECK_EQ(pi.why, WL_M_DNS);
	/* VLAN-tagged IPv4 is classified through the tag */
	n = udp_build(f, sizeof(f), &A, 1, 2, (const uint8_t *)"x", 1, 64);
	memcpy(g, f, 12);
	wr16(g + 12, 0x8100);
	wr16(g + 14, 100);
	memcpy(g + 16, f + 12, n - 12);
	CHECK_EQ(pkt_parse(g, n + 4, &PCFG, &pi), WL_C_UDP);
	CHECK_EQ(pi.vlan, 1);
}

static void test_dns(void)
{
	uint8_t b[600];
	CHECK_EQ(dns_encode_name("a.bc", b, sizeof(b)), 6);
	CHECK(!memcmp(b, "\1a\2bc\0", 6));
	CHECK_EQ(dns_encode_name("a.bc.", b, sizeof(b)), 6);
	CHECK_EQ(dns_encode_name("a..bc", b, sizeof(b)), -1);
	char longlabel[80];
	memset(longlabel, 'x', 64);
	longlabel[64] = 0;
	CHECK_EQ(dns_encode_name(longlabel, b, sizeof(b)), -1);
	/* decoding, parsing, answering: unit_tcp_dns.c */
}

static void test_responder(void)
{
	uint8_t in[WL_MAX_FRAME], out[WL_MAX_FRAME];
	struct pkt_info pi, po;
	struct dns_record recs[1] = { { "www.example.com", 0x0a000001, 0, { 0 } } };
	struct resp_cfg rc = { { 0x02, 0, 0, 0, 0, 0x02 }, A.dst_ip, 0, 1, recs, 1, 42, NULL, 0, { 0 } };
	unsigned ev;
	size_t n, o;

	n = arp_build_request(in, sizeof(in), A.src_mac, A.src_ip, A.dst_ip);
	pkt_parse(in, n, &PCFG, &pi);
	o = respond(&rc, in, n, &pi, out, sizeof(out), &ev);
	CHECK(o == 60 && (ev & RESP_ANSWERED));
	CHECK_EQ(pkt_parse(out, o, &PCFG, &po), WL_C_ARP);
	CHECK_EQ(po.arp_op, ARP_OP_REPLY);
	CHECK_EQ(po.arp_spa, A.dst_ip);
	CHECK(!memcmp(out, A.src_mac, 6));

	n = icmp_build_echo(in, sizeof(in), &A, ICMP_ECHO_REQUEST, 9, 10, (const uint8_t *)"ping", 4, 98);
	pkt_parse(in, n, &PCFG, &pi);
	o = respond(&rc, in, n, &pi, out, sizeof(out), &ev);
	CHECK_EQ(o, 98);
	CHECK(l4_ok(out));
	CHECK_EQ(pkt_parse(out, o, &PCFG, &po), WL_C_ICMP);
	CHECK_EQ(po.icmp_type, ICMP_ECHO_REPLY);
	CHECK_EQ(po.icmp_seq, 10);
	CHECK_EQ(po.ip_dst, A.src_ip);
	CHECK(!memcmp(out + 42, in + 42, 98 - 42));

	uint8_t q[300];
	int ql = dns_build_query(q, sizeof(q), 5, "www.example.com", DNS_TYPE_A);
	n = udp_build(in, sizeof(in), &A, 4444, 53, q, (size_t)ql, 0);
	pkt_parse(in, n, &PCFG, &pi);
	o = respond(&rc, in, n, &pi, out, sizeof(out), &ev);
	CHECK(o > 0);
	CHECK(l4_ok(out));
	CHECK_EQ(pkt_parse(out, o, &PCFG, &po), WL_C_DNS);
	CHECK_EQ(po.dns_id, 5);
	CHECK_EQ(po.dns_flags & 0xf, 0);
	CHECK_EQ(po.dport, 4444);
	CHECK_EQ(rd16(out + po.pl_off + 6), 1); /* one answer */
	ql = dns_build_query(q, sizeof(q), 6, "missing.example.com", DNS_TYPE_A);
	n = udp_build(in, sizeof(in), &A, 4444, 53, q, (size_t)ql, 0);
	pkt_parse(in, n, &PCFG, &pi);
	o = respond(&rc, in, n, &pi, out, sizeof(out), &ev);
	pkt_parse(out, o, &PCFG, &po);
	CHECK_EQ(po.dns_flags & 0xf, DNS_RCODE_NXDOMAIN);

	/* TCP: the connection state machine, unit_tcp_dns.c */

	/* UDP echo, and not answering for other addresses */
	n = udp_build(in, sizeof(in), &A, 7, 9000, (const uint8_t *)"echo me", 7, 0);
	pkt_parse(in, n, &PCFG, &pi);
	o = respond(&rc, in, n, &pi, out, sizeof(out), &ev);
	pkt_parse(out, o, &PCFG, &po);
	CHECK_EQ(po.dport, 7);
	CHECK(!memcmp(out + po.pl_off, "echo me", 7));
	rc.ip = 0x01010101;
	CHECK_EQ(respond(&rc, in, n, &pi, out, sizeof(out), &ev), 0);
	rc.ip = A.dst_ip;
	rc.arp_only = 1;
	CHECK_EQ(respond(&rc, in, n, &pi, out, sizeof(out), &ev), 0);
}

static void test_template_fill(void)
{
	/* the incremental fix-up gives the same checksum as a full recompute */
	struct wl_tmpl t;
	uint8_t pkt[WL_MAX_FRAME];
	uint8_t q[300];
	int ql = dns_build_query(q, sizeof(q), 0, "example.org", DNS_TYPE_A);
	const struct { int var; uint16_t var_off, sport_off, csum_off; } cases[] = {
		{ WL_VAR_NONE, 0, 34, 40 },        /* udp */
		{ WL_VAR_ICMP_SEQ, 40, 0, 36 },    /* icmp */
		{ WL_VAR_TCP_SEQ, 38, 34, 50 },    /* tcp syn */
		{ WL_VAR_DNS_ID, 42, 34, 40 },     /* dns */
	};
	for (int k = 0; k < 4; k++) {
		memset(&t, 0, sizeof(t));
		size_t n;
		if (k == 0) n = udp_build(t.data, sizeof(t.data), &A, 0, 9, (const uint8_t *)"abc", 3, 200);
		else if (k == 1) n = icmp_build_echo(t.data, sizeof(t.data), &A, 8, 1, 0, (const uint8_t *)"abc", 3, 64);
		else if (k == 2) n = tcp_build(t.data, sizeof(t.data), &A, 0, 80, 0, 0, TCP_SYN, NULL, 0);
		else n = udp_build(t.data, sizeof(t.data), &A, 0, 53, q, (size_t)ql, 0);
		t.len = (uint16_t)n;
		t.var = (uint8_t)cases[k].var;
		t.var_off = cases[k].var_off;
		t.sport_off = cases[k].sport_off;
		t.csum_off = cases[k].csum_off;
		tmpl_finish(&t, ETH_HLEN);
		struct wl_rng r;
		rng_seed(&r, (uint64_t)k);
		for (int i = 0; i < 2000; i++) {
			uint32_t key = (uint32_t)rng_next(&r);
			if (t.var != WL_VAR_TCP_SEQ)
				key &= 0xffff;
			uint16_t sport = (uint16_t)rng_next(&r);
			memcpy(pkt, t.data, n);
			tmpl_fill(&t, pkt, key, sport);
			if (!l4_ok(pkt)) {
				CHECK(l4_ok(pkt));
				break;
			}
		}
		checks++;
	}
}

static void test_pacing(void)
{
	struct pacer p;
	const uint64_t hz = 2450000000ull;
	uint64_t now = 123456789012345ull; /* a large TSC value */
	pacer_init(&p, hz, 1e6, now, hz);
	uint64_t sent = 0;
	/* ten seconds in steps of 7 us: exactly 10e6 departures (+1 for t=0) */
	for (uint64_t t = 0; t <= 10 * hz; t += hz / 1000000 * 7)
		sent += pacer_due(&p, now + t, 1000);
	CHECK(llabs((long long)sent - 10000001) <= 8);
	/* awkward rate with a fractional step */
	pacer_init(&p, hz, 333333.0, now, hz);
	sent = 0;
	for (uint64_t t = 0; t <= hz; t += 10000)
		sent += pacer_due(&p, now + t, 1000);
	CHECK(llabs((long long)sent - 333334) <= 2);
	/* a stall longer than max_lag skips ahead */
	pacer_init(&p, hz, 1000, now, hz / 1000);
	CHECK_EQ(pacer_due(&p, now, 100), 1);
	CHECK(pacer_due(&p, now + hz, 100) <= 3);
	/* backoff */
	CHECK_EQ(backoff_delay(100, 2.0, 1000, 0), 100);
	CHECK_EQ(backoff_delay(100, 2.0, 1000, 3), 800);
	CHECK_EQ(backoff_delay(100, 2.0, 1000, 4), 1000);
	CHECK_EQ(backoff_delay(100, 2.0, 1000, 400), 1000);
	/* random phases: reproducible from the seed */
	struct phase_draw a, b;
	int differ = 0;
	for (unsigned i = 0; i < 20; i++) {
		phase_draw(7, i, -1, -1, &a);
		phase_draw(7, i, -1, -1, &b);
		CHECK(!memcmp(&a, &b, sizeof(a)));
		CHECK(a.protocol >= 0 && a.protocol < WL_P_COUNT);
		CHECK(a.mode >= 0 && a.mode < WL_MODE_RANDOM);
		phase_draw(8, i, -1, -1, &b);
		differ += a.protocol != b.protocol || a.mode != b.mode;
	}
	CHECK(differ > 0);
	phase_draw(7, 3, WL_P_DNS, WL_MODE_RATE, &a);
	CHECK(a.protocol == WL_P_DNS && a.mode == WL_MODE_RATE);
	struct wl_rng r;
	rng_seed(&r, 1);
	for (int i = 0; i < 1000; i++)
		CHECK(rng_below(&r, 6) < 6);
}

static void test_stats(void)
{
	static struct rtt_hist h;
	memset(&h, 0, sizeof(h));
	for (uint64_t i = 1; i <= 1000; i++)
		rtt_add(&h, i * 1000); /* 1..1000 us */
	double p50 = rtt_quantile(&h, 0.5), p99 = rtt_quantile(&h, 0.99);
	CHECK(fabs(p50 - 500000) / 500000 < 0.04);
	CHECK(fabs(p99 - 990000) / 990000 < 0.04);
	CHECK(rtt_quantile(&h, 1.0) <= 1000000);
	CHECK_EQ(h.max_ns, 1000000);
	for (unsigned i = 0; i + 1 < RTT_BUCKETS; i++)
		if (!(rtt_bucket_value(i) < rtt_bucket_value(i + 1))) {
			CHECK(rtt_bucket_value(i) < rtt_bucket_value(i + 1));
			break;
		}
	CHECK_EQ(rtt_bucket(5), 5);

	static struct jbuf j;
	jb_reset(&j);
	jb_obj_open(&j);
	jb_kstr(&j, "a", "q\"b\\\n");
	jb_ku64(&j, "n", 5);
	jb_key(&j, "arr");
	jb_arr_open(&j);
	jb_u64(&j, 1);
	jb_u64(&j, 2);
	jb_arr_close(&j);
	jb_kdbl(&j, "x", NAN, 2);
	jb_obj_close(&j);
	j.buf[j.len] = 0;
	CHECK(!strcmp(j.buf, "{\"a\":\"q\\\"b\\\\\\u000a\",\"n\":5,\"arr\":[1,2],\"x\":null}"));
}

/* the stats emitter's sum of several workers' counters */
static void test_counters_add(void)
{
	static struct wl_counters a, b;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.tx_packets = 3; b.tx_packets = 4;
	a.p[WL_P_UDP].answers_matched = 5; b.p[WL_P_UDP].answers_matched = 6;
	a.tcp_client.in_state[2] = 1; b.tcp_client.in_state[2] = 2;
	a.arp_conflicts = 1; b.arp_conflicts = 1;
	rtt_add(&a.rtt, 1000);
	rtt_add(&b.rtt, 9000);
	a.ipd = (struct ipd_stats){ .n = 9, .pkts = 10, .t0_tsc = 100, .t1_tsc = 900, .target_pps = 500, .active = 1 };
	b.ipd = (struct ipd_stats){ .n = 9, .pkts = 10, .t0_tsc = 50, .t1_tsc = 950, .target_pps = 500, .active = 1 };
	counters_add(&a, &b);
	CHECK_EQ(a.tx_packets, 7);
	CHECK_EQ(a.p[WL_P_UDP].answers_matched, 11);
	CHECK_EQ(a.tcp_client.in_state[2], 3);
	CHECK_EQ(a.arp_conflicts, 2); /* the last counter before the histogram */
	CHECK_EQ(a.rtt.count, 2);
	CHECK_EQ(a.rtt.max_ns, 9000);
	CHECK_EQ(a.ipd.pkts, 20);
	CHECK_EQ(a.ipd.t0_tsc, 50);
	CHECK_EQ(a.ipd.t1_tsc, 950);
	CHECK(a.ipd.target_pps == 1000); /* the workers' shares add up to the target */
}

static void test_options(void)
{
	static struct wl_config c;
	/* a refusal inside a cluster of short options leaves getopt mid-cluster: the next parse starts afresh */
	CHECK_EQ(parse_args(&c, "-xh"), 2);
	CHECK_EQ(parse_args(&c, "--src-ip 198.18.0.1 --dst-ip 198.18.0.2"), 0);
	CHECK_EQ(parse_args(&c, "--role rx --ip 198.18.0.2 --dns-record a.example=1.2.3.4 --udp-echo"), 0);
	CHECK_EQ(c.role, WL_ROLE_RX);
	CHECK_EQ(c.n_records, 1);
	CHECK_EQ(c.records[0].addr, 0x01020304);
	CHECK_EQ(parse_args(&c, "--protocol icmp --src-ip 198.18.0.1 --dst-ip 198.18.0.2 --mode rate --pps 1e6"), 0);
	CHECK_EQ(c.protocol, WL_P_ICMP);
	CHECK(c.pps == 1e6);
	CHECK_EQ(c.ip, c.src_ip); /* --ip defaults to --src-ip */
	CHECK_EQ(parse_args(&c, "--protocol dns --src-ip 198.18.0.1 --dst-ip 198.18.0.2 --domain a.b --domain c.d"), 0);
	CHECK_EQ(c.n_domains, 2);
	CHECK_EQ(options_dst_port(&c, WL_P_DNS), 53);
	CHECK_EQ(parse_args(&c, "--protocol eth --ethertype 0x88b6"), 0);
	CHECK_EQ(c.ethertype, 0x88b6);
	CHECK(c.has_dst_mac && c.dst_mac[0] == 0xff); /* broadcast without --dst-ip */
	CHECK_EQ(parse_args(&c, "--dst-mac 02:00:00:00:00:09 --src-ip 1.1.1.1 --dst-ip 2.2.2.2"), 0);
	CHECK_EQ(c.dst_mac[5], 9);
	/* bad values: exit code 2 */
	CHECK_EQ(parse_args(&c, "--role sideways"), 2);
	CHECK_EQ(parse_args(&c, "--protocol sctp"), 2);
	CHECK_EQ(parse_args(&c, "--pps 0 --src-ip 1.1.1.1 --dst-ip 2.2.2.2"), 2);
	CHECK_EQ(parse_args(&c, "--size 40"), 2);
	CHECK_EQ(parse_args(&c, "--size 9000"), 2);
	CHECK_EQ(parse_args(&c, "--src-ip 300.1.1.1"), 2);
	CHECK_EQ(parse_args(&c, "--dst-mac 02:00:00:00:00"), 2);
	CHECK_EQ(parse_args(&c, "--ethertype 0x0800"), 2);
	CHECK_EQ(parse_args(&c, "--dns-record noequals"), 2);
	CHECK_EQ(parse_args(&c, "--count -5"), 2);
	CHECK_EQ(parse_args(&c, "--nonsense"), 2);
	CHECK_EQ(parse_args(&c, "--protocol udp"), 2); /* tx needs addresses */
	CHECK_EQ(parse_args(&c, "--protocol eth --mode backoff --dst-mac 02:00:00:00:00:01"), 2);
	CHECK_EQ(parse_args(&c, "--src-ip 1.1.1.1 --dst-ip 2.2.2.2 --src-port 65530 --flows 10"), 2);
	CHECK_EQ(parse_args(&c, "--mode backoff --src-ip 1.1.1.1 --dst-ip 2.2.2.2 --initial-delay 10 --max-delay 5"), 2);
	CHECK_EQ(parse_args(&c, "--stats-interval 0"), 2);
	CHECK_EQ(parse_args(&c, "--domain bad..name --src-ip 1.1.1.1 --dst-ip 2.2.2.2"), 2);
	CHECK_EQ(parse_args(&c, "stray --src-ip 1.1.1.1 --dst-ip 2.2.2.2"), 2);
	/* IPv6: the family follows the addresses; what cannot be sent over it yet is refused */
	CHECK_EQ(parse_args(&c, "--protocol icmp --src-ip 2001:2::1 --dst-ip 2001:2::2"), 0);
	CHECK_EQ(c.ip_version, 6);
	CHECK(c.has_ip6 && c.ip6[15] == 1 && c.dst_ip6[15] == 2 && c.src_ip == 0);
	CHECK_EQ(parse_args(&c, "--protocol udp --ip-version 6 --src-ip 2001:2::1 --dst-ip 2001:2::2"), 0);
	CHECK_EQ(parse_args(&c, "--role rx --ip 2001:2::2 --ip 198.18.0.2 --udp-echo"), 0);
	CHECK(c.has_ip6 && c.ip == 0xC6120002);
	CHECK_EQ(parse_args(&c, "--protocol icmp --ip-version 4 --src-ip 2001:2::1 --dst-ip 2001:2::2"), 2);
	CHECK_EQ(parse_args(&c, "--protocol arp --src-ip 2001:2::1 --dst-ip 2001:2::2"), 2); /* NDP is IPv6's */
	CHECK_EQ(parse_args(&c, "--fragment-size 512 --src-ip 2001:2::1 --dst-ip 2001:2::2"), 0);
	CHECK_EQ(parse_args(&c, "--fragment-size 1456 --src-ip 2001:2::1 --dst-ip 2001:2::2"), 2); /* 1448 + 8 + 40 + 14 */
	CHECK_EQ(parse_args(&c, "--protocol tcp --src-ip 2001:2::1 --dst-ip 2001:2::2"), 0);
	CHECK_EQ(parse_args(&c, "--protocol dns --dns-type AAAA --src-ip 2001:2::1 --dst-ip 2001:2::2"), 0);
	CHECK_EQ(c.dns_qtype, DNS_TYPE_AAAA);
	CHECK_EQ(parse_args(&c, "--protocol dns --dns-type MX --src-ip 2001:2::1 --dst-ip 2001:2::2"), 2);
	CHECK_EQ(parse_args(&c, "--role rx --ip 2001:2::2 --dns-record www.example.com=2001:2::10 "
				"--dns-record www.example.com=198.18.0.10"), 0);
	CHECK(c.n_records == 2 && c.records[0].is6 && c.records[0].addr6[15] == 0x10 && !c.records[1].is6 &&
	      c.records[1].addr == 0xC612000A);
	CHECK_EQ(parse_args(&c, "--role rx --ip 2001:2::2 --dns-record www.example.com=2001:2::1::1"), 2);
	CHECK_EQ(parse_args(&c, "--role rx --ip 2001:2::2 --dns-record =2001:2::1"), 2);
	/* both families: random mode draws; --ip-version 4 no longer contradicts the IPv6 pair */
	CHECK_EQ(parse_args(&c, "--mode random --src-ip 2001:2::1 --dst-ip 2001:2::2 --src-ip 1.1.1.1 --dst-ip 2.2.2.2"), 0);
	CHECK(c.dual_stack && c.ip_version == 6);
	CHECK_EQ(parse_args(&c, "--ip-version 4 --src-ip 2001:2::1 --dst-ip 2001:2::2 --src-ip 1.1.1.1 --dst-ip 2.2.2.2"), 0);
	CHECK_EQ(c.ip_version, 4);
	CHECK_EQ(parse_args(&c, "--protocol icmp --ip-version 6 --src-ip 2001:2::1"), 2);
	CHECK_EQ(parse_args(&c, "--protocol icmp --src-ip ff02::1 --dst-ip 2001:2::2"), 2);
	CHECK_EQ(parse_args(&c, "--protocol icmp --src-ip 2001:2::1::3 --dst-ip 2001:2::2"), 2);
	CHECK_EQ(parse_args(&c, "--ip-version 5"), 2);
	CHECK_EQ(parse_args(&c, "--protocol icmp --src-ip 1.1.1.1 --dst-ip 2.2.2.2"), 0);
	CHECK_EQ(c.ip_version, 4);
	CHECK_EQ(c.workers, 1);
	CHECK_EQ(parse_args(&c, "--role rx --workers 4"), 0);
	CHECK_EQ(c.workers, 4);
	CHECK_EQ(parse_args(&c, "--role rx --workers 0"), 2);
	CHECK_EQ(parse_args(&c, "--role rx --workers 65"), 2);
	uint32_t ip;
	CHECK_EQ(parse_ipv4("198.18.200.1", &ip), 0);
	CHECK_EQ(ip, 0xC612C801);
	char s[32];
	fmt_ipv4(ip, s, sizeof(s));
	CHECK(!strcmp(s, "198.18.200.1"));
}

int main(void)
{
	test_csum();
	test_builders_and_parse();
	test_malformed();
	test_dns();
	test_responder();
	test_template_fill();
	test_pacing();
	test_stats();
	test_counters_add();
	test_options();
	printf("%d checks, %d failures\n", checks, failures);
	return failures ? 1 : 0;
}
