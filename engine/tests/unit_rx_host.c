/* The rx side as a host on the wire: for each rule a conformant host
 * follows, one test named after the RFC section, deciding answered or not
 * on real frames through the same path the engine runs (classify,
 * validate, reassemble, respond). No DPDK. Run by `meson test`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "csum.h"
#include "pkt_build.h"
#include "pkt_parse.h"
#include "proto_arp.h"
#include "proto_icmp.h"
#include "proto_udp.h"
#include "proto_tcp.h"
#include "responder.h"
#include "rx_validate.h"
#include "ipv4_reasm.h"
#include "ipv4_frag.h"
#include "arp_dad.h"
#include "check.h"

static const struct parse_cfg PCFG = { ETHERTYPE_WL_DEFAULT, 0 };
static const uint8_t PEER_MAC[ETH_ALEN] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t MY_MAC[ETH_ALEN] = { 0x02, 0, 0, 0, 0, 0x02 };
static const uint8_t OTHER_MAC[ETH_ALEN] = { 0x02, 0, 0, 0, 0, 0x09 };
#define PEER_IP 0xC612C801u /* 198.18.200.1 */
#define MY_IP 0xC612C802u   /* 198.18.200.2 */

static struct resp_cfg RC;
static struct tcp_server TS;   /* TCP answered through the state machine (listening on 8080) */
static struct tcp_stats TSS;
static struct rxv_cfg VC;
static struct reasm *RA;
static uint64_t NOW;
static uint8_t OUT[REASM_MAX_FRAME];
static int last_refusal;

static void reset_host(void)
{
	memset(&RC, 0, sizeof(RC));
	memcpy(RC.mac, MY_MAC, ETH_ALEN);
	RC.ip = MY_IP;
	RC.udp_echo = 1;
	RC.tcp_secret = 7;
	tcp_server_free(&TS);
	memset(&TSS, 0, sizeof(TSS));
	tcp_server_init(&TS, 64, &TSS, MY_MAC, 7);
	TS.listen[0] = 8080;
	TS.n_listen = 1;
	RC.tcp = &TS;
	memset(&VC, 0, sizeof(VC));
	memcpy(VC.mac, MY_MAC, ETH_ALEN);
	VC.verify_checksums = 1;
	reasm_destroy(RA);
	RA = reasm_create(4, 1000);
	NOW = 0;
}

/* The engine's rx decision (worker.c rx_one): returns the answer's length
 * in OUT (0: not answered); last_refusal gets the rxv reason, if any. */
static size_t host_rx(const uint8_t *f, size_t len)
{
	struct pkt_info pi;
	unsigned ev;
	last_refusal = RXV_OK;
	int cls = pkt_parse(f, len, &PCFG, &pi);
	if (cls == WL_C_MALFORMED) {
		last_refusal = rxv_malformed_reason(&pi);
		return 0;
	}
	if (cls == WL_C_UNKNOWN)
		return 0;
	if ((last_refusal = rxv_check(&VC, f, len, &pi)) != RXV_OK)
		return 0;
	if (pi.frag) {
		const uint8_t *whole;
		size_t wl = reasm_add(RA, f, len, &pi, NOW, &whole);
		if (!wl)
			return 0;
		f = whole;
		len = wl;
		if (pkt_parse(f, len, &PCFG, &pi) >= WL_C_MALFORMED)
			return 0;
		if ((last_refusal = rxv_check(&VC, f, len, &pi)) != RXV_OK)
			return 0;
	}
	return respond(&RC, f, len, &pi, OUT, sizeof(OUT), &ev);
}

static struct wl_l2l3 to_me(void)
{
	struct wl_l2l3 a;
	memcpy(a.src_mac, PEER_MAC, ETH_ALEN);
	memcpy(a.dst_mac, MY_MAC, ETH_ALEN);
	a.src_ip = PEER_IP;
	a.dst_ip = MY_IP;
	return a;
}

static size_t ping(uint8_t *f, const struct wl_l2l3 *a)
{
	return icmp_build_echo(f, WL_MAX_FRAME, a, ICMP_ECHO_REQUEST, 1, 1, (const uint8_t *)"ping", 4, 98);
}

/* An IPv4 header field changed after building: fix the header checksum. */
static void refix_ip(uint8_t *f) { ipv4_set_csum(f + ETH_HLEN); }

/* An echo request with these addresses is refused, for `reason`. */
static void ping_refused(const struct wl_l2l3 *a, int reason)
{
	uint8_t f[WL_MAX_FRAME];
	size_t n = ping(f, a);
	CHECK_EQ(host_rx(f, n), 0);
	CHECK_EQ(last_refusal, reason);
}

/* ---- RFC 1122 3.2.1.3: source addresses never answered ---- */

