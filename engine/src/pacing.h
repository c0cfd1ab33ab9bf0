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

/* Deadline pacer: departure k is due at start + k * hz / pps. The step
 * is kept as whole ticks plus a 32-bit binary fraction, so there is no
 * division per packet and no drift over long runs. */
struct pacer {
	uint64_t next;      /* next deadline, whole ticks */
	uint32_t next_frac; /* ... and fraction of a tick (1/2^32) */
	uint64_t step;      /* ticks per packet */
	uint32_t step_frac;
	uint64_t max_lag;   /* how far behind we may fall before skipping ahead */
};
/* pps > 0. max_lag_ticks bounds catch-up bursts after a stall. */
void pacer_init(struct pacer *p, uint64_t hz, double pps, uint64_t now, uint64_t max_lag_ticks);
static inline void pacer_advance(struct pacer *p)
{
	uint64_t f = (uint64_t)p->next_frac + p->step_frac;
	p->next += p->step + (f >> 32);
	p->next_frac = (uint32_t)f;
}
/* Number of departures due at `now`, at most `max`; advances the schedule. */
static inline unsigned pacer_due(struct pacer *p, uint64_t now, unsigned max)
{
	unsigned n = 0;
	if (now > p->next + p->max_lag) {
		p->next = now - p->max_lag;
		p->next_frac = 0;
	}
	while (n < max && p->next <= now) {
		pacer_advance(p);
		n++;
	}
	return n;
}
static inline uint64_t pacer_next_tick(const struct pacer *p) { return p->next; }

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
