/* Arguments of --role replay (parsed apart from the generator's options,
 * which do not apply), and the replay schedule math. No DPDK. */
#ifndef WL_REPLAY_OPTS_H
#define WL_REPLAY_OPTS_H
#include <stdint.h>
#include <stdio.h>
#include "rewrite.h"
#include "json_out.h"
#include "pcap_reader.h"
#include "validate.h"

enum replay_pace { RP_TOP = 0, RP_PPS, RP_MBPS, RP_SPEED };
enum replay_trunc { RT_PAD = 0, RT_SKIP };
extern const char *const replay_pace_names[];

struct replay_cfg {
	char pcap[1024];
	uint16_t port_id;
	uint64_t loops;          /* 0: until stopped */
	int pace;
	unsigned paces;          /* pacing options given (one allowed) */
	double pps, mbps, speed;
	int truncated;           /* enum replay_trunc */
	double duration_s;       /* 0: no limit */
	uint64_t count;          /* frames; 0: no limit */
	double stats_interval_s;
	uint32_t tx_burst;
	unsigned workers;        /* lcores sending, frame i on worker i mod workers */
	struct rewrite_cfg rw;
	/* response validation (validate.h) */
	char expect[1024];       /* expected-answers capture */
	int expect_split;        /* the capture's server side is expected, not sent */
	unsigned expect_rules;   /* enum vrule mask */
	unsigned expect_fields;  /* enum vfield mask */
	double expect_wait_s;    /* after the last frame, for the last answers */
	uint64_t expect_max;
	/* automatic mapping: the capture's first IPv4 client and server */
	uint32_t client_ip, server_ip;
	uint8_t client_mac[6], server_mac[6];
	int has_client_mac, has_server_mac;
};

/* Is anything to be validated? */
int replay_validates(const struct replay_cfg *c);

/* Is this argument list asking for --role replay? */
int replay_wanted(int argc, char **argv);
/* 0 ok, 1 --help printed, 2 one-line error printed. */
int replay_options_parse(struct replay_cfg *c, int argc, char **argv);
void replay_usage(FILE *f);
void replay_options_json(struct jbuf *j, const struct replay_cfg *c);

/* Departure gaps (TSC ticks in 48.16 fixed point) after each of n frames
 * for --mbps or --speed; the gap after the last frame leads into the next
 * loop. Returns NULL (no schedule) for top speed and --pps. */
uint64_t *replay_gaps(const struct replay_cfg *c, const struct pcap_rec *recs, const uint32_t *lens,
		      size_t n, uint64_t hz);

/* Several workers: frame i of the file goes to worker i mod nw. */
/* Frames of n that worker w sends per loop. */
size_t replay_worker_frames(size_t n, unsigned w, unsigned nw);
/* Worker w's part of a limit counted in the global send order (frame
 * index i of loop L is departure L*n+i), so the parts sum to limit. */
uint64_t replay_worker_limit(uint64_t limit, size_t n, unsigned w, unsigned nw);
/* Worker w's own gaps (same units as replay_gaps): the sum of the global
 * gaps from each of its frames to its next one, wrapping into the next
 * loop, so each frame leaves when the single-worker schedule sends it.
 * *first: the global time of its first frame. NULL without gaps or frames. */
uint64_t *replay_worker_gaps(const uint64_t *gaps, size_t n, unsigned w, unsigned nw, uint64_t *first);
#endif
