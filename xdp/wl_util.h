/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Small helpers shared by wirelab-xdp and wirelab-sink. */
#ifndef WL_UTIL_H
#define WL_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "wirelab_xdp.h"

/* The tool's own name, for its one-line errors; each tool defines it. */
extern const char *const wl_prog_name;

/* "<tool>: <message> (see <tool> --help)" on stderr, then exit 2: bad command-line input. */
void __attribute__((noreturn, format(printf, 1, 2))) usage_error(const char *fmt, ...);
/* "<tool>: <message>" on stderr. */
void __attribute__((format(printf, 1, 2))) err(const char *fmt, ...);

extern const char *const wl_proto_names[WL_P_MAX];
extern const char *const wl_action_names[WL_A_MAX];

/* Seconds since the epoch (CLOCK_REALTIME) / a monotonic clock. */
double wl_now(void);
double wl_mono(void);

/* SHA-256 of a buffer / a file, as 64 lowercase hex chars + NUL. */
void wl_sha256_hex(const void *data, size_t len, char out[65]);
int wl_sha256_file(const char *path, char out[65]);

/* JSON string (quoted, escaped) to f. */
void wl_json_str(FILE *f, const char *s);

/* {"eth":{"packets":N,"bytes":N},...} from per-protocol counters. */
void wl_json_protocols(FILE *f, const struct wl_ctr ctr[WL_P_MAX]);

/* Parse a non-negative number of seconds; 0 on success. */
int wl_parse_secs(const char *s, double *out);
/* Parse an unsigned integer in [lo, hi]; 0 on success. */
int wl_parse_uint(const char *s, unsigned long lo, unsigned long hi, unsigned long *out);

/* Interface counters from /sys/class/net/DEV/statistics (this netns). */
struct wl_ifstats {
	int ok;
	uint64_t rx_packets, rx_bytes, rx_dropped, tx_packets, tx_bytes, tx_dropped;
};
void wl_read_ifstats(const char *dev, unsigned int ifindex, struct wl_ifstats *s);
void wl_json_ifstats(FILE *f, const struct wl_ifstats *s);

/* CPU times (seconds) of one CPU from /proc/stat; -1 if cpu < 0 (all). */
struct wl_cpustat {
	double user, nice, system, idle, iowait, irq, softirq;
};
int wl_read_cpustat(int cpu, struct wl_cpustat *s);

#endif
