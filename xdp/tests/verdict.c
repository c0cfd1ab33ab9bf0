/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Verdict tests: run count, drop and reflect on crafted frames with
 * BPF_PROG_RUN (bpf_prog_test_run_opts) and check verdicts, counters, the
 * bytes reflect rewrites (checksums included), drop rules, and that
 * truncated/malformed frames are handled (eth + other).  Also checks that the
 * user-space copy of the classifier (wirelab-sink af-packet) agrees with the
 * kernel's.  Needs root; exits 77 (skip) otherwise.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "wirelab_xdp.h"
#include "wl_parse.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverlength-strings"
#include "count.skel.h"
#include "drop.skel.h"
#include "reflect.skel.h"
#pragma GCC diagnostic pop

static int failures, checks;

#define CHECK(cond, ...)                                                                                   \
	do {                                                                                               \
		checks++;                                                                                  \
		if (!(cond)) {                                                                             \
			failures++;                                                                        \
			fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                               \
			fprintf(stderr, __VA_ARGS__);                                                      \
			fputc('\n', stderr);                                                               \
		}                                                                                          \
	} while (0)

/* ---- frame builder ---- */

static const uint8_t MAC_A[6] = { 0x02, 0, 0, 0, 0, 0x0a };
static const uint8_t MAC_B[6] = { 0x02, 0, 0, 0, 0, 0x0b };
#define IP_A "198.18.210.1"
#define IP_B "198.18.210.2"
#define IP6_A "2001:db8::a"
#define IP6_B "2001:db8::b"

struct frame {
	uint8_t b[256];
	size_t len;
	const char *name;
	uint32_t want_mask; /* expected wl_parse classes */
};

static uint32_t csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)(p[len - 1] << 8);
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static size_t eth(uint8_t *b, const uint8_t *dst, const uint8_t *src, uint16_t type)
{
	memcpy(b, dst, 6);
	memcpy(b + 6, src, 6);
	put16(b + 12, type);
	return 14;
}

/* L4 checksum over the pseudo-header (IPv4 or IPv6) and the segment. */
static void l4_csum(uint8_t *l3, int ver, uint8_t *l4, size_t l4len, uint8_t proto, int csum_off)
{
	uint32_t sum = 0;
	uint8_t ph[4];
	uint16_t c;

	put16(l4 + csum_off, 0);
	if (!(ver == 4 && proto == 1)) { /* ICMPv4 has no pseudo-header */
		sum = ver == 4 ? csum_add(0, l3 + 12, 8) : csum_add(0, l3 + 8, 32);
		ph[0] = 0;
		ph[1] = proto;
		put16(ph + 2, (uint16_t)l4len);
		sum = csum_add(sum, ph, 4);
	}
	sum = csum_add(sum, l4, l4len);
	c = csum_fold(sum);
	if (proto == 17 && c == 0)
		c = 0xffff;
	put16(l4 + csum_off, c);
}

/* IPv4 frame with UDP (17), TCP (6) or ICMP echo request (1). */
static void ip4_frame(struct frame *f, const char *name, uint8_t proto, uint16_t sport, uint16_t dport,
		      size_t payload)
{
	uint8_t *b = f->b, *ip, *l4;
	size_t l4len, hl = proto == 17 ? 8 : proto == 6 ? 20 : 8;

	memset(f, 0, sizeof(*f));
	f->name = name;
	f->len = eth(b, MAC_B, MAC_A, 0x0800);
	ip = b + f->len;
	l4 = ip + 20;
	l4len = hl + payload;
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(20 + l4len));
	put16(ip + 4, 0x1234);
	put16(ip + 6, 0x4000);
	ip[8] = 64;
	ip[9] = proto;
	inet_pton(AF_INET, IP_A, ip + 12);
	inet_pton(AF_INET, IP_B, ip + 16);
	put16(ip + 10, csum_fold(csum_add(0, ip, 20)));
	memset(l4 + hl, 0xab, payload);
	if (proto == 1) {
		l4[0] = 8; /* echo request */
		put16(l4 + 4, 0x77);
		put16(l4 + 6, 1);
		l4_csum(ip, 4, l4, l4len, 1, 2);
	} else {
		put16(l4, sport);
		put16(l4 + 2, dport);
		if (proto == 17) {
			put16(l4 + 4, (uint16_t)l4len);
			l4_csum(ip, 4, l4, l4len, 17, 6);
		} else {
			l4[12] = 5 << 4;
			l4[13] = 0x18; /* PSH ACK */
			put16(l4 + 14, 512);
			l4_csum(ip, 4, l4, l4len, 6, 16);
		}
	}
	f->len += 20 + l4len;
	f->want_mask = WL_M(WL_P_ETH) | WL_M(WL_P_IPV4) |
		       WL_M(proto == 17 ? WL_P_UDP : proto == 6 ? WL_P_TCP : WL_P_ICMP);
	if (proto != 1 && (sport == 53 || dport == 53))
		f->want_mask |= WL_M(WL_P_DNS);
}

