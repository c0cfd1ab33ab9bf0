#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_memcpy.h>
#include <rte_prefetch.h>
#include "worker.h"
#include "proto_eth.h"
#include "proto_arp.h"
#include "proto_icmp6.h"
#include "proto.h"
#include "proto_icmp.h"
#include "proto_udp.h"
#include "proto_tcp.h"
#include "proto_dns.h"
#include "ipv4_frag.h"

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

void worker_emit_stats(struct worker *w, uint64_t now, const char *reason)
{
	static struct jbuf j;
	static struct wl_counters snap;
	struct rte_eth_stats es;
	memcpy(&snap, &w->c, sizeof(snap));
	memset(&es, 0, sizeof(es));
	rte_eth_stats_get(w->port->id, &es);
	struct stats_view v = {
		.type = reason ? "summary" : "stats",
		.role = wl_role_names[w->cfg->role],
		.t = (double)(now - w->t0) / (double)w->hz,
		.dt = reason ? (double)(now - w->t0) / (double)w->hz : (double)(now - w->prev_tsc) / (double)w->hz,
		.c = &snap,
		.prev = reason ? NULL : &w->prev,
		.hz = w->hz,
		.port_rx_missed = es.imissed,
		.port_tx_errors = es.oerrors,
		.have_rtt = w->have_rtt,
		.have_backoff = w->have_backoff,
		.duration_s = (double)(now - w->t0) / (double)w->hz,
		.reason = reason,
	};
	stats_render(&j, &v);
	jb_emit(&j);
	memcpy(&w->prev, &snap, sizeof(snap));
	w->prev_tsc = now;
}

