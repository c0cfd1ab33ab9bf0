#include "pacing.h"
#include "options.h"
#include "pkt_build.h"
#include <math.h>

void rng_seed(struct wl_rng *r, uint64_t seed)
{
	uint64_t z = seed + 0x9E3779B97F4A7C15ull;
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	z ^= z >> 31;
	r->s = z ? z : 0x1234567ull;
}

void pacer_init(struct pacer *p, uint64_t hz, double pps, uint64_t now, uint64_t max_lag_ticks)
{
	double step = (double)hz / pps;
	if (step < 1.0 / 4294967296.0)
		step = 1.0 / 4294967296.0;
	p->step = (uint64_t)step;
	double frac = (step - (double)p->step) * 4294967296.0;
	p->step_frac = frac >= 4294967295.0 ? 0xffffffffu : (uint32_t)frac;
	p->next = now;
	p->next_frac = 0;
	p->max_lag = max_lag_ticks;
}

uint64_t backoff_delay(uint64_t initial, double factor, uint64_t max, unsigned attempt)
{
	double d = (double)initial * pow(factor, (double)attempt);
	if (d > (double)max || !isfinite(d))
		return max;
	return (uint64_t)d;
}

void phase_draw(uint64_t seed, unsigned index, int fixed_protocol, int fixed_mode, struct phase_draw *d)
{
	struct wl_rng r;
	rng_seed(&r, seed * 0x100000001B3ull + index);
	static const int req_protos[] = { WL_P_ARP, WL_P_ICMP, WL_P_TCP, WL_P_DNS };
	static const double rates[] = { 1000, 5000, 10000, 50000, 100000 };
	d->mode = fixed_mode >= 0 ? fixed_mode : (int)rng_below(&r, WL_MODE_RANDOM); /* continuous..backoff */
	if (fixed_protocol >= 0)
		d->protocol = fixed_protocol;
	else if (d->mode == WL_MODE_BACKOFF)
		d->protocol = req_protos[rng_below(&r, 4)];
	else
		d->protocol = (int)rng_below(&r, WL_P_COUNT);
	/* a fixed non-request protocol cannot run backoff: fall back to rate */
	if (d->mode == WL_MODE_BACKOFF && (d->protocol == WL_P_ETH || d->protocol == WL_P_UDP) && fixed_mode < 0)
		d->mode = WL_MODE_RATE;
	d->pps = rates[rng_below(&r, 5)];
	d->burst_size = 8u << rng_below(&r, 5);            /* 8..128 */
	d->burst_gap_us = 1000u * (1 + rng_below(&r, 10)); /* 1..10 ms */
	d->interval_us = 100u * (1 + rng_below(&r, 10));   /* 100 us..1 ms */
}
