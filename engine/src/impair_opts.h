/* Arguments of --role impair (parsed apart from the generator's options,
 * like replay's): two ports and, per direction, the delay line's settings. */
#ifndef WL_IMPAIR_OPTS_H
#define WL_IMPAIR_OPTS_H
#include <stdint.h>
#include <stdio.h>
#include "impair_line.h"
#include "json_out.h"

#define IMP_SCOPE_BOTH 2

struct impair_cfg {
	uint16_t ports[2];
	unsigned n_ports;
	/* d[0]: frames received on port 0 (sent on port 1); d[1]: the reverse */
	struct imp_dir_cfg d[2];
	int scope;               /* while parsing: the direction --dir chose, or both */
	int reorder_given[2];
	uint32_t limit;          /* frames queued per direction */
	uint64_t seed;
	double poll_us;          /* longest idle sleep */
	uint32_t rt_priority;    /* SCHED_FIFO priority of the forwarding loop; 0: normal scheduling */
	double stats_interval_s;
	double duration_s;       /* 0: until stopped */
	uint32_t burst;
};

/* Is this argument list asking for --role impair? */
int impair_wanted(int argc, char **argv);
/* 0 ok, 1 --help printed, 2 one-line error printed. */
int impair_options_parse(struct impair_cfg *c, int argc, char **argv);
void impair_usage(FILE *f);
void impair_options_json(struct jbuf *j, const struct impair_cfg *c);
/* "10ms", "250us", "1s", "1.5" (ms): nanoseconds; -1 when not a time up to 60 s. */
int impair_parse_time(const char *s, uint64_t *ns);
/* "5%", "0.5", "30": a probability in [0, 1]; -1 when not a percentage. */
int impair_parse_percent(const char *s, double *p);
#endif
