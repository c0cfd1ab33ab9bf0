/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Verdict tests: run count, drop and reflect on crafted frames with
 * BPF_PROG_RUN (bpf_prog_test_run_opts) and check verdicts, counters (every
 * class of every frame, from the kernel's own per-CPU map), the bytes reflect
 * rewrites (checksums recomputed here from scratch), drop rules (IPv4 and
 * IPv6 prefixes), and that truncated/malformed frames are handled.  The frame
 * mix covers IPv4, IPv6, one and two VLAN tags, IPv6 extension headers and
 * fragments.  Expected classes come from how each frame was built, never
 * from the classifier under test; the user-space copy of the classifier
 * (wirelab-sink af-packet) must agree with the kernel's.
 * Needs root; exits 77 (skip) otherwise.
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
#include "wl_util.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverlength-strings"
#include "count.skel.h"
#include "drop.skel.h"
#include "reflect.skel.h"
#pragma GCC diagnostic pop

const char *const wl_prog_name = "verdict-test";

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
static const uint8_t BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
#define IP_A "198.18.210.1"
#define IP_B "198.18.210.2"
/* IPv6 benchmarking range (RFC 5180), the v6 twin of 198.18.0.0/15. */
#define IP6_A "2001:2:0:1::a"
#define IP6_B "2001:2:0:1::b"

#define MAX_EXT 8

/* How to build one frame. */
struct spec {
	int ver;		/* 4, 6; 0 = ARP */
	uint8_t proto;		/* 1, 58, 17, 6 */
	uint16_t sport, dport;
	size_t payload;
	int tags;		/* 0..3 VLAN tags */
	int nexts;		/* IPv6 extension headers, types in ext[] */
	uint8_t ext[MAX_EXT];
	uint16_t frag;		/* v4: flags+offset word; v6: fragment header offset|M (needs 44 in ext) */
	uint8_t icmp_type;	/* 0 = echo request */
	bool bcast;
};

/* A built frame and where the builder put things (for the checks). */
struct frame {
	uint8_t b[512];
	size_t len;
	const char *name;
	uint32_t want_mask;	/* classes the frame must count in */
	int ver;		/* 0 when no complete IP header is expected */
	uint8_t proto;
	size_t l3, l4;		/* l4 = 0: the classifier must not find an L4 header */
	int tags;
	uint8_t icmp_type;
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

/* Sum of the L4 pseudo-header (none for ICMPv4). */
static uint32_t pseudo_sum(const uint8_t *l3, int ver, uint8_t proto, size_t l4len)
{
	uint8_t ph[4] = { 0, proto, 0, 0 };
	uint32_t sum;

	if (ver == 4 && proto == 1)
		return 0;
	sum = ver == 4 ? csum_add(0, l3 + 12, 8) : csum_add(0, l3 + 8, 32);
	put16(ph + 2, (uint16_t)l4len);
	return csum_add(sum, ph, 4);
}

static uint32_t fam_mask(int ver, int cls)
{
	uint32_t m = WL_M(cls);

	if (ver == 4)
		m |= WL_M(WL_P_FAM4(cls));
	else if (ver == 6)
		m |= WL_M(WL_P_FAM6(cls));
	return m;
}

static size_t put_ext(uint8_t *p, uint8_t type, uint8_t next, uint16_t frag)
{
	switch (type) {
	case WL_IP6_FRAGMENT:
		memset(p, 0, 8);
		p[0] = next;
		put16(p + 2, frag);
		put16(p + 6, 0x4242); /* identification */
		return 8;
	case WL_IP6_ROUTING: /* segment routing header, one segment, segments left 0 */
		memset(p, 0, 24);
		p[0] = next;
		p[1] = 2;
		p[2] = 4;
		inet_pton(AF_INET6, IP6_B, p + 8);
		return 24;
	default: /* hop-by-hop / destination options: one PadN option */
		memset(p, 0, 8);
		p[0] = next;
		p[2] = 1;
		p[3] = 4;
		return 8;
	}
}

static void build(struct frame *f, const char *name, const struct spec *s)
{
	uint8_t *b = f->b, *ip, *l4;
	size_t p, hl, l4len, ext = 0;
	bool nonfirst = false;
	int t, i;

	memset(f, 0, sizeof(*f));
	f->name = name;
	f->tags = s->tags;
	memcpy(b, s->bcast ? BCAST : MAC_B, 6);
	memcpy(b + 6, MAC_A, 6);
	p = 12;
	for (t = 0; t < s->tags; t++) {
		/* Two tags: an 802.1ad S-tag outside an 802.1Q C-tag. */
		put16(b + p, s->tags >= 2 && t == 0 ? 0x88a8 : 0x8100);
		put16(b + p + 2, (uint16_t)((t + 1) << 13 | (100 + t))); /* PCP t+1, VID 100+t */
		p += 4;
	}
	put16(b + p, s->ver == 4 ? 0x0800 : s->ver == 6 ? 0x86dd : 0x0806);
	p += 2;
	f->l3 = p;
	ip = b + p;
	f->want_mask = WL_M(WL_P_FRAMES);
	if (s->tags)
		f->want_mask |= WL_M(WL_P_VLAN);
	if (s->tags >= 2)
		f->want_mask |= WL_M(WL_P_QINQ);
	if (s->tags > 2) {
		/* The third tag is not walked: the frame is just tagged. */
		f->len = p + 46;
		f->want_mask |= WL_M(WL_P_OTHER);
		return;
	}

	if (s->ver == 0) { /* ARP request */
		put16(ip, 1);
		put16(ip + 2, 0x0800);
		ip[4] = 6;
		ip[5] = 4;
		put16(ip + 6, 1);
		memcpy(ip + 8, MAC_A, 6);
		inet_pton(AF_INET, IP_A, ip + 14);
		inet_pton(AF_INET, IP_B, ip + 24);
		f->len = p + 28;
		f->want_mask |= WL_M(WL_P_ARP);
		return;
	}

	if (s->ver == 6) {
		for (i = 0; i < s->nexts; i++)
			ext += put_ext(ip + 40 + ext, s->ext[i], i + 1 < s->nexts ? s->ext[i + 1] : s->proto,
				       s->frag);
		for (i = 0; i < s->nexts; i++)
			if (s->ext[i] == WL_IP6_FRAGMENT && (s->frag & 0xfff8))
				nonfirst = true;
	} else {
		nonfirst = s->frag & 0x1fff;
	}
	l4 = ip + (s->ver == 4 ? 20 : 40) + ext;
	hl = s->proto == 17 ? 8 : s->proto == 6 ? 20 : 8;
	l4len = hl + s->payload;
	memset(l4 + hl, 0xab, s->payload);
	if (s->proto == 1 || s->proto == 58) {
		l4[0] = s->icmp_type ? s->icmp_type : s->proto == 1 ? 8 : 128;
		put16(l4 + 4, 0x77);
		put16(l4 + 6, 1);
	} else {
		put16(l4, s->sport);
		put16(l4 + 2, s->dport);
		if (s->proto == 17) {
			put16(l4 + 4, (uint16_t)l4len);
		} else {
			l4[12] = 5 << 4;
			l4[13] = 0x18; /* PSH ACK */
			put16(l4 + 14, 512);
		}
	}
	if (s->ver == 4) {
		ip[0] = 0x45;
		put16(ip + 2, (uint16_t)(20 + l4len));
		put16(ip + 4, 0x1234);
		put16(ip + 6, s->frag ? s->frag : 0x4000);
		ip[8] = 64;
		ip[9] = s->proto;
		inet_pton(AF_INET, IP_A, ip + 12);
		inet_pton(AF_INET, IP_B, ip + 16);
		put16(ip + 10, csum_fold(csum_add(0, ip, 20)));
	} else {
		ip[0] = 0x60;
		put16(ip + 4, (uint16_t)(ext + l4len));
		ip[6] = s->nexts ? s->ext[0] : s->proto;
		ip[7] = 64;
		inet_pton(AF_INET6, IP6_A, ip + 8);
		inet_pton(AF_INET6, IP6_B, ip + 24);
	}
	if (!nonfirst) {
		int off = s->proto == 17 ? 6 : s->proto == 6 ? 16 : 2;
		uint16_t c = csum_fold(csum_add(pseudo_sum(ip, s->ver, s->proto, l4len), l4, l4len));

		put16(l4 + off, s->proto == 17 && c == 0 ? 0xffff : c);
	}
	f->len = (size_t)(l4 - b) + l4len;
	f->ver = s->ver;
	f->proto = s->proto;
	f->icmp_type = l4[0];

	f->want_mask |= WL_M(s->ver == 4 ? WL_P_IPV4 : WL_P_IPV6);
	if (s->ver == 4 ? (s->frag & 0x3fff) : (s->nexts && memchr(s->ext, WL_IP6_FRAGMENT, (size_t)s->nexts) &&
						(s->frag & 0xfff9)))
		f->want_mask |= WL_M(WL_P_FRAG);
	if (nonfirst || s->nexts > WL_IP6_MAX_EXT) {
		f->want_mask |= fam_mask(s->ver, WL_P_OTHER);
		return;
	}
	f->l4 = (size_t)(l4 - b);
	/* DNS is its own leaf over UDP only (wl_proto_names.h): DNS over TCP is tcp. */
	if (s->proto == 17)
		f->want_mask |= fam_mask(s->ver, s->sport == 53 || s->dport == 53 ? WL_P_DNS : WL_P_UDP);
	else
		f->want_mask |= fam_mask(s->ver, s->proto == 6 ? WL_P_TCP : WL_P_ICMP);
}

/* A frame that is not what its ethertype says (classes given by hand). */
static void malformed(struct frame *f, const struct frame *from, const char *name, uint32_t want)
{
	*f = *from;
	f->name = name;
	f->want_mask = want;
	f->ver = 0;
	f->l4 = 0;
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

/* The classes the kernel counted for one run of f, under the verdict it gave. */
static uint32_t kernel_mask(int prog_fd, int map_fd, const struct frame *f, uint32_t *verdict)
{
	struct wl_stats st;
	uint32_t m = 0, ret = 0;
	int p;

	zero_stats(map_fd);
	CHECK(!run(prog_fd, f, 1, NULL, NULL, &ret), "%s: prog run", f->name);
	read_stats(map_fd, &st);
	if (ret >= WL_A_MAX)
		return 0;
	for (p = 0; p < WL_P_MAX; p++) {
		if (!st.ctr[ret][p].packets)
			continue;
		m |= WL_M(p);
		CHECK(st.ctr[ret][p].packets == 1 && st.ctr[ret][p].bytes == f->len, "%s/%zu: class %s counted %llu/%llu",
		      f->name, f->len, wl_proto_names[p], (unsigned long long)st.ctr[ret][p].packets,
		      (unsigned long long)st.ctr[ret][p].bytes);
	}
	if (verdict)
		*verdict = ret;
	return m;
}

/* The counting model's invariants hold for one frame's classes. */
static bool consistent(uint32_t m)
{
	static const int leaves[] = { WL_P_ICMP, WL_P_UDP, WL_P_TCP, WL_P_DNS, WL_P_OTHER };
	int n = !!(m & WL_M(WL_P_ARP)) + !!(m & WL_M(WL_P_ETH)), i;
	bool v4 = m & WL_M(WL_P_IPV4), v6 = m & WL_M(WL_P_IPV6);

	for (i = 0; i < 5; i++) {
		bool c = m & WL_M(leaves[i]);

		n += c;
		if ((bool)(m & WL_M(WL_P_FAM4(leaves[i]))) != (c && v4) ||
		    (bool)(m & WL_M(WL_P_FAM6(leaves[i]))) != (c && v6))
			return false;
	}
	if ((m & WL_M(WL_P_QINQ)) && !(m & WL_M(WL_P_VLAN)))
		return false;
	return (m & WL_M(WL_P_FRAMES)) && n == 1 && !(v4 && v6);
}

static void mask_str(uint32_t m, char *buf, size_t n)
{
	size_t o = 0;
	int p;

	buf[0] = '\0';
	for (p = 0; p < WL_P_MAX && o < n; p++)
		if (m & WL_M(p))
			o += (size_t)snprintf(buf + o, n - o, "%s%s", o ? "," : "", wl_proto_names[p]);
}

/* ---- the test frames ---- */

#define MAXF 48
static struct frame frames[MAXF];
static int nf;

#define F(name, ...) build(&frames[nf++], name, &(struct spec){ __VA_ARGS__ })

static void build_frames(void)
{
	nf = 0;
	F("ipv4 udp", .ver = 4, .proto = 17, .sport = 40000, .dport = 9, .payload = 18);
	F("ipv4 udp port 7", .ver = 4, .proto = 17, .sport = 40000, .dport = 7, .payload = 18);
	F("ipv4 udp dns query", .ver = 4, .proto = 17, .sport = 40001, .dport = 53, .payload = 30);
	F("ipv4 udp dns answer", .ver = 4, .proto = 17, .sport = 53, .dport = 40001, .payload = 60);
	F("ipv4 tcp", .ver = 4, .proto = 6, .sport = 40002, .dport = 80, .payload = 10);
	F("ipv4 tcp dns", .ver = 4, .proto = 6, .sport = 40003, .dport = 53);
	F("ipv4 icmp echo", .ver = 4, .proto = 1, .payload = 16);
	F("ipv4 udp first fragment", .ver = 4, .proto = 17, .sport = 40010, .dport = 9, .payload = 40, .frag = 0x2000);
	F("ipv4 non-first fragment", .ver = 4, .proto = 17, .sport = 40010, .dport = 9, .payload = 40, .frag = 0x0005);
	F("ipv6 udp", .ver = 6, .proto = 17, .sport = 40004, .dport = 7, .payload = 12);
	F("ipv6 udp dns", .ver = 6, .proto = 17, .sport = 40006, .dport = 53, .payload = 28);
	F("ipv6 tcp", .ver = 6, .proto = 6, .sport = 40005, .dport = 443);
	F("ipv6 tcp dns answer", .ver = 6, .proto = 6, .sport = 53, .dport = 40007, .payload = 40);
	F("ipv6 icmp echo", .ver = 6, .proto = 58, .payload = 8);
	F("ipv6 neighbour solicitation", .ver = 6, .proto = 58, .icmp_type = 135, .payload = 16);
	F("ipv6 hbh+dstopts udp", .ver = 6, .proto = 17, .sport = 40008, .dport = 7, .payload = 10, .nexts = 2,
	  .ext = { WL_IP6_HOPOPTS, WL_IP6_DSTOPTS });
	F("ipv6 hbh+routing+frag0+dstopts tcp", .ver = 6, .proto = 6, .sport = 40009, .dport = 443, .payload = 20,
	  .nexts = 4, .ext = { WL_IP6_HOPOPTS, WL_IP6_ROUTING, WL_IP6_FRAGMENT, WL_IP6_DSTOPTS }, .frag = 0x0001);
	F("ipv6 atomic fragment icmp echo", .ver = 6, .proto = 58, .payload = 8, .nexts = 1,
	  .ext = { WL_IP6_FRAGMENT }, .frag = 0);
	F("ipv6 non-first fragment", .ver = 6, .proto = 17, .sport = 40011, .dport = 53, .payload = 24, .nexts = 1,
	  .ext = { WL_IP6_FRAGMENT }, .frag = 0x0008);
	F("ipv6 routing+dstopts icmp echo", .ver = 6, .proto = 58, .payload = 24, .nexts = 2,
	  .ext = { WL_IP6_ROUTING, WL_IP6_DSTOPTS });
	F("ipv6 six extension headers udp", .ver = 6, .proto = 17, .sport = 1, .dport = 2, .nexts = 6,
	  .ext = { 0, 60, 43, 60, 60, 60 });
	F("ipv6 seven extension headers (past the bound)", .ver = 6, .proto = 17, .sport = 1, .dport = 2, .nexts = 7,
	  .ext = { 0, 60, 43, 60, 60, 60, 60 });
	F("arp request", .ver = 0, .bcast = true);
	F("vlan ipv4 udp", .ver = 4, .proto = 17, .sport = 1000, .dport = 2000, .payload = 20, .tags = 1);
	F("vlan ipv4 icmp echo", .ver = 4, .proto = 1, .payload = 20, .tags = 1);
	F("vlan ipv6 udp", .ver = 6, .proto = 17, .sport = 1001, .dport = 7, .payload = 20, .tags = 1);
	F("vlan ipv6 icmp echo", .ver = 6, .proto = 58, .payload = 32, .tags = 1);
	F("vlan arp", .ver = 0, .bcast = true, .tags = 1);
	F("qinq ipv4 tcp", .ver = 4, .proto = 6, .sport = 1002, .dport = 80, .tags = 2);
	F("qinq ipv4 udp dns", .ver = 4, .proto = 17, .sport = 1003, .dport = 53, .payload = 30, .tags = 2);
	F("qinq ipv6 udp dns", .ver = 6, .proto = 17, .sport = 1004, .dport = 53, .payload = 30, .tags = 2);
	F("qinq ipv6 tcp", .ver = 6, .proto = 6, .sport = 1005, .dport = 443, .payload = 4, .tags = 2);
	F("qinq ipv6 icmp echo", .ver = 6, .proto = 58, .payload = 56, .tags = 2);
	F("qinq ipv6 hbh+dstopts icmp echo", .ver = 6, .proto = 58, .payload = 40, .tags = 2, .nexts = 2,
	  .ext = { WL_IP6_HOPOPTS, WL_IP6_DSTOPTS });
	F("three tags", .ver = 4, .tags = 3);
	/* Unknown ethertype (LLDP). */
	F("lldp", .ver = 0);
	put16(frames[nf - 1].b + 12, 0x88cc);
	frames[nf - 1].want_mask = WL_M(WL_P_FRAMES) | WL_M(WL_P_OTHER);
	/* The engine's raw Ethernet frames: class eth, as the engine counts them. */
	F("raw ethertype", .ver = 0);
	put16(frames[nf - 1].b + 12, WL_ETHERTYPE_RAW);
	frames[nf - 1].want_mask = WL_M(WL_P_FRAMES) | WL_M(WL_P_ETH);

	/* Malformed: bad IP version, IHL < 5, IHL past the end; bad IPv6
	 * version, an extension header longer than the frame. */
	malformed(&frames[nf], &frames[0], "ipv4 version 5", WL_M(WL_P_FRAMES) | WL_M(WL_P_OTHER));
	frames[nf++].b[14] = 0x55;
	malformed(&frames[nf], &frames[0], "ipv4 ihl 3", WL_M(WL_P_FRAMES) | WL_M(WL_P_OTHER));
	frames[nf++].b[14] = 0x43;
	malformed(&frames[nf], &frames[0], "ipv4 ihl past the end", WL_M(WL_P_FRAMES) | WL_M(WL_P_OTHER));
	frames[nf].b[14] = 0x4f;
	frames[nf++].len = 14 + 40;
	malformed(&frames[nf], &frames[9], "ipv6 version 4", WL_M(WL_P_FRAMES) | WL_M(WL_P_OTHER));
	frames[nf++].b[14] = 0x40;
	malformed(&frames[nf], &frames[15], "ipv6 hop-by-hop past the end",
		  WL_M(WL_P_FRAMES) | fam_mask(6, WL_P_OTHER) | WL_M(WL_P_IPV6));
	frames[nf].ver = 6;
	frames[nf++].b[14 + 40 + 1] = 200;
}

static const struct frame *frame_named(const char *name)
{
	int i;

	for (i = 0; i < nf; i++)
		if (!strcmp(frames[i].name, name))
			return &frames[i];
	fprintf(stderr, "verdict-test: no frame '%s' (test bug)\n", name);
	exit(1);
}

/* Frames every program also sees cut short at every length. */
static const char *const truncate_names[] = {
	"ipv4 tcp", "ipv6 udp", "vlan ipv4 udp", "qinq ipv6 hbh+dstopts icmp echo",
	"ipv6 hbh+routing+frag0+dstopts tcp", "ipv6 six extension headers udp",
};
#define NTRUNC (sizeof(truncate_names) / sizeof(truncate_names[0]))

/* ---- count ---- */

static void test_count(void)
{
	struct count_bpf *s = count_bpf__open_and_load();
	struct wl_stats st, want;
	const int N = 7;
	uint32_t ret = 0, out_len = 0, km, um;
	uint8_t out[512];
	char a[256], b[256];
	size_t k, len;
	int i, p, fd, map;

	CHECK(s, "count: open/load: %s", strerror(errno));
	if (!s)
		return;
	fd = bpf_program__fd(s->progs.wl_count);
	map = bpf_map__fd(s->maps.wl_stats);

	/* Each frame alone: the kernel's classes, the user-space copy's and
	 * the builder's agree. */
	for (i = 0; i < nf; i++) {
		const struct frame *f = &frames[i];

		km = kernel_mask(fd, map, f, &ret);
		um = user_mask(f);
		mask_str(km, a, sizeof(a));
		mask_str(f->want_mask, b, sizeof(b));
		CHECK(ret == XDP_PASS, "count %s: verdict %u, want XDP_PASS", f->name, ret);
		CHECK(km == f->want_mask, "count %s: kernel classes {%s}, want {%s}", f->name, a, b);
		CHECK(um == km, "count %s: user classifier %#x, kernel %#x", f->name, um, km);
		CHECK(consistent(f->want_mask), "count %s: expected classes {%s} break the model (test bug)", f->name, b);
	}

	/* All frames N times each: per-class packets and bytes add up. */
	zero_stats(map);
	memset(&want, 0, sizeof(want));
	for (i = 0; i < nf; i++) {
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
		CHECK(st.ctr[WL_A_PASS][p].packets == want.ctr[WL_A_PASS][p].packets, "count: %s packets %llu, want %llu",
		      wl_proto_names[p], (unsigned long long)st.ctr[WL_A_PASS][p].packets,
		      (unsigned long long)want.ctr[WL_A_PASS][p].packets);
		CHECK(st.ctr[WL_A_PASS][p].bytes == want.ctr[WL_A_PASS][p].bytes, "count: %s bytes %llu, want %llu",
		      wl_proto_names[p], (unsigned long long)st.ctr[WL_A_PASS][p].bytes,
		      (unsigned long long)want.ctr[WL_A_PASS][p].bytes);
	}
	CHECK(st.ctr[WL_A_PASS][WL_P_FRAMES].packets == (uint64_t)nf * N, "count: frames %llu",
	      (unsigned long long)st.ctr[WL_A_PASS][WL_P_FRAMES].packets);
	CHECK(st.ctr[WL_A_PASS][WL_P_VLAN].packets >= 8u * N && st.ctr[WL_A_PASS][WL_P_QINQ].packets >= 6u * N &&
		      st.ctr[WL_A_PASS][WL_P_UDP6].packets + st.ctr[WL_A_PASS][WL_P_DNS6].packets >= 6u * N && st.ctr[WL_A_PASS][WL_P_ICMP6].packets >= 5u * N,
	      "count: the mix lacks tagged or IPv6 frames (test bug)");

	/* Truncated frames: every prefix from the bare Ethernet header up.
	 * Kernel and user classifiers agree, the model holds, and until the
	 * builder's L4 header is complete the leaf is other. */
	for (k = 0; k < NTRUNC; k++) {
		const struct frame *src = frame_named(truncate_names[k]);

		for (len = 14; len <= src->len; len++) {
			struct frame t = *src;
			size_t l4hl = src->proto == 6 ? 20 : src->proto == 17 ? 8 : 4;

			t.len = len;
			km = kernel_mask(fd, map, &t, &ret);
			um = user_mask(&t);
			CHECK(ret == XDP_PASS, "count truncated %s/%zu: verdict %u", t.name, len, ret);
			CHECK(km == um, "count truncated %s/%zu: kernel %#x, user %#x", t.name, len, km, um);
			CHECK(consistent(km), "count truncated %s/%zu: classes %#x break the model", t.name, len, km);
			if (len < src->l4 + l4hl)
				CHECK(km & WL_M(WL_P_OTHER), "count truncated %s/%zu: not other (%#x)", t.name, len, km);
			else
				CHECK(km == src->want_mask, "count truncated %s/%zu: %#x, want %#x", t.name, len, km,
				      src->want_mask);
		}
	}
	count_bpf__destroy(s);
}

/* ---- drop ---- */

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

static void prefix(struct wl_rule *r, bool src, const char *addr, unsigned int len)
{
	__u32 *a = src ? r->src : r->dst, *m = src ? r->src_mask : r->dst_mask;
	unsigned int i, bits;

	r->fields |= src ? WL_RULE_SRC : WL_RULE_DST;
	r->family = strchr(addr, ':') ? 6 : 4;
	CHECK(inet_pton(r->family == 6 ? AF_INET6 : AF_INET, addr, a) == 1, "bad test address %s", addr);
	bits = r->family == 6 ? 128 : 32;
	for (i = 0; i < bits / 32; i++) {
		unsigned int in = len > i * 32 ? len - i * 32 : 0;

		m[i] = in >= 32 ? ~0u : in ? htonl(~0u << (32 - in)) : 0;
		a[i] &= m[i];
	}
}

/*
 * Load rules, run every frame (and every truncation of a few), and check each
 * verdict against want_drop(frame) plus the per-class counters of both
 * verdicts.  Returns the number of frames dropped.
 */
static int drop_case(const char *what, const struct wl_rule *r, unsigned int n, bool (*want_drop)(const struct frame *))
{
	struct drop_bpf *s = drop_load(r, n);
	struct wl_stats st, want;
	uint32_t ret = 0;
	int i, p, fd, dropped = 0;
	size_t k, len;

	CHECK(s, "drop %s: load: %s", what, strerror(errno));
	if (!s)
		return -1;
	fd = bpf_program__fd(s->progs.wl_drop);
	memset(&want, 0, sizeof(want));
	for (i = 0; i < nf; i++) {
		const struct frame *f = &frames[i];
		bool d = want_drop(f);
		int a = d ? WL_A_DROP : WL_A_PASS;

		CHECK(!run(fd, f, 2, NULL, NULL, &ret), "drop %s %s: run", what, f->name);
		CHECK(ret == (d ? XDP_DROP : XDP_PASS), "drop %s %s: verdict %u, want %s", what, f->name, ret,
		      d ? "DROP" : "PASS");
		dropped += d;
		for (p = 0; p < WL_P_MAX; p++)
			if (f->want_mask & WL_M(p)) {
				want.ctr[a][p].packets += 2;
				want.ctr[a][p].bytes += 2 * f->len;
			}
	}
	read_stats(bpf_map__fd(s->maps.wl_stats), &st);
	for (p = 0; p < WL_P_MAX; p++) {
		CHECK(st.ctr[WL_A_DROP][p].packets == want.ctr[WL_A_DROP][p].packets &&
			      st.ctr[WL_A_DROP][p].bytes == want.ctr[WL_A_DROP][p].bytes,
		      "drop %s: dropped %s %llu, want %llu", what, wl_proto_names[p],
		      (unsigned long long)st.ctr[WL_A_DROP][p].packets, (unsigned long long)want.ctr[WL_A_DROP][p].packets);
		CHECK(st.ctr[WL_A_PASS][p].packets == want.ctr[WL_A_PASS][p].packets, "drop %s: passed %s %llu, want %llu",
		      what, wl_proto_names[p], (unsigned long long)st.ctr[WL_A_PASS][p].packets,
		      (unsigned long long)want.ctr[WL_A_PASS][p].packets);
	}
	/* Cut short: the verdict follows the classes of what is there. */
	for (k = 0; k < NTRUNC; k++) {
		const struct frame *src = frame_named(truncate_names[k]);

		for (len = 14; len < src->len; len++) {
			struct frame t = *src;
			struct wl_pkt pk;
			bool d = n == 0;
			unsigned int j;

			t.len = len;
			wl_parse(t.b, t.b + t.len, &pk);
			for (j = 0; j < n; j++)
				d = d || wl_rule_match(&r[j], &pk);
			CHECK(!run(fd, &t, 1, NULL, NULL, &ret), "drop %s truncated %s/%zu: run", what, t.name, len);
			CHECK(ret == (d ? XDP_DROP : XDP_PASS), "drop %s truncated %s/%zu: verdict %u", what, t.name, len,
			      ret);
		}
	}
	drop_bpf__destroy(s);
	return dropped;
}

static bool all(const struct frame *f)
{
	(void)f;
	return true;
}

/* udp dport 53 (either family) | tcp from 198.18.210.0/24 to port 80 */
static bool v4_rules(const struct frame *f)
{
	uint16_t dport = f->l4 ? (uint16_t)(f->b[f->l4 + 2] << 8 | f->b[f->l4 + 3]) : 0;

	return (f->l4 && f->proto == 17 && dport == 53) || (f->l4 && f->ver == 4 && f->proto == 6 && dport == 80);
}

/* icmp6 | udp from 2001:2:0::/60 to port 7 | tcp to 2001:2:0:1::b/128 port 443 | dns from 2001:2:0:1::a */
static bool v6_rules(const struct frame *f)
{
	bool l4 = f->l4 && f->ver == 6;
	uint16_t sport = l4 ? (uint16_t)(f->b[f->l4] << 8 | f->b[f->l4 + 1]) : 0;
	uint16_t dport = l4 ? (uint16_t)(f->b[f->l4 + 2] << 8 | f->b[f->l4 + 3]) : 0;

	if (!l4)
		return false;
	/* proto=dns names DNS over UDP only; DNS over TCP is tcp. */
	return f->proto == 58 || (f->proto == 17 && dport == 7) || (f->proto == 6 && dport == 443) ||
	       (f->proto == 17 && (sport == 53 || dport == 53));
}

static bool no_frame(const struct frame *f)
{
	(void)f;
	return false;
}

static bool frag_or_qinq(const struct frame *f)
{
	return f->want_mask & (WL_M(WL_P_FRAG) | WL_M(WL_P_QINQ));
}

static void test_drop(void)
{
	struct wl_rule r[6];
	int n;

	n = drop_case("all", NULL, 0, all);
	CHECK(n == nf, "drop-all: %d of %d frames", n, nf);

	memset(r, 0, sizeof(r));
	/* DNS over UDP is class dns, not udp (wl_proto_names.h). */
	r[0].fields = WL_RULE_PROTO | WL_RULE_DPORT;
	r[0].proto = WL_P_DNS;
	r[0].dport = htons(53);
	r[1].fields = WL_RULE_PROTO | WL_RULE_DPORT;
	r[1].proto = WL_P_TCP;
	prefix(&r[1], true, "198.18.210.0", 24);
	r[1].dport = htons(80);
	n = drop_case("v4 rules", r, 2, v4_rules);
	CHECK(n == 6, "drop v4 rules: %d frames named, want 6", n);

	memset(r, 0, sizeof(r));
	r[0].fields = WL_RULE_PROTO;
	r[0].proto = WL_P_ICMP6;
	r[1].fields = WL_RULE_PROTO | WL_RULE_DPORT;
	r[1].proto = WL_P_UDP;
	r[1].dport = htons(7);
	prefix(&r[1], true, "2001:2::", 60); /* a mask that ends inside a word */
	r[2].fields = WL_RULE_PROTO | WL_RULE_DPORT;
	r[2].proto = WL_P_TCP;
	r[2].dport = htons(443);
	prefix(&r[2], false, IP6_B, 128);
	r[3].fields = WL_RULE_PROTO;
	r[3].proto = WL_P_DNS;
	prefix(&r[3], true, IP6_A, 128);
	prefix(&r[4], true, "2001:2:0:10::", 60); /* names nothing: the mix is in 2001:2:0:1::/64 */
	n = drop_case("v6 rules", r, 5, v6_rules);
	CHECK(n == 15, "drop v6 rules: %d frames named, want 15", n);

	/* Addresses only name their own family; a prefix outside the mix drops nothing. */
	memset(r, 0, sizeof(r));
	prefix(&r[0], true, "2001:2:0:2::", 64);
	prefix(&r[1], false, "203.0.113.0", 24);
	prefix(&r[2], true, "2001:2:0:1::b", 128); /* the destination, not the source */
	n = drop_case("foreign prefixes", r, 3, no_frame);
	CHECK(n == 0, "drop foreign prefixes: %d frames named", n);

	memset(r, 0, sizeof(r));
	r[0].fields = WL_RULE_PROTO;
	r[0].proto = WL_P_FRAG;
	r[1].fields = WL_RULE_PROTO;
	r[1].proto = WL_P_QINQ;
	n = drop_case("frag|qinq", r, 2, frag_or_qinq);
	CHECK(n == 11, "drop frag|qinq: %d frames named, want 11", n);
}

/* ---- reflect ---- */

/* Do the IPv4 header checksum and the L4 checksum (pseudo-header included) verify? */
static bool csum_ok(const struct frame *f, const uint8_t *b, size_t len)
{
	const uint8_t *ip = b + f->l3;

	if (f->ver == 4 && csum_fold(csum_add(0, ip, 20)) != 0)
		return false;
	if (!f->l4)
		return true;
	return csum_fold(csum_add(pseudo_sum(ip, f->ver, f->proto, len - f->l4), b + f->l4, len - f->l4)) == 0;
}

static bool reflected(const struct frame *f)
{
	bool ndp = f->ver == 6 && f->proto == 58 && f->l4 && f->icmp_type >= 133 && f->icmp_type <= 137;

	return f->ver && !(f->b[0] & 1) && !ndp;
}

static void test_reflect(void)
{
	struct reflect_bpf *s = reflect_bpf__open();
	struct wl_stats st;
	uint8_t out[512];
	uint32_t ret = 0, out_len = 0;
	uint64_t want_tx = 0, want_pass = 0;
	int i, echo = 0;
	size_t k, len;
	int fd;

	CHECK(s, "reflect: open");
	if (!s)
		return;
	s->rodata->wl_cfg.reflect_icmp_echo = 1;
	CHECK(!reflect_bpf__load(s), "reflect: load");
	fd = bpf_program__fd(s->progs.wl_reflect);

	for (i = 0; i < nf; i++) {
		const struct frame *f = &frames[i];
		bool v6 = f->ver == 6;
		size_t l3 = f->l3, l4 = f->l4;
		bool is_echo = l4 && (f->proto == 1 || f->proto == 58) && f->icmp_type == (v6 ? 128 : 8);

		if (f->ver)
			CHECK(csum_ok(f, f->b, f->len), "reflect %s: input checksum bad (test bug)", f->name);
		CHECK(!run(fd, f, 1, out, &out_len, &ret), "reflect %s: run", f->name);
		if (!reflected(f)) {
			want_pass++;
			CHECK(ret == XDP_PASS, "reflect %s: verdict %u, want PASS", f->name, ret);
			CHECK(!memcmp(out, f->b, f->len), "reflect %s: frame modified on PASS", f->name);
			continue;
		}
		want_tx++;
		CHECK(ret == XDP_TX, "reflect %s: verdict %u, want TX", f->name, ret);
		CHECK(out_len == f->len, "reflect %s: length %u", f->name, out_len);
		CHECK(!memcmp(out, f->b + 6, 6) && !memcmp(out + 6, f->b, 6), "reflect %s: MACs not swapped", f->name);
		CHECK(!memcmp(out + 12, f->b + 12, l3 - 12), "reflect %s: VLAN tags or ethertype changed", f->name);
		if (!v6)
			CHECK(!memcmp(out + l3 + 12, f->b + l3 + 16, 4) && !memcmp(out + l3 + 16, f->b + l3 + 12, 4),
			      "reflect %s: IPv4 addresses not swapped", f->name);
		else
			CHECK(!memcmp(out + l3 + 8, f->b + l3 + 24, 16) && !memcmp(out + l3 + 24, f->b + l3 + 8, 16),
			      "reflect %s: IPv6 addresses not swapped", f->name);
		/* The extension headers between L3 and L4 stay as they were. */
		if (v6 && l4)
			CHECK(!memcmp(out + l3 + 40, f->b + l3 + 40, l4 - l3 - 40), "reflect %s: extension headers changed",
			      f->name);
		if (l4 && (f->proto == 17 || f->proto == 6))
			CHECK(!memcmp(out + l4, f->b + l4 + 2, 2) && !memcmp(out + l4 + 2, f->b + l4, 2),
			      "reflect %s: ports not swapped", f->name);
		if (!l4)
			CHECK(!memcmp(out + l3 + (v6 ? 40 : 20), f->b + l3 + (v6 ? 40 : 20), f->len - l3 - (v6 ? 40 : 20)),
			      "reflect %s: payload of a frame without L4 header changed", f->name);
		if (is_echo) {
			echo++;
			CHECK(out[l4] == (v6 ? 129 : 0) && out[l4 + 1] == 0, "reflect %s: ICMP type %u, want echo reply",
			      f->name, out[l4]);
			CHECK(!memcmp(out + l4 + 4, f->b + l4 + 4, f->len - l4 - 4), "reflect %s: echo id/seq/data changed",
			      f->name);
		}
		CHECK(csum_ok(f, out, out_len), "reflect %s: checksum invalid after rewrite", f->name);
		/* Reflecting twice gives back the original (except the echo type). */
		if (!is_echo) {
			struct frame back = *f;
			uint8_t out2[512];
			uint32_t len2;

			memcpy(back.b, out, out_len);
			want_tx++;
			CHECK(!run(fd, &back, 1, out2, &len2, &ret) && ret == XDP_TX && !memcmp(out2, f->b, f->len),
			      "reflect %s: reflecting twice is not the identity", f->name);
		}
	}
	CHECK(echo == 8, "reflect: %d echo requests in the mix, want 8 (test bug)", echo);
	read_stats(bpf_map__fd(s->maps.wl_stats), &st);
	CHECK(st.ctr[WL_A_TX][WL_P_FRAMES].packets == want_tx, "reflect: tx %llu, want %llu",
	      (unsigned long long)st.ctr[WL_A_TX][WL_P_FRAMES].packets, (unsigned long long)want_tx);
	CHECK(st.ctr[WL_A_PASS][WL_P_FRAMES].packets == want_pass, "reflect: pass %llu, want %llu",
	      (unsigned long long)st.ctr[WL_A_PASS][WL_P_FRAMES].packets, (unsigned long long)want_pass);
	CHECK(st.ctr[WL_A_ABORTED][WL_P_FRAMES].packets == 0, "reflect: aborted %llu",
	      (unsigned long long)st.ctr[WL_A_ABORTED][WL_P_FRAMES].packets);

	/* Cut short: never aborted; only a frame with a complete IP header goes back. */
	for (k = 0; k < NTRUNC; k++) {
		const struct frame *src = frame_named(truncate_names[k]);

		for (len = 14; len < src->len; len++) {
			struct frame t = *src;
			uint32_t m;

			t.len = len;
			m = user_mask(&t);
			CHECK(!run(fd, &t, 1, out, &out_len, &ret), "reflect truncated %s/%zu: run", t.name, len);
			CHECK(ret == ((m & (WL_M(WL_P_IPV4) | WL_M(WL_P_IPV6))) ? XDP_TX : XDP_PASS),
			      "reflect truncated %s/%zu: verdict %u (classes %#x)", t.name, len, ret, m);
		}
	}
	reflect_bpf__destroy(s);
}

int main(void)
{
	if (geteuid() != 0) {
		fprintf(stderr, "verdict-test: needs root for BPF_PROG_RUN; skipping\n");
		return 77;
	}
	build_frames();
	test_count();
	test_drop();
	test_reflect();
	printf("verdict-test: %d frames, %d checks, %d failed\n", nf, checks, failures);
	return failures ? 1 : 0;
}
