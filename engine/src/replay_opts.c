#include "replay_opts.h"
#include "options.h"
#include "opt_table.h"
#include "workers_max.h"
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <math.h>

const char *const replay_pace_names[] = { "top", "pps", "mbps", "speed" };

int replay_wanted(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--role=replay"))
			return 1;
		if (!strcmp(argv[i], "--role") && i + 1 < argc && !strcmp(argv[i + 1], "replay"))
			return 1;
	}
	return 0;
}

#define RCFG(p) ((struct replay_cfg *)(p))
#define RCCFG(p) ((const struct replay_cfg *)(p))

static int fail(const char *opt, const char *why, const char *val)
{
	fprintf(stderr, "wirelab-engine: --%s: '%s' %s\n", opt, val, why);
	return 2;
}

static int set_role(void *cfg, const struct wl_optdef *o, const char *arg)
{
	(void)cfg;
	return strcmp(arg, "replay") ? fail(o->name, "is not replay", arg) : 0;
}

static int set_pcap(void *cfg, const struct wl_optdef *o, const char *arg)
{
	if (strlen(arg) >= sizeof(RCFG(cfg)->pcap))
		return fail(o->name, "is too long", arg);
	strcpy(RCFG(cfg)->pcap, arg);
	return 0;
}

/* --pps, --mbps, --speed: one pacing, counted so that two are refused */
static int set_pace(void *cfg, const struct wl_optdef *o, const char *arg)
{
	struct replay_cfg *c = cfg;
	double v;
	if (wl_parse_dbl(arg, &v) < 0 || v < 1e-6 || v > 1e12)
		return fail(o->name, "is not a positive number", arg);
	c->paces++;
	switch (o->name[0]) {
	case 'p': c->pace = RP_PPS; c->pps = v; break;
	case 'm': c->pace = RP_MBPS; c->mbps = v; break;
	default: c->pace = RP_SPEED; c->speed = v; break;
	}
	return 0;
}

static int set_truncated(void *cfg, const struct wl_optdef *o, const char *arg)
{
	if (!strcmp(arg, "pad"))
		RCFG(cfg)->truncated = RT_PAD;
	else if (!strcmp(arg, "skip"))
		RCFG(cfg)->truncated = RT_SKIP;
	else
		return fail(o->name, "is not pad or skip", arg);
	return 0;
}

static int set_map(void *cfg, const struct wl_optdef *o, const char *arg)
{
	char err[160];
	int rc = o->name[3] == '-' ? rewrite_add_mac(&RCFG(cfg)->rw, arg, err, sizeof(err))
				   : rewrite_add_ip(&RCFG(cfg)->rw, arg, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "wirelab-engine: --%s: %s\n", o->name, err);
		return 2;
	}
	return 0;
}

/* "IP" or "IP,MAC": the capture's first client or server becomes this host */
static int set_endpoint(void *cfg, const struct wl_optdef *o, const char *arg)
{
	struct replay_cfg *c = cfg;
	int client = o->name[0] == 'c';
	uint32_t *ip = client ? &c->client_ip : &c->server_ip;
	uint8_t *mac = client ? c->client_mac : c->server_mac;
	int *has_mac = client ? &c->has_client_mac : &c->has_server_mac;
	char a[64];
	const char *comma = strchr(arg, ',');
	size_t n = comma ? (size_t)(comma - arg) : strlen(arg);
	if (n >= sizeof(a))
		return fail(o->name, "is not IP or IP,MAC", arg);
	memcpy(a, arg, n);
	a[n] = 0;
	if (parse_ipv4(a, ip) < 0 || !*ip || (comma && parse_mac(comma + 1, mac) < 0))
		return fail(o->name, "is not IP or IP,MAC", arg);
	*has_mac = comma != NULL;
	return 0;
}

static int set_rules(void *cfg, const struct wl_optdef *o, const char *arg)
{
	if (vrule_parse(arg, &RCFG(cfg)->expect_rules) < 0)
		return fail(o->name, "is not a list of icmp, dns, udp-echo, tcp, arp", arg);
	return 0;
}

static int set_fields(void *cfg, const struct wl_optdef *o, const char *arg)
{
	char err[160];
	if (vfield_toggle(arg, &RCFG(cfg)->expect_fields, err, sizeof(err)) < 0) {
		fprintf(stderr, "wirelab-engine: --%s: %s\n", o->name, err);
		return 2;
	}
	return 0;
}

int replay_validates(const struct replay_cfg *c)
{
	return c->expect[0] || c->expect_split || c->expect_rules;
}

