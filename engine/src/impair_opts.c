#include "impair_opts.h"
#include "opt_table.h"
#include "ports.h"
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

int impair_wanted(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--role=impair"))
			return 1;
		if (!strcmp(argv[i], "--role") && i + 1 < argc && !strcmp(argv[i + 1], "impair"))
			return 1;
	}
	return 0;
}

#define ICFG(p) ((struct impair_cfg *)(p))
#define ICCFG(p) ((const struct impair_cfg *)(p))

static int fail(const char *opt, const char *why, const char *val)
{
	fprintf(stderr, "wirelab-engine: --%s: '%s' %s\n", opt, val, why);
	return 2;
}

int impair_parse_time(const char *s, uint64_t *ns)
{
	static const struct { const char *unit; double ns; } units[] = { { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 } };
	char *e;
	double v, f = 1e6; /* a bare number is milliseconds, as in the lab file */
	if (!*s || *s == '-' || *s == '+')
		return -1;
	v = strtod(s, &e);
	if (e == s || !isfinite(v) || v < 0)
		return -1;
	if (*e) {
		unsigned i;
		for (i = 0; i < sizeof(units) / sizeof(units[0]) && strcmp(e, units[i].unit); i++)
			;
		if (i == sizeof(units) / sizeof(units[0]))
			return -1;
		f = units[i].ns;
	}
	v *= f;
	if (v > 60e9)
		return -1;
	*ns = (uint64_t)llround(v);
	return 0;
}

int impair_parse_percent(const char *s, double *p)
{
	char *e;
	if (!*s || *s == '-' || *s == '+')
		return -1;
	double v = strtod(s, &e);
	if (e == s || !isfinite(v) || v < 0 || v > 100 || (*e && strcmp(e, "%")))
		return -1;
	*p = v / 100.0;
	return 0;
}

static int set_role(void *cfg, const struct wl_optdef *o, const char *arg)
{
	(void)cfg;
	return strcmp(arg, "impair") ? fail(o->name, "is not impair", arg) : 0;
}

static int set_port(void *cfg, const struct wl_optdef *o, const char *arg)
{
	struct impair_cfg *c = cfg;
	if (c->n_ports == 2)
		return fail(o->name, "is a third port: impair forwards between two (--port A --port B)", arg);
	return ports_add(c->ports, &c->n_ports, arg) ? 2 : 0;
}

static int set_dir(void *cfg, const struct wl_optdef *o, const char *arg)
{
	struct impair_cfg *c = cfg;
	if (!strcmp(arg, "0") || !strcmp(arg, "1"))
		c->scope = arg[0] - '0';
	else if (!strcmp(arg, "both"))
		c->scope = IMP_SCOPE_BOTH;
	else
		return fail(o->name, "is not 0, 1 or both", arg);
	return 0;
}

/* The directions the option applies to, from the last --dir. */
#define FOR_SCOPE(c, i) for (int i = (c)->scope == 1 ? 1 : 0; i <= ((c)->scope == 0 ? 0 : 1); i++)

static int set_time(void *cfg, const struct wl_optdef *o, const char *arg)
{
	struct impair_cfg *c = cfg;
	uint64_t ns;
	if (impair_parse_time(arg, &ns) < 0)
		return fail(o->name, "is not a time up to 60s (like 10ms, 250us, 1s, or a number of ms)", arg);
	FOR_SCOPE(c, i)
	{
		if (o->name[0] == 'd')
			c->d[i].delay_ns = ns;
		else
			c->d[i].jitter_ns = ns;
	}
	return 0;
}

static int set_dist(void *cfg, const struct wl_optdef *o, const char *arg)
{
	struct impair_cfg *c = cfg;
	int d;
	if (!strcmp(arg, "uniform"))
		d = IMP_UNIFORM;
	else if (!strcmp(arg, "normal"))
		d = IMP_NORMAL;
	else
		return fail(o->name, "is not uniform or normal", arg);
	FOR_SCOPE(c, i)
	c->d[i].dist = d;
	return 0;
}

static int set_percent(void *cfg, const struct wl_optdef *o, const char *arg)
{
	struct impair_cfg *c = cfg;
	double p;
	if (impair_parse_percent(arg, &p) < 0)
		return fail(o->name, "is not a percentage (0..100, like 5% or 0.5)", arg);
	FOR_SCOPE(c, i)
	{
		switch (o->name[0]) {
		case 'l': c->d[i].loss = p; break;
		case 'd': c->d[i].duplicate = p; break;
		case 'c': c->d[i].corrupt = p; break;
		default: c->d[i].reorder = p; c->reorder_given[i] = 1; break;
		}
	}
	return 0;
}