static void ip6_frame(struct frame *f, const char *name, uint8_t proto, uint16_t sport, uint16_t dport,
		      size_t payload)
{
	uint8_t *b = f->b, *ip, *l4;
	size_t l4len, hl = proto == 17 ? 8 : proto == 6 ? 20 : 8;

	memset(f, 0, sizeof(*f));
	f->name = name;
	f->len = eth(b, MAC_B, MAC_A, 0x86dd);
	ip = b + f->len;
	l4 = ip + 40;
	l4len = hl + payload;
	ip[0] = 0x60;
	put16(ip + 4, (uint16_t)l4len);
	ip[6] = proto;
	ip[7] = 64;
	inet_pton(AF_INET6, IP6_A, ip + 8);
	inet_pton(AF_INET6, IP6_B, ip + 24);
	memset(l4 + hl, 0xcd, payload);
	if (proto == 58) {
		l4[0] = 128;
		put16(l4 + 4, 0x99);
		put16(l4 + 6, 2);
		l4_csum(ip, 6, l4, l4len, 58, 2);
	} else {
		put16(l4, sport);
		put16(l4 + 2, dport);
		if (proto == 17) {
			put16(l4 + 4, (uint16_t)l4len);
			l4_csum(ip, 6, l4, l4len, 17, 6);
		} else {
			l4[12] = 5 << 4;
			l4[13] = 0x02;
			l4_csum(ip, 6, l4, l4len, 6, 16);
		}
	}
	f->len += 40 + l4len;
	f->want_mask = WL_M(WL_P_ETH) | WL_M(WL_P_IPV6) |
		       WL_M(proto == 17 ? WL_P_UDP : proto == 6 ? WL_P_TCP : WL_P_ICMP);
	if (proto != 58 && (sport == 53 || dport == 53))
		f->want_mask |= WL_M(WL_P_DNS);
}

static void arp_frame(struct frame *f)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint8_t *a;

	memset(f, 0, sizeof(*f));
	f->name = "arp request";
	f->len = eth(f->b, bcast, MAC_A, 0x0806);
	a = f->b + f->len;
	put16(a, 1);
	put16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, 1);
	memcpy(a + 8, MAC_A, 6);
	inet_pton(AF_INET, IP_A, a + 14);
	inet_pton(AF_INET, IP_B, a + 24);
	f->len += 28;
	f->want_mask = WL_M(WL_P_ETH) | WL_M(WL_P_ARP);
}

/* ---- helpers around BPF_PROG_RUN ---- */

static int run(int prog_fd, const struct frame *f, int repeat, uint8_t *out, uint32_t *out_len, uint32_t *ret)
{
	uint8_t scratch[512];
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f->b, .data_size_in = (__u32)f->len,
		    .data_out = out ? out : scratch, .data_size_out = sizeof(scratch), .repeat = repeat);
	int r = bpf_prog_test_run_opts(prog_fd, &o);

	if (r)
		return -errno;
	*ret = o.retval;
	if (out_len)
		*out_len = o.data_size_out;
	return 0;
}

