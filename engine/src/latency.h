/* The receiving side of --stamp: one-way latency in a bounded
 * log-linear histogram, and per-stream sequence tracking (loss,
 * reordering, duplicates) over a bounded window bitmap. */
#ifndef WL_LATENCY_H
#define WL_LATENCY_H
#include <stdint.h>
#include "hist.h"
#include "json_out.h"

/* Latency figures, copied with the rest of a worker's counters. */
struct lat_stats {
	struct rtt_hist h;         /* ns; p50..p999 from its buckets (~3%), max exact */
	uint64_t min_ns;           /* exact; meaningful when h.count */
	uint64_t negative;         /* arrivals stamped later than they arrived (clock misuse): not in h */
};

/* Sequence figures summed over streams. */
struct seq_sums {
	uint64_t received;         /* distinct sequence numbers seen */
	uint64_t expected;         /* highest seen + 1, summed over streams */
	uint64_t reordered;        /* arrived after a higher number of their stream */
	uint64_t duplicates;       /* a number already seen (within the window) */
	uint64_t untracked;        /* stamped frames of streams beyond SEQ_STREAMS */
};

/* Sequence numbers behind the highest one seen that are still told
 * apart (late vs duplicate); older arrivals count as reordered. */
#define SEQ_WINDOW 8192
#define SEQ_STREAMS 64

struct seq_stream {
	uint16_t id;
	uint8_t used;
	uint32_t next;             /* highest seen + 1 */
	uint64_t seen[SEQ_WINDOW / 64]; /* bit (seq % SEQ_WINDOW): seen, for seqs in [next - WINDOW, next) */
};

struct seq_track {
	struct seq_stream s[SEQ_STREAMS];
	unsigned n;
};

void lat_init(struct lat_stats *l);
static inline void lat_add(struct lat_stats *l, int64_t ns)
{
	if (ns < 0) {
		l->negative++;
		return;
	}
	if ((uint64_t)ns < l->min_ns)
		l->min_ns = (uint64_t)ns;
	rtt_add(&l->h, (uint64_t)ns);
}

/* d += s (several workers' figures into one line). */
void lat_merge(struct lat_stats *d, const struct lat_stats *s);
void seq_sums_add(struct seq_sums *d, const struct seq_sums *s);

void seq_init(struct seq_track *t);
/* One stamped arrival; updates *sums. */
void seq_add(struct seq_track *t, struct seq_sums *sums, uint16_t stream, uint32_t seq);

/* Several workers track on their own: a stream whose frames reached more
 * than one worker's queue (a path that spreads one sender's flows over the
 * receiver's queues) counts its numbers up to each worker's highest in
 * each worker's `expected`. What the summed `expected` holds beyond the
 * highest over all of them, to subtract from it. Reordering and duplicates
 * across two workers' shares of a stream are not seen. */
uint64_t seq_split_excess(const struct seq_track *const *t, unsigned n);

/* Frames lost: gaps below the highest number seen; `sent` (stamped
 * frames that left this engine, or 0 when unknown) also counts the tail
 * that never arrived, which only the summary, after the linger, may use. */
uint64_t seq_lost(const struct seq_sums *s, uint64_t sent);

/* "latency": {...} and "sequence": {...} of a stats/summary line. */
void lat_render(struct jbuf *j, const struct lat_stats *l, const struct seq_sums *s, uint64_t sent);
#endif
