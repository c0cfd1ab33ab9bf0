#include "replay.h"
#include "worker.h"
#include "options.h"
#include "net.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include "proto_arp.h"
#include "pkt_parse.h"

#define REPLAY_MAX_FRAME 9600

/* The first IPv4 frame's endpoints: who the capture's client and server are. */
static int first_endpoints(const struct pcap_file *pf, uint32_t *cip, uint32_t *sip, uint8_t cmac[6], uint8_t smac[6])
{
	struct parse_cfg pc = { 0 };
	for (size_t i = 0; i < pf->n; i++) {
		struct pkt_info pi;
		pkt_parse(pf->recs[i].data, pf->recs[i].caplen, &pc, &pi);
		if (pi.ethertype == ETHERTYPE_IPV4 && !pi.ip6 && pi.ip_src && pi.ip_dst) {
			*cip = pi.ip_src;
			*sip = pi.ip_dst;
			memcpy(smac, pf->recs[i].data, 6);
			memcpy(cmac, pf->recs[i].data + 6, 6);
			return 0;
		}
	}
	return -1;
}

static void auto_map(struct rewrite_cfg *rw, uint32_t from, uint32_t to, const uint8_t *mfrom, const uint8_t *mto)
{
	char err[160], arg[96], a[20], b[20];
	unsigned i = 0;
	while (i < rw->n_ip && rw->ip_from[i] != from)
		i++;
	if (i == rw->n_ip && to) {
		fmt_ipv4(from, a, sizeof(a));
		fmt_ipv4(to, b, sizeof(b));
		snprintf(arg, sizeof(arg), "%s=%s", a, b);
		rewrite_add_ip(rw, arg, err, sizeof(err));
	}
	for (i = 0; i < rw->n_mac && memcmp(rw->mac_from[i], mfrom, 6); i++)
		;
	if (i == rw->n_mac && mto && !(mfrom[0] & 1)) {
		fmt_mac(mfrom, a, sizeof(a));
		fmt_mac(mto, b, sizeof(b));
		snprintf(arg, sizeof(arg), "%s=%s", a, b);
		rewrite_add_mac(rw, arg, err, sizeof(err));
	}
}

/* Does this frame come from the server (IPv4 source or ARP sender)? */
static int from_server(const struct pcap_rec *r, uint32_t server)
{
	struct parse_cfg pc = { 0 };
	struct pkt_info pi;
	int cls = pkt_parse(r->data, r->caplen, &pc, &pi);
	if (cls == WL_C_ARP)
		return pi.arp_spa == server;
	return pi.ethertype == ETHERTYPE_IPV4 && !pi.ip6 && pi.ip_src == server;
}

/* Answers: the held-back server frames and the --expect capture,
 * rewritten with the maps (not the TTL: answers keep theirs). */
static int load_expected(const struct replay_cfg *c, struct replay_frames *fr, const struct pcap_rec *held,
			 const uint32_t *held_no, size_t n_held)
{
	char err[1200];
	struct rewrite_cfg rw = c->rw;
	struct rewrite_stats st = { 0 };
	rw.ttl = -1;
	for (size_t i = 0; i < n_held; i++) {
		uint8_t *d = (uint8_t *)(uintptr_t)held[i].data; /* inside fr->pf.buf, which we own */
		rewrite_frame(&rw, d, held[i].caplen, &st);
		if (validator_expect(&fr->v, d, held[i].caplen, held_no[i], c->expect_fields) < 0)
			goto full;
	}
	if (c->expect[0]) {
		if (pcapr_load(&fr->expf, c->expect, err, sizeof(err)) < 0) {
			fprintf(stderr, "wirelab-engine: --expect %s\n", err);
			return 1;
		}
		for (size_t i = 0; i < fr->expf.n; i++) {
			uint8_t *d = (uint8_t *)(uintptr_t)fr->expf.recs[i].data; /* inside fr->expf.buf */
			rewrite_frame(&rw, d, fr->expf.recs[i].caplen, &st);
			if (validator_expect(&fr->v, d, fr->expf.recs[i].caplen, (uint32_t)i + 1, c->expect_fields) < 0)
				goto full;
		}
	}
	return 0;
full:
	fprintf(stderr, "wirelab-engine: more than %llu expected answers (--expect-max)\n",
		(unsigned long long)c->expect_max);
	return 1;
}

