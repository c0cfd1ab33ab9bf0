/* Counters (one set per lcore), RTT histogram, inter-departure stats,
 * and their JSON rendering (the "stats" and "summary" lines). */
#ifndef WL_STATS_H
#define WL_STATS_H
#include <stdint.h>
#include "pkt_build.h"
#include "json_out.h"
#include "stats_tcp_dns.h"
#include "rx_validate.h"
#include "ipv4_reasm.h"
#include "vlan.h"
#include "hist.h"
#include "latency.h"
#include "ports.h"

struct proto_ctr {
	uint64_t tx_packets, tx_bytes, rx_packets, rx_bytes;
	uint64_t requests, answers_sent, answers_matched, errors;
};


struct ipd_stats {
	uint64_t n;          /* gaps measured */
	double sum_ns, sumsq_ns;
	uint64_t last_tsc;
	uint64_t pkts;       /* paced packets sent */
	uint64_t t0_tsc;     /* first paced departure */
	uint64_t t1_tsc;     /* last paced departure */
	double target_pps;
	int active;
	/* where the departures stood against the pacer's deadlines: how late
	 * the first and the latest paced departure were built (ns), and the
	 * departures given up (a stall longer than the catch-up, no mbufs):
	 * what the span behind achieved_pps owes to the machine, not to the
	 * pacer. Summed over workers. */
	double late_first_ns, late_last_ns;
	uint64_t skipped;
	/* due before a --duration end but never sent (a worker stalled at the
	 * end): outside the span behind achieved_pps, but owed to the machine */
	uint64_t unsent_at_end;
	int late_first_set;
};

struct wl_counters {
	struct proto_ctr p[WL_P_COUNT];
	uint64_t tx_packets, tx_bytes, rx_packets, rx_bytes;
	uint64_t malformed, unknown, tx_dropped;
	uint64_t gen_packets;       /* generator packets (what --count counts) */
	uint64_t handshakes, resets;
	struct tcp_stats tcp_server, tcp_client;
	uint64_t dns_rcode[WL_DNS_RCODES];   /* answers the generator got, by RCODE */
	uint64_t retries, answered, gave_up;
	uint64_t refused[RXV_COUNT];  /* frames not answered, by reason (rx_validate.h) */
	struct reasm_stats reasm;     /* IPv4 reassembly, copied from the worker's table */
	uint64_t arp_gratuitous, arp_cache_updates, arp_conflicts;
	struct { uint64_t tx_packets, rx_packets; } fam[2]; /* IPv4, IPv6 frames ("families") */
	struct rtt_hist rtt;
	struct ipd_stats ipd;
	/* not a flat counter array: folded with vlan_counters_add */
	struct vlan_counters vlans;   /* frames received per tag stack (vlan.h) */
	struct port_ctr port[WL_MAX_PORTS];  /* by port index (ports.h) */
	struct lat_stats lat;         /* --stamp: one-way latency of stamped arrivals */
	struct seq_sums seq;          /* --stamp: their sequence numbers */
	uint64_t stamped;             /* --stamp: stamped frames this engine sent */
} __attribute__((aligned(64)));

/* Add src into dst: every counter summed, RTT histograms merged, pacing
 * spans joined (the workers' target rates add up). */
void counters_add(struct wl_counters *dst, const struct wl_counters *src);
/* Paced departures per second between the first and the last (0 before two). */
double ipd_achieved_pps(const struct ipd_stats *d, uint64_t hz);

/* One entry of "workers": its counters now and at the last line. */
struct stats_worker_view {
	unsigned worker, lcore;
	const struct wl_counters *c, *prev;   /* prev NULL: rates over the whole run */
};
/* One entry of "ports". */
struct stats_port_view {
	unsigned port;
	const char *name;
	uint64_t tx_packets, tx_bytes, rx_packets, rx_bytes, rx_missed, tx_dropped;
};

struct stats_view {
	const char *type;          /* "stats" or "summary" */
	const char *role;
	double t;                  /* seconds since start */
	double dt;                 /* interval length for rates */
	const struct wl_counters *c;
	const struct wl_counters *prev; /* for rates; NULL: rates over whole run */
	uint64_t hz;
	uint64_t port_rx_missed, port_tx_errors;
	int have_rtt;              /* something that can be answered was sent */
	int have_backoff;
	double achieved_pps;       /* pacing: the workers' own rates summed; 0: from c's span */
	const struct stats_worker_view *workers;
	unsigned n_workers;
	const struct stats_port_view *ports;
	unsigned n_ports;
	int stamp;                 /* --stamp: "latency" and "sequence" */
	double duration_s;         /* summary only */
	const char *reason;        /* summary only */
};
void stats_render(struct jbuf *j, const struct stats_view *v);
/* Only "workers" and "ports" of v (dt, workers, ports), for lines of another shape (replay). */
void stats_render_breakdown(struct jbuf *j, const struct stats_view *v);
#endif
