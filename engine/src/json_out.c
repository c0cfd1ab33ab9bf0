#include "json_out.h"
#include <stdio.h>
#include <string.h>
#include <math.h>
#include <inttypes.h>

static void put(struct jbuf *j, const char *s, size_t n)
{
	if (j->len + n + 2 > sizeof(j->buf)) {
		j->overflow = 1;
		return;
	}
	memcpy(j->buf + j->len, s, n);
	j->len += n;
}
static void puts_(struct jbuf *j, const char *s) { put(j, s, strlen(s)); }
static void sep(struct jbuf *j)
{
	if (j->need_comma)
		put(j, ",", 1);
	j->need_comma = 1;
}

void jb_reset(struct jbuf *j) { j->len = 0; j->need_comma = 0; j->overflow = 0; }
void jb_obj_open(struct jbuf *j) { sep(j); put(j, "{", 1); j->need_comma = 0; }
void jb_obj_close(struct jbuf *j) { put(j, "}", 1); j->need_comma = 1; }
void jb_arr_open(struct jbuf *j) { sep(j); put(j, "[", 1); j->need_comma = 0; }
void jb_arr_close(struct jbuf *j) { put(j, "]", 1); j->need_comma = 1; }

static void str_raw(struct jbuf *j, const char *s)
{
	put(j, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char tmp[8];
		if (c == '"' || c == '\\') {
			tmp[0] = '\\';
			tmp[1] = (char)c;
			put(j, tmp, 2);
		} else if (c < 0x20 || c == 0x7f) {
			snprintf(tmp, sizeof(tmp), "\\u%04x", c);
			puts_(j, tmp);
		} else {
			put(j, (const char *)&c, 1);
		}
	}
	put(j, "\"", 1);
}

void jb_key(struct jbuf *j, const char *k)
{
	sep(j);
	str_raw(j, k);
	put(j, ":", 1);
	j->need_comma = 0;
}
void jb_str(struct jbuf *j, const char *s) { sep(j); str_raw(j, s); }
void jb_u64(struct jbuf *j, uint64_t v)
{
	char t[32];
	sep(j);
	snprintf(t, sizeof(t), "%" PRIu64, v);
	puts_(j, t);
}
void jb_i64(struct jbuf *j, int64_t v)
{
	char t[32];
	sep(j);
	snprintf(t, sizeof(t), "%" PRId64, v);
	puts_(j, t);
}
void jb_dbl(struct jbuf *j, double v, int decimals)
{
	char t[64];
	sep(j);
	if (!isfinite(v)) {
		puts_(j, "null");
		return;
	}
	snprintf(t, sizeof(t), "%.*f", decimals, v);
	puts_(j, t);
}
void jb_bool(struct jbuf *j, int v) { sep(j); puts_(j, v ? "true" : "false"); }
void jb_null(struct jbuf *j) { sep(j); puts_(j, "null"); }
void jb_kstr(struct jbuf *j, const char *k, const char *s) { jb_key(j, k); jb_str(j, s); }
void jb_ku64(struct jbuf *j, const char *k, uint64_t v) { jb_key(j, k); jb_u64(j, v); }
void jb_kdbl(struct jbuf *j, const char *k, double v, int d) { jb_key(j, k); jb_dbl(j, v, d); }
void jb_kbool(struct jbuf *j, const char *k, int v) { jb_key(j, k); jb_bool(j, v); }
void jb_knull(struct jbuf *j, const char *k) { jb_key(j, k); jb_null(j); }

void jb_emit(struct jbuf *j)
{
	if (j->overflow) {
		fprintf(stderr, "wirelab-engine: internal: JSON line too long, dropped\n");
		return;
	}
	j->buf[j->len++] = '\n';
	fwrite(j->buf, 1, j->len, stdout);
	fflush(stdout);
	j->len--;
}
