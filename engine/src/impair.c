#include "impair.h"
#include "port.h"
#include "worker.h"
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sched.h>
#include <errno.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#define IMP_MAX_BURST 256
/* the Ethernet header stays intact in a corrupted frame, so it still reaches its host */
#define ETH_HLEN_KEEP 14
/* a sleep shorter than this costs more in wake-up than it saves */
#define MIN_SLEEP_NS 5000

struct imp_ctr {
	uint64_t received, forwarded, delayed, dropped, overflow, reordered, duplicated, corrupted, tx_failed;
	uint64_t late_sum_ns, late_max_ns, late_n; /* how long after its due time a frame left */
};

struct imp_dir {
	const struct imp_dir_cfg *cfg;
	uint16_t in, out;            /* DPDK port ids */
	struct imp_queue q;
	struct imp_reorder ro;
	struct rte_mbuf *pend[IMP_MAX_BURST]; /* due, not yet taken by the tx ring */
	unsigned n_pend;
	struct imp_ctr c;
};

struct imp_state {
	const struct impair_cfg *cfg;
	struct port_info pi[2];
	struct imp_dir d[2];
	struct imp_rng rng;
	struct rte_mempool *pool;
	uint64_t hz, t0;
	double ns_per_tick;
	uint64_t sleeps, slept_ns;
};

static void emit_dirs(struct jbuf *j, const struct imp_state *s)
{
	jb_key(j, "directions");
	jb_arr_open(j);
	for (int i = 0; i < 2; i++) {
		const struct imp_dir *d = &s->d[i];
		jb_obj_open(j);
		jb_ku64(j, "from_port", (uint64_t)i);
		jb_ku64(j, "to_port", (uint64_t)(1 - i));
		jb_ku64(j, "received", d->c.received);
		jb_ku64(j, "forwarded", d->c.forwarded);
		jb_ku64(j, "delayed", d->c.delayed);
		jb_ku64(j, "dropped", d->c.dropped);
		jb_ku64(j, "overflow", d->c.overflow);
		jb_ku64(j, "reordered", d->c.reordered);
		jb_ku64(j, "duplicated", d->c.duplicated);
		jb_ku64(j, "corrupted", d->c.corrupted);
		jb_ku64(j, "tx_failed", d->c.tx_failed);
		jb_ku64(j, "queue", d->q.n + d->n_pend);
		jb_ku64(j, "queue_max", d->q.max_seen);
		jb_kdbl(j, "late_mean_us", d->c.late_n ? (double)d->c.late_sum_ns / (double)d->c.late_n / 1e3 : 0, 1);
		jb_kdbl(j, "late_max_us", (double)d->c.late_max_ns / 1e3, 1);
		jb_obj_close(j);
	}
	jb_arr_close(j);
}

