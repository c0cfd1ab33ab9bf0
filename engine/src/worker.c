#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_memcpy.h>
#include <rte_mbuf_dyn.h>
#include <rte_prefetch.h>
#include "worker.h"
#include "workers.h"
#include "proto_eth.h"
#include "proto_arp.h"
#include "proto_icmp6.h"
#include "proto.h"
#include "proto_icmp.h"
#include "proto_udp.h"
#include "proto_tcp.h"
#include "proto_dns.h"
#include "ipv4_frag.h"
#include "ipv6_frag.h"
#include "stamp.h"

volatile int wl_force_quit;

#define RX_BURST 64
#define ARP_RETRY_MS 200
#define REASM_DGRAMS 32     /* datagrams in progress: 32 x 64 KiB */
#define REASM_TIMEOUT_S 30  /* Linux's ipfrag_time */
#define DAD_PROBE_MS 200
#define DAD_WAIT_MS 500

static inline uint64_t ticks_to_ns(const struct worker *w, uint64_t t) { return (uint64_t)((double)t * w->ns_per_tick); }

/* ---------- events ---------- */

void worker_event(struct worker *w, const char *event, const char *extra_json)
{
	char line[2048];
	double t = (double)(rte_rdtsc() - w->t0) / (double)w->hz;
	int n = snprintf(line, sizeof(line), "{\"type\":\"event\",\"t\":%.6f,\"event\":\"%s\"%s%s}\n", t, event,
			 extra_json && *extra_json ? "," : "", extra_json ? extra_json : "");
	if (n > 0 && (size_t)n < sizeof(line)) {
		fwrite(line, 1, (size_t)n, stdout);
		fflush(stdout);
	}
}

/* ---------- templates ---------- */

/* Templates changed: no mbuf holds the new ones yet. The stamp names the
 * worker (its templates carry its ICMP id), the generation and the template. */
static void tmpl_generation(struct worker *w)
{
	w->tmpl_gen++;
	w->stamp_base = ((uint32_t)(w->index + 1) << 24) | ((w->tmpl_gen & 0xffff) << 8);
}

static void random_message(struct wl_rng *r, char *out, size_t *len)
{
	static const char *words[] = { "wire", "lab", "packet", "probe", "echo", "frame", "queue", "burst",
				       "flow", "rate", "latency", "jitter", "hello", "test", "data", "ping" };
	size_t n = 0;
	unsigned k = 2 + rng_below(r, 5);
	for (unsigned i = 0; i < k; i++) {
		const char *wd = words[rng_below(r, 16)];
		size_t l = strlen(wd);
		if (n)
			out[n++] = ' ';
		memcpy(out + n, wd, l);
		n += l;
	}
	n += (size_t)sprintf(out + n, " %u", rng_below(r, 100000));
	*len = n;
}

static int build_templates(struct worker *w, int proto)
{
	const struct wl_config *c = w->cfg;
	struct wl_l2l3 a;
	memcpy(a.src_mac, c->src_mac, ETH_ALEN);
	memcpy(a.dst_mac, w->dst_mac, ETH_ALEN);
	a.src_ip = c->src_ip;
	a.dst_ip = c->dst_ip;
	uint16_t dport = options_dst_port(c, proto);
	struct wl_rng r;
	rng_seed(&r, c->seed ^ 0xabcdefull);
	char msg[256];
	size_t ml;
	const int family = w->v6 ? 6 : 4;
	const struct wl_proto_ops *ops = wl_proto_get(family, proto);
	if (!ops || !ops->build) {
		fprintf(stderr, "wirelab-engine: %s is not sent over IPv%d\n", wl_proto_names[proto], family);
		return -1;
	}
	struct wl_tmpl_ctx x = { .cfg = c, .family = ops->family, .a = a, .dport = dport, .icmp_id = w->icmp_id };
	memcpy(x.a6.src_mac, c->src_mac, ETH_ALEN);
	memcpy(x.a6.dst_mac, w->dst_mac6, ETH_ALEN);
	memcpy(x.a6.src, c->src_ip6, IPV6_ALEN);
	memcpy(x.a6.dst, c->dst_ip6, IPV6_ALEN);
	w->ops = ops;
	tmpl_generation(w);
	unsigned n = ops->n_tmpls ? ops->n_tmpls(c) : ops->per_message && !c->message_len ? 16 : 1;
	for (unsigned i = 0; i < n; i++) {
		struct wl_tmpl *t = &w->tmpls[i];
		memset(t, 0, offsetof(struct wl_tmpl, len));
		t->proto = (uint8_t)proto;
		t->var = WL_VAR_NONE;
		t->sport_off = t->csum_off = t->var_off = 0;
		x.msg = (const uint8_t *)c->message;
		x.msg_len = c->message_len;
		if (!x.msg_len) {
			random_message(&r, msg, &ml);
			x.msg = (const uint8_t *)msg;
			x.msg_len = ml;
		}
		uint8_t stamped[STAMP_LEN + WL_MAX_MESSAGE];
		if (c->stamp && proto == WL_P_UDP) {
			x.msg_len = stamp_payload(stamped, sizeof(stamped), w->stamp_stream, c->message, c->message_len,
						  ETH_HLEN + (c->ip_version == 6 ? IPV6_HLEN : IPV4_HLEN) + UDP_HLEN, c->size);
			x.msg = stamped;
		}
		x.index = i;
		if (!ops->build(t, &x)) {
			fprintf(stderr, "wirelab-engine: cannot build a%s %s frame with these options\n",
				family == 6 ? "n IPv6" : "", wl_proto_names[proto]);
			return -1;
		}
	}
	for (unsigned i = 0; i < n; i++) {
		if (vlan_tag_tmpl(&c->vlan, &w->tmpls[i]) < 0) {
			fprintf(stderr, "wirelab-engine: a %s frame of this --size does not fit its VLAN tags\n",
				wl_proto_names[proto]);
			return -1;
		}
	}
	w->n_tmpls = n;
	/* TCP data sent after a handshake */
	if (c->message_len) {
		memcpy(w->tcp_msg, c->message, c->message_len);
		w->tcpc.msg_len = c->message_len;
	} else {
		random_message(&r, msg, &ml);
		memcpy(w->tcp_msg, msg, ml);
		w->tcpc.msg_len = ml;
	}
	w->tcpc.msg = w->tcp_msg;
	w->tcpc.dport = options_dst_port(c, WL_P_TCP);
	return 0;
}

static int is_request_proto(const struct wl_config *c, int p)
{
	const struct wl_proto_ops *o = wl_proto_get(c->ip_version, p);
	return o && o->is_request;
}

