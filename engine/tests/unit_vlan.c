/* 802.1Q / QinQ in the engine core: --vlan parsing and limits, tags written
 * into frames and templates, the classifier through one and two tags,
 * membership (another VLAN's frame is refused), answers to tagged requests,
 * tags a PMD stripped put back, and the per-VLAN counters. No DPDK. */
#include <stdio.h>
#include <string.h>
#include "vlan.h"
#include "options.h"
#include "pkt_parse.h"
#include "responder.h"
#include "rx_validate.h"
#include "proto_arp.h"
#include "proto_icmp.h"
#include "proto_udp.h"
#include "json_out.h"
#include "check.h"

static const struct parse_cfg PCFG = { ETHERTYPE_WL_DEFAULT, 0 };
static const uint8_t PEER_MAC[ETH_ALEN] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t MY_MAC[ETH_ALEN] = { 0x02, 0, 0, 0, 0, 0x02 };
#define PEER_IP 0xC612C801u /* 198.18.200.1 */
#define MY_IP 0xC612C802u   /* 198.18.200.2 */

static struct vlan_stack stack_of(const char *a, const char *b)
{
	struct vlan_stack s = { 0 };
	char err[160];
	if (a)
		CHECK_EQ(vlan_parse_arg(&s, a, err, sizeof(err)), 0);
	if (b)
		CHECK_EQ(vlan_parse_arg(&s, b, err, sizeof(err)), 0);
	vlan_finish(&s);
	return s;
}

static void test_parse_arg(void)
{
	struct vlan_stack s = { 0 };
	char err[160];
	CHECK_EQ(vlan_parse_arg(&s, "100", err, sizeof(err)), 0);
	CHECK_EQ(s.n, 1);
	CHECK_EQ(s.tci[0], 100);
	CHECK_EQ(vlan_parse_arg(&s, "4094,7", err, sizeof(err)), 0);
	CHECK_EQ(s.tci[1], 7 << 13 | 4094);
	vlan_finish(&s);
	CHECK_EQ(s.tpid[0], 0x88a8);
	CHECK_EQ(s.tpid[1], 0x8100);
	/* a third tag, reserved VIDs, PCP out of range, junk */
	CHECK_EQ(vlan_parse_arg(&s, "5", err, sizeof(err)), -1);
	CHECK(strstr(err, "at most two tags") != NULL);
	const char *bad[] = { "0", "4095", "99999", "", "-1", "100,8", "100,", ",3", "100,5x", "1e2", "0x64", "100 " };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct vlan_stack t = { 0 };
		CHECK_EQ(vlan_parse_arg(&t, bad[i], err, sizeof(err)), -1);
		CHECK_EQ(t.n, 0);
	}
	struct vlan_stack t = { 0 };
	vlan_parse_arg(&t, "100,9", err, sizeof(err));
	CHECK(strstr(err, "PCP") != NULL);
	vlan_parse_arg(&t, "4095", err, sizeof(err));
	CHECK(strstr(err, "1..4094") != NULL);
	s = stack_of("1", NULL);
	CHECK_EQ(s.tpid[0], 0x8100);
	CHECK_EQ(s.tci[0], 1);
}

/* The engine's own option: one-line error naming --vlan, exit status 2. */
static int parse_opts(struct wl_config *c, const char *line, char *err, size_t errlen)
{
	char buf[512], *argv[32];
	int argc = split_args(line, buf, sizeof(buf), argv, 32);
	FILE *saved = stderr, *cap = tmpfile();
	stderr = cap;
	int rc = options_parse(c, argc, argv);
	stderr = saved;
	rewind(cap);
	size_t n = fread(err, 1, errlen - 1, cap);
	err[n] = 0;
	fclose(cap);
	return rc;
}

