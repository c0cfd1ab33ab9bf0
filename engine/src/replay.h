/* --role replay: a capture preloaded into mbufs (rewritten once, at
 * load) and sent in a loop, at full speed or paced, from one lcore or
 * several (frame i from worker i mod N, each on its own tx queue). */
#ifndef WL_REPLAY_H
#define WL_REPLAY_H
#include <stdint.h>
#include <stddef.h>
#include "replay_opts.h"
#include "port.h"
#include "validate.h"

struct replay_frames {
	uint8_t *store;          /* frames back to back, rewritten and padded */
	size_t *off;
	uint32_t *len;
	uint32_t *file_no;       /* 1-based frame number in the file */
	size_t n;
	uint32_t max_len;
	uint64_t file_frames;
	uint64_t skipped_truncated, padded, skipped_short;
	struct rewrite_stats rw;
	struct pcap_file pf;     /* kept for the timestamps (--speed) */
	/* response validation */
	int validating;
	struct pcap_file expf;   /* --expect capture, rewritten in place */
	struct validator v;
	uint64_t split_expected; /* server-side frames held back by --expect-split */
};

/* Before EAL: read, check, rewrite. 0, or 1 after a one-line error. */
int replay_prepare(struct replay_cfg *c, struct replay_frames *fr);
/* After the port is up: preload and send. Returns the exit status. */
int replay_run(const struct replay_cfg *c, struct replay_frames *fr, const struct port_info *pi);
#endif
