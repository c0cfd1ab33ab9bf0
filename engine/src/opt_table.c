#include "opt_table.h"
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define WL_OPT_MAX 96
#define HELP_COL 28

int wl_opt_fail(const char *opt, const char *fmt, const char *val)
{
	fprintf(stderr, "wirelab-engine: --%s: ", opt);
	fprintf(stderr, fmt, val);
	fputc('\n', stderr);
	return 2;
}

int wl_parse_u64(const char *s, uint64_t *out)
{
	char *e;
	if (!*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	unsigned long long v = strtoull(s, &e, 0);
	if (errno || *e)
		return -1;
	*out = v;
	return 0;
}

int wl_parse_dbl(const char *s, double *out)
{
	char *e;
	if (!*s)
		return -1;
	errno = 0;
	double v = strtod(s, &e);
	if (errno || *e || !isfinite(v))
		return -1;
	*out = v;
	return 0;
}

int wl_opt_num(const char *name, const char *arg, uint64_t lo, uint64_t hi, uint64_t *out)
{
	uint64_t v;
	if (wl_parse_u64(arg, &v) < 0)
		return wl_opt_fail(name, "'%s' is not a non-negative integer", arg);
	if (v < lo || v > hi) {
		char m[96];
		snprintf(m, sizeof(m), "'%%s' is out of range (%llu..%llu)", (unsigned long long)lo,
			 (unsigned long long)hi);
		return wl_opt_fail(name, m, arg);
	}
	*out = v;
	return 0;
}

static void store_uint(void *field, unsigned size, uint64_t v)
{
	switch (size) {
	case 1: *(uint8_t *)field = (uint8_t)v; break;
	case 2: *(uint16_t *)field = (uint16_t)v; break;
	case 4: *(uint32_t *)field = (uint32_t)v; break;
	default: *(uint64_t *)field = v; break;
	}
}

static uint64_t load_uint(const void *field, unsigned size)
{
	switch (size) {
	case 1: return *(const uint8_t *)field;
	case 2: return *(const uint16_t *)field;
	case 4: return *(const uint32_t *)field;
	default: return *(const uint64_t *)field;
	}
}

/* "'%s' is not one of a, b, c" from an ENUM row's names */
static int enum_fail(const struct wl_optdef *o, const char *arg)
{
	char m[256];
	size_t n = (size_t)snprintf(m, sizeof(m), "'%%s' is not one of ");
	for (unsigned i = 0; i < o->n_names && n < sizeof(m); i++)
		n += (size_t)snprintf(m + n, sizeof(m) - n, "%s%s", i ? ", " : "", o->names[i]);
	return wl_opt_fail(o->name, m, arg);
}

static int apply(const struct wl_optdef *o, void *cfg, const char *arg)
{
	void *field = (uint8_t *)cfg + o->off;
	switch (o->kind) {
	case WL_OK_FLAG:
		*(int *)field = 1;
		return 0;
	case WL_OK_CLEAR:
		*(int *)field = 0;
		return 0;
	case WL_OK_UINT: {
		uint64_t v;
		if (wl_opt_num(o->name, arg, o->lo, o->hi, &v))
			return 2;
		store_uint(field, o->size, v);
		break;
	}
	case WL_OK_DBL: {
		double v;
		if (wl_parse_dbl(arg, &v) < 0 || v < o->dlo || (o->lo_open && v == o->dlo) || v > o->dhi)
			return wl_opt_fail(o->name, o->err, arg);
		*(double *)field = v;
		break;
	}
	case WL_OK_ENUM: {
		unsigned i;
		for (i = 0; i < o->n_names && strcmp(arg, o->names[i]); i++)
			;
		if (i == o->n_names)
			return enum_fail(o, arg);
		*(int *)field = (int)i;
		break;
	}
	case WL_OK_WHOLE: {
		double v;
		if (wl_parse_dbl(arg, &v) < 0 || v < o->dlo || v > o->dhi || v != floor(v))
			return wl_opt_fail(o->name, o->err, arg);
		store_uint(field, o->size, (uint64_t)v);
		break;
	}
	case WL_OK_STR:
		if (!*arg || strlen(arg) >= o->size)
			return wl_opt_fail(o->name, o->err, arg);
		strcpy((char *)field, arg);
		return 0;
	case WL_OK_FUNC:
		return o->set(cfg, o, arg);
	default:
		return 2;
	}
	return o->set ? o->set(cfg, o, arg) : 0;
}

static void apply_defaults(const struct wl_optset *s, void *cfg)
{
	for (unsigned i = 0; i < s->n; i++) {
		const struct wl_optdef *o = &s->opts[i];
		if (o->kind == WL_OK_FLAG || o->kind == WL_OK_CLEAR)
			*(int *)((uint8_t *)cfg + o->off) = o->kind == WL_OK_CLEAR;
		else if (o->def)
			apply(o, cfg, o->def);
	}
}

static int say(const char *fmt, const char *arg)
{
	fputs("wirelab-engine: ", stderr);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	return 2;
}

int wl_opt_parse(const struct wl_optset *s, void *cfg, int argc, char **argv)
{
	static struct option lo[WL_OPT_MAX + 2];
	unsigned n = s->n < WL_OPT_MAX ? s->n : WL_OPT_MAX;
	for (unsigned i = 0; i < n; i++)
		lo[i] = (struct option){ s->opts[i].name, s->opts[i].arg ? required_argument : no_argument, NULL,
					 256 + (int)i };
	lo[n] = (struct option){ "help", no_argument, NULL, 'h' };
	lo[n + 1] = (struct option){ NULL, 0, NULL, 0 };
	apply_defaults(s, cfg);

	/* 0, not 1: glibc then starts afresh, where 1 would go on inside a
	 * previous parse's cluster of short options ("-hh" stops after one h)
	 * through a pointer into that parse's argv */
	optind = 0;
	opterr = 0;
	int ch;
	while ((ch = getopt_long(argc, argv, ":h", lo, NULL)) != -1) {
		if (ch == 'h')
			return 1;
		if (ch == ':')
			return say(s->needs_value ? s->needs_value : "%s: needs a value (see --help)", argv[optind - 1]);
		if (ch < 256 || ch >= 256 + (int)n)
			return say(s->unknown ? s->unknown : "%s: unknown option (see --help)", argv[optind - 1]);
		int rc = apply(&s->opts[ch - 256], cfg, optarg);
		if (rc)
			return rc;
	}
	if (optind < argc)
		return say(s->extra ? s->extra : "'%s': unexpected argument (see --help)", argv[optind]);
	return 0;
}

void wl_opt_help(const struct wl_optset *s, FILE *f)
{
	for (unsigned g = 0; g < s->n_groups; g++) {
		fprintf(f, "%s:\n", s->groups[g]);
		for (unsigned i = 0; i < s->n; i++) {
			const struct wl_optdef *o = &s->opts[i];
			if (!o->group || strcmp(o->group, s->groups[g]) || !o->help)
				continue;
			char head[96];
			int hl = snprintf(head, sizeof(head), "  --%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
			fputs(head, f);
			const char *line = o->help;
			int first = 1;
			const char *d = o->def_text ? o->def_text : o->def;
			while (*line) {
				const char *nl = strchr(line, '\n');
				int len = nl ? (int)(nl - line) : (int)strlen(line);
				int pad = first ? HELP_COL - hl : HELP_COL;
				if (first && pad < 1) {
					fputc('\n', f);
					pad = HELP_COL;
				}
				fprintf(f, "%*s%.*s", pad, "", len, line);
				if (!nl && d) {
					/* the default on its own line when it would pass column 80 */
					if (HELP_COL + len + (int)strlen(d) + 3 > 80)
						fprintf(f, "\n%*s", HELP_COL - 1, "");
					fprintf(f, " [%s]", d);
				}
				fputc('\n', f);
				first = 0;
				line = nl ? nl + 1 : line + len;
			}
		}
	}
}

void wl_opt_json(const struct wl_optset *s, struct jbuf *j, const void *cfg)
{
	for (unsigned i = 0; i < s->n; i++) {
		const struct wl_optdef *o = &s->opts[i];
		const void *field = (const uint8_t *)cfg + o->off;
		if (o->json) {
			o->json(j, cfg);
			continue;
		}
		if (!o->key)
			continue;
		switch (o->kind) {
		case WL_OK_FLAG:
		case WL_OK_CLEAR:
			jb_kbool(j, o->key, *(const int *)field);
			break;
		case WL_OK_UINT:
		case WL_OK_WHOLE:
			jb_ku64(j, o->key, load_uint(field, o->size));
			break;
		case WL_OK_DBL:
			jb_kdbl(j, o->key, *(const double *)field, 3);
			break;
		case WL_OK_ENUM:
			jb_kstr(j, o->key, o->names[*(const int *)field]);
			break;
		case WL_OK_STR:
			if (*(const char *)field)
				jb_kstr(j, o->key, (const char *)field);
			else
				jb_knull(j, o->key);
			break;
		default:
			break;
		}
	}
}