static void test_options(void)
{
	struct wl_config c;
	char err[512];
	CHECK_EQ(parse_opts(&c, "--role rx --ip 198.18.200.2 --vlan 100 --vlan 200,3", err, sizeof(err)), 0);
	CHECK_EQ(c.vlan.n, 2);
	CHECK_EQ(c.vlan.tpid[0], 0x88a8);
	CHECK_EQ(c.vlan.tci[1], 3 << 13 | 200);
	struct jbuf j;
	jb_reset(&j);
	jb_obj_open(&j);
	jb_key(&j, "vlan");
	vlan_config_json(&j, &c.vlan);
	jb_obj_close(&j);
	j.buf[j.len] = 0;
	CHECK(!strcmp(j.buf, "{\"vlan\":[{\"vid\":100,\"pcp\":0,\"tpid\":\"0x88a8\"},{\"vid\":200,\"pcp\":3,\"tpid\":\"0x8100\"}]}"));
	CHECK_EQ(parse_opts(&c, "--role rx --ip 198.18.200.2", err, sizeof(err)), 0);
	CHECK_EQ(c.vlan.n, 0);

	CHECK_EQ(parse_opts(&c, "--role rx --ip 198.18.200.2 --vlan 4095", err, sizeof(err)), 2);
	CHECK(!strncmp(err, "wirelab-engine: --vlan: '4095'", 30));
	CHECK(strchr(err, '\n') == err + strlen(err) - 1);
	CHECK_EQ(parse_opts(&c, "--role rx --ip 198.18.200.2 --vlan 10,8", err, sizeof(err)), 2);
	CHECK(strstr(err, "--vlan") && strstr(err, "0..7"));
	CHECK_EQ(parse_opts(&c, "--role rx --ip 198.18.200.2 --vlan 1 --vlan 2 --vlan 3", err, sizeof(err)), 2);
	CHECK(strstr(err, "--vlan: '3': at most two tags") != NULL);
}

static size_t udp_frame_from(uint8_t *f, size_t cap, uint16_t sport)
{
	struct wl_l2l3 a;
	memcpy(a.src_mac, PEER_MAC, ETH_ALEN);
	memcpy(a.dst_mac, MY_MAC, ETH_ALEN);
	a.src_ip = PEER_IP;
	a.dst_ip = MY_IP;
	return udp_build(f, cap, &a, sport, 9000, (const uint8_t *)"tagged", 6, 0);
}

static size_t udp_frame(uint8_t *f, size_t cap) { return udp_frame_from(f, cap, 10000); }

static void test_tag_and_parse(void)
{
	uint8_t f[WL_MAX_FRAME], g[WL_MAX_FRAME], h[WL_MAX_FRAME];
	struct pkt_info pi, p0;
	size_t n = udp_frame(f, sizeof(f));
	CHECK_EQ(pkt_parse(f, n, &PCFG, &p0), WL_C_UDP);

	struct vlan_stack one = stack_of("100,5", NULL);
	memcpy(g, f, n);
	size_t m = vlan_tag_inplace(&one, g, n, sizeof(g));
	CHECK_EQ(m, n + 4);
	CHECK(!memcmp(g, f, 12));
	CHECK_EQ(rd16(g + 12), 0x8100);
	CHECK_EQ(rd16(g + 14), 5 << 13 | 100);
	CHECK(!memcmp(g + 16, f + 12, n - 12));
	CHECK_EQ(vlan_copy_tagged(&one, h, f, n), m);
	CHECK(!memcmp(g, h, m));
	CHECK_EQ(vlan_tag_inplace(&one, g, n, n + 3), 0); /* does not fit */

	CHECK_EQ(pkt_parse(h, m, &PCFG, &pi), WL_C_UDP);
	CHECK_EQ(pi.vlan, 1);
	CHECK_EQ(pi.vlan_tci[0], 5 << 13 | 100);
	CHECK_EQ(pi.l3_off, 18);
	CHECK_EQ(pi.sport, p0.sport);
	CHECK_EQ(pi.pl_len, p0.pl_len);
	CHECK(!memcmp(h + pi.pl_off, "tagged", 6));

	struct vlan_stack two = stack_of("100", "200");
	m = vlan_copy_tagged(&two, h, f, n);
	CHECK_EQ(m, n + 8);
	CHECK_EQ(rd16(h + 12), 0x88a8);
	CHECK_EQ(rd16(h + 16), 0x8100);
	CHECK_EQ(pkt_parse(h, m, &PCFG, &pi), WL_C_UDP);
	CHECK_EQ(pi.vlan, 2);
	CHECK_EQ(VLAN_VID(pi.vlan_tci[0]), 100);
	CHECK_EQ(VLAN_VID(pi.vlan_tci[1]), 200);
	CHECK_EQ(pi.l3_off, 22);
	/* the outer tag handed back as 0x8100 (af_packet re-tagging) parses the same */
	wr16(h + 12, 0x8100);
	CHECK_EQ(pkt_parse(h, m, &PCFG, &pi), WL_C_UDP);
	CHECK_EQ(vlan_key(pi.vlan, pi.vlan_tci), vlan_stack_key(&two));

	/* three tags: the third is not walked, the frame is unknown */
	uint8_t k[WL_MAX_FRAME];
	size_t m3 = vlan_tag_inplace(&one, memcpy(k, h, m), m, sizeof(k));
	CHECK_EQ(m3, m + 4);
	CHECK_EQ(pkt_parse(k, m3, &PCFG, &pi), WL_C_UNKNOWN);
	/* a tag cut short */
	CHECK_EQ(pkt_parse(h, 17, &PCFG, &pi), WL_C_MALFORMED);
	CHECK_EQ(pkt_parse(h, 21, &PCFG, &pi), WL_C_MALFORMED);
	CHECK_EQ(pi.why, WL_M_SHORT_ETH);

	char ks[16];
	vlan_key_str(vlan_stack_key(&two), ks, sizeof(ks));
	CHECK(!strcmp(ks, "100.200"));
	vlan_key_str(vlan_stack_key(&one), ks, sizeof(ks));
	CHECK(!strcmp(ks, "100"));
}