static void rfc1122_3_2_1_3_source_this_network_0_8_not_answered(void)
{
	struct wl_l2l3 a = to_me();
	a.src_ip = 0x00010203;
	ping_refused(&a, RXV_SRC_ADDR);
}

static void rfc1122_3_2_1_3_source_loopback_127_not_answered(void)
{
	struct wl_l2l3 a = to_me();
	a.src_ip = 0x7f000001;
	ping_refused(&a, RXV_SRC_ADDR);
}

static void rfc1122_3_2_1_3_source_multicast_not_answered(void)
{
	uint8_t f[WL_MAX_FRAME];
	struct wl_l2l3 a = to_me();
	a.src_ip = 0xe0000001;
	ping_refused(&a, RXV_SRC_ADDR);
	/* an ARP sender claiming a multicast address is not answered either */
	size_t n = arp_build_request(f, sizeof(f), PEER_MAC, 0xe0000001, MY_IP);
	CHECK_EQ(host_rx(f, n), 0);
	CHECK_EQ(last_refusal, RXV_SRC_ADDR);
}

static void rfc1122_3_2_1_3_source_limited_broadcast_not_answered(void)
{
	uint8_t f[WL_MAX_FRAME];
	struct wl_l2l3 a = to_me();
	a.src_ip = 0xffffffff;
	size_t n = udp_build(f, sizeof(f), &a, 1000, 9000, (const uint8_t *)"x", 1, 0);
	CHECK_EQ(host_rx(f, n), 0);
	CHECK_EQ(last_refusal, RXV_SRC_ADDR);
}

static void rfc1122_3_2_1_3_ordinary_source_answered(void)
{
	uint8_t f[WL_MAX_FRAME];
	struct wl_l2l3 a = to_me();
	size_t n = ping(f, &a);
	CHECK_EQ(host_rx(f, n), 98);
	CHECK_EQ(last_refusal, RXV_OK);
}

/* ---- RFC 1122 2.4 / 3.3.6: link-layer destination ---- */

static void rfc1122_2_4_frame_to_foreign_unicast_mac_not_answered(void)
{
	uint8_t f[WL_MAX_FRAME];
	struct wl_l2l3 a = to_me();
	memcpy(a.dst_mac, OTHER_MAC, ETH_ALEN);
	ping_refused(&a, RXV_DST_MAC);
	size_t n = arp_build(f, sizeof(f), ARP_OP_REQUEST, OTHER_MAC, PEER_MAC, PEER_IP, OTHER_MAC, MY_IP);
	CHECK_EQ(host_rx(f, n), 0);
	CHECK_EQ(last_refusal, RXV_DST_MAC);
}

static void rfc1122_2_4_promiscuous_option_answers_foreign_mac(void)
{
	uint8_t f[WL_MAX_FRAME];
	struct wl_l2l3 a = to_me();
	memcpy(a.dst_mac, OTHER_MAC, ETH_ALEN);
	size_t n = ping(f, &a);
	VC.promiscuous = 1;
	CHECK_EQ(host_rx(f, n), 98);
	VC.promiscuous = 0;
}

static void rfc1122_3_3_6_broadcast_mac_answered_for_own_ip(void)
{
	uint8_t f[WL_MAX_FRAME];
	struct wl_l2l3 a = to_me();
	memset(a.dst_mac, 0xff, ETH_ALEN);
	size_t n = ping(f, &a);
	CHECK_EQ(host_rx(f, n), 98);
}

static void rfc1112_4_all_hosts_group_mac_accepted_other_groups_not(void)
{
	uint8_t f[WL_MAX_FRAME];
	struct wl_l2l3 a = to_me();
	const uint8_t all_hosts[ETH_ALEN] = { 0x01, 0x00, 0x5e, 0, 0, 1 };
	const uint8_t other_group[ETH_ALEN] = { 0x01, 0x00, 0x5e, 1, 2, 3 };
	memcpy(a.dst_mac, all_hosts, ETH_ALEN);
	size_t n = ping(f, &a);
	CHECK_EQ(host_rx(f, n), 98);
	memcpy(a.dst_mac, other_group, ETH_ALEN);
	ping_refused(&a, RXV_DST_MAC);
}

static void ieee802_group_bit_source_mac_not_answered(void)
{
	struct wl_l2l3 a = to_me();
	a.src_mac[0] = 0x01;
	ping_refused(&a, RXV_SRC_MAC);
}

/* ---- checksums: RFC 1122 3.2.1.2 (IP header), RFC 792 (ICMP),
 *      RFC 1122 4.1.3.4 / RFC 768 (UDP), RFC 9293 3.1 (TCP) ---- */

static void rfc1122_3_2_1_2_bad_ip_header_checksum_not_answered(void)
{
	uint8_t f[WL_MAX_FRAME];
	struct wl_l2l3 a = to_me();
	size_t n = ping(f, &a);
	f[ETH_HLEN + 10] ^= 0x5a;
	CHECK_EQ(host_rx(f, n), 0);
	CHECK_EQ(last_refusal, RXV_IP_CHECKSUM);
}

