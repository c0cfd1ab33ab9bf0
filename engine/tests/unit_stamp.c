/* --stamp and --port: the stamp's layout and parsing, its incremental
 * checksum against a full recomputation (IPv4 and IPv6), sequence
 * tracking (loss, reordering, duplicates, wrap, window edge), latency
 * percentiles, the "ports" array, streams split over two workers'
 * trackers, and the options' combinations. */
#include <string.h>
#include <stdlib.h>
#include "check.h"
#include "parse_args.h"
#include "stamp.h"
#include "latency.h"
#include "stats.h"
#include "ports.h"
#include "options.h"
#include "pkt_parse.h"
#include "rx_validate.h"
#include "proto_udp.h"
#include "proto_icmp6.h"
#include "ipv6.h"

static const uint8_t MAC_A[6] = { 2, 0, 0, 0, 0, 1 }, MAC_B[6] = { 2, 0, 0, 0, 0, 2 };

static void test_layout(void)
{
	uint8_t p[STAMP_LEN + 2] = { 0 };
	struct stamp s = { .stream = 0x0102, .seq = 0xa0b0c0d0u, .tx_ns = 0x1122334455667788ull }, r;
	stamp_write(p, &s);
	static const uint8_t want[STAMP_LEN] = { 0x57, 0x4c, 0x53, 0x31, 0x01, 0x02, 0xa0, 0xb0, 0xc0,
						 0xd0, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88 };
	CHECK(!memcmp(p, want, STAMP_LEN));
	CHECK_EQ(stamp_parse(p, STAMP_LEN, &r), 0);
	CHECK_EQ(r.stream, s.stream);
	CHECK_EQ(r.seq, s.seq);
	CHECK(r.tx_ns == s.tx_ns);
	CHECK_EQ(stamp_parse(p, STAMP_LEN - 1, &r), -1);  /* cut short */
	p[0] ^= 1;
	CHECK_EQ(stamp_parse(p, STAMP_LEN, &r), -1);      /* no magic */
}

/* A template as the worker builds it (stamp with seq/ts 0), filled like
 * the hot loop, must carry the checksum a full computation gives, so the
 * receiver (which verifies checksums) accepts and parses it. */
static void check_filled(uint8_t *f, size_t len, size_t l3, int v6, uint32_t seq, uint64_t ns)
{
	struct wl_tmpl t;
	memset(&t, 0, sizeof(t));
	memcpy(t.data, f, len);
	t.len = (uint16_t)len;
	size_t l4 = l3 + (v6 ? IPV6_HLEN : IPV4_HLEN);
	t.sport_off = (uint16_t)l4;
	t.csum_off = (uint16_t)(l4 + 6);
	if (v6)
		tmpl_finish6(&t, l3);
	else
		tmpl_finish(&t, l3);
	uint8_t pkt[WL_MAX_FRAME];
	memcpy(pkt, t.data, len);
	tmpl_fill(&t, pkt, 0, 12345);
	stamp_fill(pkt, (uint16_t)(l4 + UDP_HLEN), t.csum_off, seq, ns);

	struct parse_cfg pc = { 0 };
	struct pkt_info pi;
	CHECK_EQ(pkt_parse(pkt, len, &pc, &pi), WL_C_UDP);
	struct rxv_cfg rc = { .verify_checksums = 1 };
	memcpy(rc.mac, MAC_B, 6);
	CHECK_EQ(rxv_check(&rc, pkt, len, &pi), RXV_OK);
	struct stamp st;
	CHECK_EQ(stamp_parse(pkt + pi.pl_off, pi.pl_len, &st), 0);
	CHECK_EQ(st.seq, seq);
	CHECK(st.tx_ns == ns);
	CHECK_EQ(st.stream, 7);
}