/* rxv_check's verdict on the frame f tagged with `tags` (NULL: as it is). */
static int verdict(const struct rxv_cfg *rx, const struct vlan_stack *tags, const uint8_t *f, size_t n)
{
	uint8_t h[WL_MAX_FRAME];
	struct pkt_info pi;
	size_t m = tags ? vlan_copy_tagged(tags, h, f, n) : n;
	if (!tags)
		memcpy(h, f, n);
	pkt_parse(h, m, &PCFG, &pi);
	return rxv_check(rx, h, m, &pi);
}

static void test_membership(void)
{
	uint8_t f[WL_MAX_FRAME];
	size_t n = udp_frame(f, sizeof(f));
	struct rxv_cfg rx = { 0 };
	memcpy(rx.mac, MY_MAC, ETH_ALEN);
	rx.verify_checksums = 1;
	struct vlan_stack v100 = stack_of("100", NULL), v100p7 = stack_of("100,7", NULL), v200 = stack_of("200", NULL);
	struct vlan_stack q = stack_of("100", "200"), q2 = stack_of("100", "300"), prio = stack_of("5", NULL);
	prio.tci[0] = 6 << 13; /* VID 0: priority only */

	/* untagged host: untagged and priority-tagged answered, tagged refused */
	CHECK_EQ(verdict(&rx, NULL, f, n), RXV_OK);
	CHECK_EQ(verdict(&rx, &v100, f, n), RXV_VLAN);
	CHECK_EQ(verdict(&rx, &prio, f, n), RXV_OK);

	/* host on VLAN 100: 100 (any PCP) answered; 200, untagged, QinQ 100.200 refused */
	rx.vlan = v100;
	CHECK_EQ(verdict(&rx, &v100p7, f, n), RXV_OK);
	CHECK_EQ(verdict(&rx, &v200, f, n), RXV_VLAN);
	CHECK_EQ(verdict(&rx, NULL, f, n), RXV_VLAN);
	CHECK_EQ(verdict(&rx, &q, f, n), RXV_VLAN);

	/* QinQ host 100.200: only that pair */
	rx.vlan = q;
	CHECK_EQ(verdict(&rx, &q, f, n), RXV_OK);
	CHECK_EQ(verdict(&rx, &q2, f, n), RXV_VLAN);
	CHECK_EQ(verdict(&rx, &v100, f, n), RXV_VLAN);
}

/* Tagged requests are answered (the responder builds untagged; the worker
 * copies the answer out with the same tags) and the answer parses back. */
