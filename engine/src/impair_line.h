/* --role impair's delay line, apart from DPDK so it is unit-tested: the
 * per-frame decisions (loss, duplicate, corrupt, reorder with netem's gap,
 * delay + jitter from a distribution) and a bounded queue ordered by the
 * time each frame is due. Times are nanoseconds from any origin. */
#ifndef WL_IMPAIR_LINE_H
#define WL_IMPAIR_LINE_H
#include <stddef.h>
#include <stdint.h>

enum imp_dist { IMP_UNIFORM = 0, IMP_NORMAL };
extern const char *const imp_dist_names[];

/* One direction's settings. Probabilities in [0, 1]. */
struct imp_dir_cfg {
	uint64_t delay_ns;
	uint64_t jitter_ns;
	int dist;                /* enum imp_dist */
	double loss, duplicate, corrupt, reorder;
	uint32_t gap;            /* netem's reorder gap; 1 when reorder is given without it */
};

/* xorshift64*: small, seedable, good enough for per-frame coin flips. */
struct imp_rng {
	uint64_t s;
};
void imp_rng_seed(struct imp_rng *r, uint64_t seed);
uint64_t imp_rng_next(struct imp_rng *r);
/* [0, 1) */
double imp_rng_unit(struct imp_rng *r);
/* mean 0, standard deviation 1 (Box-Muller; one value per call) */
double imp_rng_normal(struct imp_rng *r);

/* The delay of one frame: delay plus jitter drawn from the distribution
 * (uniform: in [-jitter, +jitter], netem's own when it has no table;
 * normal: standard deviation jitter, cut at 4 of them as netem's table
 * is), never below 0 (a frame cannot leave before it came). */
uint64_t imp_sample_delay(const struct imp_dir_cfg *c, struct imp_rng *r);

/* netem's reordering: after a frame sent ahead, the next gap-1 frames
 * are delayed; from then on each is sent ahead (no delay) with
 * probability reorder. The state is the count since the last one. */
struct imp_reorder {
	uint32_t counter;
};
/* 1: send this frame now, ahead of the delayed ones. */
int imp_reorder_ahead(const struct imp_dir_cfg *c, struct imp_reorder *st, struct imp_rng *r);

/* What to do with one received frame. */
struct imp_verdict {
	int drop;                /* lost: nothing else applies */
	int copies;              /* 1, or 2 when duplicated */
	int corrupt;             /* flip a bit of the first copy */
	int ahead;               /* reordered: sent without delay */
	uint64_t delay_ns[2];    /* per copy; each copy draws its own */
};
/* netem's order: loss, then duplicate, corrupt, reorder, delay. */
void imp_decide(const struct imp_dir_cfg *c, struct imp_reorder *st, struct imp_rng *r, struct imp_verdict *v);

/* The bit a corrupted frame gets flipped: a byte at or after `from`
 * (the Ethernet header is kept so the frame still reaches its host);
 * for an empty frame a mask of 0 at 0. */
size_t imp_corrupt_byte(size_t len, size_t from, struct imp_rng *r, uint8_t *mask);

/* A min-heap on (due, arrival order): frames with the same due time leave
 * in the order they came. Bounded at cap entries. */
struct imp_entry {
	uint64_t due;
	uint64_t order;
	void *pkt;
};
struct imp_queue {
	struct imp_entry *e;
	size_t n, cap, max_seen;
	uint64_t next_order;
};
int imp_queue_init(struct imp_queue *q, size_t cap);
void imp_queue_free(struct imp_queue *q);
/* 0, or -1 when full (the caller drops the frame and counts it). */
int imp_queue_push(struct imp_queue *q, uint64_t due, void *pkt);
/* The earliest entry's due time, or UINT64_MAX when empty. */
static inline uint64_t imp_queue_next_due(const struct imp_queue *q)
{
	return q->n ? q->e[0].due : UINT64_MAX;
}
/* The earliest entry if due at `now` (its due <= now), else NULL. */
void *imp_queue_pop_due(struct imp_queue *q, uint64_t now);
/* Any entry (for freeing at the end), NULL when empty. */
void *imp_queue_pop_any(struct imp_queue *q);
#endif
