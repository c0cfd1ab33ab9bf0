/* Mbufs of the generator's own, per template. With several templates drawn
 * at random per frame (random messages, DNS names), an mbuf from the pool
 * last held another template 15 times in 16 and took a whole-frame copy: a
 * fifth of the engine's time at 1500 B. Here each template keeps its mbufs
 * with a reference of ours; one is taken again once the PMD has let go of it
 * (reference count back to 1), still holding its template, so only the
 * varying fields are written. The PMD's free only drops its reference.
 * Not for ports with RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE, which assumes every
 * sent mbuf has a count of 1. */
#ifndef WL_TMPL_SLAB_H
#define WL_TMPL_SLAB_H
#include <rte_mbuf.h>

/* mbufs per template: several bursts' worth in flight at 16 templates */
#define WL_SLAB_PER 8

struct tmpl_slab {
	struct rte_mempool *pool;
	struct rte_mbuf **m;  /* n_max rows of WL_SLAB_PER, filled as first needed */
	/* per slot: which template generation its mbuf holds, kept here rather
	 * than in the mbuf so that a take touches one line of the mbuf, not two */
	uint32_t *held;
	uint8_t *next;        /* per template: the slot to try next */
	unsigned n_max;
};

/* 0, or -1 when out of memory. n_max: templates at most. */
int tmpl_slab_init(struct tmpl_slab *s, struct rte_mempool *pool, unsigned n_max);
/* Drops our references: mbufs still in flight return when the PMD frees them. */
void tmpl_slab_fini(struct tmpl_slab *s);

/* Where template k's next take will look: prefetched a burst ahead, since
 * the frames sent since k was last drawn have pushed its header out. */
static inline void tmpl_slab_prefetch(const struct tmpl_slab *s, unsigned k)
{
	struct rte_mbuf *m = s->m[k * WL_SLAB_PER + s->next[k]];
	if (m)
		rte_prefetch0(m);
}

/* An mbuf for template k, with a reference added for the send, and *held set
 * to the slot's record of what the mbuf holds: NULL when all of k's are still
 * in flight or the pool is empty (take one from the pool). */
static inline struct rte_mbuf *tmpl_slab_take(struct tmpl_slab *s, unsigned k, uint32_t **held)
{
	uint8_t *c = &s->next[k];
	const unsigned i = k * WL_SLAB_PER + *c;
	struct rte_mbuf **slot = &s->m[i];
	struct rte_mbuf *m = *slot;
	if (unlikely(!m)) {
		m = *slot = rte_pktmbuf_alloc(s->pool);
		if (!m)
			return NULL;
	} else if (rte_mbuf_refcnt_read(m) != 1) {
		return NULL;
	}
	*held = &s->held[i];
	*c = (uint8_t)((*c + 1) % WL_SLAB_PER);
	/* only this worker and, once sent, the PMD on this lcore hold it */
	rte_mbuf_refcnt_set(m, 2);
	/* k's next mbuf is wanted about n_templates frames from now; its
	 * header was pushed out of cache by the frames sent meanwhile, and
	 * the reference count read stalled the loop on it */
	struct rte_mbuf *next = s->m[k * WL_SLAB_PER + *c];
	if (next) {
		rte_prefetch0(next);
		/* its data, where the pool keeps no private area: a guess that
		 * costs a wasted prefetch if wrong, not a load of the header */
		rte_prefetch0(RTE_PTR_ADD(next, sizeof(struct rte_mbuf) + RTE_PKTMBUF_HEADROOM));
	}
	return m;
}

#endif