static void test_answers(void)
{
	uint8_t f[WL_MAX_FRAME], h[WL_MAX_FRAME], out[WL_MAX_FRAME], wire[WL_MAX_FRAME];
	struct pkt_info pi;
	unsigned ev;
	struct resp_cfg rc = { 0 };
	memcpy(rc.mac, MY_MAC, ETH_ALEN);
	rc.ip = MY_IP;
	rc.udp_echo = 1;
	struct vlan_stack q = stack_of("100,3", "200");

	/* ARP: the sender's hardware address sits after the tags */
	size_t n = arp_build_request(f, sizeof(f), PEER_MAC, PEER_IP, MY_IP);
	size_t m = vlan_copy_tagged(&q, h, f, n);
	CHECK_EQ(pkt_parse(h, m, &PCFG, &pi), WL_C_ARP);
	size_t l = respond(&rc, h, m, &pi, out, sizeof(out), &ev);
	CHECK(l > 0);
	CHECK(!memcmp(out, PEER_MAC, ETH_ALEN));
	CHECK_EQ(rd16(out + 12), ETHERTYPE_ARP);
	CHECK(!memcmp(out + ETH_HLEN + 18, PEER_MAC, ETH_ALEN)); /* THA */
	size_t wl = vlan_copy_tagged(&q, wire, out, l);
	CHECK_EQ(pkt_parse(wire, wl, &PCFG, &pi), WL_C_ARP);
	CHECK_EQ(pi.arp_op, ARP_OP_REPLY);
	CHECK_EQ(vlan_key(pi.vlan, pi.vlan_tci), vlan_stack_key(&q));
	CHECK_EQ(pi.vlan_tci[0], 3 << 13 | 100); /* the priority goes back as configured */

	/* ICMP echo and UDP echo */
	struct wl_l2l3 a;
	memcpy(a.src_mac, PEER_MAC, ETH_ALEN);
	memcpy(a.dst_mac, MY_MAC, ETH_ALEN);
	a.src_ip = PEER_IP;
	a.dst_ip = MY_IP;
	n = icmp_build_echo(f, sizeof(f), &a, ICMP_ECHO_REQUEST, 7, 9, (const uint8_t *)"hi", 2, 0);
	m = vlan_copy_tagged(&q, h, f, n);
	CHECK_EQ(pkt_parse(h, m, &PCFG, &pi), WL_C_ICMP);
	l = respond(&rc, h, m, &pi, out, sizeof(out), &ev);
	CHECK(l > 0 && (ev & RESP_ANSWERED));
	wl = vlan_copy_tagged(&q, wire, out, l);
	CHECK_EQ(pkt_parse(wire, wl, &PCFG, &pi), WL_C_ICMP);
	CHECK_EQ(pi.icmp_type, ICMP_ECHO_REPLY);
	CHECK_EQ(pi.icmp_seq, 9);
	CHECK(rxv_l4_csum_ok(wire + pi.l3_off, wl - pi.l3_off));
	n = udp_frame(f, sizeof(f));
	m = vlan_copy_tagged(&q, h, f, n);
	CHECK_EQ(pkt_parse(h, m, &PCFG, &pi), WL_C_UDP);
	l = respond(&rc, h, m, &pi, out, sizeof(out), &ev);
	CHECK(l > 0);
	wl = vlan_copy_tagged(&q, wire, out, l);
	CHECK_EQ(pkt_parse(wire, wl, &PCFG, &pi), WL_C_UDP);
	CHECK_EQ(pi.sport, 9000);
	CHECK(!memcmp(wire + pi.pl_off, "tagged", 6));
}

/* A template tagged after it was built: the hot-loop fill still lands on
 * the right bytes and the checksum verifies. */
static void test_template(void)
{
	struct wl_tmpl t;
	memset(&t, 0, sizeof(t));
	t.len = (uint16_t)udp_frame_from(t.data, sizeof(t.data), 0); /* the fill adds the port */
	t.sport_off = ETH_HLEN + IPV4_HLEN;
	t.csum_off = ETH_HLEN + IPV4_HLEN + 6;
	tmpl_finish(&t, ETH_HLEN);
	uint16_t untagged_len = t.len;
	struct vlan_stack q = stack_of("100", "200");
	CHECK_EQ(vlan_tag_tmpl(&q, &t), 0);
	CHECK_EQ(t.len, untagged_len + 8);
	CHECK_EQ(t.sport_off, ETH_HLEN + 8 + IPV4_HLEN);
	uint8_t pkt[WL_MAX_FRAME];
	memcpy(pkt, t.data, t.len);
	tmpl_fill(&t, pkt, 0, 12345);
	struct pkt_info pi;
	CHECK_EQ(pkt_parse(pkt, t.len, &PCFG, &pi), WL_C_UDP);
	CHECK_EQ(pi.vlan, 2);
	CHECK_EQ(pi.sport, 12345);
	CHECK(rxv_l4_csum_ok(pkt + pi.l3_off, t.len - pi.l3_off));
	struct vlan_stack none = { 0 };
	CHECK_EQ(vlan_tag_tmpl(&none, &t), 0);
	CHECK_EQ(t.len, untagged_len + 8);
	/* a full-size frame still fits the template buffer with two tags */
	t.len = ETH_MAX_FRAME;
	CHECK_EQ(vlan_tag_tmpl(&q, &t), 0);
	CHECK_EQ(t.len, ETH_MAX_FRAME + 8);
}