static void read_stats(int map_fd, struct wl_stats *sum)
{
	int ncpu = libbpf_num_possible_cpus(), c, a, p;
	struct wl_stats *v = calloc((size_t)ncpu, sizeof(*v));
	__u32 key = 0;

	memset(sum, 0, sizeof(*sum));
	if (!v || bpf_map_lookup_elem(map_fd, &key, v)) {
		CHECK(0, "read wl_stats: %s", strerror(errno));
		free(v);
		return;
	}
	for (c = 0; c < ncpu; c++)
		for (a = 0; a < WL_A_MAX; a++)
			for (p = 0; p < WL_P_MAX; p++) {
				sum->ctr[a][p].packets += v[c].ctr[a][p].packets;
				sum->ctr[a][p].bytes += v[c].ctr[a][p].bytes;
			}
	free(v);
}

static void zero_stats(int map_fd)
{
	int ncpu = libbpf_num_possible_cpus();
	struct wl_stats *v = calloc((size_t)ncpu, sizeof(*v));
	__u32 key = 0;

	if (v)
		bpf_map_update_elem(map_fd, &key, v, BPF_ANY);
	free(v);
}

static uint32_t user_mask(const struct frame *f)
{
	struct wl_pkt p;

	wl_parse(f->b, f->b + f->len, &p);
	return p.mask;
}

/* ---- the test frames ---- */

#define NF 12
static struct frame frames[NF];

static void build_frames(void)
{
	int i = 0;

	ip4_frame(&frames[i++], "ipv4 udp", 17, 40000, 9, 18);
	ip4_frame(&frames[i++], "ipv4 udp dns query", 17, 40001, 53, 30);
	ip4_frame(&frames[i++], "ipv4 udp dns answer", 17, 53, 40001, 60);
	ip4_frame(&frames[i++], "ipv4 tcp", 6, 40002, 80, 10);
	ip4_frame(&frames[i++], "ipv4 tcp dns", 6, 40003, 53, 0);
	ip4_frame(&frames[i++], "ipv4 icmp echo", 1, 0, 0, 16);
	ip6_frame(&frames[i++], "ipv6 udp", 17, 40004, 7, 12);
	ip6_frame(&frames[i++], "ipv6 tcp", 6, 40005, 443, 0);
	ip6_frame(&frames[i++], "ipv6 icmp echo", 58, 0, 0, 8);
	arp_frame(&frames[i++]);
	/* Unknown ethertype (LLDP). */
	memset(&frames[i], 0, sizeof(frames[i]));
	frames[i].name = "lldp";
	frames[i].len = eth(frames[i].b, MAC_B, MAC_A, 0x88cc) + 46;
	frames[i].want_mask = WL_M(WL_P_ETH) | WL_M(WL_P_OTHER);
	i++;
	/* VLAN-tagged UDP. */
	ip4_frame(&frames[i], "vlan ipv4 udp", 17, 1000, 2000, 20);
	memmove(frames[i].b + 16, frames[i].b + 12, frames[i].len - 12);
	put16(frames[i].b + 12, 0x8100);
	put16(frames[i].b + 14, 42);
	frames[i].len += 4;
	i++;
}

static void test_classifier(void)
{
	int i;

	for (i = 0; i < NF; i++)
		CHECK(user_mask(&frames[i]) == frames[i].want_mask, "user classifier %s: mask %#x, want %#x",
		      frames[i].name, user_mask(&frames[i]), frames[i].want_mask);
}