static void test_checksum(void)
{
	uint8_t pl[64] = { 0 }, f[WL_MAX_FRAME];
	stamp_write(pl, &(struct stamp){ .stream = 7 });
	struct wl_l2l3 a;
	memcpy(a.src_mac, MAC_A, 6);
	memcpy(a.dst_mac, MAC_B, 6);
	a.src_ip = 0xc6120a01; /* 198.18.10.1 */
	a.dst_ip = 0xc6120b02;
	static const uint32_t seqs[] = { 0, 1, 0xffff, 0x10000, 0xfffffffeu, 0xffffffffu, 0x12345678 };
	static const uint64_t times[] = { 0, 1, 0xffff, 0xffffffffffffull, 123456789012ull, ~0ull };
	/* 60-byte frame: the stamp is the whole payload (RFC 2544's 64-byte size) */
	size_t len = udp_build(f, sizeof(f), &a, 0, 9000, pl, STAMP_LEN, 60);
	CHECK_EQ(len, 60);
	for (size_t i = 0; i < sizeof(seqs) / sizeof(seqs[0]); i++)
		for (size_t k = 0; k < sizeof(times) / sizeof(times[0]); k++)
			check_filled(f, len, ETH_HLEN, 0, seqs[i], times[k]);
	len = udp_build(f, sizeof(f), &a, 0, 9000, pl, sizeof(pl), 1514);
	check_filled(f, len, ETH_HLEN, 0, 77, 987654321);

	struct wl_l2l3_6 a6;
	memcpy(a6.src_mac, MAC_A, 6);
	memcpy(a6.dst_mac, MAC_B, 6);
	CHECK_EQ(parse_ipv6("2001:2:0:10::1", a6.src), 0);
	CHECK_EQ(parse_ipv6("2001:2:0:11::2", a6.dst), 0);
	len = udp6_build(f, sizeof(f), &a6, 0, 9000, pl, STAMP_LEN, 0);
	CHECK_EQ(len, 80);
	for (size_t i = 0; i < sizeof(seqs) / sizeof(seqs[0]); i++)
		check_filled(f, len, ETH_HLEN, 1, seqs[i], times[i % 6]);
}

static struct seq_track tr;

static void test_sequence(void)
{
	struct seq_sums s = { 0 };
	seq_init(&tr);
	for (uint32_t i = 0; i < 100; i++)
		seq_add(&tr, &s, 1, i);
	CHECK_EQ(s.received, 100);
	CHECK_EQ(seq_lost(&s, 0), 0);
	CHECK_EQ(seq_lost(&s, 100), 0);
	CHECK_EQ(seq_lost(&s, 103), 3);    /* the tail that never came */
	/* 100..109 with 103 late and 105 lost, 107 twice */
	static const uint32_t in[] = { 100, 101, 102, 104, 103, 106, 107, 107, 108, 109 };
	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++)
		seq_add(&tr, &s, 1, in[i]);
	CHECK_EQ(s.received, 109);
	CHECK_EQ(s.reordered, 1);
	CHECK_EQ(s.duplicates, 1);
	CHECK_EQ(seq_lost(&s, 0), 1);
	/* the late one arriving now is reordering, and the loss is healed */
	seq_add(&tr, &s, 1, 105);
	CHECK_EQ(s.reordered, 2);
	CHECK_EQ(seq_lost(&s, 110), 0);
	seq_add(&tr, &s, 1, 105);
	CHECK_EQ(s.duplicates, 2);

	/* a second stream is counted on its own, first frames lost */
	seq_add(&tr, &s, 2, 5);
	CHECK_EQ(seq_lost(&s, 0), 5);
	CHECK_EQ(tr.n, 2);

	/* a jump past the window forgets it; a number older than the window counts as late */
	struct seq_sums w = { 0 };
	seq_init(&tr);
	seq_add(&tr, &w, 9, 0);
	seq_add(&tr, &w, 9, 3 * SEQ_WINDOW);
	CHECK_EQ(seq_lost(&w, 0), 3 * SEQ_WINDOW - 1);
	seq_add(&tr, &w, 9, 0);                      /* older than the window: late, not a duplicate */
	CHECK_EQ(w.reordered, 1);
	CHECK_EQ(w.duplicates, 0);
	seq_add(&tr, &w, 9, 3 * SEQ_WINDOW - SEQ_WINDOW + 1); /* inside the window, never seen */
	CHECK_EQ(w.reordered, 2);
	seq_add(&tr, &w, 9, 3 * SEQ_WINDOW);          /* the newest again */
	CHECK_EQ(w.duplicates, 1);

	/* 32-bit wrap is a step forward */
	struct seq_sums z = { 0 };
	seq_init(&tr);
	seq_add(&tr, &z, 3, 0);
	seq_add(&tr, &z, 3, 0x70000000u);
	seq_add(&tr, &z, 3, 0xe0000000u);
	for (uint32_t i = 0xfffffff0u; i != 0x10; i++)
		seq_add(&tr, &z, 3, i);
	CHECK_EQ(z.received, 3 + 32);
	CHECK_EQ(z.duplicates, 0);   /* 0 after the wrap is not the 0 of the start */
	CHECK_EQ(z.reordered, 0);
	seq_add(&tr, &z, 3, 0xfffffff8u);
	CHECK_EQ(z.duplicates, 1);   /* behind the wrap, still in the window */

	/* more streams than tracked: counted apart, never mixed into others */
	struct seq_sums u = { 0 };
	seq_init(&tr);
	for (unsigned k = 0; k < SEQ_STREAMS + 3; k++)
		seq_add(&tr, &u, (uint16_t)k, 0);
	CHECK_EQ(u.received, SEQ_STREAMS);
	CHECK_EQ(u.untracked, 3);
}

