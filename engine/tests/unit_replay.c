/* Unit tests of replay's parts: the pcap/pcapng reader (good files,
 * truncated frames, bad magic, short files) and the rewriter (checksums
 * verified by recomputing them after rewriting). No DPDK. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "pcap_reader.h"
#include "rewrite.h"
#include "replay_opts.h"
#include "csum.h"
#include "net.h"

static size_t put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); return 4; }
static size_t put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); return 2; }

/* classic pcap in host order, usec or nsec; records: (caplen, len) */
static uint8_t *classic(size_t *size, uint32_t magic, const uint32_t (*recs)[2], int n)
{
	uint8_t *b = calloc(1, 24 + (size_t)n * (16 + 200)), *p = b;
	p += put32(p, magic);
	p += put16(p, 2);
	p += put16(p, 4);
	p += put32(p, 0);
	p += put32(p, 0);
	p += put32(p, 65535);
	p += put32(p, 1);
	for (int i = 0; i < n; i++) {
		p += put32(p, 100 + (uint32_t)i);
		p += put32(p, 5);
		p += put32(p, recs[i][0]);
		p += put32(p, recs[i][1]);
		for (uint32_t k = 0; k < recs[i][0]; k++)
			*p++ = (uint8_t)(i + k);
	}
	*size = (size_t)(p - b);
	return b;
}

static void test_classic_good_and_truncated(void)
{
	static const uint32_t recs[][2] = { { 60, 60 }, { 100, 150 }, { 64, 64 } };
	size_t size;
	uint8_t *b = classic(&size, 0xa1b2c3d4u, recs, 3);
	struct pcap_file f;
	char err[200];
	CHECK_EQ(pcapr_parse(&f, b, size, err, sizeof(err)), 0);
	CHECK_EQ(f.n, 3);
	CHECK_EQ(f.recs[1].caplen, 100);
	CHECK_EQ(f.recs[1].len, 150);
	CHECK_EQ(f.recs[0].ts_ns, 100ull * 1000000000ull + 5000);
	CHECK_EQ(f.recs[2].data[1], 3);
	pcapr_free(&f);

	b = classic(&size, 0xa1b23c4du, recs, 3); /* nanosecond magic */
	CHECK_EQ(pcapr_parse(&f, b, size, err, sizeof(err)), 0);
	CHECK_EQ(f.recs[2].ts_ns, 102ull * 1000000000ull + 5);
	pcapr_free(&f);

	/* the other byte order */
	b = classic(&size, 0xa1b2c3d4u, recs, 1);
	for (size_t o = 0; o < 24; o += (o == 4 || o == 6) ? 2 : 4) {
		if (o == 4 || o == 6) { uint16_t v; memcpy(&v, b + o, 2); v = __builtin_bswap16(v); memcpy(b + o, &v, 2); }
		else { uint32_t v; memcpy(&v, b + o, 4); v = __builtin_bswap32(v); memcpy(b + o, &v, 4); }
	}
	for (size_t o = 24; o < 40; o += 4) { uint32_t v; memcpy(&v, b + o, 4); v = __builtin_bswap32(v); memcpy(b + o, &v, 4); }
	CHECK_EQ(pcapr_parse(&f, b, size, err, sizeof(err)), 0);
	CHECK_EQ(f.n, 1);
	CHECK_EQ(f.recs[0].caplen, 60);
	pcapr_free(&f);
}

static void test_bad_and_short(void)
{
	static const uint32_t recs[][2] = { { 60, 60 }, { 60, 60 } };
	size_t size;
	struct pcap_file f;
	char err[200];
	uint8_t *b = classic(&size, 0x12345678u, recs, 1);
	CHECK_EQ(pcapr_parse(&f, b, size, err, sizeof(err)), -1);
	CHECK(strstr(err, "magic") != NULL);
	pcapr_free(&f);

	b = classic(&size, 0xa1b2c3d4u, recs, 2);
	CHECK_EQ(pcapr_parse(&f, b, 10, err, sizeof(err)), -1); /* header cut */
	CHECK(strstr(err, "header") != NULL);
	pcapr_free(&f);

	b = classic(&size, 0xa1b2c3d4u, recs, 2);
	CHECK_EQ(pcapr_parse(&f, b, size - 7, err, sizeof(err)), -1); /* last record's data cut */
	CHECK(strstr(err, "record 2") != NULL);
	pcapr_free(&f);

	b = classic(&size, 0xa1b2c3d4u, recs, 2);
	CHECK_EQ(pcapr_parse(&f, b, 24 + 76 + 9, err, sizeof(err)), -1); /* record header cut */
	CHECK(strstr(err, "record 2") != NULL);
	pcapr_free(&f);

	b = classic(&size, 0xa1b2c3d4u, recs, 1);
	b[20] = 101; /* raw IP, not Ethernet */
	CHECK_EQ(pcapr_parse(&f, b, size, err, sizeof(err)), -1);
	CHECK(strstr(err, "link type") != NULL);
	pcapr_free(&f);

	CHECK_EQ(pcapr_load(&f, "/nonexistent/x.pcap", err, sizeof(err)), -1);
	CHECK(strstr(err, "/nonexistent/x.pcap") != NULL);
}

