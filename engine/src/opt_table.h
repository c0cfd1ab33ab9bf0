/* Option tables: one row per command-line option (name, argument kind,
 * the config field it writes or a setter, limits, default, help text,
 * group, JSON key) drives parsing, --help and the configuration echo, so
 * adding an option is adding a row. Plain C over a config struct. */
#ifndef WL_OPT_TABLE_H
#define WL_OPT_TABLE_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "json_out.h"

enum wl_optk {
	WL_OK_FLAG,   /* no value: int field set to 1 (0 before parsing) */
	WL_OK_CLEAR,  /* no value: int field set to 0 (1 before parsing) */
	WL_OK_UINT,   /* unsigned integer of `size` bytes in [lo, hi] */
	WL_OK_DBL,    /* double in [dlo, dhi] (lo_open: dlo excluded); `err` words a bad one */
	WL_OK_ENUM,   /* int field: index of the value in names[] */
	WL_OK_STR,    /* char[size], non-empty; `err` words a bad one */
	WL_OK_WHOLE,  /* a number in [dlo, dhi] with no fraction ("1e3" too) into an unsigned field of `size` */
	WL_OK_FUNC,   /* set() does it all */
};

struct wl_optdef;
typedef int (*wl_opt_set_fn)(void *cfg, const struct wl_optdef *o, const char *arg);
typedef void (*wl_opt_json_fn)(struct jbuf *j, const void *cfg);

struct wl_optdef {
	const char *name;        /* long option without "--" */
	const char *arg;         /* metavar in --help; NULL: takes no value */
	uint8_t kind;            /* enum wl_optk */
	uint16_t size;           /* UINT/STR: field size in bytes */
	uint8_t lo_open;
	uint16_t off;            /* field offset in the config struct */
	uint64_t lo, hi;
	double dlo, dhi;
	const char *const *names; /* ENUM */
	unsigned n_names;
	const char *err;         /* DBL/STR: "'%s' must be ..." */
	wl_opt_set_fn set;       /* FUNC: the setter; UINT/ENUM/DBL: a further check after storing */
	const char *def;         /* value applied before parsing (through the same path), shown as [def] */
	const char *def_text;    /* default shown in --help when it is not a plain value */
	const char *key;         /* JSON key in the configuration echo; NULL: none or json() */
	wl_opt_json_fn json;     /* writes its own key(s) */
	const char *group;       /* --help section */
	const char *help;        /* lines separated by '\n' */
};

struct wl_optset {
	const struct wl_optdef *opts;
	unsigned n;
	const char *const *groups; /* --help section order */
	unsigned n_groups;
	/* wording of the generic errors ("%s": the argument); NULL: the engine's */
	const char *unknown, *needs_value, *extra;
};

/* One-line error "wirelab-engine: --<opt>: " + fmt with val; returns 2. */
int wl_opt_fail(const char *opt, const char *fmt, const char *val);
/* Defaults, then argv. 0 ok, 1 --help (printed by the caller: returns
 * 1 before anything else), 2 after a one-line error on stderr. */
int wl_opt_parse(const struct wl_optset *s, void *cfg, int argc, char **argv);
/* "  --name ARG   help [default]" lines, section by section. */
void wl_opt_help(const struct wl_optset *s, FILE *f);
/* The key/value pairs of every row with a key or json() (inside an open object). */
void wl_opt_json(const struct wl_optset *s, struct jbuf *j, const void *cfg);
/* Strict number parsers shared by setters. */
int wl_parse_u64(const char *s, uint64_t *out);
int wl_parse_dbl(const char *s, double *out);
/* UINT range check with the table's wording; 0 or 2. */
int wl_opt_num(const char *name, const char *arg, uint64_t lo, uint64_t hi, uint64_t *out);
#endif