static void rfc792_bad_icmp_checksum_not_answered(void)
{
	uint8_t f[WL_MAX_FRAME];
	struct wl_l2l3 a = to_me();
	size_t n = ping(f, &a);
	f[ETH_HLEN + IPV4_HLEN + 2] ^= 0x11;
	CHECK_EQ(host_rx(f, n), 0);
	CHECK_EQ(last_refusal, RXV_L4_CHECKSUM);
}

static void rfc1122_4_1_3_4_bad_udp_checksum_not_echoed(void)
{
	uint8_t f[WL_MAX_FRAME];
	struct wl_l2l3 a = to_me();
	size_t n = udp_build(f, sizeof(f), &a, 1000, 9000, (const uint8_t *)"echo", 4, 0);
	CHECK(host_rx(f, n) > 0);
	f[ETH_HLEN + IPV4_HLEN + 6] ^= 0x22;
	CHECK_EQ(host_rx(f, n), 0);
	CHECK_EQ(last_refusal, RXV_L4_CHECKSUM);
}

static void rfc768_udp_checksum_zero_means_none_and_is_echoed(void)
{
	uint8_t f[WL_MAX_FRAME];
	struct wl_l2l3 a = to_me();
	size_t n = udp_build(f, sizeof(f), &a, 1000, 9000, (const uint8_t *)"echo", 4, 0);
	wr16(f + ETH_HLEN + IPV4_HLEN + 6, 0);
	CHECK(host_rx(f, n) > 0);
}

static void rfc9293_3_1_bad_tcp_checksum_syn_not_answered(void)
{
	uint8_t f[WL_MAX_FRAME];
	struct wl_l2l3 a = to_me();
	size_t n = tcp_build(f, sizeof(f), &a, 5000, 8080, 100, 0, TCP_SYN, NULL, 0);
	CHECK(host_rx(f, n) > 0);
	f[ETH_HLEN + IPV4_HLEN + 16] ^= 0x01;
	CHECK_EQ(host_rx(f, n), 0);
	CHECK_EQ(last_refusal, RXV_L4_CHECKSUM);
}

static void no_verify_checksums_option_answers_bad_l4_checksums(void)
{
	uint8_t f[WL_MAX_FRAME];
	struct wl_l2l3 a = to_me();
	size_t n = ping(f, &a);
	f[ETH_HLEN + IPV4_HLEN + 2] ^= 0x11;
	VC.verify_checksums = 0;
	CHECK_EQ(host_rx(f, n), 98);
	/* the IP header checksum is checked regardless */
	f[ETH_HLEN + 10] ^= 0x5a;
	CHECK_EQ(host_rx(f, n), 0);
	VC.verify_checksums = 1;
}

/* ---- RFC 1122 3.2.1.7 TTL, RFC 791 lengths ---- */

static void rfc1122_3_2_1_7_ttl_below_2_still_answered_with_ttl_64(void)
{
	uint8_t f[WL_MAX_FRAME];
	struct wl_l2l3 a = to_me();
	size_t n = ping(f, &a);
	f[ETH_HLEN + 8] = 1;
	refix_ip(f);
	CHECK_EQ(host_rx(f, n), 98);
	CHECK_EQ(OUT[ETH_HLEN + 8], 64);
	f[ETH_HLEN + 8] = 0;
	refix_ip(f);
	CHECK_EQ(host_rx(f, n), 98);
}

static void rfc791_total_length_beyond_frame_not_answered(void)
{
	uint8_t f[WL_MAX_FRAME];
	struct wl_l2l3 a = to_me();
	size_t n = ping(f, &a);
	wr16(f + ETH_HLEN + 2, (uint16_t)(n - ETH_HLEN + 10));
	refix_ip(f);
	CHECK_EQ(host_rx(f, n), 0);
	CHECK_EQ(last_refusal, RXV_LENGTH);
	/* IHL below 5 */
	n = ping(f, &a);
	f[ETH_HLEN] = 0x44;
	CHECK_EQ(host_rx(f, n), 0);
	CHECK_EQ(last_refusal, RXV_LENGTH);
}

static void rfc768_udp_length_beyond_datagram_not_answered(void)
{
	uint8_t f[WL_MAX_FRAME];
	struct wl_l2l3 a = to_me();
	size_t n = udp_build(f, sizeof(f), &a, 1000, 9000, (const uint8_t *)"echo", 4, 0);
	wr16(f + ETH_HLEN + IPV4_HLEN + 4, 200);
	CHECK_EQ(host_rx(f, n), 0);
	CHECK_EQ(last_refusal, RXV_LENGTH);
}

/* ---- ARP: RFC 826, RFC 5227 ---- */

