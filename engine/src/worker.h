/* The per-lcore data loop: rx classify/answer/match and the tx
 * generator for the configured (or drawn) protocol and mode. */
#ifndef WL_WORKER_H
#define WL_WORKER_H
#include <stdint.h>
#include <rte_mbuf.h>
#include "options.h"
#include "stats.h"
#include "pacing.h"
#include "pkt_parse.h"
#include "responder.h"
#include "tcp_server.h"
#include "tcp_client.h"
#include "pcap_writer.h"
#include "port.h"
#include "rx_validate.h"
#include "ipv4_reasm.h"
#include "arp_dad.h"
#include "proto.h"
#include "latency.h"
#include "ports.h"
#include "tmpl_slab.h"

#define WL_MAX_TMPLS 64
#define WL_REQ_SLOTS 65536
#define WL_MAX_BURST 256

struct req_slot {
	uint64_t tsc;
	uint32_t key;
	uint8_t proto;
	uint8_t live;
};

extern volatile int wl_force_quit;

/* What the workers of one engine share: set up once, then read-only in the
 * hot loop; worker 0 resolves the peer's MAC and probes for our address
 * (the others wait, answering what reaches their queues). */
struct wl_shared {
	volatile int ready;        /* 1: dst_mac valid, generate; -1: give up */
	uint8_t dst_mac[ETH_ALEN];
	uint8_t dst_mac6[ETH_ALEN]; /* the IPv6 neighbour's, when it was resolved too */
};

/* Frames built outside the template path (answers, TCP segments), one set
 * per worker so that no two lcores write the same buffer. */
struct worker_scratch {
	uint8_t out[WL_MAX_FRAME];
	uint8_t linear[WL_MAX_FRAME];
	uint8_t timer_out[WL_MAX_FRAME];
	uint8_t tcp_out[TCP_CLIENT_MAX_OUT][WL_MAX_FRAME];
};

struct engine;

/* Worker i's part of `total` split over n (the first ones take the remainder). */
static inline uint64_t share(uint64_t total, unsigned i, unsigned n)
{
	return total / n + (i < total % n);
}

struct worker {
	const struct wl_config *cfg;
	const struct port_info *port;
	struct rte_mempool *pool;
	struct engine *eng;        /* stats over all workers (workers.h) */
	struct wl_shared *sh;
	unsigned index, n_workers; /* this worker, of how many */
	unsigned lcore;
	uint16_t qport, queue;     /* its rx and tx queue: DPDK port and queue id */
	uint64_t count;            /* its share of --count (generated frames) */
	uint16_t sport_base;       /* its share of the source ports starts here */
	struct worker_scratch *scratch;
	uint64_t hz;
	double ns_per_tick;
	uint64_t t0;               /* TSC at start */
	uint64_t wall0_ns;         /* CLOCK_REALTIME at t0, for pcap */

	struct wl_counters c;      /* this lcore's counters */

	/* generator */
	int generating;            /* role tx/both, after ARP resolution */
	int proto, mode;           /* current (random mode: this phase) */
	uint64_t interval_us, burst_gap_us;
	uint32_t burst_size;
	double pps;
	const struct wl_proto_ops *ops; /* the generated protocol's */
	int stamp_off;             /* mbuf dynfield: which template an mbuf holds */
	uint32_t tmpl_gen, stamp_base;
	struct wl_tmpl *tmpls;
	unsigned n_tmpls;
	struct tmpl_slab slab;     /* mbufs per template when there are several */
	uint32_t key;
	uint16_t icmp_id;
	uint32_t flow_i;
	uint32_t n_sports;         /* source ports the generator cycles over */
#define WL_TCP_PORTS 16384     /* tcp: ports successive connections cycle through (at least --flows) */
	struct wl_rng rng;
	struct pacer pacer;
	int paced;
	uint64_t batch_wait;       /* rate mode: ticks to wait for a batch */
	uint64_t next_burst_tsc;
	uint32_t burst_left;
	struct {
		int active;
		uint32_t key;
		unsigned attempt;
		uint64_t deadline;
		unsigned tmpl;
		uint16_t sport;
		uint64_t started;
	} bo;
	uint8_t dst_mac[ETH_ALEN];
	uint8_t dst_mac6[ETH_ALEN]; /* --dst-ip's IPv6 neighbour (dst_mac: IPv4's, or the only one) */
	int v6;                    /* the generator sends IPv6 (this phase, in random mode) */
	int resolving, arp_answered;
	struct req_slot *req;
	/* ARP has no id: outstanding requests are answered in order */
#define WL_ARP_RING 1024
	uint64_t arp_ring[WL_ARP_RING];
	uint32_t arp_head, arp_tail;
	uint64_t arp_outstanding;
	int have_rtt, have_backoff;