static void test_count(void)
{
	struct count_bpf *s = count_bpf__open_and_load();
	struct wl_stats st, want;
	const int N = 7;
	uint32_t ret = 0, out_len = 0;
	uint8_t out[512];
	int i, p, fd, map;

	CHECK(s, "count: open/load: %s", strerror(errno));
	if (!s)
		return;
	fd = bpf_program__fd(s->progs.wl_count);
	map = bpf_map__fd(s->maps.wl_stats);
	memset(&want, 0, sizeof(want));
	for (i = 0; i < NF; i++) {
		CHECK(!run(fd, &frames[i], N, out, &out_len, &ret), "count %s: prog run", frames[i].name);
		CHECK(ret == XDP_PASS, "count %s: verdict %u, want XDP_PASS", frames[i].name, ret);
		CHECK(out_len == frames[i].len && !memcmp(out, frames[i].b, frames[i].len),
		      "count %s: frame modified", frames[i].name);
		for (p = 0; p < WL_P_MAX; p++)
			if (frames[i].want_mask & WL_M(p)) {
				want.ctr[WL_A_PASS][p].packets += N;
				want.ctr[WL_A_PASS][p].bytes += N * frames[i].len;
			}
	}
	read_stats(map, &st);
	for (p = 0; p < WL_P_MAX; p++) {
		CHECK(st.ctr[WL_A_PASS][p].packets == want.ctr[WL_A_PASS][p].packets,
		      "count: %d packets %llu, want %llu", p, (unsigned long long)st.ctr[WL_A_PASS][p].packets,
		      (unsigned long long)want.ctr[WL_A_PASS][p].packets);
		CHECK(st.ctr[WL_A_PASS][p].bytes == want.ctr[WL_A_PASS][p].bytes, "count: %d bytes %llu, want %llu", p,
		      (unsigned long long)st.ctr[WL_A_PASS][p].bytes,
		      (unsigned long long)want.ctr[WL_A_PASS][p].bytes);
	}
	CHECK(st.ctr[WL_A_PASS][WL_P_ETH].packets == (uint64_t)NF * N, "count: eth %llu",
	      (unsigned long long)st.ctr[WL_A_PASS][WL_P_ETH].packets);

	/* Truncated frames: every prefix of a TCP and an IPv6 UDP frame, from
	 * the bare Ethernet header up.  Must pass, count as eth, and only the
	 * complete ones count in a leaf class other than "other". */
	zero_stats(map);
	{
		const struct frame *src[] = { &frames[3], &frames[6], &frames[11] };
		uint64_t runs = 0, complete = 0;
		size_t k, len;

		for (k = 0; k < 3; k++) {
			for (len = 14; len <= src[k]->len; len++) {
				struct frame t = *src[k];
				uint32_t m;

				t.len = len;
				CHECK(!run(fd, &t, 1, NULL, NULL, &ret) && ret == XDP_PASS, "count truncated %s/%zu",
				      t.name, len);
				runs++;
				m = user_mask(&t);
				if (!(m & WL_M(WL_P_OTHER)))
					complete++;
			}
		}
		read_stats(map, &st);
		CHECK(st.ctr[WL_A_PASS][WL_P_ETH].packets == runs, "truncated: eth %llu, want %llu",
		      (unsigned long long)st.ctr[WL_A_PASS][WL_P_ETH].packets, (unsigned long long)runs);
		CHECK(st.ctr[WL_A_PASS][WL_P_OTHER].packets == runs - complete, "truncated: other %llu, want %llu",
		      (unsigned long long)st.ctr[WL_A_PASS][WL_P_OTHER].packets,
		      (unsigned long long)(runs - complete));
		CHECK(st.ctr[WL_A_PASS][WL_P_ETH].packets ==
			      st.ctr[WL_A_PASS][WL_P_ARP].packets + st.ctr[WL_A_PASS][WL_P_ICMP].packets +
				      st.ctr[WL_A_PASS][WL_P_UDP].packets + st.ctr[WL_A_PASS][WL_P_TCP].packets +
				      st.ctr[WL_A_PASS][WL_P_OTHER].packets,
		      "truncated: eth != arp+icmp+udp+tcp+other");
	}

	/* Malformed: bad IP version, IHL < 5, IHL past the end, fragment. */
	zero_stats(map);
	{
		struct frame t[4];

		for (i = 0; i < 4; i++)
			t[i] = frames[0];
		t[0].b[14] = 0x55;	/* version 5 */
		t[1].b[14] = 0x43;	/* ihl 3 */
		t[2].b[14] = 0x4f;	/* ihl 15 = 60 bytes > frame */
		t[2].len = 14 + 40;
		put16(t[3].b + 14 + 6, 0x0010); /* fragment offset 16 */
		for (i = 0; i < 4; i++) {
			CHECK(!run(fd, &t[i], 1, NULL, NULL, &ret) && ret == XDP_PASS, "malformed %d", i);
			CHECK(user_mask(&t[i]) & WL_M(WL_P_OTHER), "malformed %d: user classifier not other", i);
		}
		read_stats(map, &st);
		CHECK(st.ctr[WL_A_PASS][WL_P_OTHER].packets == 4, "malformed: other %llu, want 4",
		      (unsigned long long)st.ctr[WL_A_PASS][WL_P_OTHER].packets);
		CHECK(st.ctr[WL_A_PASS][WL_P_IPV4].packets == 1, "malformed: only the fragment is ipv4 (%llu)",
		      (unsigned long long)st.ctr[WL_A_PASS][WL_P_IPV4].packets);
		CHECK(st.ctr[WL_A_PASS][WL_P_UDP].packets == 0, "malformed: udp %llu",
		      (unsigned long long)st.ctr[WL_A_PASS][WL_P_UDP].packets);
	}
	count_bpf__destroy(s);
}