static void test_latency(void)
{
	static struct lat_stats l;
	lat_init(&l);
	for (int i = 1; i <= 1000; i++)
		lat_add(&l, i * 1000);         /* 1..1000 us */
	lat_add(&l, -5);
	CHECK_EQ(l.negative, 1);
	CHECK_EQ(l.h.count, 1000);
	CHECK_EQ(l.min_ns, 1000);
	static struct jbuf j;
	struct seq_sums s = { .received = 1000, .expected = 1000 };
	jb_reset(&j);
	jb_obj_open(&j);
	lat_render(&j, &l, &s, 1002);
	jb_obj_close(&j);
	double p50, p90, p99, p999, mn, mx, mean;
	const char *lt = strstr(j.buf, "\"latency\"");
	CHECK(lt != NULL);
	CHECK_EQ(sscanf(lt, "\"latency\":{\"samples\":1000,\"min_us\":%lf,\"mean_us\":%lf,\"p50_us\":%lf,\"p90_us\":%lf,"
			"\"p99_us\":%lf,\"p999_us\":%lf,\"max_us\":%lf}", &mn, &mean, &p50, &p90, &p99, &p999, &mx), 7);
	CHECK(mn == 1.0 && mx == 1000.0);
	CHECK(mn <= p50 && p50 <= p90 && p90 <= p99 && p99 <= p999 && p999 <= mx);
	CHECK(p50 > 480 && p50 < 520);      /* ~3% buckets */
	CHECK(p99 > 960 && p99 <= 1000);
	CHECK(mean > 500 && mean < 501);
	CHECK(strstr(j.buf, "\"sequence\":{\"received\":1000,\"lost\":2,\"reordered\":0,\"duplicates\":0}") != NULL);
	/* one sample: every percentile is it */
	lat_init(&l);
	lat_add(&l, 70000);
	jb_reset(&j);
	jb_obj_open(&j);
	lat_render(&j, &l, &s, 0);
	jb_obj_close(&j);
	CHECK(strstr(j.buf, "\"p50_us\":70.000") != NULL);
	CHECK(strstr(j.buf, "\"min_us\":70.000") != NULL);
}

static void test_ports(void)
{
	uint16_t ids[WL_MAX_PORTS];
	unsigned n = 0;
	FILE *saved = stderr_mute();
	CHECK_EQ(ports_add(ids, &n, "0"), 0);
	CHECK_EQ(ports_add(ids, &n, "3"), 0);
	CHECK_EQ(ports_add(ids, &n, "3"), -1);
	CHECK_EQ(ports_add(ids, &n, "x"), -1);
	CHECK_EQ(ports_add(ids, &n, ""), -1);
	CHECK_EQ(ports_add(ids, &n, "1024"), -1);
	static const char *const more[] = { "10", "11", "12", "13", "14", "15" };
	for (unsigned i = 0; i < 6; i++)
		CHECK_EQ(ports_add(ids, &n, more[i]), 0);
	CHECK_EQ(ports_add(ids, &n, "16"), -1);   /* WL_MAX_PORTS */
	stderr_restore(saved);
	CHECK_EQ(n, WL_MAX_PORTS);
}

/* Two workers' trackers: streams each worker has alone add up; a stream
 * split between them (its frames on both queues) counts to its highest
 * number once, so loss stays right. */
static void test_split_streams(void)
{
	static struct seq_track a, b;
	struct seq_sums sa = { 0 }, sb = { 0 }, t = { 0 };
	seq_init(&a);
	seq_init(&b);
	/* stream 0 on worker 0 only, stream 1 on worker 1 only: 100 each, 3 lost of stream 1 */
	for (uint32_t i = 0; i < 100; i++)
		seq_add(&a, &sa, 0, i);
	for (uint32_t i = 0; i < 100; i++)
		if (i != 10 && i != 20 && i != 30)
			seq_add(&b, &sb, 1, i);
	const struct seq_track *tr2[2] = { &a, &b };
	CHECK_EQ(seq_split_excess(tr2, 2), 0);
	/* stream 2 split by parity; 40 and 41 lost */
	for (uint32_t i = 0; i < 50; i++) {
		if (i == 40 || i == 41)
			continue;
		seq_add(i % 2 ? &b : &a, i % 2 ? &sb : &sa, 2, i);
	}
	seq_sums_add(&t, &sa);
	seq_sums_add(&t, &sb);
	CHECK_EQ(t.expected, 100 + 100 + 49 + 50);    /* each worker's highest + 1 */
	uint64_t x = seq_split_excess(tr2, 2);
	CHECK_EQ(x, 49);
	t.expected -= x;
	CHECK_EQ(seq_lost(&t, 0), 3 + 2);
	CHECK_EQ(t.reordered + t.duplicates, 0);
	/* a NULL tracker (a worker without --stamp's tracker) is skipped */
	const struct seq_track *tr3[3] = { &a, NULL, &b };
	CHECK_EQ(seq_split_excess(tr3, 3), 49);
}