	/* random mode */
	unsigned phase;
	uint64_t phase_end;

	/* rx side */
	struct parse_cfg pcfg;
	struct resp_cfg resp;
	struct tcp_client tcpc;     /* the generator's TCP connections */
	struct tcp_server tcps;     /* the responder's TCP connections */
	uint64_t next_tcp_tick;
	int tcp_to_client;          /* the frame in hand was for the generator's client */
	struct rxv_cfg rxv;        /* what may be answered at all */
	struct reasm *reasm;       /* IPv4 and IPv6 fragments in progress */
	uint32_t frag_id;          /* identification of the last datagram this worker sent in fragments */
	uint8_t *big_out;          /* answers to reassembled datagrams, before fragmenting */
	struct arp_dad dad;
	int dad_active;
	uint64_t reasm_sweep;      /* next time incomplete datagrams are aged out */
	uint8_t tcp_msg[WL_MAX_MESSAGE];

	struct pcapw pcap;
	int pcap_on;

	/* several ports, each with a queue pair of this worker's: wp[0] is
	 * `port` (qport, queue), whose host is rxv/resp above;
	 * every other port answers as its own host (its MAC, --ip) */
	unsigned n_ports;
	unsigned cur;              /* port index the frame in hand came in on (answers leave there) */
	struct worker_port {
		const struct port_info *info;
		uint16_t qport, queue;     /* this worker's rx and tx queue on the port */
		struct rxv_cfg rxv;
		struct resp_cfg resp;
	} wp[WL_MAX_PORTS];

	/* --stamp (stamp.h): the stream this worker sends, the receiving side's tracker */
	uint32_t stamp_seq;
	uint16_t stamp_stream;
	struct seq_track *seq;

	/* unsent tx */
	struct rte_mbuf *pend[WL_MAX_BURST];
	unsigned n_pend, pend_gen;  /* pend_gen: how many pending are generator packets */
	uint8_t pend_proto[WL_MAX_BURST]; /* enum wl_proto | PEND_V4/PEND_V6 */
	uint16_t pend_len[WL_MAX_BURST];

	/* stop */
	uint64_t end_tsc;          /* 0: none */
	uint64_t linger_end;       /* set when --count is reached */
	volatile int done;
	const char *reason;
	uint64_t stop_tsc;

	/* stats printed from this loop when it runs on the main lcore */
	int inline_stats;
	struct wl_counters prev;   /* the emitter's: counters at the last line */
	uint64_t prev_tsc;
};

/* Worker `index` of n on queue `index`; hz and t0 are the engine's. */
int worker_init(struct worker *w, const struct wl_config *cfg, const struct port_info *port,
		struct rte_mempool *pool, unsigned index, unsigned n, uint64_t hz, uint64_t t0, uint64_t wall0_ns);
uint64_t worker_calibrate_tsc_hz(void);
/* Another port (after worker_init): receives and answers as its own host. */
int worker_add_port(struct worker *w, const struct port_info *port);
int worker_main(void *arg);
void worker_event(struct worker *w, const char *event, const char *extra_json);
void worker_fini(struct worker *w);
#endif