/* Start (or restart, for a new random phase) the generator. */
static int gen_setup(struct worker *w, int proto, int mode, uint64_t now)
{
	w->proto = proto;
	w->mode = mode;
	uint32_t n_sports = w->cfg->flows;
	/* a TCP client never reuses a 4-tuple while a connection on it may live (RFC 9293 3.4.1):
	 * each connection takes the next port, as ephemeral ports do, over at least --flows ports
	 * (64 ports reused every 32 ms at 2000 connections/s met the peer still in LAST-ACK) */
	if (proto == WL_P_TCP) {
		uint32_t ephemeral = 65536u - w->cfg->src_port < WL_TCP_PORTS ? 65536u - w->cfg->src_port : WL_TCP_PORTS;
		if (n_sports < ephemeral)
			n_sports = ephemeral;
	}
	/* each worker its own slice of the source ports (the connections of one
	 * never meet another's); fewer ports than workers: all share them */
	w->sport_base = w->cfg->src_port;
	w->n_sports = n_sports;
	if (n_sports >= w->n_workers) {
		uint32_t lo = (uint32_t)((uint64_t)n_sports * w->index / w->n_workers);
		uint32_t hi = (uint32_t)((uint64_t)n_sports * (w->index + 1) / w->n_workers);
		w->sport_base = (uint16_t)(w->cfg->src_port + lo);
		w->n_sports = hi - lo;
	}
	if (w->flow_i >= w->n_sports)
		w->flow_i = 0;
	if (build_templates(w, proto) < 0)
		return -1;
	w->paced = 0;
	w->c.ipd.active = 0;
	if (mode == WL_MODE_RATE || (mode == WL_MODE_CONTINUOUS && w->interval_us)) {
		/* the workers share the rate */
		double pps = (mode == WL_MODE_RATE ? w->pps : 1e6 / (double)w->interval_us) / w->n_workers;
		/* after a stall (preemption, a slow stats write) catch up on up to
		 * 200 ms of departures so the average rate holds */
		uint64_t lag = w->hz / 5;
		pacer_init(&w->pacer, w->hz, pps, now, lag);
		w->paced = 1;
		double batch = pps * 64e-6;
		if (batch > w->cfg->tx_burst)
			batch = w->cfg->tx_burst;
		w->batch_wait = batch >= 2 ? (uint64_t)((batch - 1) * (double)w->hz / pps) : 0;
		if (mode == WL_MODE_RATE) {
			w->c.ipd.active = 1;
			w->c.ipd.target_pps = pps;
			w->c.ipd.last_tsc = 0;
		}
	}
	w->burst_left = 0;
	w->next_burst_tsc = now;
	w->bo.active = 0;
	return 0;
}

/* ---------- tx helpers ---------- */

static inline void pcap_frame(struct worker *w, uint64_t now, const void *data, size_t len)
{
	pcapw_write(&w->pcap, w->wall0_ns + ticks_to_ns(w, now - w->t0), data, len);
}

/* pend_proto and count_tx carry the protocol and the frame's family in one byte */
#define PEND_PROTO 0x3f
#define PEND_V4 0x40
#define PEND_V6 0x80
static inline unsigned family_bits(const uint8_t *d, size_t len)
{
	int f = wl_frame_family(d, len);
	return f == 4 ? PEND_V4 : f == 6 ? PEND_V6 : 0;
}

static inline void count_tx(struct worker *w, unsigned pf, uint32_t len)
{
	int proto = (int)(pf & PEND_PROTO);
	if (pf & (PEND_V4 | PEND_V6))
		w->c.fam[(pf & PEND_V6) != 0].tx_packets++;
	w->c.tx_packets++;
	w->c.tx_bytes += len;
	w->c.port[w->cur].tx_packets++;
	w->c.port[w->cur].tx_bytes += len;
	w->c.p[proto].tx_packets++;
	w->c.p[proto].tx_bytes += len;
}

/* Identification of the next datagram sent in fragments. Workers step by
 * their count from their index, so two workers sending to one host never
 * use the same value at once (RFC 6864 4.2; RFC 8200 4.5). */
static inline uint32_t next_frag_id(struct worker *w)
{
	w->frag_id += w->n_workers;
	return w->frag_id;
}

/* Send a frame built outside the hot path (answers, handshake segments,
 * ARP), with `tags` inserted while it is copied into the mbuf (the builders
 * write untagged frames). Retries briefly when the ring is full, else
 * drops and counts. */
static int send_frame_tagged(struct worker *w, const uint8_t *data, size_t len, int proto, uint64_t now,
			     const struct vlan_stack *tags)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(w->pool);
	if (!m) {
		w->c.tx_dropped++;
		return -1;
	}
	*RTE_MBUF_DYNFIELD(m, w->stamp_off, uint32_t *) = 0; /* no template in it any more */
	uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(len + vlan_hlen(tags)));
	if (!p) {
		rte_pktmbuf_free(m);
		w->c.tx_dropped++;
		return -1;
	}
	if (tags->n)
		len = vlan_copy_tagged(tags, p, data, len);
	else
		rte_memcpy(p, data, len);
	if (w->pcap_on)
		pcap_frame(w, now, p, len);
	for (int tries = 0; tries < 64; tries++) {
		if (rte_eth_tx_burst(w->wp[w->cur].qport, w->wp[w->cur].queue, &m, 1) == 1) {
			count_tx(w, (unsigned)proto | family_bits(data, len), (uint32_t)len);
			return 0;
		}
	}
	rte_pktmbuf_free(m);
	w->c.tx_dropped++;
	return -1;
}

static const struct vlan_stack no_tags;

static inline int send_frame(struct worker *w, const uint8_t *data, size_t len, int proto, uint64_t now)
{
	return send_frame_tagged(w, data, len, proto, now, &w->cfg->vlan);
}

static inline void req_record(struct worker *w, uint32_t key, int proto, uint64_t now)
{
	struct req_slot *s = &w->req[key & (WL_REQ_SLOTS - 1)];
	s->tsc = now;
	s->key = key;
	s->proto = (uint8_t)proto;
	s->live = 1;
}

static inline void arp_push(struct worker *w, uint64_t now)
{
	if (w->arp_head - w->arp_tail == WL_ARP_RING)
		w->arp_tail++; /* oldest is forgotten */
	w->arp_ring[w->arp_head++ & (WL_ARP_RING - 1)] = now;
	w->arp_outstanding = w->arp_head - w->arp_tail;
}

/* A reply for `key` arrived: RTT, matched. Returns 1 if it matched. */
static inline int req_match(struct worker *w, uint32_t key, int proto, uint64_t now)
{
	struct req_slot *s = &w->req[key & (WL_REQ_SLOTS - 1)];
	if (!s->live || s->key != key || s->proto != proto)
		return 0;
	s->live = 0;
	rtt_add(&w->c.rtt, ticks_to_ns(w, now - s->tsc));
	w->c.p[proto].answers_matched++;
	if (w->bo.active && w->bo.key == key && w->proto == proto) {
		w->c.answered++;
		w->bo.active = 0;
	}
	return 1;
}

/* Flush pending (unsent) generator frames. Returns number still pending. */
static inline unsigned flush_pending(struct worker *w, uint64_t now)
{
	unsigned n = w->n_pend;
	uint16_t sent = rte_eth_tx_burst(w->qport, w->queue, w->pend, (uint16_t)n);
	if (sent) {
		/* the pending frames mix protocols only across a random-mode phase
		 * change: otherwise the counters move once per burst; lengths come
		 * from pend_len, the PMD may have freed the mbufs already */
		const uint8_t pr = w->pend_proto[0];
		if (pr == w->pend_proto[sent - 1]) {
			uint64_t bytes = 0;
			for (unsigned i = 0; i < sent; i++)
				bytes += w->pend_len[i];
			w->c.tx_packets += sent;
			w->c.tx_bytes += bytes;
			w->c.port[0].tx_packets += sent; /* the generator's port */
			w->c.port[0].tx_bytes += bytes;
			w->c.p[pr & PEND_PROTO].tx_packets += sent;
			w->c.p[pr & PEND_PROTO].tx_bytes += bytes;
			if (pr & (PEND_V4 | PEND_V6))
				w->c.fam[(pr & PEND_V6) != 0].tx_packets += sent;
		} else {
			for (unsigned i = 0; i < sent; i++)
				count_tx(w, w->pend_proto[i], w->pend_len[i]);
		}
		if (w->c.ipd.active) {
			struct ipd_stats *d = &w->c.ipd;
			if (d->last_tsc) {
				double g = (double)(now - d->last_tsc) * w->ns_per_tick;
				d->sum_ns += g;
				d->sumsq_ns += g * g;
				d->n += sent; /* the rest of the burst left with a gap of 0 */
			} else {
				d->t0_tsc = now;
				d->n += sent - 1u;
			}
			if (!d->t0_tsc)
				d->t0_tsc = now;
			d->last_tsc = now;
			d->t1_tsc = now;
			d->pkts += sent;
		}
		if (sent < n) {
			memmove(w->pend, w->pend + sent, (n - sent) * sizeof(w->pend[0]));
			memmove(w->pend_proto, w->pend_proto + sent, n - sent);
			memmove(w->pend_len, w->pend_len + sent, (n - sent) * sizeof(w->pend_len[0]));
		}
		w->n_pend = n - sent;
	}
	return w->n_pend;
}