static void rfc826_request_for_own_ip_answered_to_sender(void)
{
	uint8_t f[WL_MAX_FRAME];
	struct pkt_info po;
	size_t n = arp_build_request(f, sizeof(f), PEER_MAC, PEER_IP, MY_IP);
	size_t o = host_rx(f, n);
	CHECK_EQ(o, 60);
	CHECK_EQ(pkt_parse(OUT, o, &PCFG, &po), WL_C_ARP);
	CHECK_EQ(po.arp_op, ARP_OP_REPLY);
	CHECK_EQ(po.arp_spa, MY_IP);
	CHECK_EQ(po.arp_tpa, PEER_IP);
	CHECK(!memcmp(OUT, PEER_MAC, ETH_ALEN));
	/* a request for another address is not ours to answer */
	n = arp_build_request(f, sizeof(f), PEER_MAC, PEER_IP, MY_IP + 5);
	CHECK_EQ(host_rx(f, n), 0);
}

static void rfc5227_2_1_1_probe_from_0_0_0_0_answered(void)
{
	uint8_t f[WL_MAX_FRAME];
	struct pkt_info po;
	size_t n = arp_build_request(f, sizeof(f), PEER_MAC, 0, MY_IP);
	size_t o = host_rx(f, n);
	CHECK_EQ(o, 60);
	CHECK_EQ(pkt_parse(OUT, o, &PCFG, &po), WL_C_ARP);
	CHECK_EQ(po.arp_op, ARP_OP_REPLY);
	CHECK_EQ(po.arp_spa, MY_IP);      /* "this address is mine" */
	CHECK_EQ(po.arp_tpa, 0);
	CHECK(!memcmp(OUT, PEER_MAC, ETH_ALEN));
	CHECK(!memcmp(OUT + ETH_HLEN + 8, MY_MAC, ETH_ALEN));
}

static void rfc5227_2_1_1_arp_reply_from_0_0_0_0_not_answered(void)
{
	uint8_t f[WL_MAX_FRAME];
	size_t n = arp_build(f, sizeof(f), ARP_OP_REPLY, MY_MAC, PEER_MAC, 0, MY_MAC, MY_IP);
	CHECK_EQ(host_rx(f, n), 0);
	CHECK_EQ(last_refusal, RXV_SRC_ADDR);
}

