/* Several workers in one engine: one per lcore, each with its own rx and
 * tx queue on the port, its own counters and tables (nothing written by
 * two lcores). The main lcore launches them and prints the stats lines,
 * which add up the workers' counters (totals) and list each worker and
 * port. With as many lcores as workers, the last worker runs on the main
 * lcore and prints the lines itself. */
#ifndef WL_WORKERS_H
#define WL_WORKERS_H
#include "worker.h"
#include "workers_max.h"

struct engine {
	const struct wl_config *cfg;
	const struct port_info *port;
	struct worker *w;          /* n of them, each on its own cache lines */
	unsigned n;
	struct wl_shared sh;
	uint64_t hz, t0;
	uint64_t next_stats, stats_step, prev_tsc;
	struct wl_counters prev;   /* totals at the last line */
	const char *reason;        /* the run's end, once every worker stopped */
	uint64_t stop_tsc;
};

/* Workers for cfg->workers lcores; 0, or -1 after a one-line error. */
int engine_init(struct engine *e, const struct wl_config *cfg, const struct port_info *port,
		struct rte_mempool *pool);
/* Runs the workers until they all stop; the summary line after. */
void engine_run(struct engine *e);
void engine_fini(struct engine *e);
/* A stats line when one is due (called from the lcore that prints them). */
void engine_stats_tick(struct engine *e, uint64_t now);
/* Stats line, or the summary when reason is set. */
void engine_emit_stats(struct engine *e, uint64_t now, const char *reason);
/* Frames received by all workers so far (the rx role's --count). */
uint64_t engine_rx_packets(const struct engine *e);
#endif