static int prepare_validation(const struct replay_cfg *c, struct replay_frames *fr, const struct pcap_rec *held,
			      const uint32_t *held_no, size_t n_held)
{
	char err[200];
	struct vframe *req = calloc(fr->n, sizeof(*req));
	if (!req)
		return 1;
	for (size_t i = 0; i < fr->n; i++)
		req[i] = (struct vframe){ fr->store + fr->off[i], fr->len[i] };
	int rc = 0;
	if (validator_init(&fr->v, req, fr->n, (size_t)c->expect_max, err, sizeof(err)) < 0) {
		fprintf(stderr, "wirelab-engine: %s\n", err);
		rc = 1;
	} else {
		fr->v.req_no = fr->file_no;
		rc = load_expected(c, fr, held, held_no, n_held);
		if (!rc && c->expect_rules && validator_rules(&fr->v, req, c->expect_rules, c->expect_fields) < 0) {
			fprintf(stderr, "wirelab-engine: more than %llu expected answers (--expect-max)\n",
				(unsigned long long)c->expect_max);
			rc = 1;
		}
	}
	free(req);
	fr->validating = !rc;
	return rc;
}

int replay_prepare(struct replay_cfg *c, struct replay_frames *fr)
{
	char err[1200];
	memset(fr, 0, sizeof(*fr));
	if (pcapr_load(&fr->pf, c->pcap, err, sizeof(err)) < 0) {
		fprintf(stderr, "wirelab-engine: --pcap %s\n", err);
		return 1;
	}
	size_t total = 0, n = fr->pf.n;
	uint32_t cip = 0, sip = 0;
	uint8_t cmac[6] = { 0 }, smac[6] = { 0 };
	if (c->client_ip || c->server_ip || c->expect_split) {
		if (first_endpoints(&fr->pf, &cip, &sip, cmac, smac) < 0) {
			fprintf(stderr, "wirelab-engine: --pcap %s: no IPv4 frame to tell its client and server by\n", c->pcap);
			return 1;
		}
		auto_map(&c->rw, cip, c->client_ip, cmac, c->has_client_mac ? c->client_mac : NULL);
		auto_map(&c->rw, sip, c->server_ip, smac, c->has_server_mac ? c->server_mac : NULL);
	}
	fr->file_frames = n;
	fr->off = calloc(n ? n : 1, sizeof(*fr->off));
	fr->len = calloc(n ? n : 1, sizeof(*fr->len));
	fr->file_no = calloc(n ? n : 1, sizeof(*fr->file_no));
	struct pcap_rec *held = calloc(n ? n : 1, sizeof(*held));
	uint32_t *held_no = calloc(n ? n : 1, sizeof(*held_no));
	size_t n_held = 0;
	if (!fr->off || !fr->len || !fr->file_no || !held || !held_no)
		goto oom;
	for (size_t i = 0; i < n; i++)
		total += fr->pf.recs[i].len <= REPLAY_MAX_FRAME ? fr->pf.recs[i].len : 0;
	fr->store = malloc(total ? total : 1);
	if (!fr->store)
		goto oom;
	size_t at = 0, k = 0;
	struct pcap_rec *keep = fr->pf.recs; /* compacted in place: kept frames' timestamps */
	for (size_t i = 0; i < n; i++) {
		struct pcap_rec r = fr->pf.recs[i];
		if (c->expect_split && from_server(&r, sip)) {
			held_no[n_held] = (uint32_t)i + 1;
			held[n_held++] = r;
			continue;
		}
		if (r.caplen < ETH_HLEN || r.len > REPLAY_MAX_FRAME) {
			fr->skipped_short++;
			continue;
		}
		if (r.caplen < r.len) {
			if (c->truncated == RT_SKIP) {
				fr->skipped_truncated++;
				continue;
			}
			fr->padded++;
		}
		memcpy(fr->store + at, r.data, r.caplen);
		memset(fr->store + at + r.caplen, 0, r.len - r.caplen);
		rewrite_frame(&c->rw, fr->store + at, r.caplen, &fr->rw);
		/* zeros replaced the missing payload: make its checksums fit it */
		if (r.caplen < r.len)
			rewrite_recompute(fr->store + at, r.len);
		fr->off[k] = at;
		fr->len[k] = r.len;
		fr->file_no[k] = (uint32_t)i + 1;
		if (r.len > fr->max_len)
			fr->max_len = r.len;
		keep[k++] = r;
		at += r.len;
	}
	fr->n = k;
	fr->split_expected = n_held;
	if (!k) {
		fprintf(stderr, "wirelab-engine: --pcap %s: no frame to send (%llu in the file, %llu truncated skipped, %llu too short or over %d bytes, %zu from the server)\n",
			c->pcap, (unsigned long long)n, (unsigned long long)fr->skipped_truncated,
			(unsigned long long)fr->skipped_short, REPLAY_MAX_FRAME, n_held);
		free(held);
		free(held_no);
		return 1;
	}
	int rc = replay_validates(c) ? prepare_validation(c, fr, held, held_no, n_held) : 0;
	free(held);
	free(held_no);
	return rc;
oom:
	free(held);
	free(held_no);
	fprintf(stderr, "wirelab-engine: --pcap %s: out of memory for %zu frames\n", c->pcap, n);
	return 1;
}

