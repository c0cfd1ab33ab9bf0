/* The nanosecond histogram behind RTT (stats.h) and one-way latency
 * (latency.h): bounded, log-linear, no allocation. */
#ifndef WL_HIST_H
#define WL_HIST_H
#include <stdint.h>

/* Log-linear histogram of nanoseconds: exact below 64 ns, then 32
 * sub-buckets per power of two (about 3% resolution). */
#define RTT_SUB 32
#define RTT_BUCKETS (64 + 40 * RTT_SUB)
struct rtt_hist {
	uint64_t count, max_ns, sum_ns;
	uint64_t b[RTT_BUCKETS];
};
static inline unsigned rtt_bucket(uint64_t ns)
{
	if (ns < 64)
		return (unsigned)ns;
	unsigned e = 63u - (unsigned)__builtin_clzll(ns);  /* >= 6 */
	unsigned m = (unsigned)(ns >> (e - 5)) & (RTT_SUB - 1);
	unsigned idx = 64 + (e - 6) * RTT_SUB + m;
	return idx < RTT_BUCKETS ? idx : RTT_BUCKETS - 1;
}
static inline void rtt_add(struct rtt_hist *h, uint64_t ns)
{
	h->b[rtt_bucket(ns)]++;
	h->count++;
	h->sum_ns += ns;
	if (ns > h->max_ns)
		h->max_ns = ns;
}
/* d += s: counts, sums and buckets added, the larger max kept. */
static inline void hist_merge(struct rtt_hist *d, const struct rtt_hist *s)
{
	d->count += s->count;
	d->sum_ns += s->sum_ns;
	if (s->max_ns > d->max_ns)
		d->max_ns = s->max_ns;
	for (unsigned i = 0; i < RTT_BUCKETS; i++)
		d->b[i] += s->b[i];
}
/* Representative value (ns) of bucket i (its midpoint). */
double rtt_bucket_value(unsigned i);
/* p in (0,1]: nanoseconds at that quantile (0 if empty); never above max. */
double rtt_quantile(const struct rtt_hist *h, double p);
#endif