/* Build n generator frames into pend[]. */
static inline unsigned gen_fill(struct worker *w, unsigned n, uint64_t now, int reuse_key)
{
	struct rte_mbuf **m = w->pend + w->n_pend;
	const int slabbed = w->n_tmpls > 1 && w->slab.m;
	if (!slabbed && rte_pktmbuf_alloc_bulk(w->pool, m, n) != 0)
		return 0;
	const int proto = w->proto;
	const int req = w->ops->is_request;
	const int key16 = w->ops->key16;
	const int fragmenting = w->cfg->fragment_size && proto != WL_P_ETH && proto != WL_P_ARP;
	const int stamping = w->cfg->stamp;
	/* the burst's templates drawn first (the same draws, in the same order)
	 * so that every mbuf the loop takes was asked for a burst ahead */
	uint16_t pick[WL_MAX_BURST];
	if (slabbed) {
		for (unsigned i = 0; i < n; i++) {
			pick[i] = (uint16_t)rng_below(&w->rng, w->n_tmpls);
			tmpl_slab_prefetch(&w->slab, pick[i]);
		}
	}
	for (unsigned i = 0; i < n; i++) {
		const struct wl_tmpl *t = &w->tmpls[slabbed ? pick[i] : w->n_tmpls == 1 ? 0 : rng_below(&w->rng, w->n_tmpls)];
		if (reuse_key)
			t = &w->tmpls[w->bo.tmpl];
		uint32_t *sp = NULL;
		if (slabbed && !(m[i] = tmpl_slab_take(&w->slab, (unsigned)(t - w->tmpls), &sp)) &&
		    !(m[i] = rte_pktmbuf_alloc(w->pool))) {
			n = i; /* the pool ran dry: send what was built */
			break;
		}
		uint8_t *d = rte_pktmbuf_mtod(m[i], uint8_t *);
		/* an mbuf that last left with this very template still holds it:
		 * only the varying fields are written again (tmpl_fill), as
		 * testpmd's txonly leaves its payload alone */
		const uint32_t stamp = w->stamp_base | (uint32_t)(t - w->tmpls);
		if (!sp)
			sp = RTE_MBUF_DYNFIELD(m[i], w->stamp_off, uint32_t *);
		if (*sp != stamp) {
			rte_memcpy(d, t->data, t->len);
			*sp = stamp;
		}
		m[i]->data_len = t->len;
		m[i]->pkt_len = t->len;
		uint16_t sport = (uint16_t)(w->sport_base + w->flow_i);
		uint32_t key = w->key;
		if (reuse_key) {
			key = w->bo.key;
			sport = w->bo.sport;
		} else {
			if (++w->flow_i >= w->n_sports)
				w->flow_i = 0;
			w->key++;
			if (key16)
				key &= 0xffff;
		}
		tmpl_fill(t, d, key, sport);
		if (stamping) {
			stamp_fill(d, (uint16_t)(t->sport_off + UDP_HLEN), t->csum_off, w->stamp_seq++,
				   ticks_to_ns(w, now - w->t0));
			w->c.stamped++;
		}
		if (unlikely(req)) {
			if (proto == WL_P_ARP) {
				arp_push(w, now);
			} else {
				req_record(w, key, proto, now);
			}
		}
		if (w->mode == WL_MODE_BACKOFF) {
			w->bo.key = key;
			w->bo.sport = sport;
			w->bo.tmpl = (unsigned)(t - w->tmpls);
		}
		if (unlikely(w->pcap_on) && !fragmenting)
			pcap_frame(w, now, d, t->len);
		w->pend_len[w->n_pend + i] = t->len;
	}
	/* one protocol and one family per phase: the first template says which */
	memset(w->pend_proto + w->n_pend, (int)((unsigned)proto | family_bits(w->tmpls[0].data, w->tmpls[0].len)), n);
	if (!reuse_key) {
		w->c.p[proto].requests += req || w->mode == WL_MODE_BACKOFF ? n : 0;
		w->c.gen_packets += n;
	}
	if (fragmenting) {
		/* --fragment-size: each datagram leaves as its fragments (copied out) */
		uint8_t frag[WL_MAX_FRAME];
		const size_t l3 = ETH_HLEN + vlan_hlen(&w->cfg->vlan); /* the templates carry the tags */
		for (unsigned i = 0; i < n; i++) {
			const uint8_t *d = rte_pktmbuf_mtod(m[i], const uint8_t *);
			size_t fl, dl = m[i]->data_len, fs = w->cfg->fragment_size;
			uint32_t id = next_frag_id(w);
			for (unsigned k = 0; (fl = w->v6 ? ipv6_fragment(d, dl, l3, fs, id, k, frag, sizeof(frag))
							 : ipv4_fragment(d, dl, l3, fs, (uint16_t)id, k, frag, sizeof(frag))) != 0;
			     k++)
				send_frame_tagged(w, frag, fl, proto, now, &no_tags);
		}
		rte_pktmbuf_free_bulk(m, n);
		return n;
	}
	w->n_pend += n;
	return n;
}

/* Decide how many generator frames are due now and send them. */
static inline void gen_step(struct worker *w, uint64_t now)
{
	if (w->n_pend && flush_pending(w, now))
		return;
	if (w->linger_end)
		return;
	unsigned n = 0, due = 0;
	uint64_t first_due = 0;
	unsigned max = w->cfg->tx_burst;
	const int counted = w->cfg->count != 0;
	const uint64_t count = w->count;
	uint64_t left = counted ? count - w->c.gen_packets : UINT64_MAX;

	switch (w->mode) {
	case WL_MODE_CONTINUOUS:
	case WL_MODE_RATE:
		if (w->paced) {
			/* each tx burst costs a syscall on AF_XDP/af_packet: at high
			 * rates wait until a small batch is due (at most ~64 us of
			 * packets) so the syscall rate does not cap the packet rate */
			if (now < w->pacer.next + w->batch_wait)
				return;
			first_due = w->pacer.next;
			if (now > first_due + w->pacer.max_lag) {
				/* pacer_due gives up what was due before now - max_lag */
				if (w->pacer.step)
					w->c.ipd.skipped += (now - w->pacer.max_lag - first_due) / w->pacer.step;
				first_due = now - w->pacer.max_lag;
			}
			n = due = pacer_due(&w->pacer, now, max);
		}
		else
			n = max;
		break;
	case WL_MODE_BURST:
		if (!w->burst_left) {
			if (now < w->next_burst_tsc)
				return;
			w->burst_left = share(w->burst_size, w->index, w->n_workers);
			if (!w->burst_left)
				return;
		}
		n = w->burst_left < max ? w->burst_left : max;
		break;
	case WL_MODE_BACKOFF: {
		const struct wl_config *c = w->cfg;
		if (w->bo.active) {
			if (now < w->bo.deadline)
				return;
			if (w->bo.attempt >= c->max_retries) {
				w->c.gave_up++;
				w->c.p[w->proto].errors++;
				w->bo.active = 0;
				struct req_slot *s = &w->req[w->bo.key & (WL_REQ_SLOTS - 1)];
				s->live = 0;
				if (w->proto == WL_P_ARP && w->arp_head != w->arp_tail) {
					w->arp_tail++;
					w->arp_outstanding = w->arp_head - w->arp_tail;
				}
				goto new_request;
			}
			w->bo.attempt++;
			w->c.retries++;
			uint64_t d = backoff_delay(c->initial_delay_us, c->factor, c->max_delay_us, w->bo.attempt);
			w->bo.deadline = now + d * w->hz / 1000000;
			if (gen_fill(w, 1, now, 1))
				flush_pending(w, now);
			return;
		}
new_request:
		if (counted && w->c.gen_packets >= count)
			return;
		if (gen_fill(w, 1, now, 0) == 0)
			return;
		w->bo.active = 1;
		w->bo.attempt = 0;
		w->bo.started = now;
		w->bo.deadline = now + c->initial_delay_us * w->hz / 1000000;
		flush_pending(w, now);
		return;
	}
	default:
		return;
	}
	if (n > left)
		n = (unsigned)left;
	if (!n)
		return;
	unsigned asked = n;
	n = gen_fill(w, n, now, 0);
	if (due && w->c.ipd.active) {
		struct ipd_stats *d = &w->c.ipd;
		uint64_t last_due = first_due + (uint64_t)(n ? n - 1 : 0) * w->pacer.step;
		if (!d->late_first_set) {
			d->late_first_ns = now > first_due ? (double)(now - first_due) * w->ns_per_tick : 0;
			d->late_first_set = 1;
		}
		if (n)
			d->late_last_ns = now > last_due ? (double)(now - last_due) * w->ns_per_tick : 0;
		d->skipped += asked - n; /* due, but no mbuf to send it in */
	}
	if (w->mode == WL_MODE_BURST) {
		w->burst_left -= n;
		if (!w->burst_left)
			w->next_burst_tsc = now + w->burst_gap_us * w->hz / 1000000;
	}
	if (n)
		flush_pending(w, now);
}