/* One sending lcore: its frames (every nw-th of the file), its share of
 * the rate and limit, its tx queue and counters (written by it alone). */
struct rworker {
	unsigned index, lcore;
	uint16_t qport, qid;
	struct rte_mbuf **frames;
	size_t n;
	uint64_t *gaps, first_gap; /* --mbps/--speed: its part of the schedule */
	uint64_t limit;            /* frames to send, 0: no limit */
	double pps;
	uint64_t sent, bytes, retries, queued, first_tx, last_tx;
	uint64_t snap_sent, snap_bytes; /* read once per line, so the parts add up (the emitter's) */
	uint64_t prev_sent;        /* at the last stats line (the emitter's) */
	const char *reason;
	volatile int done;
	struct replay_run_state *s;
};

struct replay_run_state {
	const struct replay_cfg *c;
	struct replay_frames *fr;
	struct rte_mempool *arp_pool;  /* answers to ARP requests for our addresses */
	uint64_t rx_frames;
	const struct port_info *pi;
	uint64_t hz, t0, end_tsc;
	struct rworker *w;
	unsigned nw;
	int printer;                   /* index of the worker that prints the stats lines, -1: main lcore */
	uint64_t stats_step, next_stats;
	uint64_t sent, bytes, retries, first_tx, last_tx; /* totals, summed at each line */
	uint64_t prev_sent, prev_bytes, prev_tsc;
};

static void sum_workers(struct replay_run_state *s)
{
	s->sent = s->bytes = s->retries = s->first_tx = s->last_tx = 0;
	for (unsigned i = 0; i < s->nw; i++) {
		struct rworker *w = &s->w[i];
		w->snap_sent = w->sent;
		w->snap_bytes = w->bytes;
		s->sent += w->snap_sent;
		s->bytes += w->snap_bytes;
		s->retries += w->retries;
		if (w->sent && (!s->first_tx || w->first_tx < s->first_tx))
			s->first_tx = w->first_tx;
		if (w->last_tx > s->last_tx)
			s->last_tx = w->last_tx;
	}
}

