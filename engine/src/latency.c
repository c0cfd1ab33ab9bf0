#include "latency.h"
#include <string.h>

void lat_init(struct lat_stats *l)
{
	memset(l, 0, sizeof(*l));
	l->min_ns = UINT64_MAX;
}

void lat_merge(struct lat_stats *d, const struct lat_stats *s)
{
	/* a zeroed total (min 0) takes the first worker's minimum */
	if (s->h.count && (!d->h.count || s->min_ns < d->min_ns))
		d->min_ns = s->min_ns;
	hist_merge(&d->h, &s->h);
	d->negative += s->negative;
}

void seq_sums_add(struct seq_sums *d, const struct seq_sums *s)
{
	d->received += s->received;
	d->expected += s->expected;
	d->reordered += s->reordered;
	d->duplicates += s->duplicates;
	d->untracked += s->untracked;
}

void seq_init(struct seq_track *t)
{
	memset(t, 0, sizeof(*t));
}

static struct seq_stream *stream_of(struct seq_track *t, uint16_t id)
{
	for (unsigned i = 0; i < t->n; i++)
		if (t->s[i].id == id)
			return &t->s[i];
	if (t->n == SEQ_STREAMS)
		return NULL;
	struct seq_stream *s = &t->s[t->n++];
	memset(s, 0, sizeof(*s));
	s->id = id;
	s->used = 1;
	return s;
}

static inline int bit_get(const struct seq_stream *s, uint32_t seq)
{
	uint32_t b = seq % SEQ_WINDOW;
	return (int)((s->seen[b / 64] >> (b % 64)) & 1);
}
static inline void bit_set(struct seq_stream *s, uint32_t seq)
{
	uint32_t b = seq % SEQ_WINDOW;
	s->seen[b / 64] |= 1ull << (b % 64);
}
static inline void bit_clear(struct seq_stream *s, uint32_t seq)
{
	uint32_t b = seq % SEQ_WINDOW;
	s->seen[b / 64] &= ~(1ull << (b % 64));
}

void seq_add(struct seq_track *t, struct seq_sums *sums, uint16_t stream, uint32_t seq)
{
	struct seq_stream *s = stream_of(t, stream);
	if (!s) {
		sums->untracked++;
		return;
	}
	/* serial arithmetic (RFC 1982) so a 32-bit wrap is a step forward */
	int32_t ahead = (int32_t)(seq - s->next);
	if (ahead >= 0) {
		/* the numbers skipped enter the window unseen */
		if ((uint32_t)ahead >= SEQ_WINDOW)
			memset(s->seen, 0, sizeof(s->seen));
		else
			for (uint32_t k = s->next; k != seq; k++)
				bit_clear(s, k);
		bit_set(s, seq);
		sums->expected += (uint64_t)(uint32_t)ahead + 1;
		s->next = seq + 1;
		sums->received++;
		return;
	}
	uint32_t behind = s->next - seq; /* >= 1 */
	if (behind > SEQ_WINDOW) {
		/* too old to tell late from duplicate: taken as late */
		sums->reordered++;
		sums->received++;
		return;
	}
	if (bit_get(s, seq)) {
		sums->duplicates++;
		return;
	}
	bit_set(s, seq);
	sums->reordered++;
	sums->received++;
}

uint64_t seq_split_excess(const struct seq_track *const *t, unsigned n)
{
	uint64_t excess = 0;
	for (unsigned i = 0; i < n; i++) {
		if (!t[i])
			continue;
		/* a tracker being filled may grow meanwhile: read its count once */
		unsigned ni = __atomic_load_n(&t[i]->n, __ATOMIC_RELAXED);
		for (unsigned a = 0; a < ni; a++) {
			const struct seq_stream *s = &t[i]->s[a];
			int earlier = 0;
			for (unsigned k = 0; k < i && !earlier; k++)
				for (unsigned b = 0; t[k] && b < t[k]->n && !earlier; b++)
					earlier = t[k]->s[b].id == s->id;
			if (earlier)
				continue; /* counted with the first tracker that has it */
			uint32_t hi = s->next;
			uint64_t sum = s->next;
			unsigned shared = 1;
			for (unsigned k = i + 1; k < n; k++)
				for (unsigned b = 0; t[k] && b < t[k]->n; b++) {
					if (t[k]->s[b].id != s->id)
						continue;
					uint32_t nx = t[k]->s[b].next;
					sum += nx;
					shared++;
					if ((int32_t)(nx - hi) > 0)
						hi = nx;
				}
			if (shared > 1)
				excess += sum - hi;
		}
	}
	return excess;
}

uint64_t seq_lost(const struct seq_sums *s, uint64_t sent)
{
	uint64_t expected = s->expected > sent ? s->expected : sent;
	return expected > s->received ? expected - s->received : 0;
}

/* A bucket's midpoint can fall below the exact minimum: percentiles are
 * kept within [min, max] so they stay ordered. */
static double lat_q(const struct lat_stats *l, double p)
{
	double v = rtt_quantile(&l->h, p);
	return l->h.count && v < (double)l->min_ns ? (double)l->min_ns : v;
}

void lat_render(struct jbuf *j, const struct lat_stats *l, const struct seq_sums *s, uint64_t sent)
{
	const struct rtt_hist *h = &l->h;
	jb_key(j, "latency");
	jb_obj_open(j);
	jb_ku64(j, "samples", h->count);
	jb_kdbl(j, "min_us", h->count ? (double)l->min_ns / 1000.0 : 0, 3);
	jb_kdbl(j, "mean_us", h->count ? (double)h->sum_ns / (double)h->count / 1000.0 : 0, 3);
	jb_kdbl(j, "p50_us", lat_q(l, 0.50) / 1000.0, 3);
	jb_kdbl(j, "p90_us", lat_q(l, 0.90) / 1000.0, 3);
	jb_kdbl(j, "p99_us", lat_q(l, 0.99) / 1000.0, 3);
	jb_kdbl(j, "p999_us", lat_q(l, 0.999) / 1000.0, 3);
	jb_kdbl(j, "max_us", (double)h->max_ns / 1000.0, 3);
	jb_obj_close(j);
	jb_key(j, "sequence");
	jb_obj_open(j);
	jb_ku64(j, "received", s->received);
	jb_ku64(j, "lost", seq_lost(s, sent));
	jb_ku64(j, "reordered", s->reordered);
	jb_ku64(j, "duplicates", s->duplicates);
	jb_obj_close(j);
}