static int set_gap(void *cfg, const struct wl_optdef *o, const char *arg)
{
	struct impair_cfg *c = cfg;
	uint64_t v;
	if (wl_opt_num(o->name, arg, 1, 1000000, &v))
		return 2;
	FOR_SCOPE(c, i)
	c->d[i].gap = (uint32_t)v;
	return 0;
}

static void json_ports(struct jbuf *j, const void *cfg)
{
	const struct impair_cfg *c = cfg;
	jb_key(j, "ports");
	jb_arr_open(j);
	for (unsigned i = 0; i < c->n_ports; i++)
		jb_u64(j, c->ports[i]);
	jb_arr_close(j);
}

static void json_dirs(struct jbuf *j, const void *cfg)
{
	const struct impair_cfg *c = cfg;
	jb_key(j, "directions");
	jb_arr_open(j);
	for (int i = 0; i < 2; i++) {
		const struct imp_dir_cfg *d = &c->d[i];
		jb_obj_open(j);
		jb_ku64(j, "from_port", (uint64_t)i);
		jb_ku64(j, "to_port", (uint64_t)(1 - i));
		jb_kdbl(j, "delay_ms", (double)d->delay_ns / 1e6, 6);
		jb_kdbl(j, "jitter_ms", (double)d->jitter_ns / 1e6, 6);
		jb_kstr(j, "distribution", imp_dist_names[d->dist]);
		jb_kdbl(j, "loss", d->loss * 100, 4);
		jb_kdbl(j, "duplicate", d->duplicate * 100, 4);
		jb_kdbl(j, "corrupt", d->corrupt * 100, 4);
		jb_kdbl(j, "reorder", d->reorder * 100, 4);
		jb_ku64(j, "gap", d->gap);
		jb_obj_close(j);
	}
	jb_arr_close(j);
}

#define F(field) .off = offsetof(struct impair_cfg, field), .size = sizeof(((struct impair_cfg *)0)->field)
#define WHOLE(field, l, h, e) .kind = WL_OK_WHOLE, F(field), .dlo = (l), .dhi = (h), .err = (e)
#define FUNC(fn) .kind = WL_OK_FUNC, .set = (fn)

static const char G_WIRE[] = "Impair (--role impair): forward between two ports through a delay line";
static const char G_IMP[] = "Impairments (for the directions of the last --dir; both before any)";
static const char *const groups[] = { G_WIRE, G_IMP };