static void emit_workers(struct jbuf *j, struct replay_run_state *s, double dt)
{
	jb_key(j, "workers");
	jb_arr_open(j);
	for (unsigned i = 0; i < s->nw; i++) {
		struct rworker *w = &s->w[i];
		uint64_t sent = w->snap_sent;
		jb_obj_open(j);
		jb_ku64(j, "worker", w->index);
		jb_ku64(j, "lcore", w->lcore);
		jb_ku64(j, "frames_per_loop", w->n);
		jb_ku64(j, "frames_sent", sent);
		jb_ku64(j, "bytes_sent", w->snap_bytes);
		jb_ku64(j, "tx_retries", w->retries);
		jb_kdbl(j, "pps", dt > 0 ? (double)(sent - w->prev_sent) / dt : 0, 1);
		w->prev_sent = sent;
		jb_obj_close(j);
	}
	jb_arr_close(j);
}

static void emit_counts(struct jbuf *j, const struct replay_run_state *s)
{
	const struct replay_frames *fr = s->fr;
	jb_key(j, "replay");
	jb_obj_open(j);
	jb_ku64(j, "frames_sent", s->sent);
	jb_ku64(j, "bytes_sent", s->bytes);
	jb_ku64(j, "loops_done", s->sent / fr->n);
	jb_ku64(j, "frames_per_loop", fr->n);
	jb_ku64(j, "file_frames", fr->file_frames);
	jb_ku64(j, "padded", fr->padded);
	jb_ku64(j, "skipped_truncated", fr->skipped_truncated);
	jb_ku64(j, "skipped_short", fr->skipped_short);
	jb_ku64(j, "tx_retries", s->retries);
	jb_ku64(j, "rx_frames", s->rx_frames);
	jb_obj_close(j);
	if (fr->validating)
		validator_json(j, &fr->v, fr->v.finished);
}

static void emit_stats(struct replay_run_state *s, uint64_t now, const char *reason)
{
	static struct jbuf j;
	double t = (double)(now - s->t0) / (double)s->hz;
	double dt = (double)(now - s->prev_tsc) / (double)s->hz;
	sum_workers(s);
	jb_reset(&j);
	jb_obj_open(&j);
	jb_kstr(&j, "type", reason ? "summary" : "stats");
	jb_kstr(&j, "role", "replay");
	jb_kdbl(&j, "t", t, 3);
	emit_counts(&j, s);
	if (reason) {
		const struct rewrite_stats *rw = &s->fr->rw;
		uint64_t imissed, oerrors;
		jb_kstr(&j, "reason", reason);
		jb_kdbl(&j, "duration", t, 6);
		double span = s->last_tx > s->first_tx ? (double)(s->last_tx - s->first_tx) / (double)s->hz : 0;
		/* departures over the time between the first and the last */
		jb_kdbl(&j, "pps", span > 0 ? (double)(s->sent - 1) / span : 0, 3);
		jb_kdbl(&j, "mbps", span > 0 ? (double)s->bytes * 8e-6 / span : 0, 3);
		jb_key(&j, "rewrite");
		jb_obj_open(&j);
		jb_ku64(&j, "frames", rw->frames);
		jb_ku64(&j, "ip_mapped", rw->ip_mapped);
		jb_ku64(&j, "mac_mapped", rw->mac_mapped);
		jb_ku64(&j, "ttl_set", rw->ttl_set);
		jb_ku64(&j, "csum_full", rw->csum_full);
		jb_ku64(&j, "csum_incremental", rw->csum_incr);
		jb_obj_close(&j);
		port_stats(s->pi, &imissed, &oerrors);
		jb_ku64(&j, "port_tx_errors", oerrors);
	} else {
		jb_kdbl(&j, "pps", dt > 0 ? (double)(s->sent - s->prev_sent) / dt : 0, 1);
		jb_kdbl(&j, "mbps", dt > 0 ? (double)(s->bytes - s->prev_bytes) * 8e-6 / dt : 0, 3);
		s->prev_sent = s->sent;
		s->prev_bytes = s->bytes;
	}
	emit_workers(&j, s, dt);
	s->prev_tsc = now;
	jb_obj_close(&j);
	jb_emit(&j);
}

static void stats_tick(struct replay_run_state *s, uint64_t now)
{
	if (now < s->next_stats)
		return;
	emit_stats(s, now, NULL);
	s->next_stats += s->stats_step;
	if (s->next_stats < now)
		s->next_stats = now + s->stats_step;
}

