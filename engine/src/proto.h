/* Per-protocol knowledge in one ops struct per protocol and IP family
 * (proto_*.c), the way a forwarding engine keeps one table per mode: the
 * name, default port, whether it asks for an answer, the tx template
 * builder (which names the offsets the hot loop rewrites), the matcher
 * that recognises a reply to our requests, and the rx answer. The data
 * loop (worker.c) only dispatches. Plain C, no DPDK. */
#ifndef WL_PROTO_H
#define WL_PROTO_H
#include <stddef.h>
#include <stdint.h>
#include "options.h"
#include "pkt_parse.h"
#include "ipv6.h"
#include "responder.h"
#include "stats.h"

/* What a template builder gets. */
struct wl_tmpl_ctx {
	const struct wl_config *cfg;
	uint8_t family;            /* 4 or 6: which of a, a6 */
	struct wl_l2l3 a;          /* IPv4 addresses and MACs */
	struct wl_l2l3_6 a6;       /* IPv6 addresses and MACs */
	uint16_t dport, icmp_id;
	const uint8_t *msg;        /* payload pattern */
	size_t msg_len;
	unsigned index;            /* which of the n templates */
};

/* What the generator knows when a frame may be a reply. */
struct wl_match_ctx {
	const struct wl_config *cfg;
	uint16_t icmp_id;
	uint8_t resolving;         /* waiting for the peer's MAC */
};

enum wl_reply_kind {
	WL_R_NONE = 0,
	WL_R_KEY,        /* the reply to the request recorded under key */
	WL_R_FIFO,       /* answers the oldest outstanding request (ARP has no id) */
	WL_R_ANSWER,     /* an answer with no request key (UDP echo) */
	WL_R_ERROR,      /* an error report for our traffic (ICMP unreachable, ...) */
	WL_R_RESOLVED,   /* the peer's link-layer address (NDP) in mac */
	WL_R_CONN,       /* a segment of the generator's own connections (TCP); key valid if has_key */
};

struct wl_reply {
	uint8_t kind;              /* enum wl_reply_kind */
	uint8_t has_key;
	uint32_t key;
	const uint8_t *mac;        /* FIFO/RESOLVED: the sender's link-layer address */
};

struct wl_proto_ops {
	const char *name;
	uint8_t proto;             /* enum wl_proto */
	uint8_t family;            /* 4 or 6 */
	uint8_t is_request;        /* the peer answers each frame (RTT, answers_matched) */
	uint8_t key16;             /* the request key is 16 bits wide */
	uint8_t per_message;       /* one template per random message when --message is not given */
	uint16_t default_port;     /* --dst-port when not given; 0: no port */
	/* templates to build (NULL: 1, or 16 with per_message and random messages) */
	unsigned (*n_tmpls)(const struct wl_config *c);
	/* fill t: frame, len, var/var_off, sport_off, csum_off, checksum base; 0 if it cannot be built */
	size_t (*build)(struct wl_tmpl *t, const struct wl_tmpl_ctx *x);
	/* for a received frame of this class: is it an answer to us? */
	void (*match)(const struct wl_match_ctx *m, const uint8_t *d, const struct pkt_info *pi, struct wl_reply *r);
	/* after a keyed reply matched: protocol counters (DNS RCODEs) */
	void (*matched)(struct wl_counters *c, const struct pkt_info *pi);
	/* the rx side's answer to a frame of this class (NULL: not answered) */
	resp_answer_fn *answer;
};

/* The ops of proto (enum wl_proto) over IPv4 (family 4) or IPv6 (6); NULL
 * where that protocol is not implemented for the family. */
const struct wl_proto_ops *wl_proto_get(int family, int proto);

extern const struct wl_proto_ops wl_proto_eth, wl_proto_arp, wl_proto_icmp, wl_proto_udp, wl_proto_tcp,
	wl_proto_dns, wl_proto_icmp6, wl_proto_udp6, wl_proto_tcp6, wl_proto_dns6;

/* A frame from the generator's peer (--dst-ip) to its address (--src-ip),
 * of either family: IPv6 whole datagrams only. */
int wl_from_peer(const struct wl_config *c, const struct pkt_info *pi);

/* Shared by the builders: the template's frame length, checksum base. */
size_t wl_tmpl_done(struct wl_tmpl *t, size_t len, int family);
#endif
