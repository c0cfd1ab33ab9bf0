#include "replay_opts.h"
#include "options.h"
#include <getopt.h>
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

void replay_usage(FILE *f)
{
	fputs(
"Replay (--role replay): send the frames of a capture, preloaded into mbufs.\n"
"  --pcap FILE               pcap (usec/nsec) or pcapng of Ethernet frames\n"
"  --loop N                  times through the file, 0 = until stopped [1]\n"
"  --pps N | --mbps N | --speed X   pacing: packets/s, frame Mbit/s, or the\n"
"                            capture's own timing scaled by X [full speed]\n"
"  --truncated pad|skip      frames captured shorter than sent: zero-padded\n"
"                            to their length, or not sent [pad]\n"
"  --map A=B                 IPv4 address A becomes B (repeatable)\n"
"  --map-mac M=N             MAC M becomes N (repeatable)\n"
"  --ttl N                   set the IPv4 TTL\n"
"  --port-id N --duration SEC --count FRAMES --stats-interval SEC --tx-burst N\n", f);
}

static int fail(const char *opt, const char *why, const char *val)
{
	fprintf(stderr, "wirelab-engine: --%s: '%s' %s\n", opt, val, why);
	return 2;
}
static int num(const char *s, double lo, double hi, double *out)
{
	char *e;
	if (!*s)
		return -1;
	errno = 0;
	double v = strtod(s, &e);
	if (errno || *e || !isfinite(v) || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

enum { R_ROLE = 256, R_PCAP, R_LOOP, R_PPS, R_MBPS, R_SPEED, R_TRUNC, R_MAP, R_MAPMAC, R_TTL, R_PORT,
       R_DUR, R_COUNT, R_STATS, R_BURST };
static const struct option ropts[] = {
	{ "role", required_argument, NULL, R_ROLE }, { "pcap", required_argument, NULL, R_PCAP },
	{ "loop", required_argument, NULL, R_LOOP }, { "pps", required_argument, NULL, R_PPS },
	{ "mbps", required_argument, NULL, R_MBPS }, { "speed", required_argument, NULL, R_SPEED },
	{ "truncated", required_argument, NULL, R_TRUNC }, { "map", required_argument, NULL, R_MAP },
	{ "map-mac", required_argument, NULL, R_MAPMAC }, { "ttl", required_argument, NULL, R_TTL },
	{ "port-id", required_argument, NULL, R_PORT }, { "duration", required_argument, NULL, R_DUR },
	{ "count", required_argument, NULL, R_COUNT }, { "stats-interval", required_argument, NULL, R_STATS },
	{ "tx-burst", required_argument, NULL, R_BURST }, { "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

int replay_options_parse(struct replay_cfg *c, int argc, char **argv)
{
	memset(c, 0, sizeof(*c));
	rewrite_init(&c->rw);
	c->loops = 1;
	c->stats_interval_s = 1;
	c->tx_burst = 32;
	optind = 1;
	opterr = 0;
	int ch, paces = 0, idx = 0;
	char err[160];
	double v;
	while ((ch = getopt_long(argc, argv, ":h", ropts, &idx)) != -1) {
		const char *name = "?";
		for (const struct option *o = ropts; o->name; o++)
			if (o->val == ch)
				name = o->name;
		switch (ch) {
		case 'h': replay_usage(stdout); return 1;
		case ':': fprintf(stderr, "wirelab-engine: %s needs a value\n", argv[optind - 1]); return 2;
		case '?':
			fprintf(stderr, "wirelab-engine: %s is not a replay option (see --role replay --help)\n",
				argv[optind - 1]);
			return 2;
		case R_ROLE:
			if (strcmp(optarg, "replay"))
				return fail(name, "is not replay", optarg);
			break;
		case R_PCAP:
			if (strlen(optarg) >= sizeof(c->pcap))
				return fail(name, "is too long", optarg);
			strcpy(c->pcap, optarg);
			break;
		case R_LOOP:
			if (num(optarg, 0, 1e15, &v) || v != floor(v))
				return fail(name, "is not a count (0 = until stopped)", optarg);
			c->loops = (uint64_t)v;
			break;
		case R_PPS: case R_MBPS: case R_SPEED:
			if (num(optarg, 1e-6, 1e12, &v) || v <= 0)
				return fail(name, "is not a positive number", optarg);
			paces++;
			c->pace = ch == R_PPS ? RP_PPS : ch == R_MBPS ? RP_MBPS : RP_SPEED;
			if (ch == R_PPS) c->pps = v;
			else if (ch == R_MBPS) c->mbps = v;
			else c->speed = v;
			break;
		case R_TRUNC:
			if (!strcmp(optarg, "pad")) c->truncated = RT_PAD;
			else if (!strcmp(optarg, "skip")) c->truncated = RT_SKIP;
			else return fail(name, "is not pad or skip", optarg);
			break;
		case R_MAP:
			if (rewrite_add_ip(&c->rw, optarg, err, sizeof(err)) < 0) {
				fprintf(stderr, "wirelab-engine: --map: %s\n", err);
				return 2;
			}
			break;
		case R_MAPMAC:
			if (rewrite_add_mac(&c->rw, optarg, err, sizeof(err)) < 0) {
				fprintf(stderr, "wirelab-engine: --map-mac: %s\n", err);
				return 2;
			}
			break;
		case R_TTL:
			if (num(optarg, 0, 255, &v) || v != floor(v))
				return fail(name, "is not a TTL (0..255)", optarg);
			c->rw.ttl = (int)v;
			break;
		case R_PORT:
			if (num(optarg, 0, 65535, &v) || v != floor(v))
				return fail(name, "is not a port id", optarg);
			c->port_id = (uint16_t)v;
			break;
		case R_DUR:
			if (num(optarg, 0, 1e9, &v))
				return fail(name, "is not a duration in seconds", optarg);
			c->duration_s = v;
			break;
		case R_COUNT:
			if (num(optarg, 0, 1e18, &v) || v != floor(v))
				return fail(name, "is not a frame count", optarg);
			c->count = (uint64_t)v;
			break;
		case R_STATS:
			if (num(optarg, 0.01, 3600, &v))
				return fail(name, "is not a period in seconds (0.01..3600)", optarg);
			c->stats_interval_s = v;
			break;
		case R_BURST:
			if (num(optarg, 1, 256, &v) || v != floor(v))
				return fail(name, "is out of range (1..256)", optarg);
			c->tx_burst = (uint32_t)v;
			break;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "wirelab-engine: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (!c->pcap[0]) {
		fprintf(stderr, "wirelab-engine: --role replay needs --pcap FILE\n");
		return 2;
	}
	if (paces > 1) {
		fprintf(stderr, "wirelab-engine: --pps, --mbps and --speed exclude each other: give one\n");
		return 2;
	}
	return 0;
}

void replay_options_json(struct jbuf *j, const struct replay_cfg *c)
{
	char a[32], b[32];
	jb_obj_open(j);
	jb_kstr(j, "pcap", c->pcap);
	jb_ku64(j, "port_id", c->port_id);
	jb_ku64(j, "loops", c->loops);
	jb_kstr(j, "pace", replay_pace_names[c->pace]);
	if (c->pace == RP_PPS) jb_kdbl(j, "pps", c->pps, 3);
	if (c->pace == RP_MBPS) jb_kdbl(j, "mbps", c->mbps, 3);
	if (c->pace == RP_SPEED) jb_kdbl(j, "speed", c->speed, 6);
	jb_kstr(j, "truncated", c->truncated == RT_PAD ? "pad" : "skip");
	jb_kdbl(j, "duration", c->duration_s, 3);
	jb_ku64(j, "count", c->count);
	jb_key(j, "map");
	jb_obj_open(j);
	for (unsigned i = 0; i < c->rw.n_ip; i++) {
		fmt_ipv4(c->rw.ip_from[i], a, sizeof(a));
		fmt_ipv4(c->rw.ip_to[i], b, sizeof(b));
		jb_kstr(j, a, b);
	}
	jb_obj_close(j);
	jb_key(j, "map_mac");
	jb_obj_open(j);
	for (unsigned i = 0; i < c->rw.n_mac; i++) {
		fmt_mac(c->rw.mac_from[i], a, sizeof(a));
		fmt_mac(c->rw.mac_to[i], b, sizeof(b));
		jb_kstr(j, a, b);
	}
	jb_obj_close(j);
	if (c->rw.ttl >= 0)
		jb_ku64(j, "ttl", (uint64_t)c->rw.ttl);
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