/* ---------- rx ---------- */

/* A frame of our peer's that answers the generator: what the protocol's
 * matcher recognised, counted the same way for every protocol. */
static void match_reply(struct worker *w, const uint8_t *d, const struct pkt_info *pi, uint64_t now)
{
	const struct wl_config *c = w->cfg;
	const struct wl_proto_ops *o = wl_proto_get(pi->ip6 ? 6 : 4, pi->cls);
	if (!o || !o->match)
		return;
	struct wl_match_ctx m = { .cfg = c, .icmp_id = w->icmp_id, .resolving = (uint8_t)w->resolving };
	struct wl_reply r = { 0 };
	o->match(&m, d, pi, &r);
	int proto = pi->cls;
	switch (r.kind) {
	case WL_R_KEY:
		if (req_match(w, r.key, proto, now) && o->matched)
			o->matched(&w->c, pi);
		return;
	case WL_R_FIFO:
		if (w->arp_head == w->arp_tail)
			return;
		{
			uint64_t sent = w->arp_ring[w->arp_tail++ & (WL_ARP_RING - 1)];
			w->arp_outstanding = w->arp_head - w->arp_tail;
			if (w->resolving) {
				memcpy(w->dst_mac, r.mac, ETH_ALEN);
				w->arp_answered = 1;
			}
			rtt_add(&w->c.rtt, ticks_to_ns(w, now - sent));
		}
		__attribute__((fallthrough)); /* matched, without a key */
	case WL_R_ANSWER:
		w->c.p[proto].answers_matched++;
		if (w->bo.active && w->proto == proto) {
			w->c.answered++;
			w->bo.active = 0;
		}
		return;
	case WL_R_ERROR:
		w->c.p[proto].errors++;
		return;
	case WL_R_RESOLVED:
		memcpy(w->dst_mac, r.mac, ETH_ALEN);
		w->arp_answered = 1;
		return;
	case WL_R_CONN: {
		w->tcp_to_client = 1;   /* the responder must not see it (role both) */
		int our_syn = 0;
		if (r.has_key && req_match(w, r.key, proto, now)) {
			our_syn = 1;
			w->c.handshakes++;
		}
		uint8_t (*out)[WL_MAX_FRAME] = w->scratch->tcp_out;
		size_t lens[TCP_CLIENT_MAX_OUT];
		w->tcpc.now_ms = ticks_to_ns(w, now - w->t0) / 1000000;
		int n = tcp_client_input(&w->tcpc, d, pi, our_syn, out, lens);
		for (int i = 0; i < n; i++)
			send_frame(w, out[i], lens[i], proto, now);
		return;
	}
	default:
		return;
	}
}

/* Sends an answer; one too big for the link leaves as fragments (RFC 791, RFC 8200 4.5). */
static int send_answer(struct worker *w, const uint8_t *data, size_t len, int proto, uint64_t now)
{
	if (len <= ETH_MAX_FRAME)
		return send_frame(w, data, len, proto, now);
	uint8_t frag[ETH_MAX_FRAME];
	size_t fl;
	int v6 = wl_frame_family(data, len) == 6;
	uint32_t id = next_frag_id(w);
	for (unsigned k = 0; (fl = v6 ? ipv6_fragment(data, len, ETH_HLEN, IPV6_FRAG_PAYLOAD, id, k, frag, sizeof(frag))
				     : ipv4_fragment(data, len, ETH_HLEN, 1480, (uint16_t)id, k, frag, sizeof(frag))) != 0;
	     k++)
		if (send_frame(w, frag, fl, proto, now) < 0)
			return -1;
	return 0;
}

/* The host of the port the frame in hand came in on. */
static inline struct rxv_cfg *rxv_here(struct worker *w) { return w->cur ? &w->wp[w->cur].rxv : &w->rxv; }
static inline struct resp_cfg *resp_here(struct worker *w) { return w->cur ? &w->wp[w->cur].resp : &w->resp; }

/* --stamp: a stamped datagram addressed to us; its one-way latency
 * from the same TSC that stamped it. */
static inline void stamp_arrival(struct worker *w, const uint8_t *d, const struct pkt_info *pi, uint64_t now)
{
	struct stamp st;
	if (stamp_parse(d + pi->pl_off, pi->pl_len, &st) < 0)
		return;
	lat_add(&w->c.lat, (int64_t)ticks_to_ns(w, now - w->t0) - (int64_t)st.tx_ns);
	seq_add(w->seq, &w->c.seq, st.stream, st.seq);
}

/* Gratuitous ARP (RFC 826, RFC 5227 2.3): the peer's new MAC replaces the
 * resolved one (templates included); a claim on our address is a conflict. */
static void arp_learn(struct worker *w, const uint8_t *d, const struct pkt_info *pi)
{
	const uint8_t *sha = d + pi->l3_off + 8;
	if (!arp_is_gratuitous(pi))
		return;
	w->c.arp_gratuitous++;
	const struct resp_cfg *me = resp_here(w);
	if ((pi->arp_spa == me->ip || pi->arp_spa == w->cfg->src_ip) && memcmp(sha, me->mac, ETH_ALEN))
		w->c.arp_conflicts++;
	if (w->cfg->role == WL_ROLE_RX || w->cfg->has_dst_mac || pi->arp_spa != w->cfg->dst_ip ||
	    !memcmp(sha, w->dst_mac, ETH_ALEN))
		return;
	memcpy(w->dst_mac, sha, ETH_ALEN);
	for (unsigned i = 0; i < w->n_tmpls && !w->v6; i++)
		memcpy(w->tmpls[i].data, sha, ETH_ALEN);
	tmpl_generation(w);
	w->c.arp_cache_updates++;
}

/* A PMD that stripped the tags (VLAN strip offload: --vlan-strip, or a NIC
 * doing it anyway) left them in the mbuf: put them back in front of the
 * ethertype so the frame is classified, matched and captured as it was on
 * the wire. */
static inline void rx_unstrip(struct rte_mbuf *m)
{
	const uint64_t stripped = RTE_MBUF_F_RX_VLAN_STRIPPED | RTE_MBUF_F_RX_QINQ_STRIPPED;
	uint64_t f = m->ol_flags;
	if (likely(!(f & stripped)))
		return;
	struct vlan_stack s;
	vlan_from_stripped(&s, !!(f & RTE_MBUF_F_RX_VLAN_STRIPPED), !!(f & RTE_MBUF_F_RX_QINQ_STRIPPED), m->vlan_tci,
			   m->vlan_tci_outer);
	uint8_t *p = (uint8_t *)rte_pktmbuf_prepend(m, (uint16_t)vlan_hlen(&s));
	if (!p)
		return; /* no headroom: classified untagged, so refused as another VLAN's */
	vlan_reinsert(&s, p);
	m->ol_flags = f & ~stripped;
}