/* ---------- templates ---------- */

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
	const struct wl_proto_ops *ops = wl_proto_get(c->ip_version, proto);
	if (!ops || !ops->build) {
		fprintf(stderr, "wirelab-engine: %s is not sent over IPv%d\n", wl_proto_names[proto], c->ip_version);
		return -1;
	}
	struct wl_tmpl_ctx x = { .cfg = c, .family = ops->family, .a = a, .dport = dport, .icmp_id = w->icmp_id };
	memcpy(x.a6.src_mac, c->src_mac, ETH_ALEN);
	memcpy(x.a6.dst_mac, w->dst_mac, ETH_ALEN);
	memcpy(x.a6.src, c->src_ip6, IPV6_ALEN);
	memcpy(x.a6.dst, c->dst_ip6, IPV6_ALEN);
	w->ops = ops;
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
		x.index = i;
		if (!ops->build(t, &x)) {
			fprintf(stderr, "wirelab-engine: cannot build a%s %s frame with these options\n",
				c->ip_version == 6 ? "n IPv6" : "", wl_proto_names[proto]);
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
	w->n_sports = w->cfg->flows;
	/* a TCP client never reuses a 4-tuple while a connection on it may live (RFC 9293 3.4.1):
	 * each connection takes the next port, as ephemeral ports do, over at least --flows ports
	 * (64 ports reused every 32 ms at 2000 connections/s met the peer still in LAST-ACK) */
	if (proto == WL_P_TCP) {
		uint32_t ephemeral = 65536u - w->cfg->src_port < WL_TCP_PORTS ? 65536u - w->cfg->src_port : WL_TCP_PORTS;
		if (w->n_sports < ephemeral)
			w->n_sports = ephemeral;
	}
	if (w->flow_i >= w->n_sports)
		w->flow_i = 0;
	if (build_templates(w, proto) < 0)
		return -1;
	w->paced = 0;
	w->c.ipd.active = 0;
	if (mode == WL_MODE_RATE || (mode == WL_MODE_CONTINUOUS && w->interval_us)) {
		double pps = mode == WL_MODE_RATE ? w->pps : 1e6 / (double)w->interval_us;
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

static inline void count_tx(struct worker *w, int proto, uint32_t len)
{
	w->c.tx_packets++;
	w->c.tx_bytes += len;
	w->c.p[proto].tx_packets++;
	w->c.p[proto].tx_bytes += len;
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
		if (rte_eth_tx_burst(w->port->id, 0, &m, 1) == 1) {
			count_tx(w, proto, (uint32_t)len);
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
	uint16_t sent = rte_eth_tx_burst(w->port->id, 0, w->pend, (uint16_t)n);
	if (sent) {
		/* counting per frame: the pending array can mix protocols only
		 * across a phase change, so take the fast path when it does not */
		for (unsigned i = 0; i < sent; i++) {
			uint32_t len = w->pend[i]->data_len;
			count_tx(w, w->pend_proto[i], len);
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
		}
		w->n_pend = n - sent;
	}
	return w->n_pend;
}

/* Build n generator frames into pend[]. */
static inline unsigned gen_fill(struct worker *w, unsigned n, uint64_t now, int reuse_key)
{
	struct rte_mbuf **m = w->pend + w->n_pend;
	if (rte_pktmbuf_alloc_bulk(w->pool, m, n) != 0)
		return 0;
	const int proto = w->proto;
	const int req = w->ops->is_request;
	const int key16 = w->ops->key16;
	const int fragmenting = w->cfg->fragment_size && proto != WL_P_ETH && proto != WL_P_ARP;
	for (unsigned i = 0; i < n; i++) {
		const struct wl_tmpl *t = &w->tmpls[w->n_tmpls == 1 ? 0 : rng_below(&w->rng, w->n_tmpls)];
		if (reuse_key)
			t = &w->tmpls[w->bo.tmpl];
		uint8_t *d = rte_pktmbuf_mtod(m[i], uint8_t *);
		rte_memcpy(d, t->data, t->len);
		m[i]->data_len = t->len;
		m[i]->pkt_len = t->len;
		uint16_t sport = (uint16_t)(w->cfg->src_port + w->flow_i);
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
		if (req) {
			if (proto == WL_P_ARP) {
				arp_push(w, now);
			} else {
				req_record(w, key, proto, now);
			}
		}
		if (!reuse_key) {
			w->c.p[proto].requests += req || (w->mode == WL_MODE_BACKOFF);
			w->c.gen_packets++;
		}
		if (w->mode == WL_MODE_BACKOFF) {
			w->bo.key = key;
			w->bo.sport = sport;
			w->bo.tmpl = (unsigned)(t - w->tmpls);
		}
		if (w->pcap_on && !fragmenting)
			pcap_frame(w, now, d, t->len);
		w->pend_proto[w->n_pend + i] = (uint8_t)proto;
	}
	if (fragmenting) {
		/* --fragment-size: each datagram leaves as its fragments (copied out) */
		uint8_t frag[WL_MAX_FRAME];
		const size_t l3 = ETH_HLEN + vlan_hlen(&w->cfg->vlan); /* the templates carry the tags */
		for (unsigned i = 0; i < n; i++) {
			const uint8_t *d = rte_pktmbuf_mtod(m[i], const uint8_t *);
			size_t fl;
			for (unsigned k = 0; (fl = ipv4_fragment(d, m[i]->data_len, l3, w->cfg->fragment_size, k, frag,
								 sizeof(frag))) != 0; k++)
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
	unsigned n = 0;
	unsigned max = w->cfg->tx_burst;
	const uint64_t count = w->cfg->count;
	uint64_t left = count ? count - w->c.gen_packets : UINT64_MAX;

	switch (w->mode) {
	case WL_MODE_CONTINUOUS:
	case WL_MODE_RATE:
		if (w->paced) {
			/* each tx burst costs a syscall on AF_XDP/af_packet: at high
			 * rates wait until a small batch is due (at most ~64 us of
			 * packets) so the syscall rate does not cap the packet rate */
			if (now < w->pacer.next + w->batch_wait)
				return;
			n = pacer_due(&w->pacer, now, max);
		}
		else
			n = max;
		break;
	case WL_MODE_BURST:
		if (!w->burst_left) {
			if (now < w->next_burst_tsc)
				return;
			w->burst_left = w->burst_size;
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
		if (count && w->c.gen_packets >= count)
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
	n = gen_fill(w, n, now, 0);
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
		static uint8_t out[TCP_CLIENT_MAX_OUT][WL_MAX_FRAME];
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

/* Sends an answer; one too big for the link leaves as fragments (RFC 791). */
static int send_answer(struct worker *w, const uint8_t *data, size_t len, int proto, uint64_t now)
{
	if (len <= ETH_MAX_FRAME)
		return send_frame(w, data, len, proto, now);
	uint8_t frag[ETH_MAX_FRAME];
	size_t fl;
	for (unsigned k = 0; (fl = ipv4_fragment(data, len, ETH_HLEN, 1480, k, frag, sizeof(frag))) != 0; k++)
		if (send_frame(w, frag, fl, proto, now) < 0)
			return -1;
	return 0;
}

/* Gratuitous ARP (RFC 826, RFC 5227 2.3): the peer's new MAC replaces the
 * resolved one (templates included); a claim on our address is a conflict. */
static void arp_learn(struct worker *w, const uint8_t *d, const struct pkt_info *pi)
{
	const uint8_t *sha = d + pi->l3_off + 8;
	if (!arp_is_gratuitous(pi))
		return;
	w->c.arp_gratuitous++;
	if ((pi->arp_spa == w->resp.ip || pi->arp_spa == w->cfg->src_ip) && memcmp(sha, w->resp.mac, ETH_ALEN))
		w->c.arp_conflicts++;
	if (w->cfg->role == WL_ROLE_RX || w->cfg->has_dst_mac || pi->arp_spa != w->cfg->dst_ip ||
	    !memcmp(sha, w->dst_mac, ETH_ALEN))
		return;
	memcpy(w->dst_mac, sha, ETH_ALEN);
	for (unsigned i = 0; i < w->n_tmpls; i++)
		memcpy(w->tmpls[i].data, sha, ETH_ALEN);
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
	static uint8_t out[WL_MAX_FRAME];
	static uint8_t linear[WL_MAX_FRAME];
	const uint8_t *d;
	rx_unstrip(m);
	uint32_t len = m->pkt_len;
	if (m->nb_segs == 1) {
		d = rte_pktmbuf_mtod(m, const uint8_t *);
	} else {
		if (len > sizeof(linear))
			len = sizeof(linear);
		d = rte_pktmbuf_read(m, 0, len, linear);
	}
	struct pkt_info pi;
	int cls = pkt_parse(d, len, &w->pcfg, &pi);
	w->c.rx_packets++;
	w->c.rx_bytes += len;
	if (pi.vlan)
		vlan_count_rx(&w->c.vlans, vlan_key(pi.vlan, pi.vlan_tci));
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
	if (cls == WL_C_TCP && (pi.tcp_flags & TCP_RST) && (pi.ip_dst == w->cfg->src_ip || pi.ip_dst == w->resp.ip))
		w->c.resets++;

	int why = rxv_check(&w->rxv, d, len, &pi);
	if (why) {
		w->c.refused[why]++;
		return;
	}
	if (cls == WL_C_ARP) {
		if (w->dad_active)
			arp_dad_on_arp(&w->dad, d, &pi);
		arp_learn(w, d, &pi);
	}
	if (pi.frag && pi.ip6)
		return; /* IPv6 fragments are not reassembled yet */
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
		why = rxv_check(&w->rxv, d, len, &pi);
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

	if (!w->resp.ip && !w->resp.has_ip6)
		return;
	unsigned ev = 0;
	w->tcps.now_ms = ticks_to_ns(w, now - w->t0) / 1000000;
	int big = len > ETH_MAX_FRAME;
	uint8_t *o = big ? w->big_out : out;
	size_t olen = respond(&w->resp, d, len, &pi, o, big ? REASM_MAX_FRAME : sizeof(out), &ev);
	if (ev & RESP_TCP_HANDSHAKE)
		w->c.handshakes++;
	if (ev & RESP_ERROR)
		w->c.p[cls].errors++;
	if (olen) {
		if (send_answer(w, o, olen, cls, now) == 0)
			w->c.p[cls].answers_sent++;
	}
}

static inline unsigned rx_poll(struct worker *w, uint64_t now)
{
	struct rte_mbuf *rx[RX_BURST];
	uint16_t n = rte_eth_rx_burst(w->port->id, 0, rx, RX_BURST);
	if (!n)
		return 0;
	now = rte_rdtsc(); /* arrival time of this burst, for RTT and pcap */
	for (uint16_t i = 0; i < n; i++) {
		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(rx[i + 1], void *));
		rx_one(w, rx[i], now);
	}
	rte_pktmbuf_free_bulk(rx, n);
	return n;
}

/* TCP timers, every millisecond: TIME-WAIT and stuck connections freed,
 * idle ones closed (their FINs sent). */
static void tcp_timers(struct worker *w, uint64_t now)
{
	static uint8_t out[WL_MAX_FRAME];
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

static int resolve_dst(struct worker *w)
{
	const struct wl_config *c = w->cfg;
	uint8_t f[128];
	uint64_t start = rte_rdtsc(), next = start, deadline = start + (uint64_t)c->arp_timeout_ms * w->hz / 1000;
	char ip[64];
	int v6 = c->ip_version == 6;
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
		if (w->inline_stats && now >= w->next_stats) {
			worker_emit_stats(w, now, NULL);
			w->next_stats += w->stats_step;
		}
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
	gen_setup(w, d.protocol, d.mode, now);
	if (d.mode == WL_MODE_BACKOFF)
		w->have_backoff = 1;
	char ex[400];
	snprintf(ex, sizeof(ex),
		 "\"phase\":%u,\"seed\":%llu,\"protocol\":\"%s\",\"mode\":\"%s\",\"duration_s\":%.3f,\"pps\":%.0f,"
		 "\"burst_size\":%u,\"burst_gap_us\":%llu,\"interval_us\":%llu",
		 w->phase, (unsigned long long)c->seed, wl_proto_names[d.protocol], wl_mode_names[d.mode],
		 c->phase_duration_s, w->pps, w->burst_size, (unsigned long long)w->burst_gap_us,
		 (unsigned long long)w->interval_us);
	worker_event(w, "phase", ex);
	w->phase++;
	w->phase_end = now + (uint64_t)(c->phase_duration_s * (double)w->hz);
}

int worker_main(void *arg)
{
	struct worker *w = arg;
	const struct wl_config *c = w->cfg;
	uint64_t now = rte_rdtsc();
	int random = c->mode == WL_MODE_RANDOM || c->protocol == WL_PROTO_RANDOM;

	if (c->role != WL_ROLE_RX) {
		if (c->arp_dad && detect_duplicate(w) < 0) {
			set_reason(w, wl_force_quit ? "signal" : "error", rte_rdtsc());
			return 0;
		}
		int needs_mac = !c->has_dst_mac && c->protocol != WL_P_ARP;
		if (needs_mac) {
			if (resolve_dst(w) < 0) {
				set_reason(w, wl_force_quit ? "signal" : "error", rte_rdtsc());
				return 0;
			}
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
	uint64_t idle_polls = 0;
	while (!w->done) {
		now = rte_rdtsc();
		/* rx first: replies and requests waiting in the ring. When only
		 * generating at full speed, a quiet rx ring is polled less often
		 * (each empty poll can cost a wakeup syscall with AF_XDP). */
		if (idle_polls < 16 || (idle_polls & 7) == 0 || !w->generating) {
			if (rx_poll(w, now))
				idle_polls = 0;
			else
				idle_polls++;
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
			set_reason(w, "duration", now);
			break;
		}
		if (count) {
			if (is_rx) {
				if (w->c.rx_packets >= count)
					set_reason(w, "count", now);
			} else if (!w->linger_end && w->c.gen_packets >= count && !w->n_pend && !w->bo.active) {
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
		if (w->inline_stats && now >= w->next_stats) {
			worker_emit_stats(w, now, NULL);
			w->next_stats += w->stats_step;
			if (w->next_stats < now)
				w->next_stats = now + w->stats_step;
		}
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
static uint64_t calibrate_tsc_hz(void)
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
		struct rte_mempool *pool)
{
	memset(w, 0, sizeof(*w));
	w->cfg = cfg;
	w->port = port;
	w->pool = pool;
	w->hz = calibrate_tsc_hz();
	w->ns_per_tick = 1e9 / (double)w->hz;
	w->tmpls = rte_zmalloc("wl_tmpl", sizeof(struct wl_tmpl) * WL_MAX_TMPLS, 64);
	w->req = rte_zmalloc("wl_req", sizeof(struct req_slot) * WL_REQ_SLOTS, 64);
	if (!w->tmpls || !w->req) {
		fprintf(stderr, "wirelab-engine: out of memory for templates (raise -m)\n");
		return -1;
	}
	rng_seed(&w->rng, cfg->seed);
	w->icmp_id = (uint16_t)(rng_next(&w->rng) >> 48);
	w->key = (uint32_t)(rng_next(&w->rng) >> 32);
	memcpy(w->dst_mac, cfg->dst_mac, ETH_ALEN);
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
	if (cfg->role != WL_ROLE_TX && cfg->ip) {
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
	memcpy(w->rxv.mac, cfg->src_mac, ETH_ALEN);
	w->rxv.vlan = cfg->vlan;
	vlan_counters_init(&w->c.vlans, &cfg->vlan);
	w->rxv.verify_checksums = (uint8_t)cfg->verify_checksums;
	w->rxv.promiscuous = (uint8_t)cfg->promiscuous;
	w->reasm = reasm_create(REASM_DGRAMS, (uint64_t)REASM_TIMEOUT_S * w->hz);
	w->big_out = malloc(REASM_MAX_FRAME);
	if (!w->reasm || !w->big_out) {
		fprintf(stderr, "wirelab-engine: out of memory for IPv4 reassembly (%d x 64 KiB)\n", REASM_DGRAMS);
		return -1;
	}

	memcpy(w->tcpc.mac, cfg->src_mac, ETH_ALEN);
	w->tcpc.ip = cfg->src_ip;
	w->tcpc.dport = options_dst_port(cfg, WL_P_TCP);

	int random = cfg->mode == WL_MODE_RANDOM || cfg->protocol == WL_PROTO_RANDOM;
	if (cfg->role != WL_ROLE_RX) {
		w->have_rtt = random || is_request_proto(cfg, cfg->protocol);
		w->have_backoff = cfg->mode == WL_MODE_BACKOFF;
	}
	if (cfg->pcap[0]) {
		if (pcapw_open(&w->pcap, cfg->pcap) < 0) {
			fprintf(stderr, "wirelab-engine: --pcap: cannot write '%s': %s\n", cfg->pcap, strerror(errno));
			return -1;
		}
		w->pcap_on = 1;
	}
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	w->t0 = rte_rdtsc();
	w->wall0_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	w->prev_tsc = w->t0;
	w->stats_step = (uint64_t)(cfg->stats_interval_s * (double)w->hz);
	w->next_stats = w->t0 + w->stats_step;
	if (cfg->duration_s > 0)
		w->end_tsc = w->t0 + (uint64_t)(cfg->duration_s * (double)w->hz);
	return 0;
}

void worker_fini(struct worker *w)
{
	if (w->pcap_on) {
		pcapw_close(&w->pcap);
		if (w->pcap.failed)
			fprintf(stderr, "wirelab-engine: --pcap: write error, the file is incomplete\n");
	}
	rte_free(w->tmpls);
	rte_free(w->req);
	tcp_client_free(&w->tcpc);
	tcp_server_free(&w->tcps);
	reasm_destroy(w->reasm);
	free(w->big_out);
}