static void emit_line(const struct imp_state *s, uint64_t now, const char *reason)
{
	static struct jbuf j;
	double t = (double)(now - s->t0) / (double)s->hz;
	jb_reset(&j);
	jb_obj_open(&j);
	jb_kstr(&j, "type", reason ? "summary" : "stats");
	jb_kstr(&j, "role", "impair");
	jb_kdbl(&j, "t", t, 3);
	if (reason) {
		jb_kstr(&j, "reason", reason);
		jb_kdbl(&j, "duration", t, 6);
	}
	emit_dirs(&j, s);
	jb_ku64(&j, "sleeps", s->sleeps);
	jb_kdbl(&j, "slept_s", (double)s->slept_ns / 1e9, 3);
	/* what the wire cost: a busy-polling loop would show about its duration here */
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	jb_kdbl(&j, "cpu_s", (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6, 3);
	jb_obj_close(&j);
	jb_emit(&j);
}

static void emit_start(const struct imp_state *s)
{
	static struct jbuf j;
	jb_reset(&j);
	jb_obj_open(&j);
	jb_kstr(&j, "type", "start");
	jb_kstr(&j, "version", WL_VERSION);
	jb_kstr(&j, "role", "impair");
	port_json(&j, &s->pi[0]);
	jb_key(&j, "ports");
	jb_arr_open(&j);
	for (int i = 0; i < 2; i++) {
		jb_obj_open(&j);
		port_json(&j, &s->pi[i]);
		jb_obj_close(&j);
	}
	jb_arr_close(&j);
	jb_ku64(&j, "lcores", rte_lcore_count());
	jb_kdbl(&j, "tsc_hz", (double)s->hz, 0);
	jb_key(&j, "config");
	impair_options_json(&j, s->cfg);
	jb_obj_close(&j);
	jb_emit(&j);
}

static uint64_t ticks_of(const struct imp_state *s, uint64_t ns)
{
	return (uint64_t)((double)ns / s->ns_per_tick);
}

static void hold(struct imp_dir *d, struct rte_mbuf *m, uint64_t due)
{
	if (imp_queue_push(&d->q, due, m) < 0) {
		d->c.overflow++;
		rte_pktmbuf_free(m);
	}
}

/* One received frame through the decisions into the queue. */
static void admit(struct imp_state *s, struct imp_dir *d, struct rte_mbuf *m, uint64_t now)
{
	struct imp_verdict v;
	d->c.received++;
	imp_decide(d->cfg, &d->ro, &s->rng, &v);
	if (v.drop) {
		d->c.dropped++;
		rte_pktmbuf_free(m);
		return;
	}
	struct rte_mbuf *copy = NULL;
	if (v.copies == 2) {
		d->c.duplicated++;
		/* the same mbuf twice, unless one copy is to be corrupted */
		if (v.corrupt)
			copy = rte_pktmbuf_copy(m, s->pool, 0, UINT32_MAX);
		else {
			rte_mbuf_refcnt_update(m, 1);
			copy = m;
		}
	}
	if (v.corrupt) {
		uint8_t mask;
		size_t at = imp_corrupt_byte(rte_pktmbuf_data_len(m), ETH_HLEN_KEEP, &s->rng, &mask);
		rte_pktmbuf_mtod(m, uint8_t *)[at] ^= mask;
		d->c.corrupted++;
	}
	if (v.ahead)
		d->c.reordered++;
	else if (v.delay_ns[0])
		d->c.delayed++;
	hold(d, m, now + ticks_of(s, v.delay_ns[0]));
	if (copy)
		hold(d, copy, now + ticks_of(s, v.delay_ns[1]));
	else if (v.copies == 2)
		d->c.overflow++; /* no mbuf for the corrupted frame's copy */
}

/* Sends the pending burst; what the tx ring does not take now is retried next time. */
static void send_pending(struct imp_dir *d)
{
	if (!d->n_pend)
		return;
	uint16_t sent = rte_eth_tx_burst(d->out, 0, d->pend, (uint16_t)d->n_pend);
	if (sent) {
		d->c.forwarded += sent;
		memmove(d->pend, d->pend + sent, (d->n_pend - sent) * sizeof(d->pend[0]));
		d->n_pend -= sent;
	}
	if (!sent)
		d->c.tx_failed++;
}

/* How late a frame leaves (sleep overshoot, a busy tx ring): the cost of not busy-polling. */
static void note_late(struct imp_dir *d, uint64_t now, uint64_t due, double ns_per_tick)
{
	uint64_t late = now > due ? (uint64_t)((double)(now - due) * ns_per_tick) : 0;
	d->c.late_sum_ns += late;
	d->c.late_n++;
	if (late > d->c.late_max_ns)
		d->c.late_max_ns = late;
}

static void drain(struct imp_state *s, struct imp_dir *d, uint64_t now)
{
	/* lateness of the frames leaving now, measured before they join the pending burst */
	while (d->q.n && d->n_pend < s->cfg->burst && imp_queue_next_due(&d->q) <= now) {
		note_late(d, now, imp_queue_next_due(&d->q), s->ns_per_tick);
		d->pend[d->n_pend++] = imp_queue_pop_due(&d->q, now);
	}
	send_pending(d);
}

static void free_all(struct imp_dir *d)
{
	void *m;
	while ((m = imp_queue_pop_any(&d->q)) != NULL)
		rte_pktmbuf_free(m);
	rte_pktmbuf_free_bulk(d->pend, d->n_pend);
	d->n_pend = 0;
	imp_queue_free(&d->q);
}

static void idle_sleep(struct imp_state *s, uint64_t now)
{
	uint64_t next = UINT64_MAX;
	for (int i = 0; i < 2; i++) {
		if (s->d[i].n_pend)
			return;
		uint64_t due = imp_queue_next_due(&s->d[i].q);
		if (due < next)
			next = due;
	}
	uint64_t wait = (uint64_t)(s->cfg->poll_us * 1e3);
	if (next != UINT64_MAX) {
		uint64_t until = next > now ? (uint64_t)((double)(next - now) * s->ns_per_tick) : 0;
		if (until < wait)
			wait = until;
	}
	if (wait < MIN_SLEEP_NS)
		return;
	struct timespec ts = { (time_t)(wait / 1000000000u), (long)(wait % 1000000000u) };
	clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);
	s->sleeps++;
	s->slept_ns += wait;
}