static void rx_one(struct worker *w, struct rte_mbuf *m, uint64_t now)
{
	uint8_t *out = w->scratch->out;
	uint8_t *linear = w->scratch->linear;
	const uint8_t *d;
	rx_unstrip(m);
	uint32_t len = m->pkt_len;
	if (m->nb_segs == 1) {
		d = rte_pktmbuf_mtod(m, const uint8_t *);
	} else {
		if (len > WL_MAX_FRAME)
			len = WL_MAX_FRAME;
		d = rte_pktmbuf_read(m, 0, len, linear);
	}
	struct pkt_info pi;
	int cls = pkt_parse(d, len, &w->pcfg, &pi);
	w->c.rx_packets++;
	w->c.rx_bytes += len;
	if (pi.ethertype == ETHERTYPE_IPV4 || pi.ethertype == ETHERTYPE_IPV6)
		w->c.fam[pi.ethertype == ETHERTYPE_IPV6].rx_packets++;
	if (pi.vlan)
		vlan_count_rx(&w->c.vlans, vlan_key(pi.vlan, pi.vlan_tci));
	w->c.port[w->cur].rx_packets++;
	w->c.port[w->cur].rx_bytes += len;
	if (w->pcap_on)
		pcap_frame(w, now, d, len);
	if (cls == WL_C_MALFORMED) {
		w->c.malformed++;
		w->c.refused[rxv_malformed_reason(&pi)]++;
		return;
	}
	if (cls == WL_C_UNKNOWN) {
		w->c.unknown++;
		return;
	}
	w->c.p[cls].rx_packets++;
	w->c.p[cls].rx_bytes += len;
	if (cls == WL_C_TCP && (pi.tcp_flags & TCP_RST) &&
	    (pi.ip6 ? !memcmp(pi.ip6_dst, w->cfg->src_ip6, IPV6_ALEN) || !memcmp(pi.ip6_dst, resp_here(w)->ip6, IPV6_ALEN)
		    : pi.ip_dst == w->cfg->src_ip || pi.ip_dst == resp_here(w)->ip))
		w->c.resets++;

	int why = rxv_check(rxv_here(w), d, len, &pi);
	if (why) {
		w->c.refused[why]++;
		return;
	}
	if (w->seq && cls == WL_C_UDP && !pi.frag)
		stamp_arrival(w, d, &pi, now);
	if (cls == WL_C_ARP) {
		if (w->dad_active)
			arp_dad_on_arp(&w->dad, d, &pi);
		arp_learn(w, d, &pi);
	}
	if (pi.frag) {
		/* the datagram, once whole, is checked and answered like any other */
		const uint8_t *whole;
		size_t wl = reasm_add(w->reasm, d, len, &pi, now, &whole);
		w->c.reasm = *reasm_get_stats(w->reasm);
		if (!wl)
			return;
		d = whole;
		len = (uint32_t)wl;
		cls = pkt_parse(d, len, &w->pcfg, &pi);
		if (cls == WL_C_MALFORMED || cls == WL_C_UNKNOWN) {
			w->c.refused[rxv_malformed_reason(&pi)] += cls == WL_C_MALFORMED;
			return;
		}
		why = rxv_check(rxv_here(w), d, len, &pi);
		if (why) {
			w->c.refused[why]++;
			return;
		}
	}

	w->tcp_to_client = 0;
	if (w->cfg->role != WL_ROLE_RX)
		match_reply(w, d, &pi, now);
	if (w->tcp_to_client)
		return;

	struct resp_cfg *resp = resp_here(w);
	if (!resp->ip && !resp->has_ip6)
		return;
	unsigned ev = 0;
	w->tcps.now_ms = ticks_to_ns(w, now - w->t0) / 1000000;
	int big = len > ETH_MAX_FRAME;
	uint8_t *o = big ? w->big_out : out;
	size_t olen = respond(resp, d, len, &pi, o, big ? REASM_MAX_FRAME : WL_MAX_FRAME, &ev);
	if (ev & RESP_TCP_HANDSHAKE)
		w->c.handshakes++;
	if (ev & RESP_ERROR)
		w->c.p[cls].errors++;
	if (olen) {
		if (send_answer(w, o, olen, cls, now) == 0)
			w->c.p[cls].answers_sent++;
	}
}

static inline unsigned rx_poll_port(struct worker *w, unsigned k, uint64_t now)
{
	struct rte_mbuf *rx[RX_BURST];
	uint16_t n = rte_eth_rx_burst(w->wp[k].qport, w->wp[k].queue, rx, RX_BURST);
	if (!n)
		return 0;
	now = rte_rdtsc(); /* arrival time of this burst, for RTT, latency and pcap */
	w->cur = k;
	for (uint16_t i = 0; i < n; i++) {
		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(rx[i + 1], void *));
		rx_one(w, rx[i], now);
	}
	w->cur = 0;
	/* received data overwrote whatever template these mbufs held */
	for (uint16_t i = 0; i < n; i++)
		*RTE_MBUF_DYNFIELD(rx[i], w->stamp_off, uint32_t *) = 0;
	rte_pktmbuf_free_bulk(rx, n);
	return n;
}

static inline unsigned rx_poll(struct worker *w, uint64_t now)
{
	unsigned n = rx_poll_port(w, 0, now);
	for (unsigned k = 1; k < w->n_ports; k++)
		n += rx_poll_port(w, k, now);
	return n;
}

/* TCP timers, every millisecond: TIME-WAIT and stuck connections freed,
 * idle ones closed (their FINs sent). */
static void tcp_timers(struct worker *w, uint64_t now)
{
	uint8_t *out = w->scratch->timer_out;
	uint64_t ms = ticks_to_ns(w, now - w->t0) / 1000000;
	w->next_tcp_tick = now + w->hz / 1000;
	if (w->tcpc.tab.slot) {
		w->tcpc.now_ms = ms;
		tcp_client_tick(&w->tcpc);
	}
	if (w->resp.tcp) {
		w->tcps.now_ms = ms;
		size_t l;
		for (int k = 0; k < 32 && (l = tcp_server_tick(&w->tcps, out, sizeof(out))) != 0; k++)
			send_frame(w, out, l, WL_P_TCP, now);
	}
}

/* ---------- ARP resolution ---------- */

