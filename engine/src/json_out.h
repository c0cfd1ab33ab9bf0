/* Minimal JSON line writer into a fixed buffer (no allocation). Commas
 * are inserted automatically between members/elements. */
#ifndef WL_JSON_OUT_H
#define WL_JSON_OUT_H
#include <stddef.h>
#include <stdint.h>

struct jbuf {
	char buf[16384];
	size_t len;
	int need_comma;
	int overflow;
};
void jb_reset(struct jbuf *j);
void jb_obj_open(struct jbuf *j);          /* { */
void jb_obj_close(struct jbuf *j);         /* } */
void jb_arr_open(struct jbuf *j);
void jb_arr_close(struct jbuf *j);
void jb_key(struct jbuf *j, const char *k); /* "k": (next value follows) */
void jb_str(struct jbuf *j, const char *s);
void jb_u64(struct jbuf *j, uint64_t v);
void jb_i64(struct jbuf *j, int64_t v);
void jb_dbl(struct jbuf *j, double v, int decimals);
void jb_bool(struct jbuf *j, int v);
void jb_null(struct jbuf *j);
/* key + value shorthands */
void jb_kstr(struct jbuf *j, const char *k, const char *s);
void jb_ku64(struct jbuf *j, const char *k, uint64_t v);
void jb_kdbl(struct jbuf *j, const char *k, double v, int decimals);
void jb_kbool(struct jbuf *j, const char *k, int v);
void jb_knull(struct jbuf *j, const char *k);
/* Write buffer + '\n' to stdout and flush. */
void jb_emit(struct jbuf *j);
#endif
