#include <stddef.h>
#include "stats.h"
#include <math.h>

double rtt_bucket_value(unsigned i)
{
	if (i < 64)
		return i;
	unsigned e = (i - 64) / RTT_SUB + 6, m = (i - 64) % RTT_SUB;
	double lo = ldexp(1.0, (int)e) + ldexp((double)m, (int)e - 5);
	double w = ldexp(1.0, (int)e - 5);
	return lo + w / 2;
}

double rtt_quantile(const struct rtt_hist *h, double p)
{
	if (!h->count)
		return 0;
	uint64_t rank = (uint64_t)ceil(p * (double)h->count);
	if (rank < 1)
		rank = 1;
	uint64_t acc = 0;
	for (unsigned i = 0; i < RTT_BUCKETS; i++) {
		acc += h->b[i];
		if (acc >= rank) {
			double v = rtt_bucket_value(i);
			return v > (double)h->max_ns ? (double)h->max_ns : v;
		}
	}
	return (double)h->max_ns;
}

/* the four counters every protocol, worker and port entry starts with */
static void txrx(struct jbuf *j, uint64_t tx_packets, uint64_t tx_bytes, uint64_t rx_packets, uint64_t rx_bytes)
{
	jb_ku64(j, "tx_packets", tx_packets);
	jb_ku64(j, "tx_bytes", tx_bytes);
	jb_ku64(j, "rx_packets", rx_packets);
	jb_ku64(j, "rx_bytes", rx_bytes);
}

static void proto_obj(struct jbuf *j, const struct proto_ctr *p)
{
	jb_obj_open(j);
	txrx(j, p->tx_packets, p->tx_bytes, p->rx_packets, p->rx_bytes);
	jb_ku64(j, "requests", p->requests);
	jb_ku64(j, "answers_sent", p->answers_sent);
	jb_ku64(j, "answers_matched", p->answers_matched);
	jb_ku64(j, "errors", p->errors);
	jb_obj_close(j);
}

/* What the receive side refused (by reason), reassembled, and learnt from ARP. */
static void rx_host_render(struct jbuf *j, const struct wl_counters *c)
{
	jb_key(j, "refused");
	jb_obj_open(j);
	for (int i = 1; i < RXV_COUNT; i++)
		jb_ku64(j, rxv_reason_names[i], c->refused[i]);
	jb_obj_close(j);
	jb_key(j, "reassembly");
	jb_obj_open(j);
	jb_ku64(j, "fragments", c->reasm.fragments);
	jb_ku64(j, "reassembled", c->reasm.reassembled);
	jb_ku64(j, "timed_out", c->reasm.timed_out);
	jb_ku64(j, "dropped", c->reasm.dropped);
	jb_ku64(j, "overlap", c->reasm.overlap);
	jb_ku64(j, "too_big", c->reasm.too_big);
	jb_ku64(j, "no_slot", c->reasm.no_slot);
	jb_ku64(j, "bad_fragment", c->reasm.bad_fragment);
	jb_obj_close(j);
	jb_key(j, "arp");
	jb_obj_open(j);
	jb_ku64(j, "gratuitous", c->arp_gratuitous);
	jb_ku64(j, "cache_updates", c->arp_cache_updates);
	jb_ku64(j, "conflicts", c->arp_conflicts);
	jb_obj_close(j);
}

void counters_add(struct wl_counters *dst, const struct wl_counters *src)
{
	/* everything before the histogram is a uint64_t counter */
	_Static_assert(offsetof(struct wl_counters, rtt) % sizeof(uint64_t) == 0, "counters are uint64_t");
	uint64_t *d = (uint64_t *)dst;
	const uint64_t *s = (const uint64_t *)src;
	for (size_t i = 0; i < offsetof(struct wl_counters, rtt) / sizeof(uint64_t); i++)
		d[i] += s[i];
	hist_merge(&dst->rtt, &src->rtt);
	struct ipd_stats *p = &dst->ipd;
	const struct ipd_stats *q = &src->ipd;
	if (q->pkts && (!p->t0_tsc || q->t0_tsc < p->t0_tsc))
		p->t0_tsc = q->t0_tsc;
	if (q->t1_tsc > p->t1_tsc)
		p->t1_tsc = q->t1_tsc;
	p->n += q->n;
	p->sum_ns += q->sum_ns;
	p->sumsq_ns += q->sumsq_ns;
	p->pkts += q->pkts;
	p->target_pps += q->target_pps;
	p->active |= q->active;
	p->late_first_ns += q->late_first_ns;
	p->late_last_ns += q->late_last_ns;
	p->skipped += q->skipped;
	p->unsent_at_end += q->unsent_at_end;
	vlan_counters_add(&dst->vlans, &src->vlans);
	for (unsigned k = 0; k < WL_MAX_PORTS; k++) {
		dst->port[k].tx_packets += src->port[k].tx_packets;
		dst->port[k].tx_bytes += src->port[k].tx_bytes;
		dst->port[k].rx_packets += src->port[k].rx_packets;
		dst->port[k].rx_bytes += src->port[k].rx_bytes;
	}
	lat_merge(&dst->lat, &src->lat);
	seq_sums_add(&dst->seq, &src->seq);
	dst->stamped += src->stamped;
}