static void emit_start(const struct replay_cfg *c, const struct port_info *pi, uint64_t hz)
{
	static struct jbuf j;
	jb_reset(&j);
	jb_obj_open(&j);
	jb_kstr(&j, "type", "start");
	jb_kstr(&j, "version", WL_VERSION);
	jb_kstr(&j, "role", "replay");
	port_json(&j, pi);
	jb_ku64(&j, "lcores", rte_lcore_count());
	jb_kdbl(&j, "tsc_hz", (double)hz, 0);
	jb_key(&j, "config");
	replay_options_json(&j, c);
	jb_obj_close(&j);
	jb_emit(&j);
}

/* An ARP request for one of the replay's addresses: the server must
 * resolve it before it can answer, so the replay answers as that host. */
static void answer_arp(struct replay_run_state *s, const uint8_t *req, uint32_t ip, const uint8_t *mac)
{
	struct pkt_info pi;
	struct parse_cfg pc = { 0 };
	struct rte_mbuf *m = s->arp_pool ? rte_pktmbuf_alloc(s->arp_pool) : NULL;
	if (!m)
		return;
	pkt_parse(req, ETH_HLEN + ARP_LEN, &pc, &pi);
	const uint8_t *sha = req + pi.l3_off + 8;
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);
	size_t len = arp_build(d, rte_pktmbuf_tailroom(m), ARP_OP_REPLY, sha, mac, ip, sha, pi.arp_spa);
	if (!len || !rte_pktmbuf_append(m, (uint16_t)len) || !rte_eth_tx_burst(s->w[0].qport, s->w[0].qid, &m, 1))
		rte_pktmbuf_free(m);
}

/* Validation runs with one worker only (replay_opts.c): its queue, its count. */
static void receive(struct replay_run_state *s)
{
	struct rte_mbuf *rx[WL_MAX_BURST];
	uint16_t n = rte_eth_rx_burst(s->w[0].qport, s->w[0].qid, rx, WL_MAX_BURST);
	for (uint16_t i = 0; i < n; i++) {
		const uint8_t *d = rte_pktmbuf_mtod(rx[i], const uint8_t *);
		uint32_t ip;
		const uint8_t *mac;
		s->rx_frames++;
		if (validator_rx(&s->fr->v, d, rte_pktmbuf_data_len(rx[i]), s->w[0].sent, &ip, &mac) == VRX_ARP_REQUEST)
			answer_arp(s, d, ip, mac);
		rte_pktmbuf_free(rx[i]);
	}
}

/* After the last frame: answers until all are in, the wait is over or a signal. */
static void await_answers(struct replay_run_state *s, int prints)
{
	uint64_t start = rte_rdtsc(), until = start + (uint64_t)(s->c->expect_wait_s * (double)s->hz);
	uint64_t next_check = start;
	for (uint64_t now = start; now < until && !wl_force_quit; now = rte_rdtsc()) {
		receive(s);
		if (prints)
			stats_tick(s, now);
		if (now >= next_check) {
			if (!validator_outstanding(&s->fr->v, s->w[0].sent))
				break;
			next_check = now + s->hz / 1000;
		}
	}
	receive(s);
}

/* Every frame in its own mbuf, made once; sends take a reference. */
static struct rte_mbuf **preload(const struct replay_frames *fr)
{
	unsigned room = (unsigned)fr->max_len + RTE_PKTMBUF_HEADROOM;
	struct rte_mempool *mp = rte_pktmbuf_pool_create("wl_replay", (unsigned)fr->n, 0, 0,
							 (uint16_t)room, (int)rte_socket_id());
	if (!mp) {
		fprintf(stderr, "wirelab-engine: cannot hold %zu frames in mbufs: %s (raise -m)\n", fr->n,
			rte_strerror(rte_errno));
		return NULL;
	}
	struct rte_mbuf **m = calloc(fr->n, sizeof(*m));
	if (!m)
		return NULL;
	for (size_t i = 0; i < fr->n; i++) {
		m[i] = rte_pktmbuf_alloc(mp);
		char *d = m[i] ? rte_pktmbuf_append(m[i], (uint16_t)fr->len[i]) : NULL;
		if (!d) {
			fprintf(stderr, "wirelab-engine: cannot preload frame %zu\n", i + 1);
			free(m);
			return NULL;
		}
		memcpy(d, fr->store + fr->off[i], fr->len[i]);
	}
	return m;
}

