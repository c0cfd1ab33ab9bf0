#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include "workers.h"

int engine_init(struct engine *e, const struct wl_config *cfg, const struct port_info *port,
		struct rte_mempool *pool)
{
	memset(e, 0, sizeof(*e));
	e->cfg = cfg;
	e->port = port;
	e->n = cfg->workers;
	unsigned lcores = rte_lcore_count();
	if (e->n > lcores) {
		fprintf(stderr, "wirelab-engine: --workers %u needs %u lcores, EAL has %u (-l or --lcores)\n", e->n, e->n,
			lcores);
		return -1;
	}
	e->w = rte_zmalloc("wl_workers", sizeof(struct worker) * e->n, RTE_CACHE_LINE_SIZE);
	if (!e->w) {
		fprintf(stderr, "wirelab-engine: out of memory for %u workers (raise -m)\n", e->n);
		return -1;
	}
	e->hz = worker_calibrate_tsc_hz();
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	e->t0 = rte_rdtsc();
	uint64_t wall0 = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	/* worker lcores first; the main lcore takes the last worker when they are too few */
	unsigned lc = (unsigned)-1, i;
	for (i = 0; i < e->n; i++) {
		if (lc != RTE_MAX_LCORE)
			lc = rte_get_next_lcore(lc, 1, 0);
		struct worker *w = &e->w[i];
		if (worker_init(w, cfg, port, pool, i, e->n, e->hz, e->t0, wall0) < 0)
			return -1;
		w->eng = e;
		w->sh = &e->sh;
		w->lcore = lc < RTE_MAX_LCORE ? lc : rte_get_main_lcore();
		w->inline_stats = lc >= RTE_MAX_LCORE;
		w->prev_tsc = e->t0;
	}
	e->stats_step = (uint64_t)(cfg->stats_interval_s * (double)e->hz);
	e->next_stats = e->t0 + e->stats_step;
	e->prev_tsc = e->t0;
	return 0;
}

uint64_t engine_rx_packets(const struct engine *e)
{
	uint64_t n = 0;
	for (unsigned i = 0; i < e->n; i++)
		n += __atomic_load_n(&e->w[i].c.rx_packets, __ATOMIC_RELAXED);
	return n;
}

void engine_emit_stats(struct engine *e, uint64_t now, const char *reason)
{
	static struct jbuf j;
	static struct wl_counters total, snap[WL_MAX_WORKERS];
	static struct stats_worker_view wv[WL_MAX_WORKERS];
	uint64_t imissed, oerrors;
	int have_rtt = 0, have_backoff = 0;
	double achieved = 0;
	memset(&total, 0, sizeof(total));
	for (unsigned i = 0; i < e->n; i++) {
		struct worker *w = &e->w[i];
		/* a copy taken while the worker counts: each field is a whole
		 * 64-bit word, a line may be a few frames behind in places */
		memcpy(&snap[i], &w->c, sizeof(snap[i]));
		counters_add(&total, &snap[i]);
		wv[i] = (struct stats_worker_view){ .worker = i, .lcore = w->lcore, .c = &snap[i],
						    .prev = reason ? NULL : &w->prev };
		/* each worker paces its own share: their rates add up, where one
		 * span from the first start to the last stop would count a
		 * worker that started a little later as slowness */
		achieved += ipd_achieved_pps(&snap[i].ipd, e->hz);
		have_rtt |= w->have_rtt;
		have_backoff |= w->have_backoff;
	}
	if (e->cfg->stamp && e->n > 1) {
		const struct seq_track *t[WL_MAX_WORKERS];
		for (unsigned i = 0; i < e->n; i++)
			t[i] = e->w[i].seq;
		uint64_t x = seq_split_excess(t, e->n);
		total.seq.expected = total.seq.expected > x ? total.seq.expected - x : 0;
	}
	struct stats_port_view pv[WL_MAX_PORTS];
	unsigned n_ports = e->w[0].n_ports;
	imissed = oerrors = 0;
	for (unsigned k = 0; k < n_ports; k++) {
		/* the other ports (--port) are worker 0's */
		const struct port_info *pi = k ? e->w[0].wp[k].info : e->port;
		uint64_t m, o;
		port_stats(pi, &m, &o);
		imissed += m;
		oerrors += o;
		const struct port_ctr *pc = &total.port[k];
		pv[k] = (struct stats_port_view){
			.port = pi->id, .name = pi->name,
			.tx_packets = pc->tx_packets, .tx_bytes = pc->tx_bytes,
			.rx_packets = pc->rx_packets, .rx_bytes = pc->rx_bytes,
			.rx_missed = m, .tx_dropped = o + (k ? 0 : total.tx_dropped),
		};
	}
	double t = (double)(now - e->t0) / (double)e->hz;
	struct stats_view v = {
		.type = reason ? "summary" : "stats",
		.role = wl_role_names[e->cfg->role],
		.t = t,
		.dt = reason ? t : (double)(now - e->prev_tsc) / (double)e->hz,
		.c = &total,
		.prev = reason ? NULL : &e->prev,
		.hz = e->hz,
		.port_rx_missed = imissed,
		.port_tx_errors = oerrors,
		.have_rtt = have_rtt,
		.have_backoff = have_backoff,
		.achieved_pps = e->n > 1 ? achieved : 0,
		.workers = wv,
		.n_workers = e->n,
		.ports = pv,
		.n_ports = n_ports,
		.stamp = e->cfg->stamp,
		.duration_s = t,
		.reason = reason,
	};
	stats_render(&j, &v);
	jb_emit(&j);
	memcpy(&e->prev, &total, sizeof(total));
	for (unsigned i = 0; i < e->n; i++)
		memcpy(&e->w[i].prev, &snap[i], sizeof(snap[i]));
	e->prev_tsc = now;
}