static struct drop_bpf *drop_load(const struct wl_rule *rules, unsigned int n)
{
	struct drop_bpf *s = drop_bpf__open();
	unsigned int i;

	if (!s)
		return NULL;
	s->rodata->wl_cfg.nr_rules = n;
	if (drop_bpf__load(s)) {
		drop_bpf__destroy(s);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		__u32 k = i;

		bpf_map_update_elem(bpf_map__fd(s->maps.wl_rules), &k, &rules[i], BPF_ANY);
	}
	return s;
}

static void test_drop(void)
{
	struct drop_bpf *s;
	struct wl_stats st;
	struct wl_rule r[2];
	uint32_t ret = 0;
	int i, fd;
	uint64_t want_drop = 0, want_pass = 0;

	/* No rules: drop everything. */
	s = drop_load(NULL, 0);
	CHECK(s, "drop: load: %s", strerror(errno));
	if (!s)
		return;
	fd = bpf_program__fd(s->progs.wl_drop);
	for (i = 0; i < NF; i++) {
		CHECK(!run(fd, &frames[i], 3, NULL, NULL, &ret), "drop %s: run", frames[i].name);
		CHECK(ret == XDP_DROP, "drop-all %s: verdict %u", frames[i].name, ret);
	}
	read_stats(bpf_map__fd(s->maps.wl_stats), &st);
	CHECK(st.ctr[WL_A_DROP][WL_P_ETH].packets == 3 * NF, "drop-all: dropped %llu",
	      (unsigned long long)st.ctr[WL_A_DROP][WL_P_ETH].packets);
	CHECK(st.ctr[WL_A_PASS][WL_P_ETH].packets == 0, "drop-all: passed %llu",
	      (unsigned long long)st.ctr[WL_A_PASS][WL_P_ETH].packets);
	drop_bpf__destroy(s);

	/* Rules: UDP to port 53, or anything TCP from 198.18.210.0/24 to port 80. */
	memset(r, 0, sizeof(r));
	r[0].fields = WL_RULE_PROTO | WL_RULE_DPORT;
	r[0].proto = WL_P_UDP;
	r[0].dport = htons(53);
	r[1].fields = WL_RULE_PROTO | WL_RULE_SRC | WL_RULE_DPORT;
	r[1].proto = WL_P_TCP;
	inet_pton(AF_INET, "198.18.210.0", &r[1].src);
	r[1].src_mask = htonl(0xffffff00);
	r[1].dport = htons(80);
	s = drop_load(r, 2);
	CHECK(s, "drop rules: load");
	if (!s)
		return;
	fd = bpf_program__fd(s->progs.wl_drop);
	for (i = 0; i < NF; i++) {
		struct wl_pkt p;
		bool want = false;

		wl_parse(frames[i].b, frames[i].b + frames[i].len, &p);
		want = wl_rule_match(&r[0], &p) || wl_rule_match(&r[1], &p);
		CHECK(!run(fd, &frames[i], 2, NULL, NULL, &ret), "drop rules %s: run", frames[i].name);
		CHECK(ret == (want ? XDP_DROP : XDP_PASS), "drop rules %s: verdict %u, want %s", frames[i].name, ret,
		      want ? "DROP" : "PASS");
		if (want)
			want_drop += 2;
		else
			want_pass += 2;
	}
	/* Exactly: "ipv4 udp dns query" (dport 53) and "ipv4 tcp" (port 80). */
	CHECK(want_drop == 4, "drop rules: expected 2 frames named, got %llu", (unsigned long long)want_drop / 2);
	read_stats(bpf_map__fd(s->maps.wl_stats), &st);
	CHECK(st.ctr[WL_A_DROP][WL_P_ETH].packets == want_drop, "drop rules: dropped %llu, want %llu",
	      (unsigned long long)st.ctr[WL_A_DROP][WL_P_ETH].packets, (unsigned long long)want_drop);
	CHECK(st.ctr[WL_A_DROP][WL_P_DNS].packets == 2 && st.ctr[WL_A_DROP][WL_P_TCP].packets == 2,
	      "drop rules: per-protocol drops dns %llu tcp %llu", (unsigned long long)st.ctr[WL_A_DROP][WL_P_DNS].packets,
	      (unsigned long long)st.ctr[WL_A_DROP][WL_P_TCP].packets);
	CHECK(st.ctr[WL_A_PASS][WL_P_ETH].packets == want_pass, "drop rules: passed %llu, want %llu",
	      (unsigned long long)st.ctr[WL_A_PASS][WL_P_ETH].packets, (unsigned long long)want_pass);
	drop_bpf__destroy(s);

	/* A rule naming nothing in the mix drops nothing. */
	memset(r, 0, sizeof(r));
	r[0].fields = WL_RULE_SRC;
	inet_pton(AF_INET, "203.0.113.0", &r[0].src);
	r[0].src_mask = htonl(0xffffff00);
	s = drop_load(r, 1);
	CHECK(s, "drop src rule: load");
	if (!s)
		return;
	fd = bpf_program__fd(s->progs.wl_drop);
	for (i = 0; i < NF; i++)
		CHECK(!run(fd, &frames[i], 1, NULL, NULL, &ret) && ret == XDP_PASS, "drop src rule %s: verdict %u",
		      frames[i].name, ret);
	drop_bpf__destroy(s);
}