static int resolve_dst(struct worker *w, int v6)
{
	const struct wl_config *c = w->cfg;
	uint8_t f[128];
	uint64_t start = rte_rdtsc(), next = start, deadline = start + (uint64_t)c->arp_timeout_ms * w->hz / 1000;
	char ip[64];
	const char *how = v6 ? "NDP" : "ARP";
	size_t len;
	if (v6) {
		fmt_ipv6(c->dst_ip6, ip, sizeof(ip));
		len = ndp_build_ns(f, sizeof(f), c->src_mac, c->src_ip6, c->dst_ip6);
	} else {
		fmt_ipv4(c->dst_ip, ip, sizeof(ip));
		len = arp_build_request(f, sizeof(f), c->src_mac, c->src_ip, c->dst_ip);
	}
	w->resolving = 1;
	for (;;) {
		uint64_t now = rte_rdtsc();
		if (wl_force_quit)
			return -1;
		if (now >= deadline) {
			char ex[256];
			snprintf(ex, sizeof(ex), "\"ip\":\"%s\",\"message\":\"no %s reply within %u ms\"", ip, how,
				 c->arp_timeout_ms);
			worker_event(w, "error", ex);
			fprintf(stderr, "wirelab-engine: %s did not answer %s within %u ms (give --dst-mac to skip)\n", ip,
				how, c->arp_timeout_ms);
			return -1;
		}
		if (now >= next) {
			if (v6) {
				send_frame(w, f, len, WL_P_ICMP, now);
			} else if (send_frame(w, f, len, WL_P_ARP, now) == 0) {
				w->c.p[WL_P_ARP].requests++;
				arp_push(w, now);
			}
			next = now + (uint64_t)ARP_RETRY_MS * w->hz / 1000;
		}
		rx_poll(w, now);
		if (w->arp_answered) {
			/* match_reply saw the reply and took the MAC */
			w->arp_answered = 0;
			if (v6)
				memcpy(w->dst_mac6, w->dst_mac, ETH_ALEN);
			w->arp_head = w->arp_tail = 0;
			w->arp_outstanding = 0;
			char mac[32], ex[256];
			fmt_mac(w->dst_mac, mac, sizeof(mac));
			snprintf(ex, sizeof(ex), "\"ip\":\"%s\",\"mac\":\"%s\",\"ms\":%.3f", ip, mac,
				 (double)(rte_rdtsc() - start) * w->ns_per_tick / 1e6);
			worker_event(w, v6 ? "ndp_resolved" : "arp_resolved", ex);
			fprintf(stderr, "wirelab-engine: %s is at %s\n", ip, mac);
			break;
		}
		if (w->inline_stats)
			engine_stats_tick(w->eng, now);
	}
	w->resolving = 0;
	return 0;
}

/* ---------- duplicate-address detection ---------- */

/* RFC 5227 2.1 for --src-ip before anything is sent from it. Returns -1
 * (after a one-line error) on a conflict or a signal. */
static int detect_duplicate(struct worker *w)
{
	const struct wl_config *c = w->cfg;
	uint8_t f[ETH_MIN_FRAME];
	char ip[32], mac[32], ex[200];
	fmt_ipv4(c->src_ip, ip, sizeof(ip));
	uint64_t start = rte_rdtsc();
	arp_dad_start(&w->dad, c->src_mac, c->src_ip, start, (uint64_t)DAD_PROBE_MS * w->hz / 1000,
		      (uint64_t)DAD_WAIT_MS * w->hz / 1000);
	w->dad_active = 1;
	for (;;) {
		uint64_t now = rte_rdtsc();
		if (wl_force_quit) {
			w->dad_active = 0;
			return -1;
		}
		size_t l = arp_dad_poll(&w->dad, now, f, sizeof(f));
		if (l && send_frame(w, f, l, WL_P_ARP, now) == 0)
			w->c.p[WL_P_ARP].requests++;
		rx_poll(w, now);
		if (arp_dad_finished(&w->dad, now))
			break;
	}
	w->dad_active = 0;
	if (w->dad.conflict) {
		fmt_mac(w->dad.conflict_mac, mac, sizeof(mac));
		w->c.arp_conflicts++;
		snprintf(ex, sizeof(ex), "\"ip\":\"%s\",\"mac\":\"%s\",\"message\":\"address in use\"", ip, mac);
		worker_event(w, "error", ex);
		fprintf(stderr, "wirelab-engine: --arp-dad: %s is already in use by %s (RFC 5227 conflict); not starting\n", ip,
			mac);
		return -1;
	}
	size_t l = arp_dad_announce(&w->dad, f, sizeof(f));
	send_frame(w, f, l, WL_P_ARP, rte_rdtsc());
	snprintf(ex, sizeof(ex), "\"ip\":\"%s\",\"probes\":%u,\"ms\":%.3f", ip, w->dad.sent,
		 (double)(rte_rdtsc() - start) * w->ns_per_tick / 1e6);
	worker_event(w, "arp_dad_ok", ex);
	return 0;
}

/* ---------- main loop ---------- */

static void set_reason(struct worker *w, const char *r, uint64_t now)
{
	if (!w->done) {
		w->done = 1;
		w->reason = r;
		w->stop_tsc = now;
	}
}

/* The family of random phase `index`: drawn from the seed when both are
 * configured; ARP is IPv4's own, so an IPv6-only phase that drew it sends
 * ICMPv6 (NDP's protocol) instead. */
static int phase_family6(const struct wl_config *c, unsigned index, struct phase_draw *d)
{
	int v6 = c->ip_version == 6;
	if (c->dual_stack) {
		struct wl_rng r;
		rng_seed(&r, (c->seed ^ 0x6a09e667f3bcc908ull) * 0x100000001B3ull + index);
		v6 = d->protocol != WL_P_ARP && rng_below(&r, 2);
	}
	if (v6 && d->protocol == WL_P_ARP)
		d->protocol = WL_P_ICMP;
	return v6;
}

static void random_phase(struct worker *w, uint64_t now)
{
	const struct wl_config *c = w->cfg;
	struct phase_draw d;
	int fixed_mode = c->mode == WL_MODE_RANDOM ? -1 : c->mode;
	phase_draw(c->seed, w->phase, c->protocol, fixed_mode, &d);
	w->pps = c->mode == WL_MODE_RANDOM ? d.pps : c->pps;
	w->burst_size = c->mode == WL_MODE_RANDOM ? d.burst_size : c->burst_size;
	w->burst_gap_us = c->mode == WL_MODE_RANDOM ? d.burst_gap_us : c->burst_gap_us;
	w->interval_us = c->mode == WL_MODE_RANDOM ? d.interval_us : c->interval_us;
	if (w->n_pend)
		flush_pending(w, now);
	w->v6 = phase_family6(c, w->phase, &d);
	gen_setup(w, d.protocol, d.mode, now);
	if (d.mode == WL_MODE_BACKOFF)
		w->have_backoff = 1;
	char ex[400];
	snprintf(ex, sizeof(ex),
		 "\"phase\":%u,\"seed\":%llu,\"protocol\":\"%s\",\"mode\":\"%s\",\"duration_s\":%.3f,\"pps\":%.0f,"
		 "\"burst_size\":%u,\"burst_gap_us\":%llu,\"interval_us\":%llu,\"ip_version\":%d",
		 w->phase, (unsigned long long)c->seed, wl_proto_names[d.protocol], wl_mode_names[d.mode],
		 c->phase_duration_s, w->pps, w->burst_size, (unsigned long long)w->burst_gap_us,
		 (unsigned long long)w->interval_us, w->v6 ? 6 : 4);
	if (w->index == 0)
		worker_event(w, "phase", ex);
	w->phase++;
	w->phase_end = now + (uint64_t)(c->phase_duration_s * (double)w->hz);
}

/* Workers other than 0: answer what reaches their queue until worker 0
 * has the peer's MAC (or gave up). */
static int wait_for_peer(struct worker *w)
{
	int r;
	while ((r = __atomic_load_n(&w->sh->ready, __ATOMIC_ACQUIRE)) == 0) {
		uint64_t now = rte_rdtsc();
		if (wl_force_quit)
			break;
		rx_poll(w, now);
		if (w->inline_stats)
			engine_stats_tick(w->eng, now);
	}
	if (r != 1) {
		set_reason(w, wl_force_quit ? "signal" : "error", rte_rdtsc());
		return -1;
	}
	memcpy(w->dst_mac, w->sh->dst_mac, ETH_ALEN);
	memcpy(w->dst_mac6, w->sh->dst_mac6, ETH_ALEN);
	return 0;
}