int impair_run(const struct impair_cfg *c)
{
	static struct imp_state s;
	memset(&s, 0, sizeof(s));
	s.cfg = c;
	s.hz = rte_get_tsc_hz();
	s.ns_per_tick = 1e9 / (double)s.hz;
	imp_rng_seed(&s.rng, c->seed);
	/* sleeps end when asked, not up to 50 us later (the default slack) */
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	if (c->rt_priority) {
		/* woken when due, ahead of whatever else runs: a wire late by a time slice is a wrong delay */
		struct sched_param sp = { .sched_priority = (int)c->rt_priority };
		if (sched_setscheduler(0, SCHED_FIFO, &sp) < 0) {
			fprintf(stderr, "wirelab-engine: --rt-priority %u: cannot run SCHED_FIFO: %s\n", c->rt_priority, strerror(errno));
			return 1;
		}
	}

	/* every queued frame holds an mbuf: both queues full, plus both ports' rings */
	unsigned n = 2 * c->limit + 4 * 4096 + 2 * IMP_MAX_BURST + 1024;
	s.pool = rte_pktmbuf_pool_create("wl_impair", n, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (!s.pool) {
		fprintf(stderr, "wirelab-engine: cannot create the mbuf pool of %u mbufs: %s (raise -m or lower --limit)\n",
			n, rte_strerror(rte_errno));
		return 1;
	}
	/* a duplicated frame is one mbuf sent twice: fast free would free it at the first */
	port_fast_free = 0;
	for (int i = 0; i < 2; i++) {
		if (port_init(c->ports[i], s.pool, 1, &s.pi[i]) < 0) {
			if (i)
				port_close(&s.pi[0]);
			rte_mempool_free(s.pool);
			return 1;
		}
	}
	for (int i = 0; i < 2; i++) {
		struct imp_dir *d = &s.d[i];
		d->cfg = &c->d[i];
		d->in = c->ports[i];
		d->out = c->ports[1 - i];
		if (imp_queue_init(&d->q, c->limit) < 0) {
			fprintf(stderr, "wirelab-engine: cannot allocate a queue of %u frames\n", c->limit);
			port_close(&s.pi[0]);
			port_close(&s.pi[1]);
			return 1;
		}
	}
	s.t0 = rte_rdtsc();
	emit_start(&s);
	uint64_t step = (uint64_t)(c->stats_interval_s * (double)s.hz), next_stats = s.t0 + step;
	uint64_t until = c->duration_s > 0 ? s.t0 + (uint64_t)(c->duration_s * (double)s.hz) : UINT64_MAX;
	const char *reason = "signal";
	struct rte_mbuf *rx[IMP_MAX_BURST];
	while (!wl_force_quit) {
		uint64_t now = rte_rdtsc();
		unsigned got = 0;
		for (int i = 0; i < 2; i++) {
			uint16_t k = rte_eth_rx_burst(s.d[i].in, 0, rx, (uint16_t)c->burst);
			got += k;
			for (uint16_t x = 0; x < k; x++)
				admit(&s, &s.d[i], rx[x], now);
		}
		for (int i = 0; i < 2; i++)
			drain(&s, &s.d[i], now);
		if (now >= next_stats) {
			emit_line(&s, now, NULL);
			next_stats += step;
			if (next_stats < now)
				next_stats = now + step;
		}
		if (now >= until) {
			reason = "duration";
			break;
		}
		/* sleeping with frames in flight is fine: a full rx burst means more are waiting, so no sleep then */
		if (got < c->burst && c->poll_us > 0)
			idle_sleep(&s, rte_rdtsc());
	}
	emit_line(&s, rte_rdtsc(), reason);
	for (int i = 0; i < 2; i++)
		free_all(&s.d[i]);
	port_close(&s.pi[0]);
	port_close(&s.pi[1]);
	rte_mempool_free(s.pool);
	return 0;
}