/* The stats line adds the workers' counters: per-port counts, latency
 * (histogram, exact min) and sequence figures too. */
static void test_counters_add(void)
{
	static struct wl_counters t, a, b;
	memset(&t, 0, sizeof(t));
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	lat_init(&a.lat);
	lat_init(&b.lat);
	a.port[1] = (struct port_ctr){ 1, 64, 2, 128 };
	b.port[1] = (struct port_ctr){ 3, 192, 4, 256 };
	lat_add(&a.lat, 5000);
	lat_add(&b.lat, 2000);
	lat_add(&b.lat, 9000);
	a.seq = (struct seq_sums){ .received = 10, .expected = 12, .reordered = 1 };
	b.seq = (struct seq_sums){ .received = 5, .expected = 5, .duplicates = 2 };
	a.stamped = 12;
	b.stamped = 6;
	counters_add(&t, &a);
	counters_add(&t, &b);
	CHECK_EQ(t.port[1].tx_packets, 4);
	CHECK_EQ(t.port[1].rx_bytes, 384);
	CHECK_EQ(t.lat.h.count, 3);
	CHECK_EQ(t.lat.min_ns, 2000);
	CHECK_EQ(t.lat.h.max_ns, 9000);
	CHECK_EQ(t.seq.received, 15);
	CHECK_EQ(seq_lost(&t.seq, t.stamped), 3);
	CHECK_EQ(t.seq.reordered + t.seq.duplicates, 3);
}

static void test_options(void)
{
	static struct wl_config c;
	CHECK_EQ(parse_args(&c, "--port 0 --port 1 --stamp --src-ip 198.18.10.1 --dst-ip 198.18.11.2"), 0);
	CHECK_EQ(c.n_ports, 2);
	CHECK_EQ(c.port_id, 0);
	CHECK(c.stamp);
	CHECK_EQ(c.ip, 0xc6120b02);      /* the receiving ports answer for --dst-ip */
	CHECK_EQ(parse_args(&c, "--port 1 --port 0 --src-ip 198.18.10.1 --dst-ip 198.18.11.2 --ip 198.18.11.9"), 0);
	CHECK_EQ(c.port_id, 1);
	CHECK_EQ(c.ip, 0xc6120b09);
	CHECK_EQ(parse_args(&c, "--port 2 --src-ip 198.18.10.1 --dst-ip 198.18.11.2"), 0);
	CHECK_EQ(c.port_id, 2);
	CHECK_EQ(c.ip, 0xc6120a01);      /* one port: as before */
	CHECK_EQ(parse_args(&c, "--port 0 --port 1 --src-ip 2001:2:0:10::1 --dst-ip 2001:2:0:11::2 --stamp"), 0);
	CHECK(c.has_ip6 && c.ip6[15] == 2 && c.ip6[7] == 0x11);
	/* refused combinations */
	CHECK_EQ(parse_args(&c, "--stamp --protocol icmp --src-ip 198.18.10.1 --dst-ip 198.18.11.2"), 2);
	CHECK_EQ(parse_args(&c, "--stamp --role rx --ip 198.18.10.1"), 2);
	CHECK_EQ(parse_args(&c, "--stamp --fragment-size 512 --src-ip 198.18.10.1 --dst-ip 198.18.11.2"), 2);
	CHECK_EQ(parse_args(&c, "--port 0 --port 1 --role rx --ip 198.18.10.1"), 2);
	CHECK_EQ(parse_args(&c, "--port 0 --port 1 --protocol tcp --src-ip 198.18.10.1 --dst-ip 198.18.11.2"), 2);
	CHECK_EQ(parse_args(&c, "--port 0 --port 1 --stamp --workers 2 --protocol tcp --src-ip 198.18.10.1 --dst-ip 198.18.11.2"), 2);
	/* workers x ports x stamps: each worker a queue pair on every port, its own stream */
	CHECK_EQ(parse_args(&c, "--port 0 --port 2 --workers 2 --stamp --src-ip 198.18.10.1 --dst-ip 198.18.11.2"), 0);
	CHECK_EQ(c.n_ports, 2);
	CHECK_EQ(c.workers, 2);
	CHECK(c.stamp);
	CHECK_EQ(parse_args(&c, "--stamp --workers 2 --src-ip 198.18.10.1 --dst-ip 198.18.11.2"), 0);
	CHECK_EQ(parse_args(&c, "--port 0 --port 0 --src-ip 198.18.10.1 --dst-ip 198.18.11.2"), 2);
}

int main(void)
{
	test_layout();
	test_checksum();
	test_sequence();
	test_latency();
	test_ports();
	test_counters_add();
	test_split_streams();
	test_options();
	printf("unit_stamp: %d checks, %d failures\n", checks, failures);
	return failures ? 1 : 0;
}