int worker_main(void *arg)
{
	struct worker *w = arg;
	const struct wl_config *c = w->cfg;
	uint64_t now = rte_rdtsc();
	int random = c->mode == WL_MODE_RANDOM || c->protocol == WL_PROTO_RANDOM;

	if (c->role != WL_ROLE_RX) {
		if (w->index == 0) {
			int needs_mac = !c->has_dst_mac && c->protocol != WL_P_ARP;
			/* both families' neighbours when random mode may draw either; IPv4's MAC ends in dst_mac */
			int need6 = needs_mac && (c->ip_version == 6 || (c->dual_stack && random));
			int need4 = needs_mac && (c->ip_version == 4 || (c->dual_stack && random));
			if ((c->arp_dad && detect_duplicate(w) < 0) || (need6 && resolve_dst(w, 1) < 0) ||
			    (need4 && resolve_dst(w, 0) < 0)) {
				w->sh->ready = -1;
				set_reason(w, wl_force_quit ? "signal" : "error", rte_rdtsc());
				return 0;
			}
			memcpy(w->sh->dst_mac, w->dst_mac, ETH_ALEN);
			memcpy(w->sh->dst_mac6, w->dst_mac6, ETH_ALEN);
			__atomic_store_n(&w->sh->ready, 1, __ATOMIC_RELEASE);
		} else if (wait_for_peer(w) < 0) {
			return 0;
		}
		now = rte_rdtsc();
		if (random) {
			random_phase(w, now);
		} else if (gen_setup(w, c->protocol, c->mode, now) < 0) {
			set_reason(w, "error", now);
			return 0;
		}
		w->generating = 1;
	}

	const uint64_t count = c->count;
	const int is_rx = c->role == WL_ROLE_RX;
	uint64_t idle_polls = 0, next_rx_poll = 0;
	const uint64_t rx_gap_min = w->hz / 20000, rx_gap_max = w->hz / 1000;
	uint64_t rx_gap = rx_gap_min;
	while (!w->done) {
		now = rte_rdtsc();
		/* rx first: replies and requests waiting in the ring. While
		 * generating, a quiet rx ring is polled less often: an empty poll
		 * is a recvfrom() that busy-polls the queue under af_xdp's
		 * preferred busy polling. Paced traffic keeps it every 64th turn
		 * (RTTs stay exact to a few us); a flood at full speed, where each
		 * turn is a burst, from every 50 us, doubling while it stays quiet
		 * up to every 1 ms (2048 descriptors hold 1 ms of 2 Mpps). */
		int poll_rx = !w->generating || idle_polls < 16 ||
			      (w->paced || w->mode != WL_MODE_CONTINUOUS ? (idle_polls & 63) == 0 : now >= next_rx_poll);
		if (poll_rx) {
			if (rx_poll(w, now)) {
				idle_polls = 0;
				rx_gap = rx_gap_min;
			} else {
				idle_polls++;
				next_rx_poll = now + rx_gap;
				if (idle_polls >= 16 && rx_gap < rx_gap_max)
					rx_gap *= 2;
			}
		} else {
			idle_polls++;
		}
		if (w->generating)
			gen_step(w, now);
		if (now >= w->next_tcp_tick)
			tcp_timers(w, now);

		if (unlikely(wl_force_quit)) {
			set_reason(w, "signal", now);
			break;
		}
		if (w->end_tsc && unlikely(now >= w->end_tsc)) {
			/* departures due before the end that a stall kept back: the
			 * split between workers is judged with them */
			if (w->generating && w->paced && w->pacer.step && w->end_tsc > w->pacer.next)
				w->c.ipd.unsent_at_end += (w->end_tsc - w->pacer.next + w->pacer.step - 1) / w->pacer.step;
			set_reason(w, "duration", now);
			break;
		}
		if (count) {
			if (is_rx) {
				if (engine_rx_packets(w->eng) >= c->count)
					set_reason(w, "count", now);
			} else if (!w->linger_end && w->c.gen_packets >= w->count && !w->n_pend && !w->bo.active) {
				w->linger_end = now + (uint64_t)c->linger_ms * w->hz / 1000;
				if (w->linger_end == now)
					w->linger_end++;
			}
			if (w->linger_end && now >= w->linger_end)
				set_reason(w, "count", now);
		}
		if (now >= w->reasm_sweep) {
			reasm_expire(w->reasm, now);
			w->c.reasm = *reasm_get_stats(w->reasm);
			w->reasm_sweep = now + w->hz;
		}
		if (random && w->generating && now >= w->phase_end)
			random_phase(w, now);
		if (w->inline_stats)
			engine_stats_tick(w->eng, now);
	}
	/* give the last frames a chance to leave */
	uint64_t until = rte_rdtsc() + w->hz / 100;
	while (w->n_pend && rte_rdtsc() < until)
		flush_pending(w, rte_rdtsc());
	if (w->n_pend) {
		w->c.tx_dropped += w->n_pend;
		rte_pktmbuf_free_bulk(w->pend, w->n_pend);
		w->n_pend = 0;
	}
	return 0;
}

/* DPDK's TSC rate can be a nominal figure (2.45 GHz here where the TSC
 * really runs at 2.4454 GHz): rate pacing would be off by that much.
 * Measure it against CLOCK_MONOTONIC over 250 ms instead. */
uint64_t worker_calibrate_tsc_hz(void)
{
	struct timespec a0, a1, b0, b1;
	clock_gettime(CLOCK_MONOTONIC, &a0);
	uint64_t t0 = rte_rdtsc();
	clock_gettime(CLOCK_MONOTONIC, &a1);
	struct timespec nap = { 0, 250000000 };
	nanosleep(&nap, NULL);
	clock_gettime(CLOCK_MONOTONIC, &b0);
	uint64_t t1 = rte_rdtsc();
	clock_gettime(CLOCK_MONOTONIC, &b1);
	double s0 = (double)a0.tv_sec + a0.tv_nsec / 1e9, s0b = (double)a1.tv_sec + a1.tv_nsec / 1e9;
	double s1 = (double)b0.tv_sec + b0.tv_nsec / 1e9, s1b = (double)b1.tv_sec + b1.tv_nsec / 1e9;
	double dt = (s1 + s1b) / 2 - (s0 + s0b) / 2;
	uint64_t nominal = rte_get_tsc_hz();
	if (dt <= 0.2)
		return nominal;
	double hz = (double)(t1 - t0) / dt;
	/* trust the measurement only if it is close to the nominal figure */
	if (hz < nominal * 0.9 || hz > nominal * 1.1)
		return nominal;
	return (uint64_t)hz;
}