static size_t block(uint8_t *p, uint32_t type, const uint8_t *body, uint32_t bl)
{
	uint32_t total = 12 + ((bl + 3) & ~3u);
	put32(p, type);
	put32(p + 4, total);
	memset(p + 8, 0, total - 12);
	memcpy(p + 8, body, bl);
	put32(p + total - 4, total);
	return total;
}

static void test_pcapng(void)
{
	uint8_t *b = calloc(1, 1024), *p = b, body[200];
	memset(body, 0, sizeof(body));
	put32(body, 0x1A2B3C4Du);
	put16(body + 4, 1);
	memset(body + 8, 0xff, 8); /* section length unknown */
	p += block(p, 0x0A0D0D0Au, body, 16);
	memset(body, 0, sizeof(body));
	put16(body, 1);
	put32(body + 4, 65535);
	put16(body + 8, 9); /* if_tsresol = 10^-9 */
	put16(body + 10, 1);
	body[12] = 9;
	p += block(p, 1, body, 20);
	memset(body, 0, sizeof(body));
	put32(body, 0);
	put32(body + 4, 0);
	put32(body + 8, 1234567);
	put32(body + 12, 60);
	put32(body + 16, 80); /* truncated: 60 of 80 */
	body[20] = 0xaa;
	p += block(p, 6, body, 20 + 60);
	struct pcap_file f;
	char err[200];
	CHECK_EQ(pcapr_parse(&f, b, (size_t)(p - b), err, sizeof(err)), 0);
	CHECK_EQ(f.n, 1);
	CHECK_EQ(f.pcapng, 1);
	CHECK_EQ(f.recs[0].caplen, 60);
	CHECK_EQ(f.recs[0].len, 80);
	CHECK_EQ(f.recs[0].ts_ns, 1234567);
	CHECK_EQ(f.recs[0].data[0], 0xaa);
	pcapr_free(&f);
}

