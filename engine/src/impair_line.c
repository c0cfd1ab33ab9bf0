#include "impair_line.h"
#include <math.h>
#include <stdlib.h>

const char *const imp_dist_names[] = { "uniform", "normal" };

void imp_rng_seed(struct imp_rng *r, uint64_t seed)
{
	/* splitmix64 of the seed: xorshift needs a non-zero, well-mixed state */
	uint64_t z = seed + 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	r->s = z ? z : 1;
}

uint64_t imp_rng_next(struct imp_rng *r)
{
	uint64_t x = r->s;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	r->s = x;
	return x * 0x2545f4914f6cdd1dull;
}

double imp_rng_unit(struct imp_rng *r)
{
	return (double)(imp_rng_next(r) >> 11) * 0x1.0p-53;
}

double imp_rng_normal(struct imp_rng *r)
{
	double u = imp_rng_unit(r), v = imp_rng_unit(r);
	if (u < 1e-300)
		u = 1e-300;
	return sqrt(-2.0 * log(u)) * cos(2.0 * M_PI * v);
}

uint64_t imp_sample_delay(const struct imp_dir_cfg *c, struct imp_rng *r)
{
	if (!c->jitter_ns)
		return c->delay_ns;
	double j = (double)c->jitter_ns, off;
	if (c->dist == IMP_NORMAL) {
		off = imp_rng_normal(r);
		off = off > 4 ? 4 : off < -4 ? -4 : off;
		off *= j;
	} else {
		off = (2.0 * imp_rng_unit(r) - 1.0) * j;
	}
	double d = (double)c->delay_ns + off;
	return d <= 0 ? 0 : (uint64_t)llround(d);
}

int imp_reorder_ahead(const struct imp_dir_cfg *c, struct imp_reorder *st, struct imp_rng *r)
{
	uint32_t gap = c->gap ? c->gap : 1;
	if (c->reorder <= 0 || st->counter < gap - 1 || imp_rng_unit(r) >= c->reorder) {
		st->counter++;
		return 0;
	}
	st->counter = 0;
	return 1;
}

static int coin(struct imp_rng *r, double p)
{
	return p > 0 && imp_rng_unit(r) < p;
}

void imp_decide(const struct imp_dir_cfg *c, struct imp_reorder *st, struct imp_rng *r, struct imp_verdict *v)
{
	v->drop = coin(r, c->loss);
	v->copies = 1;
	v->corrupt = 0;
	v->ahead = 0;
	v->delay_ns[0] = v->delay_ns[1] = 0;
	if (v->drop)
		return;
	if (coin(r, c->duplicate))
		v->copies = 2;
	v->corrupt = coin(r, c->corrupt);
	v->ahead = imp_reorder_ahead(c, st, r);
	/* a frame sent ahead leaves now; its duplicate is delayed as usual */
	v->delay_ns[0] = v->ahead ? 0 : imp_sample_delay(c, r);
	if (v->copies == 2)
		v->delay_ns[1] = imp_sample_delay(c, r);
}

size_t imp_corrupt_byte(size_t len, size_t from, struct imp_rng *r, uint8_t *mask)
{
	uint64_t x = imp_rng_next(r);
	*mask = (uint8_t)(1u << (x & 7));
	/* an empty frame (no PMD should hand one over) has no bit to flip: a
	 * mask of 0 at 0 leaves the mbuf's room as it is, where % 0 would trap */
	if (!len) {
		*mask = 0;
		return 0;
	}
	if (len <= from)
		from = 0;
	return from + (size_t)((x >> 3) % (len - from));
}

int imp_queue_init(struct imp_queue *q, size_t cap)
{
	q->e = calloc(cap ? cap : 1, sizeof(*q->e));
	q->n = q->max_seen = 0;
	q->cap = cap;
	q->next_order = 0;
	return q->e ? 0 : -1;
}

void imp_queue_free(struct imp_queue *q)
{
	free(q->e);
	q->e = NULL;
	q->n = q->cap = 0;
}

static int before(const struct imp_entry *a, const struct imp_entry *b)
{
	return a->due < b->due || (a->due == b->due && a->order < b->order);
}

int imp_queue_push(struct imp_queue *q, uint64_t due, void *pkt)
{
	if (q->n >= q->cap)
		return -1;
	size_t i = q->n++;
	struct imp_entry x = { due, q->next_order++, pkt };
	while (i) {
		size_t p = (i - 1) / 2;
		if (!before(&x, &q->e[p]))
			break;
		q->e[i] = q->e[p];
		i = p;
	}
	q->e[i] = x;
	if (q->n > q->max_seen)
		q->max_seen = q->n;
	return 0;
}

static void *pop_top(struct imp_queue *q)
{
	void *pkt = q->e[0].pkt;
	struct imp_entry last = q->e[--q->n];
	size_t i = 0;
	for (;;) {
		size_t l = 2 * i + 1, m = i;
		const struct imp_entry *best = &last;
		if (l < q->n && before(&q->e[l], best)) {
			m = l;
			best = &q->e[l];
		}
		if (l + 1 < q->n && before(&q->e[l + 1], best))
			m = l + 1;
		if (m == i)
			break;
		q->e[i] = q->e[m];
		i = m;
	}
	if (q->n)
		q->e[i] = last;
	return pkt;
}

void *imp_queue_pop_due(struct imp_queue *q, uint64_t now)
{
	if (!q->n || q->e[0].due > now)
		return NULL;
	return pop_top(q);
}

void *imp_queue_pop_any(struct imp_queue *q)
{
	return q->n ? pop_top(q) : NULL;
}
