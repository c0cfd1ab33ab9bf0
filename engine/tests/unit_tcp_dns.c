/* Unit tests of the rx side's TCP state machine and DNS server: one test
 * per answered-or-not / RST-or-not rule, named after the RFC section that
 * makes it. No DPDK. Run by `meson test`. */
#include <stdio.h>
#include <string.h>
#include "pkt_parse.h"
#include "proto_tcp.h"
#include "proto_udp.h"
#include "proto_dns.h"
#include "dns_name.h"
#include "dns_answer.h"
#include "tcp_server.h"
#include "tcp_client.h"
#include "responder.h"

static int failures, checks;
#define CHECK(cond) do { checks++; if (!(cond)) { failures++; \
	fprintf(stderr, "%s:%d: %s: CHECK failed: %s\n", __FILE__, __LINE__, __func__, #cond); } } while (0)
#define CHECK_EQ(a, b) do { checks++; long long a_ = (long long)(a), b_ = (long long)(b); if (a_ != b_) { failures++; \
	fprintf(stderr, "%s:%d: %s: %s == %s failed: %lld != %lld\n", __FILE__, __LINE__, __func__, #a, #b, a_, b_); } } while (0)

static const struct parse_cfg PCFG = { ETHERTYPE_WL_DEFAULT, 0 };
/* the peer (client) is src, the engine (server) is dst */
static const struct wl_l2l3 A = {
	{ 0x02, 0, 0, 0, 0, 0x01 }, { 0x02, 0, 0, 0, 0, 0x02 }, 0xC612C801, 0xC612C802,
};
static const struct dns_record RECS[1] = { { "www.example.com", 0x0a000001, 0, { 0 } } };

/* ---------- TCP ---------- */

static struct tcp_stats sst;
static struct tcp_server srv;
static uint8_t out[WL_MAX_FRAME];
static struct pkt_info po;   /* the server's reply, parsed */
static unsigned ev;

static void server_up(uint32_t conns, int echo)
{
	tcp_server_free(&srv);
	memset(&sst, 0, sizeof(sst));
	tcp_server_init(&srv, conns, &sst, A.dst_mac, 1234);
	srv.listen[0] = 8080;
	srv.listen[1] = 53;
	srv.n_listen = 2;
	srv.dns_port = 53;
	srv.echo = (uint8_t)echo;
	srv.records = RECS;
	srv.n_records = 1;
	srv.idle_ms = 0;
	srv.now_ms = 1000;
}

/* Send the server one segment from the peer; returns the reply length (po parsed). */
static size_t seg_opts(uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags, const uint8_t *opts,
		       size_t ol, const void *data, size_t dlen)
{
	uint8_t in[WL_MAX_FRAME];
	struct pkt_info pi;
	struct tcp_seg g = { sport, dport, seq, ack, flags, 65535, opts, ol, data, dlen };
	size_t n = tcp_build_seg(in, sizeof(in), &A, &g);
	CHECK(n > 0);
	CHECK_EQ(pkt_parse(in, n, &PCFG, &pi), WL_C_TCP);
	size_t o = tcp_server_input(&srv, in, &pi, out, sizeof(out), &ev);
	memset(&po, 0, sizeof(po));
	if (o)
		CHECK_EQ(pkt_parse(out, o, &PCFG, &po), WL_C_TCP);
	return o;
}
static size_t seg(uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags, const char *data)
{
	return seg_opts(sport, dport, seq, ack, flags, NULL, 0, data, data ? strlen(data) : 0);
}
static struct tcp_opts reply_opts(void)
{
	struct tcp_opts o;
	tcp_parse_opts(out + po.l4_off + TCP_HLEN, (size_t)(po.pl_off - po.l4_off - TCP_HLEN), &o);
	return o;
}
/* A completed handshake from sport; returns the server's ISS. */
static uint32_t connect_(uint16_t sport, uint32_t iss)
{
	seg(sport, 8080, iss, 0, TCP_SYN, NULL);
	uint32_t s = po.tcp_seq;
	seg(sport, 8080, iss + 1, s + 1, TCP_ACK, NULL);
	return s;
}

static void test_rfc9293_3_10_7_1_closed_port_syn_gets_rst_ack(void)
{
	server_up(64, 0);
	CHECK(seg(4000, 9999, 500, 0, TCP_SYN, NULL) > 0);
	CHECK_EQ(po.tcp_flags, TCP_RST | TCP_ACK);
	CHECK_EQ(po.tcp_seq, 0);
	CHECK_EQ(po.tcp_ack, 501);
	CHECK_EQ(po.dport, 4000);
	CHECK_EQ(sst.refused, 1);
	CHECK_EQ(sst.in_state[TCPS_SYN_RECEIVED], 0);
}

static void test_rfc9293_3_10_7_1_closed_port_ack_gets_rst_seq_ack(void)
{
	server_up(64, 0);
	CHECK(seg(4000, 9999, 500, 777, TCP_ACK | TCP_PSH, "data") > 0);
	CHECK_EQ(po.tcp_flags, TCP_RST);
	CHECK_EQ(po.tcp_seq, 777);
	/* no ACK bit: RST|ACK with ack = SEG.SEQ + SEG.LEN (FIN counts) */
	CHECK(seg(4000, 9999, 500, 0, TCP_FIN, NULL) > 0);
	CHECK_EQ(po.tcp_flags, TCP_RST | TCP_ACK);
	CHECK_EQ(po.tcp_ack, 501);
}

static void test_rfc9293_3_10_7_1_rst_is_never_answered(void)
{
	server_up(64, 0);
	CHECK_EQ(seg(4000, 9999, 500, 0, TCP_RST, NULL), 0);
	CHECK_EQ(seg(4000, 8080, 500, 9, TCP_RST | TCP_ACK, NULL), 0);
	CHECK_EQ(seg(4000, 8080, 500, 0, TCP_RST | TCP_SYN, NULL), 0);
	CHECK_EQ(sst.rst_sent, 0);
	CHECK_EQ(sst.rst_received, 3);
}

static void test_rfc9293_3_10_7_2_listen_out_of_the_blue_ack_gets_rst(void)
{
	server_up(64, 0);
	/* ACK with data, no connection: <SEQ=SEG.ACK><CTL=RST> */
	CHECK(seg(4001, 8080, 100, 5555, TCP_ACK | TCP_PSH, "hello") > 0);
	CHECK_EQ(po.tcp_flags, TCP_RST);
	CHECK_EQ(po.tcp_seq, 5555);
	/* FIN+ACK, no connection */
	CHECK(seg(4001, 8080, 100, 6666, TCP_FIN | TCP_ACK, NULL) > 0);
	CHECK_EQ(po.tcp_flags, TCP_RST);
	CHECK_EQ(po.tcp_seq, 6666);
	/* neither SYN nor ACK nor RST (a bare FIN): dropped */
	CHECK_EQ(seg(4001, 8080, 100, 0, TCP_FIN, NULL), 0);
	CHECK_EQ(sst.opened, 0);
}

static void test_rfc9293_3_10_7_2_syn_ack_carries_offered_options(void)
{
	server_up(64, 0);
	/* MSS 1400, SACK-permitted, timestamps, NOP, window scale 7 */
	const uint8_t o[20] = { 2, 4, 0x05, 0x78, 4, 2, 8, 10, 0, 0, 0, 42, 0, 0, 0, 0, 1, 3, 3, 7 };
	CHECK(seg_opts(4002, 8080, 1000, 0, TCP_SYN, o, sizeof(o), NULL, 0) > 0);
	CHECK_EQ(po.tcp_flags, TCP_SYN | TCP_ACK);
	CHECK_EQ(po.tcp_ack, 1001);
	struct tcp_opts r = reply_opts();
	CHECK(r.has_mss && r.mss == TCP_MSS_OURS);
	CHECK(r.sack_ok);
	CHECK(r.has_ws && r.wscale == TCP_WSCALE_OURS);
	CHECK(r.has_ts && r.tsecr == 42);
	CHECK_EQ(sst.in_state[TCPS_SYN_RECEIVED], 1);
}

static void test_rfc7323_2_2_no_options_not_offered(void)
{
	server_up(64, 0);
	CHECK(seg(4003, 8080, 1000, 0, TCP_SYN, NULL) > 0);
	struct tcp_opts r = reply_opts();
	CHECK(r.has_mss);                 /* MSS may always be sent on a SYN */
	CHECK(!r.has_ws && !r.sack_ok && !r.has_ts);
}

static void test_rfc9293_3_10_7_3_retransmitted_syn_gets_syn_ack_again(void)
{
	server_up(64, 0);
	seg(4004, 8080, 1000, 0, TCP_SYN, NULL);
	uint32_t iss = po.tcp_seq;
	CHECK(seg(4004, 8080, 1000, 0, TCP_SYN, NULL) > 0);
	CHECK_EQ(po.tcp_flags, TCP_SYN | TCP_ACK);
	CHECK_EQ(po.tcp_seq, iss);
	CHECK_EQ(sst.opened, 1);
}

static void test_rfc9293_3_10_7_4_syn_received_new_syn_returns_to_listen(void)
{
	server_up(64, 0);
	seg(4017, 8080, 1000, 0, TCP_SYN, NULL);
	/* the SYN-ACK was lost and the peer starts over with another ISN */
	CHECK(seg(4017, 8080, 90000, 0, TCP_SYN, NULL) > 0);
	CHECK_EQ(po.tcp_flags, TCP_SYN | TCP_ACK);
	CHECK_EQ(po.tcp_ack, 90001);
	CHECK_EQ(sst.in_state[TCPS_SYN_RECEIVED], 1);
	CHECK_EQ(sst.opened, 2);
	CHECK_EQ(sst.bad_transitions, 0);
}

static void test_rfc9293_3_10_7_4_syn_received_bad_ack_gets_rst(void)
{
	server_up(64, 0);
	seg(4005, 8080, 1000, 0, TCP_SYN, NULL);
	uint32_t iss = po.tcp_seq;
	CHECK(seg(4005, 8080, 1001, iss + 77, TCP_ACK, NULL) > 0);
	CHECK_EQ(po.tcp_flags, TCP_RST);
	CHECK_EQ(po.tcp_seq, iss + 77);
	CHECK_EQ(sst.in_state[TCPS_ESTABLISHED], 0);
}

static void test_rfc9293_3_10_7_4_handshake_data_acked_and_echoed(void)
{
	server_up(64, 0);
	uint32_t iss = connect_(4006, 1000);
	CHECK(ev & TCPS_EV_HANDSHAKE);
	CHECK_EQ(sst.in_state[TCPS_ESTABLISHED], 1);
	CHECK(seg(4006, 8080, 1001, iss + 1, TCP_ACK | TCP_PSH, "abcd") > 0);
	CHECK_EQ(po.tcp_flags, TCP_ACK);
	CHECK_EQ(po.tcp_ack, 1005);
	CHECK_EQ(po.pl_len, 0);
	/* a pure ACK is not answered */
	CHECK_EQ(seg(4006, 8080, 1005, iss + 1, TCP_ACK, NULL), 0);
	server_up(64, 1);
	iss = connect_(4007, 1000);
	CHECK(seg(4007, 8080, 1001, iss + 1, TCP_ACK | TCP_PSH, "echo") > 0);
	CHECK_EQ(po.pl_len, 4);
	CHECK(!memcmp(out + po.pl_off, "echo", 4));
	CHECK_EQ(po.tcp_seq, iss + 1);
	CHECK_EQ(sst.echoed_bytes, 4);
}

static void test_rfc9293_3_10_7_4_unacceptable_segment_gets_ack(void)
{
	server_up(64, 0);
	uint32_t iss = connect_(4008, 1000);
	/* data far outside the receive window */
	CHECK(seg(4008, 8080, 1001 + 200000, iss + 1, TCP_ACK, "x") > 0);
	CHECK_EQ(po.tcp_flags, TCP_ACK);
	CHECK_EQ(po.tcp_ack, 1001);
	/* out of order, in the window: duplicate ACK, data not taken */
	CHECK(seg(4008, 8080, 1011, iss + 1, TCP_ACK, "late") > 0);
	CHECK_EQ(po.tcp_ack, 1001);
	/* acks something not yet sent */
	CHECK(seg(4008, 8080, 1001, iss + 5000, TCP_ACK, "y") > 0);
	CHECK_EQ(po.tcp_ack, 1001);
	CHECK_EQ(sst.data_bytes, 0);
}

static void test_rfc5961_3_2_rst_exact_closes_in_window_gets_challenge_ack(void)
{
	server_up(64, 0);
	uint32_t iss = connect_(4009, 1000);
	CHECK(seg(4009, 8080, 1100, 0, TCP_RST, NULL) > 0);   /* in window, not exact */
	CHECK_EQ(po.tcp_flags, TCP_ACK);
	CHECK_EQ(sst.challenge_acks, 1);
	CHECK_EQ(sst.in_state[TCPS_ESTABLISHED], 1);
	CHECK_EQ(seg(4009, 8080, 1001, 0, TCP_RST, NULL), 0); /* exact */
	CHECK_EQ(sst.in_state[TCPS_ESTABLISHED], 0);
	/* the connection is gone: its next segment gets a RST */
	CHECK(seg(4009, 8080, 1001, iss + 1, TCP_ACK, "z") > 0);
	CHECK_EQ(po.tcp_flags, TCP_RST);
}

static void test_rfc5961_4_2_syn_in_synchronized_state_gets_challenge_ack(void)
{
	server_up(64, 0);
	uint32_t iss = connect_(4010, 1000);
	CHECK(seg(4010, 8080, 1500, 0, TCP_SYN, NULL) > 0);
	CHECK_EQ(po.tcp_flags, TCP_ACK);
	CHECK_EQ(po.tcp_seq, iss + 1);
	CHECK_EQ(po.tcp_ack, 1001);
	CHECK_EQ(sst.in_state[TCPS_ESTABLISHED], 1);
}

static void test_rfc9293_3_10_7_4_fin_passive_close(void)
{
	server_up(64, 0);
	uint32_t iss = connect_(4011, 1000);
	CHECK(seg(4011, 8080, 1001, iss + 1, TCP_FIN | TCP_ACK, NULL) > 0);
	CHECK_EQ(po.tcp_flags, TCP_FIN | TCP_ACK);
	CHECK_EQ(po.tcp_ack, 1002);
	CHECK_EQ(sst.in_state[TCPS_LAST_ACK], 1);
	/* retransmitted FIN: ACKed again */
	CHECK(seg(4011, 8080, 1001, iss + 1, TCP_FIN | TCP_ACK, NULL) > 0);
	CHECK_EQ(po.tcp_ack, 1002);
	CHECK_EQ(seg(4011, 8080, 1002, iss + 2, TCP_ACK, NULL), 0);
	CHECK_EQ(sst.in_state[TCPS_LAST_ACK], 0);
	CHECK_EQ(sst.closed, 1);
	CHECK_EQ(sst.bad_transitions, 0);
}

/* A connection from sport that the server then closes for idleness: it
 * sent its FIN (parsed in po) and is in FIN-WAIT-1. Returns the server's ISS. */
static uint32_t idle_closed(uint16_t sport)
{
	server_up(64, 0);
	srv.idle_ms = 500;
	uint32_t iss = connect_(sport, 1000);
	srv.now_ms += 600;
	size_t l = tcp_server_tick(&srv, out, sizeof(out));
	CHECK(l > 0);
	pkt_parse(out, l, &PCFG, &po);
	CHECK_EQ(po.tcp_flags, TCP_FIN | TCP_ACK);
	CHECK_EQ(sst.in_state[TCPS_FIN_WAIT_1], 1);
	CHECK_EQ(sst.active_closes, 1);
	return iss;
}

static void test_rfc9293_3_10_7_4_active_close_and_time_wait_bounded(void)
{
	uint32_t iss = idle_closed(4012);
	CHECK_EQ(seg(4012, 8080, 1001, iss + 2, TCP_ACK, NULL), 0);
	CHECK_EQ(sst.in_state[TCPS_FIN_WAIT_2], 1);
	CHECK(seg(4012, 8080, 1001, iss + 2, TCP_FIN | TCP_ACK, NULL) > 0);
	CHECK_EQ(po.tcp_flags, TCP_ACK);
	CHECK_EQ(po.tcp_ack, 1002);
	CHECK_EQ(sst.in_state[TCPS_TIME_WAIT], 1);
	srv.now_ms += TCP_TIME_WAIT_MS - 1;
	tcp_server_tick(&srv, out, sizeof(out));
	CHECK_EQ(sst.in_state[TCPS_TIME_WAIT], 1);
	srv.now_ms += 2;
	tcp_server_tick(&srv, out, sizeof(out));
	CHECK_EQ(sst.in_state[TCPS_TIME_WAIT], 0);
	CHECK_EQ(sst.bad_transitions, 0);
}

static void test_rfc9293_3_10_7_4_simultaneous_close_goes_through_closing(void)
{
	uint32_t iss = idle_closed(4013);
	/* the peer's FIN crosses ours: it does not ack our FIN */
	CHECK(seg(4013, 8080, 1001, iss + 1, TCP_FIN | TCP_ACK, NULL) > 0);
	CHECK_EQ(sst.in_state[TCPS_CLOSING], 1);
	CHECK_EQ(seg(4013, 8080, 1002, iss + 2, TCP_ACK, NULL), 0);
	CHECK_EQ(sst.in_state[TCPS_TIME_WAIT], 1);
	CHECK_EQ(sst.bad_transitions, 0);
}

static void test_rfc9293_3_3_2_table_is_bounded_and_evictions_counted(void)
{
	server_up(8, 0);
	for (uint16_t p = 0; p < 40; p++)
		seg((uint16_t)(5000 + p), 8080, 1, 0, TCP_SYN, NULL);
	CHECK_EQ(sst.in_state[TCPS_SYN_RECEIVED], 8);
	CHECK_EQ(sst.evicted, 32);
	srv.now_ms += TCP_HANDSHAKE_MS;
	tcp_server_tick(&srv, out, sizeof(out));
	CHECK_EQ(sst.in_state[TCPS_SYN_RECEIVED], 0);
	CHECK_EQ(sst.timed_out, 8);
}

static void test_rfc7766_8_dns_over_tcp_length_prefixed(void)
{
	server_up(64, 0);
	seg(4014, 53, 1000, 0, TCP_SYN, NULL);
	uint32_t iss = po.tcp_seq;
	seg(4014, 53, 1001, iss + 1, TCP_ACK, NULL);
	uint8_t q[300];
	int ql = dns_build_query(q + 2, sizeof(q) - 2, 99, "WWW.example.com", DNS_TYPE_A);
	wr16(q, (uint16_t)ql);
	/* the length prefix alone, then the message: answered once complete */
	CHECK(seg_opts(4014, 53, 1001, iss + 1, TCP_ACK, NULL, 0, q, 2) > 0);
	CHECK_EQ(po.pl_len, 0);
	CHECK(seg_opts(4014, 53, 1003, iss + 1, TCP_ACK | TCP_PSH, NULL, 0, q + 2, (size_t)ql) > 0);
	CHECK(ev & TCPS_EV_DNS);
	CHECK_EQ(po.tcp_ack, 1003 + ql);
	const uint8_t *r = out + po.pl_off;
	CHECK_EQ(rd16(r), po.pl_len - 2);
	CHECK_EQ(rd16(r + 2), 99);
	CHECK_EQ(rd16(r + 4) & 0xf, DNS_RCODE_NOERROR);
	CHECK_EQ(rd16(r + 8), 1);
	CHECK_EQ(rd32(r + po.pl_len - 4), 0x0a000001);
	/* a message longer than the connection can hold: reset, not silence */
	uint8_t big[2] = { 0xff, 0xff };
	CHECK(seg_opts(4014, 53, 1003 + (uint32_t)ql, iss + 1 + po.pl_len, TCP_ACK, NULL, 0, big, 2) > 0);
	CHECK(po.tcp_flags & TCP_RST);
}

static void test_rfc7766_5_dns_port_not_listening_is_refused(void)
{
	server_up(64, 0);
	srv.n_listen = 1;       /* only 8080 */
	srv.dns_port = 0;
	CHECK(seg(4015, 53, 1000, 0, TCP_SYN, NULL) > 0);
	CHECK_EQ(po.tcp_flags, TCP_RST | TCP_ACK);
}

static void test_rfc9293_time_wait_new_syn_beyond_old_space_accepted(void)
{
	uint32_t iss = idle_closed(4016);
	seg(4016, 8080, 1001, iss + 2, TCP_FIN | TCP_ACK, NULL);
	CHECK_EQ(sst.in_state[TCPS_TIME_WAIT], 1);
	CHECK(seg(4016, 8080, 90000, 0, TCP_SYN, NULL) > 0);
	CHECK_EQ(po.tcp_flags, TCP_SYN | TCP_ACK);
	CHECK_EQ(sst.in_state[TCPS_TIME_WAIT], 0);
	CHECK_EQ(sst.in_state[TCPS_SYN_RECEIVED], 1);
}

/* The generator's client against our server, and against peers that break the rules. */
static void test_client_validates_peer_transitions(void)
{
	server_up(64, 0);
	struct tcp_stats cst = { 0 };
	struct tcp_client cl;
	tcp_client_init(&cl, 64, &cst);
	memcpy(cl.mac, A.src_mac, ETH_ALEN);
	cl.dport = 8080;
	cl.msg = (const uint8_t *)"payload";
	cl.msg_len = 7;
	uint8_t frames[TCP_CLIENT_MAX_OUT][WL_MAX_FRAME];
	size_t lens[TCP_CLIENT_MAX_OUT];
	/* SYN (as the generator's template sends it) -> SYN-ACK */
	seg(6000, 8080, 7000, 0, TCP_SYN, NULL);
	int n = tcp_client_input(&cl, out, &po, 1, frames, lens);
	CHECK_EQ(n, 3);
	/* feed the client's ACK, data, FIN to the server; its replies back to the client */
	for (int i = 0; i < n; i++) {
		struct pkt_info pi;
		pkt_parse(frames[i], lens[i], &PCFG, &pi);
		uint8_t copy[WL_MAX_FRAME];
		memcpy(copy, frames[i], lens[i]);
		size_t o = tcp_server_input(&srv, copy, &pi, out, sizeof(out), &ev);
		if (o) {
			pkt_parse(out, o, &PCFG, &po);
			uint8_t f2[TCP_CLIENT_MAX_OUT][WL_MAX_FRAME];
			size_t l2[TCP_CLIENT_MAX_OUT];
			int k = tcp_client_input(&cl, out, &po, 0, f2, l2);
			for (int j = 0; j < k; j++) {   /* the final ACK */
				struct pkt_info p2;
				pkt_parse(f2[j], l2[j], &PCFG, &p2);
				tcp_server_input(&srv, f2[j], &p2, out, sizeof(out), &ev);
			}
		}
	}
	CHECK_EQ(cst.completed, 1);
	CHECK_EQ(cst.violations, 0);
	CHECK_EQ(cst.in_state[TCPS_TIME_WAIT], 1);
	CHECK_EQ(sst.closed, 1);
	CHECK_EQ(sst.data_bytes, 7);
	CHECK_EQ(cst.bad_transitions + sst.bad_transitions, 0);

	/* a peer that answers our option-less SYN with window scale, then acks data never sent */
	struct wl_l2l3 b = { { A.dst_mac[0], 0, 0, 0, 0, 2 }, { A.src_mac[0], 0, 0, 0, 0, 1 }, A.dst_ip, A.src_ip };
	const uint8_t ws[4] = { 1, 3, 3, 7 };
	struct tcp_seg g = { 8080, 6001, 300, 8001, TCP_SYN | TCP_ACK, 65535, ws, 4, NULL, 0 };
	size_t l = tcp_build_seg(out, sizeof(out), &b, &g);
	pkt_parse(out, l, &PCFG, &po);
	tcp_client_input(&cl, out, &po, 1, frames, lens);
	CHECK_EQ(cst.violations, 1);
	struct tcp_seg g2 = { 8080, 6001, 301, 9999, TCP_ACK, 65535, NULL, 0, NULL, 0 };
	l = tcp_build_seg(out, sizeof(out), &b, &g2);
	pkt_parse(out, l, &PCFG, &po);
	tcp_client_input(&cl, out, &po, 0, frames, lens);
	CHECK_EQ(cst.violations, 2);
	/* and then resets the connection before it completed */
	struct tcp_seg g3 = { 8080, 6001, 301, 0, TCP_RST, 0, NULL, 0, NULL, 0 };
	l = tcp_build_seg(out, sizeof(out), &b, &g3);
	pkt_parse(out, l, &PCFG, &po);
	tcp_client_input(&cl, out, &po, 0, frames, lens);
	CHECK_EQ(cst.aborted, 1);
	tcp_client_free(&cl);
}

static void test_responder_routes_tcp_to_the_state_machine(void)
{
	server_up(64, 0);
	struct resp_cfg rc = { { 0x02, 0, 0, 0, 0, 0x02 }, A.dst_ip, 0, 0, RECS, 1, 1, &srv, 0, { 0 } };
	uint8_t in[WL_MAX_FRAME];
	struct pkt_info pi;
	size_t n = tcp_build(in, sizeof(in), &A, 4100, 8080, 10, 0, TCP_SYN, NULL, 0);
	pkt_parse(in, n, &PCFG, &pi);
	unsigned rev;
	size_t o = respond(&rc, in, n, &pi, out, sizeof(out), &rev);
	CHECK(o > 0 && (rev & RESP_ANSWERED));
	pkt_parse(out, o, &PCFG, &po);
	CHECK_EQ(po.tcp_flags, TCP_SYN | TCP_ACK);
	rc.tcp = NULL;             /* no TCP service: nothing answered */
	CHECK_EQ(respond(&rc, in, n, &pi, out, sizeof(out), &rev), 0);
}

/* ---------- DNS ---------- */

static uint8_t rsp[600];
static uint16_t rcode;
static int malformed;

static int answer(const uint8_t *q, size_t ql)
{
	return dns_answer(RECS, 1, q, ql, rsp, sizeof(rsp), &rcode, &malformed);
}

/* header + raw question bytes + qtype/qclass; returns length */
static size_t raw_query(uint8_t *b, const void *qname, size_t qnl, uint16_t qtype)
{
	memset(b, 0, DNS_HLEN);
	wr16(b, 0x1234);
	wr16(b + 2, DNS_FLAG_RD);
	wr16(b + 4, 1);
	memcpy(b + DNS_HLEN, qname, qnl);
	wr16(b + DNS_HLEN + qnl, qtype);
	wr16(b + DNS_HLEN + qnl + 2, DNS_CLASS_IN);
	return DNS_HLEN + qnl + 4;
}

static void test_rfc1035_3_1_and_rfc4343_names_compared_label_by_label(void)
{
	uint8_t b[400];
	struct dns_name n;
	CHECK_EQ(dns_name_decode((const uint8_t *)"\3WwW\7example\3COM\0", 17, 0, &n), 17);
	CHECK_EQ(n.nlabels, 3);
	CHECK(dns_name_equal_text(&n, "www.example.com"));
	CHECK(dns_name_equal_text(&n, "www.example.com."));
	CHECK(!dns_name_equal_text(&n, "www.example.co"));
	CHECK(!dns_name_equal_text(&n, "www.example.com.x"));
	CHECK(!dns_name_equal_text(&n, "example.com"));
	struct dns_name m;
	dns_name_decode((const uint8_t *)"\3www\7EXAMPLE\3com\0", 17, 0, &m);
	CHECK(dns_name_equal(&n, &m));
	/* case folding is ASCII only: 0xC9 and 0xE9 are different bytes */
	dns_name_decode((const uint8_t *)"\1\xc9\0", 3, 0, &n);
	dns_name_decode((const uint8_t *)"\1\xe9\0", 3, 0, &m);
	CHECK(!dns_name_equal(&n, &m));
	/* known name, mixed case: answered, and the question echoed with its case (0x20) */
	size_t ql = raw_query(b, "\3WWW\7example\3cOm\0", 17, DNS_TYPE_A);
	int rl = answer(b, ql);
	CHECK_EQ(rcode, DNS_RCODE_NOERROR);
	CHECK(!memcmp(rsp + DNS_HLEN, "\3WWW\7example\3cOm\0", 17));
	CHECK_EQ(rd32(rsp + rl - 4), 0x0a000001);
}

/* An A query for qname gets NXDOMAIN, no answer, and its question back byte for byte. */
static void check_nxdomain_question_kept(const char *qname, size_t qnl)
{
	uint8_t b[400];
	size_t ql = raw_query(b, qname, qnl, DNS_TYPE_A);
	CHECK(answer(b, ql) > 0);
	CHECK_EQ(rcode, DNS_RCODE_NXDOMAIN);
	CHECK_EQ(rd16(rsp + 6), 0);
	CHECK(!memcmp(rsp + DNS_HLEN, qname, qnl));
}

static void test_rfc1035_3_1_dot_inside_a_label_is_data(void)
{
	check_nxdomain_question_kept("\17www.example.com\0", 17);   /* one label "www.example.com" */
}

static void test_rfc1035_3_1_nul_inside_a_label_is_data(void)
{
	check_nxdomain_question_kept("\3www\7example\10com\0evil\0", 22);   /* www / example / "com\0evil" */
}

static void test_rfc1035_4_1_4_compressed_question_reencoded_uncompressed(void)
{
	uint8_t b[400];
	/* "www" + pointer to offset 4: QDCOUNT's high byte, 0 = the root: "www." */
	size_t ql = raw_query(b, "\3www\xc0\x04", 6, DNS_TYPE_A);
	CHECK(answer(b, ql) > 0);
	CHECK_EQ(rcode, DNS_RCODE_NXDOMAIN);
	CHECK(!memcmp(rsp + DNS_HLEN, "\3www\0", 5));
	CHECK_EQ(rd16(rsp + DNS_HLEN + 5), DNS_TYPE_A);
	/* forward pointer and self loop: FORMERR, header only */
	ql = raw_query(b, "\3www\xc0\x30", 6, DNS_TYPE_A);
	CHECK_EQ(answer(b, ql), DNS_HLEN);
	CHECK_EQ(rcode, DNS_RCODE_FORMERR);
	CHECK(malformed);
	ql = raw_query(b, "\xc0\x0c", 2, DNS_TYPE_A);
	CHECK_EQ(answer(b, ql), DNS_HLEN);
	CHECK_EQ(rcode, DNS_RCODE_FORMERR);
	/* a compressed owner in the additional section refers to the question: skipped fine */
	ql = raw_query(b, "\3www\7example\3com\0", 17, DNS_TYPE_A);
	wr16(b + 10, 1);
	const uint8_t rr[] = { 0xc0, 0x0c, 0, 16, 0, 1, 0, 0, 0, 0, 0, 2, 1, 'x' };
	memcpy(b + ql, rr, sizeof(rr));
	CHECK(answer(b, ql + sizeof(rr)) > 0);
	CHECK_EQ(rcode, DNS_RCODE_NOERROR);
}

static size_t with_opt(uint8_t *b, size_t ql, uint16_t udp, uint8_t version, size_t pad)
{
	wr16(b + 10, (uint16_t)(rd16(b + 10) + 1));
	uint8_t *o = b + ql;
	o[0] = 0;
	wr16(o + 1, DNS_TYPE_OPT);
	wr16(o + 3, udp);
	o[5] = 0;
	o[6] = version;
	wr16(o + 7, 0x8000);  /* DO */
	wr16(o + 9, (uint16_t)(pad ? pad + 4 : 0));
	if (pad) {
		wr16(o + 11, 12);  /* Padding, RFC 7830 */
		wr16(o + 13, (uint16_t)pad);
		memset(o + 15, 0, pad);
	}
	return ql + 11 + (pad ? pad + 4 : 0);
}

static void test_rfc6891_6_1_1_opt_answered_with_opt(void)
{
	uint8_t b[800];
	size_t ql = raw_query(b, "\3www\7example\3com\0", 17, DNS_TYPE_A);
	ql = with_opt(b, ql, 1232, 0, 0);
	int rl = answer(b, ql);
	CHECK_EQ(rcode, DNS_RCODE_NOERROR);
	CHECK_EQ(rd16(rsp + 10), 1);                        /* ARCOUNT: our OPT */
	const uint8_t *o = rsp + rl - 11;
	CHECK_EQ(o[0], 0);
	CHECK_EQ(rd16(o + 1), DNS_TYPE_OPT);
	CHECK_EQ(rd16(o + 3), DNS_EDNS_UDP_SIZE);
	CHECK_EQ(rd16(o + 7), 0x8000);                      /* DO copied */
	/* two OPT records: FORMERR */
	ql = with_opt(b, ql, 1232, 0, 0);
	CHECK_EQ(answer(b, ql), DNS_HLEN);
	CHECK_EQ(rcode, DNS_RCODE_FORMERR);
}

static void test_rfc6891_6_1_3_unknown_version_gets_badvers(void)
{
	uint8_t b[800];
	size_t ql = raw_query(b, "\3www\7example\3com\0", 17, DNS_TYPE_A);
	ql = with_opt(b, ql, 4096, 1, 0);
	int rl = answer(b, ql);
	CHECK_EQ(rcode, DNS_RCODE_BADVERS);
	CHECK_EQ(rd16(rsp + 2) & 0xf, 0);                   /* low bits of 16 */
	CHECK_EQ(rd16(rsp + 6), 0);
	CHECK_EQ(rsp[rl - 11 + 5], 1);                      /* high bits in the OPT TTL */
	CHECK_EQ(rsp[rl - 11 + 6], 0);                      /* our version */
}

static void test_rfc7830_padded_600_byte_query_answered(void)
{
	uint8_t b[800];
	size_t ql = raw_query(b, "\3www\7example\3com\0", 17, DNS_TYPE_A);
	ql = with_opt(b, ql, 1232, 0, 600 - ql - 15);
	CHECK_EQ(ql, 600);
	CHECK(answer(b, ql) > 0);
	CHECK_EQ(rcode, DNS_RCODE_NOERROR);
	CHECK_EQ(rd16(rsp + 6), 1);
	/* an option running past RDATA is malformed */
	wr16(b + DNS_HLEN + 17 + 4 + 11 + 2, 0xffff);   /* the padding option's length */
	CHECK_EQ(answer(b, ql), DNS_HLEN);
	CHECK_EQ(rcode, DNS_RCODE_FORMERR);
}

static void test_rfc2308_2_2_nodata_for_known_name_nxdomain_for_unknown(void)
{
	uint8_t b[400];
	const uint16_t types[] = { DNS_TYPE_AAAA, DNS_TYPE_MX, 16 /* TXT */ };
	for (unsigned i = 0; i < 3; i++) {
		size_t ql = raw_query(b, "\3www\7example\3com\0", 17, types[i]);
		CHECK(answer(b, ql) > 0);
		CHECK_EQ(rcode, DNS_RCODE_NOERROR);
		CHECK_EQ(rd16(rsp + 6), 0);
		CHECK(rd16(rsp + 2) & DNS_FLAG_AA);
	}
	size_t ql = raw_query(b, "\7unknown\7example\3com\0", 21, DNS_TYPE_AAAA);
	answer(b, ql);
	CHECK_EQ(rcode, DNS_RCODE_NXDOMAIN);
	/* a response is never answered */
	wr16(b + 2, DNS_FLAG_QR);
	CHECK_EQ(answer(b, ql), 0);
}

int main(void)
{
	test_rfc9293_3_10_7_1_closed_port_syn_gets_rst_ack();
	test_rfc9293_3_10_7_1_closed_port_ack_gets_rst_seq_ack();
	test_rfc9293_3_10_7_1_rst_is_never_answered();
	test_rfc9293_3_10_7_2_listen_out_of_the_blue_ack_gets_rst();
	test_rfc9293_3_10_7_2_syn_ack_carries_offered_options();
	test_rfc7323_2_2_no_options_not_offered();
	test_rfc9293_3_10_7_3_retransmitted_syn_gets_syn_ack_again();
	test_rfc9293_3_10_7_4_syn_received_new_syn_returns_to_listen();
	test_rfc9293_3_10_7_4_syn_received_bad_ack_gets_rst();
	test_rfc9293_3_10_7_4_handshake_data_acked_and_echoed();
	test_rfc9293_3_10_7_4_unacceptable_segment_gets_ack();
	test_rfc5961_3_2_rst_exact_closes_in_window_gets_challenge_ack();
	test_rfc5961_4_2_syn_in_synchronized_state_gets_challenge_ack();
	test_rfc9293_3_10_7_4_fin_passive_close();
	test_rfc9293_3_10_7_4_active_close_and_time_wait_bounded();
	test_rfc9293_3_10_7_4_simultaneous_close_goes_through_closing();
	test_rfc9293_3_3_2_table_is_bounded_and_evictions_counted();
	test_rfc7766_8_dns_over_tcp_length_prefixed();
	test_rfc7766_5_dns_port_not_listening_is_refused();
	test_rfc9293_time_wait_new_syn_beyond_old_space_accepted();
	test_client_validates_peer_transitions();
	test_responder_routes_tcp_to_the_state_machine();
	test_rfc1035_3_1_and_rfc4343_names_compared_label_by_label();
	test_rfc1035_3_1_dot_inside_a_label_is_data();
	test_rfc1035_3_1_nul_inside_a_label_is_data();
	test_rfc1035_4_1_4_compressed_question_reencoded_uncompressed();
	test_rfc6891_6_1_1_opt_answered_with_opt();
	test_rfc6891_6_1_3_unknown_version_gets_badvers();
	test_rfc7830_padded_600_byte_query_answered();
	test_rfc2308_2_2_nodata_for_known_name_nxdomain_for_unknown();
	tcp_server_free(&srv);
	printf("unit_tcp_dns: %d checks, %d failures\n", checks, failures);
	return failures ? 1 : 0;
}