/* Does the IPv4/IPv6 + L4 checksum of frame f verify? */
static bool csum_ok(const uint8_t *b, size_t len)
{
	const uint8_t *ip = b + 14, *l4;
	uint32_t sum;
	uint8_t proto, ph[4];
	size_t l4len;

	if (((b[12] << 8) | b[13]) == 0x0800) {
		if (csum_fold(csum_add(0, ip, 20)) != 0)
			return false;
		proto = ip[9];
		l4 = ip + 20;
		l4len = len - 34;
		sum = proto == 1 ? 0 : csum_add(0, ip + 12, 8);
	} else {
		proto = ip[6];
		l4 = ip + 40;
		l4len = len - 54;
		sum = csum_add(0, ip + 8, 32);
	}
	if (proto != 1) {
		ph[0] = 0;
		ph[1] = proto;
		put16(ph + 2, (uint16_t)l4len);
		sum = csum_add(sum, ph, 4);
	}
	return csum_fold(csum_add(sum, l4, l4len)) == 0;
}

static void test_reflect(void)
{
	struct reflect_bpf *s = reflect_bpf__open();
	struct wl_stats st;
	uint8_t out[512];
	uint32_t ret = 0, out_len = 0;
	int i, fd;

	CHECK(s, "reflect: open");
	if (!s)
		return;
	s->rodata->wl_cfg.reflect_icmp_echo = 1;
	CHECK(!reflect_bpf__load(s), "reflect: load");
	fd = bpf_program__fd(s->progs.wl_reflect);

	for (i = 0; i < NF; i++) {
		const struct frame *f = &frames[i];
		bool ip = f->want_mask & (WL_M(WL_P_IPV4) | WL_M(WL_P_IPV6));
		bool v6 = f->want_mask & WL_M(WL_P_IPV6);
		size_t l3 = f->b[12] == 0x81 ? 18 : 14;

		if (ip && l3 == 14)
			CHECK(csum_ok(f->b, f->len), "reflect %s: input checksum bad (test bug)", f->name);
		CHECK(!run(fd, f, 1, out, &out_len, &ret), "reflect %s: run", f->name);
		if (!ip || (f->b[0] & 1)) {
			CHECK(ret == XDP_PASS, "reflect %s: verdict %u, want PASS", f->name, ret);
			CHECK(!memcmp(out, f->b, f->len), "reflect %s: frame modified on PASS", f->name);
			continue;
		}
		CHECK(ret == XDP_TX, "reflect %s: verdict %u, want TX", f->name, ret);
		CHECK(out_len == f->len, "reflect %s: length %u", f->name, out_len);
		CHECK(!memcmp(out, f->b + 6, 6) && !memcmp(out + 6, f->b, 6), "reflect %s: MACs not swapped", f->name);
		if (!v6)
			CHECK(!memcmp(out + l3 + 12, f->b + l3 + 16, 4) && !memcmp(out + l3 + 16, f->b + l3 + 12, 4),
			      "reflect %s: IPv4 addresses not swapped", f->name);
		else
			CHECK(!memcmp(out + l3 + 8, f->b + l3 + 24, 16) && !memcmp(out + l3 + 24, f->b + l3 + 8, 16),
			      "reflect %s: IPv6 addresses not swapped", f->name);
		if (f->want_mask & (WL_M(WL_P_UDP) | WL_M(WL_P_TCP))) {
			size_t l4 = l3 + (v6 ? 40 : 20);

			CHECK(!memcmp(out + l4, f->b + l4 + 2, 2) && !memcmp(out + l4 + 2, f->b + l4, 2),
			      "reflect %s: ports not swapped", f->name);
		}
		if (f->want_mask & WL_M(WL_P_ICMP)) {
			size_t l4 = l3 + (v6 ? 40 : 20);

			CHECK(out[l4] == (v6 ? 129 : 0), "reflect %s: ICMP type %u, want echo reply", f->name, out[l4]);
		}
		if (l3 == 14)
			CHECK(csum_ok(out, out_len), "reflect %s: checksum invalid after rewrite", f->name);
		/* Reflecting twice gives back the original (except echo type). */
		if (!(f->want_mask & WL_M(WL_P_ICMP))) {
			struct frame back = *f;
			uint8_t out2[512];
			uint32_t len2;

			memcpy(back.b, out, out_len);
			CHECK(!run(fd, &back, 1, out2, &len2, &ret) && ret == XDP_TX && !memcmp(out2, f->b, f->len),
			      "reflect %s: reflecting twice is not the identity", f->name);
		}
	}
	read_stats(bpf_map__fd(s->maps.wl_stats), &st);
	/* 10 IP frames reflected once, the 8 non-ICMP ones twice. */
	CHECK(st.ctr[WL_A_TX][WL_P_ETH].packets == 10 + 8, "reflect: tx %llu, want 18",
	      (unsigned long long)st.ctr[WL_A_TX][WL_P_ETH].packets);
	CHECK(st.ctr[WL_A_PASS][WL_P_ETH].packets == 2, "reflect: pass %llu, want 2 (arp, lldp)",
	      (unsigned long long)st.ctr[WL_A_PASS][WL_P_ETH].packets);
	CHECK(st.ctr[WL_A_ABORTED][WL_P_ETH].packets == 0, "reflect: aborted %llu",
	      (unsigned long long)st.ctr[WL_A_ABORTED][WL_P_ETH].packets);
	reflect_bpf__destroy(s);
}

int main(void)
{
	if (geteuid() != 0) {
		fprintf(stderr, "verdict-test: needs root for BPF_PROG_RUN; skipping\n");
		return 77;
	}
	build_frames();
	test_classifier();
	test_count();
	test_drop();
	test_reflect();
	printf("verdict-test: %d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