int worker_init(struct worker *w, const struct wl_config *cfg, const struct port_info *port,
		struct rte_mempool *pool, unsigned index, unsigned n, uint64_t hz, uint64_t t0, uint64_t wall0_ns)
{
	memset(w, 0, sizeof(*w));
	w->cfg = cfg;
	w->port = port;
	w->pool = pool;
	w->index = index;
	w->n_workers = n;
	w->frag_id = index;
	w->qport = port->qport[index];
	w->queue = port->qid[index];
	w->count = share(cfg->count, index, n);
	w->hz = hz;
	w->ns_per_tick = 1e9 / (double)w->hz;
	static const struct rte_mbuf_dynfield stamp_desc = {
		.name = "wl_tmpl_stamp", .size = sizeof(uint32_t), .align = __alignof__(uint32_t),
	};
	w->stamp_off = rte_mbuf_dynfield_register(&stamp_desc);
	if (w->stamp_off < 0) {
		fprintf(stderr, "wirelab-engine: cannot register an mbuf field: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	w->tmpls = rte_zmalloc("wl_tmpl", sizeof(struct wl_tmpl) * WL_MAX_TMPLS, 64);
	w->req = rte_zmalloc("wl_req", sizeof(struct req_slot) * WL_REQ_SLOTS, 64);
	w->scratch = rte_zmalloc("wl_scratch", sizeof(*w->scratch), 64);
	if (!port->fast_free && tmpl_slab_init(&w->slab, pool, WL_MAX_TMPLS) < 0)
		w->slab.m = NULL; /* frames copied from the templates as before */
	if (!w->tmpls || !w->req || !w->scratch) {
		fprintf(stderr, "wirelab-engine: out of memory for templates (raise -m)\n");
		return -1;
	}
	/* worker 0 draws what a single worker always drew; the others their own ICMP ids and keys */
	rng_seed(&w->rng, cfg->seed + (uint64_t)index * 0x9e3779b97f4a7c15ull);
	w->icmp_id = (uint16_t)(rng_next(&w->rng) >> 48);
	w->key = (uint32_t)(rng_next(&w->rng) >> 32);
	memcpy(w->dst_mac, cfg->dst_mac, ETH_ALEN);
	memcpy(w->dst_mac6, cfg->dst_mac, ETH_ALEN);
	w->v6 = cfg->ip_version == 6;
	w->interval_us = cfg->interval_us;
	w->burst_size = cfg->burst_size;
	w->burst_gap_us = cfg->burst_gap_us;
	w->pps = cfg->pps;

	w->pcfg.raw_ethertype = cfg->ethertype;
	w->pcfg.dns_port = cfg->dst_port && (cfg->protocol == WL_P_DNS) ? cfg->dst_port : 0;

	memcpy(w->resp.mac, cfg->src_mac, ETH_ALEN);
	w->resp.ip = cfg->ip;
	w->resp.arp_only = cfg->role == WL_ROLE_TX;
	w->resp.udp_echo = (uint8_t)cfg->udp_echo;
	w->resp.has_ip6 = w->rxv.has_ip6 = (uint8_t)cfg->has_ip6;
	memcpy(w->resp.ip6, cfg->ip6, IPV6_ALEN);
	memcpy(w->rxv.ip6, cfg->ip6, IPV6_ALEN);
	w->resp.records = cfg->records;
	w->resp.n_records = cfg->n_records;
	w->resp.tcp_secret = (uint32_t)rng_next(&w->rng);

	if (cfg->role != WL_ROLE_RX && tcp_client_init(&w->tcpc, cfg->tcp_conns, &w->c.tcp_client) < 0) {
		fprintf(stderr, "wirelab-engine: out of memory for %u TCP connections (lower --tcp-conns)\n", cfg->tcp_conns);
		return -1;
	}
	if (cfg->role != WL_ROLE_TX && (cfg->ip || cfg->has_ip6)) {
		if (tcp_server_init(&w->tcps, cfg->tcp_conns, &w->c.tcp_server, cfg->src_mac, w->resp.tcp_secret) < 0) {
			fprintf(stderr, "wirelab-engine: out of memory for %u TCP connections (lower --tcp-conns)\n", cfg->tcp_conns);
			return -1;
		}
		memcpy(w->tcps.listen, cfg->tcp_listen, sizeof(w->tcps.listen));
		w->tcps.n_listen = cfg->n_tcp_listen;
		w->tcps.dns_port = tcp_server_listening(&w->tcps, DNS_PORT) ? DNS_PORT : 0;
		w->tcps.echo = (uint8_t)cfg->tcp_echo;
		w->tcps.records = cfg->records;
		w->tcps.n_records = cfg->n_records;
		w->tcps.idle_ms = cfg->tcp_idle_ms;
		w->resp.tcp = &w->tcps;
	}
	w->n_ports = 1;
	w->wp[0].info = port;
	w->wp[0].qport = w->qport;
	w->wp[0].queue = w->queue;
	if (cfg->stamp) {
		w->seq = rte_zmalloc("wl_seq", sizeof(*w->seq), 64);
		if (!w->seq) {
			fprintf(stderr, "wirelab-engine: out of memory for --stamp sequence tracking (raise -m)\n");
			return -1;
		}
		seq_init(w->seq);
		lat_init(&w->c.lat);
		w->stamp_stream = (uint16_t)index; /* tx port index 0 << 8 | worker */
	}
	memcpy(w->rxv.mac, cfg->src_mac, ETH_ALEN);
	w->rxv.vlan = cfg->vlan;
	vlan_counters_init(&w->c.vlans, &cfg->vlan);
	w->rxv.verify_checksums = (uint8_t)cfg->verify_checksums;
	w->rxv.promiscuous = (uint8_t)cfg->promiscuous;
	w->reasm = reasm_create(REASM_DGRAMS, (uint64_t)REASM_TIMEOUT_S * w->hz);
	w->big_out = malloc(REASM_MAX_FRAME);
	if (!w->reasm || !w->big_out) {
		fprintf(stderr, "wirelab-engine: out of memory for IP reassembly (%d x 64 KiB)\n", REASM_DGRAMS);
		return -1;
	}

	memcpy(w->tcpc.mac, cfg->src_mac, ETH_ALEN);
	w->tcpc.dport = options_dst_port(cfg, WL_P_TCP);

	int random = cfg->mode == WL_MODE_RANDOM || cfg->protocol == WL_PROTO_RANDOM;
	if (cfg->role != WL_ROLE_RX) {
		w->have_rtt = random || is_request_proto(cfg, cfg->protocol);
		w->have_backoff = cfg->mode == WL_MODE_BACKOFF;
	}
	if (cfg->pcap[0]) {
		/* one writer per worker: FILE for worker 0, FILE.1, FILE.2, ... for the others */
		char path[sizeof(cfg->pcap) + 16];
		if (index)
			snprintf(path, sizeof(path), "%s.%u", cfg->pcap, index);
		else
			snprintf(path, sizeof(path), "%s", cfg->pcap);
		if (pcapw_open(&w->pcap, path) < 0) {
			fprintf(stderr, "wirelab-engine: --pcap: cannot write '%s': %s\n", path, strerror(errno));
			return -1;
		}
		w->pcap_on = 1;
	}
	w->t0 = t0;
	w->wall0_ns = wall0_ns;
	w->prev_tsc = w->t0;
	if (cfg->duration_s > 0)
		w->end_tsc = w->t0 + (uint64_t)(cfg->duration_s * (double)w->hz);
	return 0;
}

/* The addresses one port answers for; TCP stays with the single-port responder. */
static void port_host(struct rxv_cfg *v, struct resp_cfg *r, uint32_t ip, int arp_only, const uint8_t *ip6)
{
	r->ip = ip;
	r->arp_only = (uint8_t)arp_only;
	r->tcp = NULL;
	r->has_ip6 = v->has_ip6 = ip6 != NULL;
	if (ip6) {
		memcpy(r->ip6, ip6, IPV6_ALEN);
		memcpy(v->ip6, ip6, IPV6_ALEN);
	}
}

int worker_add_port(struct worker *w, const struct port_info *port)
{
	const struct wl_config *c = w->cfg;
	if (w->n_ports == WL_MAX_PORTS)
		return -1;
	struct worker_port *p = &w->wp[w->n_ports];
	p->info = port;
	p->qport = port->qport[w->index];
	p->queue = port->qid[w->index];
	p->rxv = w->rxv;
	p->resp = w->resp;
	memcpy(p->rxv.mac, port->mac, ETH_ALEN);
	memcpy(p->resp.mac, port->mac, ETH_ALEN);
	port_host(&p->rxv, &p->resp, c->ip, 0, c->has_ip6 ? c->ip6 : NULL);
	/* the generator's port is the host of --src-ip alone: it answers ARP/NDP for it */
	if (w->n_ports == 1)
		port_host(&w->rxv, &w->resp, c->src_ip, 1, c->has_src_ip6 ? c->src_ip6 : NULL);
	w->n_ports++;
	return 0;
}

void worker_fini(struct worker *w)
{
	rte_free(w->seq);
	if (w->pcap_on) {
		pcapw_close(&w->pcap);
		if (w->pcap.failed)
			fprintf(stderr, "wirelab-engine: --pcap: write error, the file is incomplete\n");
	}
	tmpl_slab_fini(&w->slab);
	rte_free(w->tmpls);
	rte_free(w->req);
	rte_free(w->scratch);
	tcp_client_free(&w->tcpc);
	tcp_server_free(&w->tcps);
	reasm_destroy(w->reasm);
	free(w->big_out);
}