/* One worker's loop: its frames in order, paced by its share. */
static int rworker_main(void *arg)
{
	struct rworker *w = arg;
	struct replay_run_state *s = w->s;
	const struct replay_cfg *c = s->c;
	int prints = s->printer == (int)w->index, validating = s->fr->validating;
	struct pacer pc;
	/* up to 200 ms behind is caught up: a worker descheduled on a busy
	 * host keeps its share of the average rate (bursts stay --tx-burst) */
	if (c->pace == RP_PPS && w->pps > 0)
		pacer_init(&pc, s->hz, w->pps, s->t0, s->hz / 5);
	uint64_t rel = w->first_gap; /* next departure, ticks after t0 (48.16) */
	size_t idx = 0;
	struct rte_mbuf *pend[WL_MAX_BURST];
	unsigned n_pend = 0;

	while (w->n) {
		uint64_t now = rte_rdtsc();
		if (prints)
			stats_tick(s, now);
		if (validating)
			receive(s);
		if (wl_force_quit) { w->reason = "signal"; break; }
		if (s->end_tsc && now >= s->end_tsc) { w->reason = "duration"; break; }
		if (!n_pend) {
			if (w->limit && w->queued >= w->limit)
				break;
			unsigned want = c->tx_burst;
			if (w->limit && w->limit - w->queued < want)
				want = (unsigned)(w->limit - w->queued);
			if (c->pace == RP_PPS)
				want = pacer_due(&pc, now, want);
			for (unsigned k = 0; k < want; k++) {
				if (w->gaps) {
					if (((now - s->t0) << 16) < rel)
						break;
					rel += w->gaps[idx];
				}
				rte_mbuf_refcnt_update(w->frames[idx], 1);
				pend[n_pend++] = w->frames[idx];
				if (++idx == w->n)
					idx = 0;
			}
			w->queued += n_pend;
			if (!n_pend)
				continue;
		} else {
			w->retries++;
		}
		uint16_t done = rte_eth_tx_burst(w->qport, w->qid, pend, (uint16_t)n_pend);
		if (done) {
			uint64_t t = rte_rdtsc(), bytes = 0;
			if (!w->sent)
				w->first_tx = t;
			w->last_tx = t;
			for (unsigned k = 0; k < done; k++)
				bytes += rte_pktmbuf_pkt_len(pend[k]);
			w->bytes += bytes;
			w->sent += done;
			n_pend -= done;
			memmove(pend, pend + done, n_pend * sizeof(pend[0]));
		}
	}
	for (unsigned k = 0; k < n_pend; k++)
		rte_pktmbuf_free(pend[k]); /* our reference only */
	if (validating) {
		await_answers(s, prints);
		validator_finish(&s->fr->v, w->sent);
	}
	w->done = 1;
	return 0;
}

/* Worker i's frames (every nw-th, from i), share of the rate and limit, schedule. */
static int rworker_setup(struct replay_run_state *s, struct rworker *w, unsigned i, struct rte_mbuf **all,
			 const uint64_t *gaps, uint64_t limit)
{
	size_t n = s->fr->n;
	*w = (struct rworker){ .index = i, .qport = s->pi->qport[i], .qid = s->pi->qid[i], .s = s };
	w->n = replay_worker_frames(n, i, s->nw);
	w->frames = calloc(w->n ? w->n : 1, sizeof(*w->frames));
	if (!w->frames)
		return -1;
	for (size_t k = 0; k < w->n; k++)
		w->frames[k] = all[i + k * s->nw];
	/* by its frames' share: with a limit every worker ends at the same time */
	w->pps = s->c->pps * (double)w->n / (double)n;
	w->limit = replay_worker_limit(limit, n, i, s->nw);
	if (gaps) {
		w->gaps = replay_worker_gaps(gaps, n, i, s->nw, &w->first_gap);
		if (w->n && !w->gaps)
			return -1;
	}
	return 0;
}