double ipd_achieved_pps(const struct ipd_stats *d, uint64_t hz)
{
	double span = d->t1_tsc > d->t0_tsc ? (double)(d->t1_tsc - d->t0_tsc) / (double)hz : 0;
	return span > 0 && d->pkts > 1 ? (double)(d->pkts - 1) / span : 0;
}

static uint64_t answers_matched(const struct wl_counters *c)
{
	uint64_t n = 0;
	for (int i = 0; i < WL_P_COUNT; i++)
		n += c->p[i].answers_matched;
	return n;
}

void stats_render_breakdown(struct jbuf *j, const struct stats_view *v)
{
	double dt = v->dt > 0 ? v->dt : 1e-9;
	jb_key(j, "workers");
	jb_arr_open(j);
	for (unsigned i = 0; i < v->n_workers; i++) {
		const struct stats_worker_view *w = &v->workers[i];
		const struct wl_counters *c = w->c;
		jb_obj_open(j);
		jb_ku64(j, "worker", w->worker);
		jb_ku64(j, "lcore", w->lcore);
		txrx(j, c->tx_packets, c->tx_bytes, c->rx_packets, c->rx_bytes);
		jb_ku64(j, "answers_matched", answers_matched(c));
		jb_kdbl(j, "tx_pps", (double)(c->tx_packets - (w->prev ? w->prev->tx_packets : 0)) / dt, 1);
		jb_kdbl(j, "rx_pps", (double)(c->rx_packets - (w->prev ? w->prev->rx_packets : 0)) / dt, 1);
		jb_obj_close(j);
	}
	jb_arr_close(j);
	jb_key(j, "ports");
	jb_arr_open(j);
	for (unsigned i = 0; i < v->n_ports; i++) {
		const struct stats_port_view *p = &v->ports[i];
		jb_obj_open(j);
		jb_ku64(j, "port", p->port);
		jb_kstr(j, "name", p->name);
		txrx(j, p->tx_packets, p->tx_bytes, p->rx_packets, p->rx_bytes);
		jb_ku64(j, "rx_missed", p->rx_missed);
		jb_ku64(j, "tx_dropped", p->tx_dropped);
		jb_obj_close(j);
	}
	jb_arr_close(j);
}

/* IPv4 and IPv6 frames sent and received, whatever their protocol (ARP and raw Ethernet in neither). */
static void families_render(struct jbuf *j, const struct wl_counters *c)
{
	static const char *const names[2] = { "ipv4", "ipv6" };
	jb_key(j, "families");
	jb_obj_open(j);
	for (int f = 0; f < 2; f++) {
		jb_key(j, names[f]);
		jb_obj_open(j);
		jb_ku64(j, "tx_packets", c->fam[f].tx_packets);
		jb_ku64(j, "rx_packets", c->fam[f].rx_packets);
		jb_obj_close(j);
	}
	jb_obj_close(j);
}