void engine_stats_tick(struct engine *e, uint64_t now)
{
	if (now < e->next_stats)
		return;
	engine_emit_stats(e, now, NULL);
	e->next_stats += e->stats_step;
	if (e->next_stats < now)
		e->next_stats = now + e->stats_step;
}

static int all_done(const struct engine *e)
{
	for (unsigned i = 0; i < e->n; i++)
		if (!__atomic_load_n(&e->w[i].done, __ATOMIC_ACQUIRE))
			return 0;
	return 1;
}

/* The run's reason: an error or a signal anywhere wins, else what stopped
 * the workers (count, duration); the time the last one stopped. */
static void settle_reason(struct engine *e)
{
	const char *r = NULL;
	uint64_t stop = 0;
	for (unsigned i = 0; i < e->n; i++) {
		const struct worker *w = &e->w[i];
		const char *wr = w->reason ? w->reason : "error";
		if (!r || !strcmp(wr, "error") || (!strcmp(wr, "signal") && strcmp(r, "error")))
			r = wr;
		if (w->stop_tsc > stop)
			stop = w->stop_tsc;
	}
	e->reason = r ? r : "error";
	e->stop_tsc = stop ? stop : rte_rdtsc();
}

/* worker_main with the guarantee that the worker reads as done after it */
static int run_worker(void *arg)
{
	struct worker *w = arg;
	worker_main(w);
	if (!w->reason)
		w->reason = "error";
	__atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
	return 0;
}

/* The main lcore wakes for the next stats line, or to notice within 5 ms
 * that the workers ended: a fixed 1 ms nap was 1,000 wake-ups a second,
 * 1.5% of the engine's CPU time per packet in a flood. */
static useconds_t main_nap_us(const struct engine *e, uint64_t now)
{
	const uint64_t ticks_per_us = e->hz / 1000000 ? e->hz / 1000000 : 1;
	uint64_t us = e->next_stats > now ? (e->next_stats - now) / ticks_per_us : 0;
	if (us < 100)
		us = 100;
	return (useconds_t)(us > 5000 ? 5000 : us);
}

void engine_run(struct engine *e)
{
	struct worker *on_main = NULL;
	for (unsigned i = 0; i < e->n; i++) {
		struct worker *w = &e->w[i];
		if (w->inline_stats) {
			on_main = w;
			continue;
		}
		if (rte_eal_remote_launch(run_worker, w, w->lcore) != 0) {
			fprintf(stderr, "wirelab-engine: cannot launch worker %u on lcore %u\n", i, w->lcore);
			wl_force_quit = 1;
			w->done = 1;
			w->reason = "error";
		}
	}
	if (on_main)
		run_worker(on_main);
	/* the others stop on their own conditions; the lines go on meanwhile */
	while (!all_done(e)) {
		uint64_t now = rte_rdtsc();
		engine_stats_tick(e, now);
		usleep(main_nap_us(e, now));
	}
	rte_eal_mp_wait_lcore();
	settle_reason(e);
	engine_emit_stats(e, e->stop_tsc, e->reason);
}

void engine_fini(struct engine *e)
{
	if (!e->w)
		return;
	for (unsigned i = 0; i < e->n; i++)
		worker_fini(&e->w[i]);
	rte_free(e->w);
	e->w = NULL;
}
