#include <rte_malloc.h>
#include "tmpl_slab.h"

int tmpl_slab_init(struct tmpl_slab *s, struct rte_mempool *pool, unsigned n_max)
{
	s->pool = pool;
	s->n_max = n_max;
	s->m = rte_zmalloc("wl_slab", sizeof(s->m[0]) * n_max * WL_SLAB_PER, 64);
	s->held = rte_zmalloc("wl_slab_held", sizeof(s->held[0]) * n_max * WL_SLAB_PER, 64);
	s->next = rte_zmalloc("wl_slab_next", n_max, 64);
	if (!s->m || !s->held || !s->next) {
		tmpl_slab_fini(s);
		return -1;
	}
	return 0;
}

void tmpl_slab_fini(struct tmpl_slab *s)
{
	if (s->m) {
		for (unsigned i = 0; i < s->n_max * WL_SLAB_PER; i++)
			if (s->m[i])
				rte_pktmbuf_free(s->m[i]);
	}
	rte_free(s->m);
	rte_free(s->held);
	rte_free(s->next);
	s->m = NULL;
	s->held = NULL;
	s->next = NULL;
	s->n_max = 0;
}