/* An Ethernet/IPv4 frame with a proto payload, checksums set. */
static size_t ip_frame(uint8_t *f, uint8_t proto, size_t l4len)
{
	memset(f, 0, ETH_HLEN + IPV4_HLEN + l4len);
	memcpy(f, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01", 12);
	wr16(f + 12, ETHERTYPE_IPV4);
	uint8_t *ip = f + ETH_HLEN;
	ip[0] = 0x45;
	wr16(ip + 2, (uint16_t)(IPV4_HLEN + l4len));
	ip[8] = 64;
	ip[9] = proto;
	wr32(ip + 12, 0x0a000005);
	wr32(ip + 16, 0x0a000009);
	uint8_t *l4 = ip + IPV4_HLEN;
	for (size_t i = 0; i < l4len; i++)
		l4[i] = (uint8_t)(i * 7 + 3);
	if (proto == IPPROTO_UDP_)
		wr16(l4 + 4, (uint16_t)l4len);
	if (proto == IPPROTO_TCP_)
		l4[12] = 0x50;
	ipv4_set_csum(ip);
	l4_set_csum(ip);
	return ETH_HLEN + IPV4_HLEN + l4len;
}

static int l4_ok(const uint8_t *ip)
{
	uint16_t tot = rd16(ip + 2);
	uint32_t s = ip[9] == IPPROTO_ICMP_ ? 0 : csum_pseudo_v4(rd32(ip + 12), rd32(ip + 16), ip[9], (uint16_t)(tot - 20));
	return csum_fold(csum_partial(ip + 20, tot - 20u, s)) == 0xffff;
}

static void test_rewrite_checksums(void)
{
	struct rewrite_cfg c;
	char err[200];
	rewrite_init(&c);
	CHECK_EQ(rewrite_add_ip(&c, "10.0.0.5=198.18.0.2", err, sizeof(err)), 0);
	CHECK_EQ(rewrite_add_ip(&c, "10.0.0.9=198.18.0.3", err, sizeof(err)), 0);
	CHECK_EQ(rewrite_add_mac(&c, "02:00:00:00:00:02=02:aa:bb:cc:dd:ee", err, sizeof(err)), 0);
	CHECK_EQ(rewrite_add_ip(&c, "10.0.0.5=1.2.3.4", err, sizeof(err)), -1);
	CHECK_EQ(rewrite_add_ip(&c, "10.0.0=1.2.3.4", err, sizeof(err)), -1);
	CHECK_EQ(rewrite_add_mac(&c, "nope", err, sizeof(err)), -1);
	c.ttl = 7;
	static const uint8_t protos[] = { IPPROTO_UDP_, IPPROTO_TCP_, IPPROTO_ICMP_ };
	for (unsigned i = 0; i < 3; i++) {
		uint8_t f[256];
		struct rewrite_stats st = { 0 };
		size_t len = ip_frame(f, protos[i], 61); /* odd length on purpose */
		uint8_t *ip = f + ETH_HLEN;
		CHECK(l4_ok(ip));
		CHECK_EQ(rewrite_frame(&c, f, len, &st), 1);
		CHECK_EQ(rd32(ip + 12), 0xc6120002);
		CHECK_EQ(rd32(ip + 16), 0xc6120003);
		CHECK_EQ(ip[8], 7);
		CHECK_EQ(f[0], 0x02);
		CHECK_EQ(f[1], 0xaa);
		CHECK(ipv4_csum_ok(ip, 20));
		CHECK(l4_ok(ip));
		CHECK_EQ(st.ip_mapped, 2);
		CHECK_EQ(st.mac_mapped, 1);

		/* a truncated capture of the same frame: incremental update must
		 * give the checksum the full recompute gave */
		uint8_t g[256];
		ip_frame(g, protos[i], 61);
		struct rewrite_stats st2 = { 0 };
		CHECK_EQ(rewrite_frame(&c, g, ETH_HLEN + IPV4_HLEN + 30, &st2), 1);
		CHECK_EQ(memcmp(g, f, ETH_HLEN + IPV4_HLEN + 30), 0);
		if (protos[i] != IPPROTO_ICMP_)
			CHECK_EQ(st2.csum_incr, 1);
	}
	/* UDP without checksum keeps none */
	uint8_t f[128];
	size_t len = ip_frame(f, IPPROTO_UDP_, 20);
	wr16(f + ETH_HLEN + IPV4_HLEN + 6, 0);
	struct rewrite_stats st = { 0 };
	rewrite_frame(&c, f, len, &st);
	CHECK_EQ(rd16(f + ETH_HLEN + IPV4_HLEN + 6), 0);
	/* unmapped frame: unchanged */
	struct rewrite_cfg none;
	rewrite_init(&none);
	len = ip_frame(f, IPPROTO_TCP_, 20);
	uint8_t copy[128];
	memcpy(copy, f, len);
	CHECK_EQ(rewrite_frame(&none, f, len, &st), 0);
	CHECK_EQ(memcmp(copy, f, len), 0);
	/* a truncated capture padded with zeros: checksums recomputed to fit */
	len = ip_frame(f, IPPROTO_UDP_, 40);
	memset(f + len - 20, 0, 20);
	CHECK(!l4_ok(f + ETH_HLEN));
	CHECK_EQ(rewrite_recompute(f, len), 1);
	CHECK(l4_ok(f + ETH_HLEN));
	CHECK(ipv4_csum_ok(f + ETH_HLEN, 20));
	CHECK_EQ(rewrite_recompute(f, len - 1), 0); /* datagram longer than the frame */
	/* incremental helper against a known case (RFC 1624 section 4) */
	uint8_t cs[2];
	wr16(cs, 0xdd2f);
	csum_update16(cs, 0x5555, 0x3285);
	CHECK_EQ(rd16(cs), 0x0000);
}

static void test_gaps(void)
{
	struct replay_cfg c;
	memset(&c, 0, sizeof(c));
	struct pcap_rec r[3] = { { NULL, 60, 60, 1000000 }, { NULL, 60, 60, 3000000 }, { NULL, 60, 60, 2000000 } };
	uint32_t lens[3] = { 125, 125, 125 };
	c.pace = RP_SPEED;
	c.speed = 2;
	uint64_t *g = replay_gaps(&c, r, lens, 3, 1000000000ull); /* 1 GHz: ticks = ns */
	CHECK_EQ(g[0] >> 16, 1000000); /* 2 ms at 2x */
	CHECK_EQ(g[1], 0);             /* backwards in time: no wait */
	CHECK_EQ(g[2], 0);             /* last frame: straight into the next loop */
	free(g);
	c.pace = RP_MBPS;
	c.mbps = 1; /* 1000 bits at 1 Mbit/s = 1 ms */
	g = replay_gaps(&c, r, lens, 3, 1000000000ull);
	CHECK_EQ(g[2] >> 16, 1000000);
	free(g);
	c.pace = RP_PPS;
	CHECK(replay_gaps(&c, r, lens, 3, 1000000000ull) == NULL);
}

/* --workers: frame i on worker i mod N; the parts add up to the whole and
 * every frame keeps its single-worker departure time. */
static void test_worker_split(void)
{
	const size_t n = 7;
	const unsigned nw = 3;
	size_t frames = 0;
	for (unsigned w = 0; w < nw; w++)
		frames += replay_worker_frames(n, w, nw);
	CHECK_EQ(frames, n);
	CHECK_EQ(replay_worker_frames(n, 0, nw), 3); /* 0 3 6 */
	CHECK_EQ(replay_worker_frames(n, 2, nw), 2); /* 2 5 */
	CHECK_EQ(replay_worker_frames(2, 2, nw), 0); /* fewer frames than workers */
	/* limits counted in the global order, for every cut of a few loops */
	for (uint64_t limit = 1; limit < 4 * n; limit++) {
		uint64_t sum = 0;
		for (unsigned w = 0; w < nw; w++)
			sum += replay_worker_limit(limit, n, w, nw);
		CHECK_EQ(sum, limit);
	}
	CHECK_EQ(replay_worker_limit(7 * 3, n, 1, nw), 2 * 3); /* 3 loops of frames 1 and 4 */
	CHECK_EQ(replay_worker_limit(9, n, 1, nw), 2 + 1);     /* one loop, then frame 1 of the next */
	CHECK_EQ(replay_worker_limit(0, n, 1, nw), 0);

	/* gaps 1..7: departure of global frame i (loop L) is L*28 + 1+..+i */
	uint64_t gaps[7], first;
	uint64_t at[7] = { 0 };
	for (size_t i = 0; i < n; i++) {
		gaps[i] = i + 1;
		if (i)
			at[i] = at[i - 1] + gaps[i - 1];
	}
	for (unsigned w = 0; w < nw; w++) {
		uint64_t *g = replay_worker_gaps(gaps, n, w, nw, &first);
		size_t k = replay_worker_frames(n, w, nw);
		uint64_t t = first;
		for (size_t loop = 0; loop < 2; loop++)
			for (size_t j = 0; j < k; j++) {
				CHECK_EQ(t, loop * 28 + at[w + j * nw]);
				t += g[j];
			}
		free(g);
	}
	CHECK(replay_worker_gaps(NULL, n, 0, nw, &first) == NULL);
	CHECK(replay_worker_gaps(gaps, 2, 2, nw, &first) == NULL);
}

/* --workers with response validation is refused: answers pair on one lcore */
static void test_workers_options(void)
{
	char buf[512], *argv[32];
	struct replay_cfg c;
	int argc = split_args("--role replay --pcap x.pcap --workers 2", buf, sizeof(buf), argv, 32);
	CHECK_EQ(replay_options_parse(&c, argc, argv), 0);
	CHECK_EQ(c.workers, 2);
	argc = split_args("--role replay --pcap x.pcap", buf, sizeof(buf), argv, 32);
	CHECK_EQ(replay_options_parse(&c, argc, argv), 0);
	CHECK_EQ(c.workers, 1);
	FILE *saved = stderr_mute();
	argc = split_args("--role replay --pcap x.pcap --workers 2 --expect-rules icmp", buf, sizeof(buf), argv, 32);
	CHECK_EQ(replay_options_parse(&c, argc, argv), 2);
	argc = split_args("--role replay --pcap x.pcap --workers 0", buf, sizeof(buf), argv, 32);
	CHECK_EQ(replay_options_parse(&c, argc, argv), 2);
	stderr_restore(saved);
}

int main(void)
{
	test_classic_good_and_truncated();
	test_bad_and_short();
	test_pcapng();
	test_rewrite_checksums();
	test_gaps();
	test_worker_split();
	test_workers_options();
	printf("unit_replay: %d checks, %d failures\n", checks, failures);
	return failures ? 1 : 0;
}