void stats_render(struct jbuf *j, const struct stats_view *v)
{
	const struct wl_counters *c = v->c;
	jb_reset(j);
	jb_obj_open(j);
	jb_kstr(j, "type", v->type);
	jb_kdbl(j, "t", v->t, 6);
	jb_kstr(j, "role", v->role);
	jb_key(j, "protocols");
	jb_obj_open(j);
	for (int i = 0; i < WL_P_COUNT; i++) {
		jb_key(j, wl_proto_names[i]);
		proto_obj(j, &c->p[i]);
	}
	jb_obj_close(j);

	jb_key(j, "totals");
	jb_obj_open(j);
	txrx(j, c->tx_packets, c->tx_bytes, c->rx_packets, c->rx_bytes);
	jb_ku64(j, "malformed", c->malformed);
	jb_ku64(j, "unknown", c->unknown);
	jb_ku64(j, "tx_dropped", c->tx_dropped + v->port_tx_errors);
	jb_ku64(j, "rx_missed", v->port_rx_missed);
	jb_obj_close(j);
	families_render(j, c);

	double dt = v->dt > 0 ? v->dt : 1e-9;
	uint64_t ptx = v->prev ? v->prev->tx_packets : 0, prx = v->prev ? v->prev->rx_packets : 0;
	uint64_t pbtx = v->prev ? v->prev->tx_bytes : 0, pbrx = v->prev ? v->prev->rx_bytes : 0;
	jb_key(j, "rates");
	jb_obj_open(j);
	jb_kdbl(j, "tx_pps", (double)(c->tx_packets - ptx) / dt, 1);
	jb_kdbl(j, "rx_pps", (double)(c->rx_packets - prx) / dt, 1);
	/* bit rate on the wire: frame + FCS (4), as counted by NICs */
	jb_kdbl(j, "tx_bps", (double)((c->tx_bytes - pbtx) + 4 * (c->tx_packets - ptx)) * 8 / dt, 1);
	jb_kdbl(j, "rx_bps", (double)((c->rx_bytes - pbrx) + 4 * (c->rx_packets - prx)) * 8 / dt, 1);
	jb_obj_close(j);

	if (v->have_rtt) {
		const struct rtt_hist *h = &c->rtt;
		jb_key(j, "rtt_us");
		jb_obj_open(j);
		jb_ku64(j, "count", h->count);
		jb_kdbl(j, "p50", rtt_quantile(h, 0.50) / 1000.0, 3);
		jb_kdbl(j, "p90", rtt_quantile(h, 0.90) / 1000.0, 3);
		jb_kdbl(j, "p99", rtt_quantile(h, 0.99) / 1000.0, 3);
		jb_kdbl(j, "max", (double)h->max_ns / 1000.0, 3);
		jb_obj_close(j);
	} else {
		jb_knull(j, "rtt_us");
	}

	const struct ipd_stats *d = &c->ipd;
	if (d->active || d->pkts) {
		jb_key(j, "pacing");
		jb_obj_open(j);
		jb_kdbl(j, "target_pps", d->target_pps, 1);
		jb_kdbl(j, "achieved_pps", v->achieved_pps > 0 ? v->achieved_pps : ipd_achieved_pps(d, v->hz), 1);
		double mean = d->n ? d->sum_ns / (double)d->n : 0;
		double var = d->n ? d->sumsq_ns / (double)d->n - mean * mean : 0;
		jb_kdbl(j, "ipd_mean_ns", mean, 1);
		jb_kdbl(j, "ipd_stddev_ns", var > 0 ? sqrt(var) : 0, 1);
		jb_kdbl(j, "late_first_ms", d->late_first_ns / 1e6, 3);
		jb_kdbl(j, "late_last_ms", d->late_last_ns / 1e6, 3);
		jb_ku64(j, "skipped", d->skipped);
		jb_ku64(j, "unsent_at_end", d->unsent_at_end);
		jb_obj_close(j);
	} else {
		jb_knull(j, "pacing");
	}

	stats_render_tcp(j, c->handshakes, c->resets, &c->tcp_server, &c->tcp_client);
	stats_render_dns_rcodes(j, c->dns_rcode);

	if (v->have_backoff) {
		jb_key(j, "backoff");
		jb_obj_open(j);
		jb_ku64(j, "retries", c->retries);
		jb_ku64(j, "answered", c->answered);
		jb_ku64(j, "gave_up", c->gave_up);
		jb_obj_close(j);
	} else {
		jb_knull(j, "backoff");
	}
	rx_host_render(j, c);
	stats_render_breakdown(j, v);
	vlan_counters_json(j, &c->vlans, c->tx_packets);
	/* the tail that never arrived is lost only once nothing is in flight */
	if (v->stamp)
		lat_render(j, &c->lat, &c->seq, v->reason ? c->stamped : 0);
	if (v->reason) {
		jb_kdbl(j, "duration_s", v->duration_s, 6);
		jb_kstr(j, "reason", v->reason);
	}
	jb_obj_close(j);
}