/* Row order is the order of the keys in the start line's "config". */
static const struct wl_optdef impair_opts[] = {
	{ .name = "role", .arg = "impair", FUNC(set_role), .group = G_WIRE, .help = "this mode" },
	{ .name = "port", .arg = "N", FUNC(set_port), .json = json_ports, .group = G_WIRE,
	  .help = "DPDK port, given twice: frames from the first go\nout of the second and back" },
	{ .name = "dir", .arg = "0|1|both", FUNC(set_dir), .json = json_dirs, .group = G_IMP,
	  .help = "the options after it apply to frames received on\nport 0, port 1, or both" },
	{ .name = "delay", .arg = "T", FUNC(set_time), .group = G_IMP,
	  .help = "hold each frame T (10ms, 250us, 1s; a bare number\nis ms)" },
	{ .name = "jitter", .arg = "T", FUNC(set_time), .group = G_IMP,
	  .help = "vary the delay by T (uniform: +-T; normal: sd T);\nframes leave in due order, so jitter reorders" },
	{ .name = "distribution", .arg = "D", FUNC(set_dist), .group = G_IMP, .def_text = "uniform",
	  .help = "of the jitter: uniform or normal" },
	{ .name = "reorder", .arg = "P%", FUNC(set_percent), .group = G_IMP,
	  .help = "send P% of the frames at once, ahead of the delayed\nones (netem's reorder; needs --delay)" },
	{ .name = "gap", .arg = "N", FUNC(set_gap), .group = G_IMP, .def_text = "1",
	  .help = "netem's gap: after a frame sent ahead, the next N-1\nare delayed whatever --reorder" },
	{ .name = "loss", .arg = "P%", FUNC(set_percent), .group = G_IMP, .help = "drop P% of the frames" },
	{ .name = "duplicate", .arg = "P%", FUNC(set_percent), .group = G_IMP,
	  .help = "send P% twice (the copy delayed on its own)" },
	{ .name = "corrupt", .arg = "P%", FUNC(set_percent), .group = G_IMP,
	  .help = "flip a random bit after the Ethernet header in P%" },
	{ .name = "limit", .arg = "N", WHOLE(limit, 1, 1 << 20, "'%s' is out of range (1..1048576)"), .def = "10000",
	  .key = "limit", .group = G_WIRE, .help = "frames held per direction; more are dropped\n(counted as overflow)" },
	{ .name = "seed", .arg = "N", WHOLE(seed, 0, 1e18, "'%s' is not a seed (0..1e18)"), .def = "1", .key = "seed",
	  .group = G_WIRE, .help = "random seed (the same seed, the same choices)" },
	{ .name = "poll-us", .arg = "US", .kind = WL_OK_DBL, F(poll_us), .dlo = 0, .dhi = 100000,
	  .err = "'%s' is not a time in microseconds (0..100000)", .def = "50", .key = "poll_us", .group = G_WIRE,
	  .help = "between polls, unless the last rx burst was full or a\n"
		  "frame is due sooner, sleep up to US: a frame arriving\n"
		  "meanwhile waits up to US more (0: busy-poll a core)" },
	{ .name = "rt-priority", .arg = "N", WHOLE(rt_priority, 0, 99, "'%s' is out of range (0..99)"), .def = "0",
	  .key = "rt_priority", .group = G_WIRE,
	  .help = "run the loop SCHED_FIFO at N: a sleeping wire wakes when\n"
		  "due even on a loaded machine (it sleeps between polls,\n"
		  "so it never holds a CPU); 0: normal scheduling" },
	{ .name = "burst", .arg = "N", WHOLE(burst, 1, 256, "'%s' is out of range (1..256)"), .def = "32",
	  .group = G_WIRE, .help = "frames per rx/tx burst" },
	{ .name = "stats-interval", .arg = "SEC", .kind = WL_OK_DBL, F(stats_interval_s), .dlo = 0.01, .dhi = 3600,
	  .err = "'%s' is not a period in seconds (0.01..3600)", .def = "1", .group = G_WIRE,
	  .help = "period of the stats lines" },
	{ .name = "duration", .arg = "SEC", .kind = WL_OK_DBL, F(duration_s), .dhi = 1e9,
	  .err = "'%s' is not a duration in seconds", .def = "0", .key = "duration", .group = G_WIRE,
	  .help = "stop after SEC seconds (0 = when stopped)" },
};

static const struct wl_optset impair_optset = {
	.opts = impair_opts,
	.n = sizeof(impair_opts) / sizeof(impair_opts[0]),
	.groups = groups,
	.n_groups = 2,
	.unknown = "%s is not an impair option (see --role impair --help)",
	.needs_value = "%s needs a value",
	.extra = "unexpected argument '%s'",
};

void impair_usage(FILE *f)
{
	wl_opt_help(&impair_optset, f);
}

int impair_options_parse(struct impair_cfg *c, int argc, char **argv)
{
	memset(c, 0, sizeof(*c));
	c->scope = IMP_SCOPE_BOTH;
	int rc = wl_opt_parse(&impair_optset, c, argc, argv);
	if (rc == 1)
		impair_usage(stdout);
	if (rc)
		return rc;
	if (c->n_ports != 2) {
		fprintf(stderr, "wirelab-engine: --role impair needs two ports (--port A --port B), got %u\n", c->n_ports);
		return 2;
	}
	for (int i = 0; i < 2; i++) {
		if (c->reorder_given[i] && c->d[i].reorder > 0 && !c->d[i].delay_ns) {
			fprintf(stderr, "wirelab-engine: --reorder on frames from port %d needs --delay: frames are sent ahead of delayed ones\n", i);
			return 2;
		}
		if (!c->d[i].gap)
			c->d[i].gap = 1;
	}
	return 0;
}

void impair_options_json(struct jbuf *j, const struct impair_cfg *c)
{
	jb_obj_open(j);
	wl_opt_json(&impair_optset, j, c);
	jb_obj_close(j);
}