static void rfc5227_2_3_announcement_not_answered(void)
{
	uint8_t f[WL_MAX_FRAME];
	struct pkt_info pi;
	/* a peer announcing its own address (request and reply forms) */
	size_t n = arp_build_request(f, sizeof(f), PEER_MAC, PEER_IP, PEER_IP);
	CHECK_EQ(host_rx(f, n), 0);
	pkt_parse(f, n, &PCFG, &pi);
	CHECK(arp_is_gratuitous(&pi));
	n = arp_build(f, sizeof(f), ARP_OP_REPLY, (const uint8_t[]){ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, PEER_MAC,
		      PEER_IP, PEER_MAC, PEER_IP);
	CHECK_EQ(host_rx(f, n), 0);
	/* another host announcing OUR address: a conflict, never a reply to it */
	n = arp_build_request(f, sizeof(f), OTHER_MAC, MY_IP, MY_IP);
	CHECK_EQ(host_rx(f, n), 0);
}

static void rfc826_reply_is_not_answered(void)
{
	uint8_t f[WL_MAX_FRAME];
	size_t n = arp_build(f, sizeof(f), ARP_OP_REPLY, MY_MAC, PEER_MAC, PEER_IP, MY_MAC, MY_IP);
	CHECK_EQ(host_rx(f, n), 0);
}

static void rfc5227_2_1_dad_probes_three_times_then_finishes(void)
{
	struct arp_dad d;
	uint8_t f[ETH_MIN_FRAME];
	struct pkt_info pi;
	arp_dad_start(&d, MY_MAC, MY_IP, 0, 100, 300);
	unsigned sent = 0;
	uint64_t t;
	for (t = 0; !arp_dad_finished(&d, t) && t < 10000; t += 10) {
		size_t n = arp_dad_poll(&d, t, f, sizeof(f));
		if (!n)
			continue;
		sent++;
		CHECK_EQ(pkt_parse(f, n, &PCFG, &pi), WL_C_ARP);
		CHECK(arp_is_probe(&pi));
		CHECK_EQ(pi.arp_tpa, MY_IP);
	}
	CHECK_EQ(sent, ARP_DAD_PROBE_NUM);
	CHECK_EQ(t, 200 + 300);           /* last probe at 200, then the wait */
	CHECK(!d.conflict);
	size_t n = arp_dad_announce(&d, f, sizeof(f));
	pkt_parse(f, n, &PCFG, &pi);
	CHECK(arp_is_gratuitous(&pi));
	CHECK_EQ(pi.arp_spa, MY_IP);
}

static void rfc5227_2_1_1_dad_conflict_on_reply_or_simultaneous_probe(void)
{
	struct arp_dad d;
	uint8_t f[ETH_MIN_FRAME];
	struct pkt_info pi;
	/* someone answers for the address */
	arp_dad_start(&d, MY_MAC, MY_IP, 0, 100, 300);
	size_t n = arp_build(f, sizeof(f), ARP_OP_REPLY, MY_MAC, OTHER_MAC, MY_IP, MY_MAC, 0);
	pkt_parse(f, n, &PCFG, &pi);
	CHECK_EQ(arp_dad_on_arp(&d, f, &pi), 1);
	CHECK(arp_dad_finished(&d, 0));
	CHECK(!memcmp(d.conflict_mac, OTHER_MAC, ETH_ALEN));
	/* someone else probes for it at the same time */
	arp_dad_start(&d, MY_MAC, MY_IP, 0, 100, 300);
	n = arp_build_request(f, sizeof(f), OTHER_MAC, 0, MY_IP);
	pkt_parse(f, n, &PCFG, &pi);
	CHECK_EQ(arp_dad_on_arp(&d, f, &pi), 1);
	/* our own probe looped back, and traffic about other addresses, are no conflict */
	arp_dad_start(&d, MY_MAC, MY_IP, 0, 100, 300);
	n = arp_build_request(f, sizeof(f), MY_MAC, 0, MY_IP);
	pkt_parse(f, n, &PCFG, &pi);
	CHECK_EQ(arp_dad_on_arp(&d, f, &pi), 0);
	n = arp_build_request(f, sizeof(f), OTHER_MAC, PEER_IP, PEER_IP + 1);
	pkt_parse(f, n, &PCFG, &pi);
	CHECK_EQ(arp_dad_on_arp(&d, f, &pi), 0);
	CHECK(!d.conflict);
}

/* ---- IPv4 reassembly: RFC 791 3.2, RFC 815, RFC 1122 3.3.2 ---- */

/* An echo request of `payload` ICMP data bytes (too big for one frame) in big[]. */
static size_t big_ping(uint8_t *big, size_t payload, uint16_t ip_id)
{
	struct wl_l2l3 a = to_me();
	eth_write_hdr(big, a.dst_mac, a.src_mac, ETHERTYPE_IPV4);
	uint8_t *ip = big + ETH_HLEN;
	ipv4_write_hdr(ip, IPPROTO_ICMP_, a.src_ip, a.dst_ip, (uint16_t)(IPV4_HLEN + ICMP_HLEN + payload), ip_id);
	wr16(ip + 6, 0);
	ipv4_set_csum(ip);
	uint8_t *ic = ip + IPV4_HLEN;
	memset(ic, 0, ICMP_HLEN);
	ic[0] = ICMP_ECHO_REQUEST;
	wr16(ic + 4, 77);
	wr16(ic + 6, 3);
	for (size_t i = 0; i < payload; i++)
		ic[ICMP_HLEN + i] = (uint8_t)(i * 7);
	l4_set_csum(ip);
	return ETH_HLEN + IPV4_HLEN + ICMP_HLEN + payload;
}

static uint8_t BIG[REASM_MAX_FRAME], FR[REASM_MAX_FRAGS][ETH_MAX_FRAME];
static size_t FL[REASM_MAX_FRAGS];

static unsigned split(size_t len, size_t per)
{
	unsigned k = 0;
	uint16_t id = rd16(BIG + ETH_HLEN + 4); /* the datagram's own, as the tests below expect */
	while (k < REASM_MAX_FRAGS && (FL[k] = ipv4_fragment(BIG, len, ETH_HLEN, per, id, k, FR[k], ETH_MAX_FRAME)) != 0)
		k++;
	return k;
}

static void rfc791_fragmenting_sets_offsets_mf_and_valid_checksums(void)
{
	size_t len = big_ping(BIG, 3000, 0x1234);
	unsigned k = split(len, 1480);
	CHECK_EQ(k, 3);
	CHECK_EQ(ipv4_frag_count(BIG, len, ETH_HLEN, 1480), 3);
	for (unsigned i = 0; i < k; i++) {
		const uint8_t *ip = FR[i] + ETH_HLEN;
		struct pkt_info pi;
		CHECK(ipv4_csum_ok(ip, IPV4_HLEN));
		CHECK_EQ(rd16(ip + 4), 0x1234);
		CHECK_EQ(rd16(ip + 6) & 0x1fff, i * 1480 / 8);
		CHECK_EQ(!!(rd16(ip + 6) & 0x2000), i < k - 1);
		CHECK_EQ(rd16(ip + 6) & 0x4000, 0);
		CHECK_EQ(pkt_parse(FR[i], FL[i], &PCFG, &pi), WL_C_ICMP);
		CHECK(pi.frag);
	}
	CHECK_EQ(rd16(FR[2] + ETH_HLEN + 2), IPV4_HLEN + 3008 - 2960);
}

/* RFC 6864 4.2: a datagram sent in fragments needs an identification its
 * sender has not used recently for that destination; a fragment split
 * again keeps its own, or it would no longer reassemble with its siblings. */
static void rfc6864_fragments_take_the_senders_id_a_fragment_split_again_keeps_its_own(void)
{
	size_t len = big_ping(BIG, 3000, 0);
	uint8_t a[ETH_MAX_FRAME], b[ETH_MAX_FRAME];
	CHECK(ipv4_fragment(BIG, len, ETH_HLEN, 1480, 0xbeef, 0, a, sizeof(a)) > 0);
	CHECK(ipv4_fragment(BIG, len, ETH_HLEN, 1480, 0xbeef, 2, b, sizeof(b)) > 0);
	CHECK_EQ(rd16(a + ETH_HLEN + 4), 0xbeef);
	CHECK_EQ(rd16(b + ETH_HLEN + 4), 0xbeef);
	CHECK(ipv4_csum_ok(a + ETH_HLEN, IPV4_HLEN));
	/* the first fragment (1480 bytes of payload, id 0xbeef) split into 8-byte multiples again */
	size_t al = ETH_HLEN + rd16(a + ETH_HLEN + 2);
	uint8_t c[ETH_MAX_FRAME];
	CHECK(ipv4_fragment(a, al, ETH_HLEN, 512, 0x0101, 1, c, sizeof(c)) > 0);
	CHECK_EQ(rd16(c + ETH_HLEN + 4), 0xbeef);
	CHECK_EQ(rd16(c + ETH_HLEN + 6) & 0x1fff, 512 / 8);
	CHECK(rd16(c + ETH_HLEN + 6) & 0x2000);
}

static void rfc1122_3_3_2_fragmented_echo_reassembled_and_answered_in_fragments(void)
{
	size_t len = big_ping(BIG, 3000, 0x2222);
	unsigned k = split(len, 1480);
	/* out of order: last, first, middle */
	CHECK_EQ(host_rx(FR[2], FL[2]), 0);
	CHECK_EQ(host_rx(FR[0], FL[0]), 0);
	CHECK_EQ(reasm_in_progress(RA), 1);
	size_t o = host_rx(FR[1], FL[1]);
	CHECK_EQ(k, 3);
	CHECK_EQ(o, len);
	CHECK_EQ(reasm_get_stats(RA)->reassembled, 1);
	CHECK_EQ(reasm_in_progress(RA), 0);
	struct pkt_info po;
	CHECK_EQ(pkt_parse(OUT, o, &PCFG, &po), WL_C_ICMP);
	CHECK_EQ(po.icmp_type, ICMP_ECHO_REPLY);
	CHECK_EQ(po.pl_len, 3000);
	CHECK(!memcmp(OUT + po.pl_off, BIG + ETH_HLEN + IPV4_HLEN + ICMP_HLEN, 3000));
	CHECK(rxv_l4_csum_ok(OUT + ETH_HLEN, o - ETH_HLEN));
	/* the answer is too big for the link: its fragments reassemble to it */
	CHECK_EQ(ipv4_frag_count(OUT, o, ETH_HLEN, 1480), 3);
}

static void rfc815_exact_duplicate_fragment_is_ignored(void)
{
	size_t len = big_ping(BIG, 3000, 0x3333);
	split(len, 1480);
	CHECK_EQ(host_rx(FR[0], FL[0]), 0);
	CHECK_EQ(host_rx(FR[0], FL[0]), 0);
	CHECK_EQ(host_rx(FR[1], FL[1]), 0);
	CHECK(host_rx(FR[2], FL[2]) > 0);
	CHECK_EQ(reasm_get_stats(RA)->dropped, 0);
}

static void rfc768_reassembled_udp_whose_length_disagrees_is_malformed_not_answered(void)
{
	/* the first fragment's UDP length says 1208 where the fragments rebuild
	 * 612 bytes: the reassembler's IP header is right, the UDP inside is the
	 * sender's fault (the fuzzer's finding), refused, never echoed */
	struct wl_l2l3 a = to_me();
	static uint8_t msg[584];
	memset(msg, 'u', sizeof(msg));
	size_t len = udp_build(BIG, ETH_MAX_FRAME, &a, 1000, 9000, msg, sizeof(msg), 0);
	CHECK_EQ(len, ETH_HLEN + 612);
	CHECK_EQ(split(len, 304), 2);
	wr16(FR[0] + ETH_HLEN + IPV4_HLEN + 4, 1208);
	const uint8_t *whole = NULL;
	size_t wl = 0;
	for (unsigned k = 0; k < 2; k++) {
		struct pkt_info pi;
		CHECK(pkt_parse(FR[k], FL[k], &PCFG, &pi) != WL_C_MALFORMED && pi.frag);
		wl = reasm_add(RA, FR[k], FL[k], &pi, NOW, &whole);
	}
	CHECK_EQ(wl, len);
	CHECK_EQ(reasm_get_stats(RA)->reassembled, 1);
	struct pkt_info pw;
	CHECK_EQ(pkt_parse(whole, wl, &PCFG, &pw), WL_C_MALFORMED);
	CHECK_EQ(pw.why, WL_M_UDP);
	CHECK(ipv4_csum_ok(whole + ETH_HLEN, IPV4_HLEN));
	CHECK_EQ(rd16(whole + ETH_HLEN + 2), 612);
	/* and through the host: nothing answers it */
	reasm_destroy(RA);
	RA = reasm_create(4, 1000);
	for (unsigned k = 0; k < 2; k++)
		CHECK_EQ(host_rx(FR[k], FL[k]), 0);
	CHECK_EQ(reasm_get_stats(RA)->reassembled, 1);
}

static void linux_overlap_policy_drops_the_whole_datagram(void)
{
	size_t len = big_ping(BIG, 3000, 0x4444);
	split(len, 1480);
	uint8_t ov[ETH_MAX_FRAME];
	/* the middle fragment moved 8 bytes back: it overlaps the first */
	size_t ol = ipv4_fragment(BIG, len, ETH_HLEN, 1480, 0x4444, 1, ov, sizeof(ov));
	uint8_t *ip = ov + ETH_HLEN;
	wr16(ip + 6, (uint16_t)((rd16(ip + 6) & 0xe000) | ((1480 - 8) / 8)));
	ipv4_set_csum(ip);
	CHECK_EQ(host_rx(FR[0], FL[0]), 0);
	CHECK_EQ(host_rx(ov, ol), 0);
	CHECK_EQ(reasm_get_stats(RA)->overlap, 1);
	CHECK_EQ(reasm_in_progress(RA), 0);
	/* what is left of it never completes a datagram */
	CHECK_EQ(host_rx(FR[1], FL[1]), 0);
	CHECK_EQ(host_rx(FR[2], FL[2]), 0);
	CHECK_EQ(reasm_get_stats(RA)->reassembled, 0);
}

static void rfc791_datagram_beyond_65535_bytes_dropped(void)
{
	size_t len = big_ping(BIG, 3000, 0x5555);
	split(len, 1480);
	/* the last fragment claims an offset that ends past 65535 */
	uint8_t *ip = FR[2] + ETH_HLEN;
	wr16(ip + 6, (uint16_t)(65528 / 8));
	ipv4_set_csum(ip);
	CHECK_EQ(host_rx(FR[2], FL[2]), 0);
	CHECK_EQ(reasm_get_stats(RA)->too_big, 1);
	CHECK_EQ(reasm_in_progress(RA), 0);
}

static void rfc791_non_last_fragment_not_multiple_of_8_dropped(void)
{
	size_t len = big_ping(BIG, 3000, 0x6666);
	split(len, 1480);
	uint8_t *ip = FR[0] + ETH_HLEN;
	wr16(ip + 2, (uint16_t)(rd16(ip + 2) - 3));
	ipv4_set_csum(ip);
	CHECK_EQ(host_rx(FR[0], FL[0] - 3), 0);
	CHECK_EQ(reasm_get_stats(RA)->bad_fragment, 1);
}

static void rfc1122_3_3_2_incomplete_datagram_times_out(void)
{
	size_t len = big_ping(BIG, 3000, 0x7777);
	split(len, 1480);
	NOW = 10;
	CHECK_EQ(host_rx(FR[0], FL[0]), 0);
	reasm_expire(RA, 500);
	CHECK_EQ(reasm_in_progress(RA), 1);
	reasm_expire(RA, 2000);
	CHECK_EQ(reasm_in_progress(RA), 0);
	CHECK_EQ(reasm_get_stats(RA)->timed_out, 1);
	/* the rest, late, starts a new datagram that never completes */
	NOW = 2001;
	CHECK_EQ(host_rx(FR[1], FL[1]), 0);
	CHECK_EQ(host_rx(FR[2], FL[2]), 0);
	CHECK_EQ(reasm_get_stats(RA)->reassembled, 0);
}

static void bounded_memory_new_datagrams_beyond_the_limit_dropped(void)
{
	/* RA holds 4 datagrams in progress */
	for (uint16_t id = 1; id <= 5; id++) {
		size_t len = big_ping(BIG, 3000, id);
		split(len, 1480);
		host_rx(FR[0], FL[0]);
	}
	CHECK_EQ(reasm_in_progress(RA), 4);
	CHECK_EQ(reasm_get_stats(RA)->no_slot, 1);
	CHECK(reasm_create(0, 1) == NULL);
}

static void rfc1122_3_2_1_3_fragments_from_bad_sources_never_reassembled(void)
{
	size_t len = big_ping(BIG, 3000, 0x8888);
	uint8_t *ip = BIG + ETH_HLEN;
	wr32(ip + 12, 0x7f000001);
	ipv4_set_csum(ip);
	l4_set_csum(ip);
	split(len, 1480);
	for (unsigned i = 0; i < 3; i++)
		CHECK_EQ(host_rx(FR[i], FL[i]), 0);
	CHECK_EQ(last_refusal, RXV_SRC_ADDR);
	CHECK_EQ(reasm_get_stats(RA)->fragments, 0);
}

static void rfc792_reassembled_echo_with_bad_checksum_not_answered(void)
{
	size_t len = big_ping(BIG, 3000, 0x9999);
	BIG[len - 1] ^= 0xff;  /* data changed after the checksum */
	split(len, 1480);
	host_rx(FR[0], FL[0]);
	host_rx(FR[1], FL[1]);
	CHECK_EQ(host_rx(FR[2], FL[2]), 0);
	CHECK_EQ(reasm_get_stats(RA)->reassembled, 1);
	CHECK_EQ(last_refusal, RXV_L4_CHECKSUM);
}

static const struct { const char *name; void (*fn)(void); } TESTS[] = {
#define T(f) { #f, f }
	T(rfc1122_3_2_1_3_source_this_network_0_8_not_answered),
	T(rfc1122_3_2_1_3_source_loopback_127_not_answered),
	T(rfc1122_3_2_1_3_source_multicast_not_answered),
	T(rfc1122_3_2_1_3_source_limited_broadcast_not_answered),
	T(rfc1122_3_2_1_3_ordinary_source_answered),
	T(rfc1122_2_4_frame_to_foreign_unicast_mac_not_answered),
	T(rfc1122_2_4_promiscuous_option_answers_foreign_mac),
	T(rfc1122_3_3_6_broadcast_mac_answered_for_own_ip),
	T(rfc1112_4_all_hosts_group_mac_accepted_other_groups_not),
	T(ieee802_group_bit_source_mac_not_answered),
	T(rfc1122_3_2_1_2_bad_ip_header_checksum_not_answered),
	T(rfc792_bad_icmp_checksum_not_answered),
	T(rfc1122_4_1_3_4_bad_udp_checksum_not_echoed),
	T(rfc768_udp_checksum_zero_means_none_and_is_echoed),
	T(rfc9293_3_1_bad_tcp_checksum_syn_not_answered),
	T(no_verify_checksums_option_answers_bad_l4_checksums),
	T(rfc1122_3_2_1_7_ttl_below_2_still_answered_with_ttl_64),
	T(rfc791_total_length_beyond_frame_not_answered),
	T(rfc768_udp_length_beyond_datagram_not_answered),
	T(rfc826_request_for_own_ip_answered_to_sender),
	T(rfc5227_2_1_1_probe_from_0_0_0_0_answered),
	T(rfc5227_2_1_1_arp_reply_from_0_0_0_0_not_answered),
	T(rfc5227_2_3_announcement_not_answered),
	T(rfc826_reply_is_not_answered),
	T(rfc5227_2_1_dad_probes_three_times_then_finishes),
	T(rfc5227_2_1_1_dad_conflict_on_reply_or_simultaneous_probe),
	T(rfc791_fragmenting_sets_offsets_mf_and_valid_checksums),
	T(rfc6864_fragments_take_the_senders_id_a_fragment_split_again_keeps_its_own),
	T(rfc1122_3_3_2_fragmented_echo_reassembled_and_answered_in_fragments),
	T(rfc815_exact_duplicate_fragment_is_ignored),
	T(rfc768_reassembled_udp_whose_length_disagrees_is_malformed_not_answered),
	T(linux_overlap_policy_drops_the_whole_datagram),
	T(rfc791_datagram_beyond_65535_bytes_dropped),
	T(rfc791_non_last_fragment_not_multiple_of_8_dropped),
	T(rfc1122_3_3_2_incomplete_datagram_times_out),
	T(bounded_memory_new_datagrams_beyond_the_limit_dropped),
	T(rfc1122_3_2_1_3_fragments_from_bad_sources_never_reassembled),
	T(rfc792_reassembled_echo_with_bad_checksum_not_answered),
#undef T
};

int main(void)
{
	int bad_tests = 0;
	for (size_t i = 0; i < sizeof(TESTS) / sizeof(TESTS[0]); i++) {
		int before = failures;
		reset_host();
		TESTS[i].fn();
		printf("%s %s\n", failures == before ? "ok  " : "FAIL", TESTS[i].name);
		bad_tests += failures != before;
	}
	reasm_destroy(RA);
	printf("%zu rules, %d checks, %d failures\n", sizeof(TESTS) / sizeof(TESTS[0]), checks, failures);
	return bad_tests ? 1 : 0;
}