int replay_run(const struct replay_cfg *c, struct replay_frames *fr, const struct port_info *pi)
{
	unsigned nw = c->workers ? c->workers : 1;
	if (rte_lcore_count() < nw) {
		fprintf(stderr, "wirelab-engine: --workers %u needs %u lcores, EAL has %u (-l or --lcores)\n", nw, nw,
			rte_lcore_count());
		return 1;
	}
	struct rte_mbuf **frames = preload(fr);
	if (!frames)
		return 1;
	static struct replay_run_state s;
	s = (struct replay_run_state){ .c = c, .fr = fr, .pi = pi, .hz = rte_get_tsc_hz(), .nw = nw,
				       .arp_pool = fr->validating ? rte_mempool_lookup("wl_pool") : NULL };
	uint64_t *gaps = replay_gaps(c, fr->pf.recs, fr->len, fr->n, s.hz);
	s.w = calloc(nw, sizeof(*s.w));
	if (((c->pace == RP_MBPS || c->pace == RP_SPEED) && !gaps) || !s.w) {
		fprintf(stderr, "wirelab-engine: out of memory for the replay schedule\n");
		return 1;
	}
	uint64_t limit = c->count;
	if (c->loops && (!limit || limit > c->loops * fr->n))
		limit = c->loops * fr->n;
	for (unsigned i = 0; i < nw; i++)
		if (rworker_setup(&s, &s.w[i], i, frames, gaps, limit) < 0) {
			fprintf(stderr, "wirelab-engine: out of memory for the replay schedule\n");
			return 1;
		}
	/* with a spare lcore the main one prints the lines, else the last worker runs there and does */
	unsigned lc = rte_get_next_lcore(-1, 1, 0);
	for (unsigned i = 0; i < nw; i++) {
		int on_main = rte_lcore_count() == nw && i == nw - 1;
		s.w[i].lcore = on_main ? rte_get_main_lcore() : lc;
		if (!on_main)
			lc = rte_get_next_lcore(lc, 1, 0);
	}
	s.printer = rte_lcore_count() == nw ? (int)nw - 1 : -1;
	emit_start(c, pi, s.hz);
	s.t0 = s.prev_tsc = rte_rdtsc();
	s.stats_step = (uint64_t)(c->stats_interval_s * (double)s.hz);
	s.next_stats = s.t0 + s.stats_step;
	s.end_tsc = c->duration_s > 0 ? s.t0 + (uint64_t)(c->duration_s * (double)s.hz) : 0;
	for (unsigned i = 0; i < nw; i++)
		if ((int)i != s.printer && rte_eal_remote_launch(rworker_main, &s.w[i], s.w[i].lcore) < 0) {
			fprintf(stderr, "wirelab-engine: cannot start replay worker %u on lcore %u\n", i, s.w[i].lcore);
			wl_force_quit = 1;
			s.w[i].done = 1;
		}
	if (s.printer >= 0)
		rworker_main(&s.w[s.printer]);
	for (unsigned i = 0; i < nw; i++)
		while (!s.w[i].done) {
			stats_tick(&s, rte_rdtsc());
			rte_delay_us_sleep(1000);
		}
	rte_eal_mp_wait_lcore();
	const char *reason = NULL;
	uint64_t queued = 0;
	for (unsigned i = 0; i < nw; i++) {
		queued += s.w[i].queued;
		if (s.w[i].reason && (!reason || !strcmp(s.w[i].reason, "signal")))
			reason = s.w[i].reason;
	}
	if (!reason)
		reason = c->count && queued == c->count ? "count" : "loops";
	emit_stats(&s, rte_rdtsc(), reason);
	for (unsigned i = 0; i < nw; i++) {
		free(s.w[i].frames);
		free(s.w[i].gaps);
	}
	free(s.w);
	free(gaps);
	free(frames);
	return 0;
}