static void json_endpoint(struct jbuf *j, const char *key, uint32_t ip)
{
	char a[20];
	if (!ip)
		return;
	fmt_ipv4(ip, a, sizeof(a));
	jb_kstr(j, key, a);
}
static void json_client(struct jbuf *j, const void *cfg) { json_endpoint(j, "client", RCCFG(cfg)->client_ip); }
static void json_server(struct jbuf *j, const void *cfg) { json_endpoint(j, "server", RCCFG(cfg)->server_ip); }
/* the validation settings as one object, present only when validating */
static void json_expect(struct jbuf *j, const void *cfg)
{
	static const char *const rules[] = { "icmp", "dns", "udp-echo", "tcp", "arp" };
	const struct replay_cfg *c = cfg;
	if (!replay_validates(c))
		return;
	jb_key(j, "expect");
	jb_obj_open(j);
	if (c->expect[0])
		jb_kstr(j, "file", c->expect);
	jb_kbool(j, "split", c->expect_split);
	jb_key(j, "rules");
	jb_arr_open(j);
	for (unsigned i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (c->expect_rules & (1u << i))
			jb_str(j, rules[i]);
	jb_arr_close(j);
	jb_key(j, "fields");
	jb_arr_open(j);
	for (unsigned i = 0; i < VF_COUNT; i++)
		if (c->expect_fields & (1u << i))
			jb_str(j, vfield_names[i]);
	jb_arr_close(j);
	jb_kdbl(j, "wait", c->expect_wait_s, 3);
	jb_ku64(j, "max", c->expect_max);
	jb_obj_close(j);
}

static void json_pcap(struct jbuf *j, const void *cfg) { jb_kstr(j, "pcap", RCCFG(cfg)->pcap); }
static void json_pace(struct jbuf *j, const void *cfg)
{
	const struct replay_cfg *c = cfg;
	jb_kstr(j, "pace", replay_pace_names[c->pace]);
	if (c->pace == RP_PPS) jb_kdbl(j, "pps", c->pps, 3);
	if (c->pace == RP_MBPS) jb_kdbl(j, "mbps", c->mbps, 3);
	if (c->pace == RP_SPEED) jb_kdbl(j, "speed", c->speed, 6);
}
static void json_truncated(struct jbuf *j, const void *cfg)
{
	jb_kstr(j, "truncated", RCCFG(cfg)->truncated == RT_PAD ? "pad" : "skip");
}
static void json_map(struct jbuf *j, const void *cfg)
{
	const struct rewrite_cfg *rw = &RCCFG(cfg)->rw;
	char a[32], b[32];
	jb_key(j, "map");
	jb_obj_open(j);
	for (unsigned i = 0; i < rw->n_ip; i++) {
		fmt_ipv4(rw->ip_from[i], a, sizeof(a));
		fmt_ipv4(rw->ip_to[i], b, sizeof(b));
		jb_kstr(j, a, b);
	}
	jb_obj_close(j);
}
static void json_map_mac(struct jbuf *j, const void *cfg)
{
	const struct rewrite_cfg *rw = &RCCFG(cfg)->rw;
	char a[32], b[32];
	jb_key(j, "map_mac");
	jb_obj_open(j);
	for (unsigned i = 0; i < rw->n_mac; i++) {
		fmt_mac(rw->mac_from[i], a, sizeof(a));
		fmt_mac(rw->mac_to[i], b, sizeof(b));
		jb_kstr(j, a, b);
	}
	jb_obj_close(j);
}
static void json_ttl(struct jbuf *j, const void *cfg)
{
	if (RCCFG(cfg)->rw.ttl >= 0)
		jb_ku64(j, "ttl", (uint64_t)RCCFG(cfg)->rw.ttl);
}

#define F(field) .off = offsetof(struct replay_cfg, field), .size = sizeof(((struct replay_cfg *)0)->field)
#define WHOLE(field, l, h, e) .kind = WL_OK_WHOLE, F(field), .dlo = (l), .dhi = (h), .err = (e)
#define FUNC(fn) .kind = WL_OK_FUNC, .set = (fn)
static const char G_REPLAY[] = "Replay (--role replay): send the frames of a capture, preloaded into mbufs";
static const char G_VALIDATE[] = "Response validation: answers received while replaying, paired with their requests";
static const char *const groups[] = { G_REPLAY, G_VALIDATE };

/* Row order is the order of the keys in the start line's "config". */
static const struct wl_optdef replay_opts[] = {
	{ .name = "pcap", .arg = "FILE", FUNC(set_pcap), .json = json_pcap, .group = G_REPLAY,
	  .help = "pcap (usec/nsec) or pcapng of Ethernet frames" },
	{ .name = "port-id", .arg = "N", WHOLE(port_id, 0, 65535, "'%s' is not a port id"), .def = "0", .key = "port_id",
	  .group = G_REPLAY, .help = "DPDK port to use" },
	{ .name = "loop", .arg = "N", WHOLE(loops, 0, 1e15, "'%s' is not a count (0 = until stopped)"), .def = "1",
	  .key = "loops", .group = G_REPLAY, .help = "times through the file, 0 = until stopped" },
	{ .name = "pps", .arg = "N", FUNC(set_pace), .json = json_pace, .def_text = "full speed", .group = G_REPLAY,
	  .help = "pacing: packets/s (one of --pps, --mbps, --speed)" },
	{ .name = "mbps", .arg = "N", FUNC(set_pace), .group = G_REPLAY, .help = "pacing: frame Mbit/s" },
	{ .name = "speed", .arg = "X", FUNC(set_pace), .group = G_REPLAY,
	  .help = "pacing: the capture's own timing scaled by X" },
	{ .name = "truncated", .arg = "pad|skip", FUNC(set_truncated), .json = json_truncated, .def = "pad",
	  .group = G_REPLAY, .help = "frames captured shorter than sent: zero-padded\nto their length, or not sent" },
	{ .name = "duration", .arg = "SEC", .kind = WL_OK_DBL, F(duration_s), .dhi = 1e9,
	  .err = "'%s' is not a duration in seconds", .def = "0", .key = "duration", .group = G_REPLAY,
	  .help = "stop after SEC seconds (0 = never)" },
	{ .name = "count", .arg = "FRAMES", WHOLE(count, 0, 1e18, "'%s' is not a frame count"), .def = "0", .key = "count",
	  .group = G_REPLAY, .help = "stop after FRAMES frames (0 = no limit)" },
	{ .name = "map", .arg = "A=B", FUNC(set_map), .json = json_map, .group = G_REPLAY,
	  .help = "IPv4 address A becomes B (repeatable)" },
	{ .name = "map-mac", .arg = "M=N", FUNC(set_map), .json = json_map_mac, .group = G_REPLAY,
	  .help = "MAC M becomes N (repeatable)" },
	{ .name = "ttl", .arg = "N", WHOLE(rw.ttl, 0, 255, "'%s' is not a TTL (0..255)"), .json = json_ttl, .group = G_REPLAY,
	  .help = "set the IPv4 TTL" },
	{ .name = "client", .arg = "IP[,MAC]", FUNC(set_endpoint), .json = json_client, .group = G_REPLAY,
	  .help = "the capture's first client (source of its first IPv4\nframe) becomes IP (and MAC); --map/--map-mac win" },
	{ .name = "server", .arg = "IP[,MAC]", FUNC(set_endpoint), .json = json_server, .group = G_REPLAY,
	  .help = "the same for its server (that frame's destination)" },
	{ .name = "expect", .arg = "FILE", .kind = WL_OK_STR, F(expect), .err = "'%s' is not a file name",
	  .json = json_expect, .group = G_VALIDATE, .help = "capture of the expected answers (the server's side)" },
	{ .name = "expect-split", .kind = WL_OK_FLAG, F(expect_split), .group = G_VALIDATE,
	  .help = "the capture's own server-side frames (from its first\nIPv4 frame's destination) are expected, not sent" },
	{ .name = "expect-rules", .arg = "LIST", FUNC(set_rules), .group = G_VALIDATE,
	  .help = "answers derived from the requests: icmp,dns,udp-echo,tcp,arp" },
	{ .name = "expect-fields", .arg = "LIST", FUNC(set_fields), .group = G_VALIDATE,
	  .def_text = "ip.ttl, tcp.seq, tcp.window, arp.sha off",
	  .help = "+field / -field compared (ip.len, dns.answer, tcp.flags, ...)" },
	{ .name = "expect-wait", .arg = "SEC", .kind = WL_OK_DBL, F(expect_wait_s), .dhi = 3600,
	  .err = "'%s' is not a wait in seconds (0..3600)", .def = "1", .group = G_VALIDATE,
	  .help = "after the last frame, wait for late answers" },
	{ .name = "expect-max", .arg = "N", WHOLE(expect_max, 1, 16777216, "'%s' is out of range (1..16777216)"),
	  .def = "1048576", .group = G_VALIDATE, .help = "expected answers held at most" },
	{ .name = "stats-interval", .arg = "SEC", .kind = WL_OK_DBL, F(stats_interval_s), .dlo = 0.01, .dhi = 3600,
	  .err = "'%s' is not a period in seconds (0.01..3600)", .def = "1", .group = G_REPLAY,
	  .help = "period of the stats lines" },
	{ .name = "tx-burst", .arg = "N", WHOLE(tx_burst, 1, 256, "'%s' is out of range (1..256)"), .def = "32",
	  .group = G_REPLAY, .help = "packets per tx burst" },
	{ .name = "workers", .arg = "N", WHOLE(workers, 1, WL_MAX_WORKERS, "'%s' is out of range (1..64)"), .def = "1",
	  .key = "workers", .group = G_REPLAY,
	  .help = "lcores sending, each on its own tx queue: frame i\nleaves from worker i mod N, rates split between them" },
	{ .name = "role", .arg = "replay", FUNC(set_role), .group = G_REPLAY, .help = "this mode" },
};

static const struct wl_optset replay_optset = {
	.opts = replay_opts,
	.n = sizeof(replay_opts) / sizeof(replay_opts[0]),
	.groups = groups,
	.n_groups = 2,
	.unknown = "%s is not a replay option (see --role replay --help)",
	.needs_value = "%s needs a value",
	.extra = "unexpected argument '%s'",
};

void replay_usage(FILE *f)
{
	wl_opt_help(&replay_optset, f);
}

int replay_options_parse(struct replay_cfg *c, int argc, char **argv)
{
	memset(c, 0, sizeof(*c));
	rewrite_init(&c->rw);
	c->expect_fields = VF_DEFAULT_MASK;
	int rc = wl_opt_parse(&replay_optset, c, argc, argv);
	if (rc == 1)
		replay_usage(stdout);
	if (rc)
		return rc;
	if (!c->pcap[0]) {
		fprintf(stderr, "wirelab-engine: --role replay needs --pcap FILE\n");
		return 2;
	}
	if (c->paces > 1) {
		fprintf(stderr, "wirelab-engine: --pps, --mbps and --speed exclude each other: give one\n");
		return 2;
	}
	if (c->workers > 1 && replay_validates(c)) {
		fprintf(stderr, "wirelab-engine: --workers > 1 and --expect/--expect-split/--expect-rules exclude each other: answers are paired on one lcore\n");
		return 2;
	}
	return 0;
}

void replay_options_json(struct jbuf *j, const struct replay_cfg *c)
{
	jb_obj_open(j);
	wl_opt_json(&replay_optset, j, c);
	jb_obj_close(j);
}

uint64_t *replay_gaps(const struct replay_cfg *c, const struct pcap_rec *recs, const uint32_t *lens,
		      size_t n, uint64_t hz)
{
	if ((c->pace != RP_MBPS && c->pace != RP_SPEED) || n == 0)
		return NULL;
	uint64_t *g = calloc(n, sizeof(*g));
	if (!g)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		double ticks;
		if (c->pace == RP_MBPS) {
			ticks = (double)lens[i] * 8.0 * (double)hz / (c->mbps * 1e6);
		} else {
			/* out-of-order or the wrap to the next loop: no wait */
			uint64_t a = recs[i].ts_ns, b = i + 1 < n ? recs[i + 1].ts_ns : a;
			ticks = b > a ? (double)(b - a) * 1e-9 * (double)hz / c->speed : 0;
		}
		if (ticks > 2.8e14) /* 48 bits of whole ticks: about a day */
			ticks = 2.8e14;
		g[i] = (uint64_t)(ticks * 65536.0);
	}
	return g;
}

size_t replay_worker_frames(size_t n, unsigned w, unsigned nw)
{
	return w < n ? (n - w + nw - 1) / nw : 0;
}

uint64_t replay_worker_limit(uint64_t limit, size_t n, unsigned w, unsigned nw)
{
	if (!limit || !n)
		return 0;
	return limit / n * replay_worker_frames(n, w, nw) + replay_worker_frames((size_t)(limit % n), w, nw);
}

uint64_t *replay_worker_gaps(const uint64_t *gaps, size_t n, unsigned w, unsigned nw, uint64_t *first)
{
	size_t k = replay_worker_frames(n, w, nw);
	*first = 0;
	if (!gaps || !k)
		return NULL;
	uint64_t *g = calloc(k, sizeof(*g));
	if (!g)
		return NULL;
	for (size_t i = 0; i < w; i++)
		*first += gaps[i];
	for (size_t j = 0; j < k; j++) {
		size_t from = w + j * nw, to = j + 1 < k ? from + nw : w + n; /* wrap: its first frame, next loop */
		for (size_t i = from; i < to; i++)
			g[j] += gaps[i % n];
	}
	return g;
}
