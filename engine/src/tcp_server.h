/* The rx side's TCP (RFC 9293 3.10.7, "SEGMENT ARRIVES"): listening ports,
 * RST for segments no connection wants, passive opens through
 * SYN-RECEIVED with the options the SYN offered, data ACKed (echoed with
 * --tcp-echo, answered as DNS over TCP on the DNS port), FIN and RST
 * handled, TIME-WAIT and idle connections bounded by timers. We keep no
 * retransmission queue: a lost SYN-ACK is sent again when the peer
 * retransmits its SYN, a lost echo or FIN is not. */
#ifndef WL_TCP_SERVER_H
#define WL_TCP_SERVER_H
#include "tcp_conn.h"
#include "pkt_parse.h"
#include "proto_dns.h"

#define TCP_MAX_LISTEN 16
#define TCP_MSS_OURS 1460
#define TCP_WSCALE_OURS 7
#define TCP_HANDSHAKE_MS 3000      /* SYN-RECEIVED without the final ACK */
#define TCP_FIN_TIMEOUT_MS 3000    /* FIN-WAIT-*, CLOSING, LAST-ACK with a silent peer */
#define TCP_TIME_WAIT_MS 1000      /* 2*MSL, shortened for a lab (Linux: 60 s) */

/* Events for the caller's counters. */
#define TCPS_EV_HANDSHAKE 1        /* SYN-RECEIVED -> ESTABLISHED */
#define TCPS_EV_RST_RCVD 2         /* a RST arrived (whether it closed something or not) */
#define TCPS_EV_DNS 4              /* a DNS query over TCP was answered */

struct tcp_server {
	struct tcp_table tab;
	uint8_t mac[ETH_ALEN];
	uint16_t listen[TCP_MAX_LISTEN];
	unsigned n_listen;
	uint16_t dns_port;         /* a listening port served as DNS over TCP (0: none) */
	uint8_t echo;
	const struct dns_record *records;
	size_t n_records;
	uint32_t secret;           /* ISS and timestamp clock offset */
	uint32_t idle_ms;          /* close ESTABLISHED connections idle this long (0: never) */
	uint32_t time_wait_ms;
	uint64_t now_ms;           /* set by the caller before input/tick */
	uint32_t sweep;
};

/* Table of `conns` blocks; listen ports, dns_port, echo, records, idle_ms
 * are set by the caller after. Returns 0 or -1. */
int tcp_server_init(struct tcp_server *s, uint32_t conns, struct tcp_stats *st, const uint8_t mac[ETH_ALEN], uint32_t secret);
void tcp_server_free(struct tcp_server *s);
int tcp_server_listening(const struct tcp_server *s, uint16_t port);

/* A TCP segment addressed to us (classified, not a fragment). Writes at
 * most one segment to send into out; returns its length (0: none).
 * *ev gets TCPS_EV_* bits. */
size_t tcp_server_input(struct tcp_server *s, const uint8_t *in, const struct pkt_info *pi, uint8_t *out, size_t cap,
			unsigned *ev);

/* Timers: frees expired blocks and closes idle connections, looking at a
 * slice of the table per call. Returns the length of a segment to send
 * (a FIN), 0 when there is none: call again while it returns non-zero. */
size_t tcp_server_tick(struct tcp_server *s, uint8_t *out, size_t cap);
#endif
