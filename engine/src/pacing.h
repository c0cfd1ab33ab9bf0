/* Timing math for the modes, independent of the clock source: ticks are
 * TSC cycles in the engine and anything in the tests. */
#ifndef WL_PACING_H
#define WL_PACING_H
#include <stdint.h>

/* Seeded PRNG (splitmix64 seeding, xorshift64* stepping). */
struct wl_rng { uint64_t s; };
void rng_seed(struct wl_rng *r, uint64_t seed);
static inline uint64_t rng_next(struct wl_rng *r)
{
	uint64_t x = r->s;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	r->s = x;
	return x * 0x2545F4914F6CDD1Dull;
}
/* Uniform in [0, n) without division (Lemire's multiply-shift). */
static inline uint32_t rng_below(struct wl_rng *r, uint32_t n)
{
	return (uint32_t)(((rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

/* Deadline pacer: departure k is due at start + k * hz / pps, held in
 * 32.32 fixed point so there is no division per packet and no drift. */
struct pacer {
	uint64_t next_fp;   /* next deadline, ticks << 32 */
	uint64_t step_fp;   /* ticks per packet << 32 */
	uint64_t max_lag_fp;/* how far behind we may fall before skipping ahead */
};
/* pps > 0. max_lag_ticks bounds catch-up bursts after a stall. */
void pacer_init(struct pacer *p, uint64_t hz, double pps, uint64_t now, uint64_t max_lag_ticks);
/* Number of departures due at `now`, at most `max`; advances the schedule. */
static inline unsigned pacer_due(struct pacer *p, uint64_t now, unsigned max)
{
	uint64_t now_fp = now << 32;
	unsigned n = 0;
	if (now_fp > p->next_fp + p->max_lag_fp)
		p->next_fp = now_fp - p->max_lag_fp;
	while (n < max && p->next_fp <= now_fp) {
		p->next_fp += p->step_fp;
		n++;
	}
	return n;
}
/* Give back departures that could not be sent (the ring was full). */
static inline void pacer_unsend(struct pacer *p, unsigned n) { p->next_fp -= (uint64_t)n * p->step_fp; }
static inline uint64_t pacer_next_tick(const struct pacer *p) { return p->next_fp >> 32; }

/* Exponential backoff: the delay before retry `attempt` (0 = first send
 * waits initial), multiplied by factor each time, capped at max. */
uint64_t backoff_delay(uint64_t initial, double factor, uint64_t max, unsigned attempt);

/* Random mode: what a phase runs, drawn from the seed. */
struct phase_draw {
	int protocol;        /* enum wl_proto */
	int mode;            /* enum wl_mode (options.h) */
	double pps;          /* for rate */
	uint32_t burst_size; /* for burst */
	uint64_t burst_gap_us;
	uint64_t interval_us;/* for continuous */
};
/* Draw phase `index` from seed. fixed_protocol/fixed_mode: -1 = draw. */
void phase_draw(uint64_t seed, unsigned index, int fixed_protocol, int fixed_mode, struct phase_draw *d);
#endif