/* The PMD stripped the tags into the mbuf; they go back where they were. */
static void test_stripped(void)
{
	uint8_t f[WL_MAX_FRAME], want[WL_MAX_FRAME], buf[WL_MAX_FRAME];
	size_t n = udp_frame(f, sizeof(f));
	struct vlan_stack q = stack_of("100,2", "200,1"), s;

	/* both tags stripped (QinQ and VLAN flags): vlan_tci inner, outer in tci_outer */
	vlan_from_stripped(&s, 1, 1, q.tci[1], q.tci[0]);
	CHECK_EQ(s.n, 2);
	memcpy(buf + 8, f, n);
	vlan_reinsert(&s, buf);
	size_t wl = vlan_copy_tagged(&q, want, f, n);
	CHECK(!memcmp(buf, want, wl));
	/* only the outer stripped: the inner is still in the frame */
	struct vlan_stack inner = stack_of("200,1", NULL);
	size_t ml = vlan_copy_tagged(&inner, buf + 4, f, n);
	vlan_from_stripped(&s, 0, 1, q.tci[1], q.tci[0]);
	CHECK_EQ(s.n, 1);
	vlan_reinsert(&s, buf);
	CHECK_EQ(ml + 4, wl);
	CHECK(!memcmp(buf, want, wl));
	/* one tag stripped: back as a C-tag */
	struct vlan_stack one = stack_of("100", NULL);
	vlan_from_stripped(&s, 1, 0, 100, 0);
	memcpy(buf + 4, f, n);
	vlan_reinsert(&s, buf);
	wl = vlan_copy_tagged(&one, want, f, n);
	CHECK(!memcmp(buf, want, wl));
	vlan_from_stripped(&s, 0, 0, 100, 0);
	CHECK_EQ(s.n, 0);
}

static void test_counters(void)
{
	struct vlan_stack q = stack_of("100", "200"), none = { 0 };
	struct vlan_counters a, b, tot;
	struct jbuf j;
	vlan_counters_init(&a, &none);
	jb_reset(&j);
	jb_obj_open(&j);
	vlan_counters_json(&j, &a, 10);
	jb_obj_close(&j);
	j.buf[j.len] = 0;
	CHECK(!strcmp(j.buf, "{}")); /* no tag configured, none seen: no "vlans" */

	vlan_counters_init(&a, &q);
	vlan_counters_init(&b, &q);
	uint16_t t1[2] = { 100, 200 }, t2[2] = { 7, 0 };
	vlan_count_rx(&a, vlan_key(2, t1));
	vlan_count_rx(&a, vlan_key(2, t1));
	vlan_count_rx(&a, vlan_key(1, t2));
	vlan_count_rx(&b, vlan_key(2, t1));
	for (uint16_t v = 1; v <= 20; v++) {
		uint16_t tt[2] = { v, 0 };
		vlan_count_rx(&b, vlan_key(1, tt));
	}
	CHECK_EQ(b.n, VLAN_CTR_SLOTS);
	CHECK_EQ(b.other_rx, 20 - (VLAN_CTR_SLOTS - 1));
	vlan_counters_init(&tot, &q);
	vlan_counters_add(&tot, &a);
	vlan_counters_add(&tot, &b);
	CHECK_EQ(tot.e[0].key, vlan_stack_key(&q));
	CHECK_EQ(tot.e[0].rx_packets, 3);
	struct vlan_counters zero;
	memset(&zero, 0, sizeof(zero));
	vlan_counters_add(&zero, &a);
	vlan_counters_add(&zero, &b);
	CHECK(zero.configured);
	CHECK_EQ(zero.e[0].key, vlan_stack_key(&q));
	CHECK_EQ(zero.e[0].rx_packets, 3);
	uint64_t sum = tot.other_rx;
	for (unsigned i = 0; i < tot.n; i++)
		sum += tot.e[i].rx_packets;
	CHECK_EQ(sum, 3 + 1 + 20);

	vlan_counters_init(&a, &q);
	vlan_count_rx(&a, vlan_key(2, t1));
	vlan_count_rx(&a, vlan_key(1, t2));
	jb_reset(&j);
	jb_obj_open(&j);
	vlan_counters_json(&j, &a, 42);
	jb_obj_close(&j);
	j.buf[j.len] = 0;
	CHECK(!strcmp(j.buf, "{\"vlans\":{\"100.200\":{\"tx_packets\":42,\"rx_packets\":1},"
			     "\"7\":{\"tx_packets\":0,\"rx_packets\":1}}}"));
}

int main(void)
{
	test_parse_arg();
	test_options();
	test_tag_and_parse();
	test_membership();
	test_answers();
	test_template();
	test_stripped();
	test_counters();
	printf("%d checks, %d failures\n", checks, failures);
	return failures ? 1 : 0;
}
