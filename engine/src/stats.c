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

static void proto_obj(struct jbuf *j, const struct proto_ctr *p)
{
	jb_obj_open(j);
	jb_ku64(j, "tx_packets", p->tx_packets);
	jb_ku64(j, "tx_bytes", p->tx_bytes);
	jb_ku64(j, "rx_packets", p->rx_packets);
	jb_ku64(j, "rx_bytes", p->rx_bytes);
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
	jb_ku64(j, "tx_packets", c->tx_packets);
	jb_ku64(j, "tx_bytes", c->tx_bytes);
	jb_ku64(j, "rx_packets", c->rx_packets);
	jb_ku64(j, "rx_bytes", c->rx_bytes);
	jb_ku64(j, "malformed", c->malformed);
	jb_ku64(j, "unknown", c->unknown);
	jb_ku64(j, "tx_dropped", c->tx_dropped + v->port_tx_errors);
	jb_ku64(j, "rx_missed", v->port_rx_missed);
	jb_obj_close(j);

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
		double span = d->t1_tsc > d->t0_tsc ? (double)(d->t1_tsc - d->t0_tsc) / (double)v->hz : 0;
		jb_kdbl(j, "achieved_pps", span > 0 && d->pkts > 1 ? (double)(d->pkts - 1) / span : 0, 1);
		double mean = d->n ? d->sum_ns / (double)d->n : 0;
		double var = d->n ? d->sumsq_ns / (double)d->n - mean * mean : 0;
		jb_kdbl(j, "ipd_mean_ns", mean, 1);
		jb_kdbl(j, "ipd_stddev_ns", var > 0 ? sqrt(var) : 0, 1);
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
	vlan_counters_json(j, &c->vlans, c->tx_packets);
	if (v->reason) {
		jb_kdbl(j, "duration_s", v->duration_s, 6);
		jb_kstr(j, "reason", v->reason);
	}
	jb_obj_close(j);
}
