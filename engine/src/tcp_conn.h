/* TCP connections (RFC 9293 3.3.2): the states, a fixed-size table of
 * connection blocks (bounded memory: a full table evicts, and counts it),
 * and the counters both the responder and the generator's client keep. */
#ifndef WL_TCP_CONN_H
#define WL_TCP_CONN_H
#include <stdint.h>
#include <stddef.h>
#include "net.h"

enum tcp_state {
	TCPS_CLOSED = 0, TCPS_LISTEN, TCPS_SYN_SENT, TCPS_SYN_RECEIVED, TCPS_ESTABLISHED,
	TCPS_FIN_WAIT_1, TCPS_FIN_WAIT_2, TCPS_CLOSE_WAIT, TCPS_CLOSING, TCPS_LAST_ACK, TCPS_TIME_WAIT,
	TCPS_COUNT,
};
extern const char *const tcp_state_names[TCPS_COUNT];

/* RFC 9293 Figure 5 (plus "any state -> CLOSED" on reset, abort or timeout). */
int tcp_transition_ok(int from, int to);

#define SEQ_LT(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)
#define SEQ_GT(a, b) SEQ_LT(b, a)
#define SEQ_GEQ(a, b) SEQ_LEQ(b, a)

/* DNS over TCP (RFC 7766 8): the bytes of length-prefixed messages not yet complete. */
#define TCP_CONN_BUF 1024

struct tcp_conn {
	uint8_t raddr[16], laddr[16]; /* either family, IPv4 mapped (ipv6.h ip16_*) */
	uint16_t rport, lport;
	uint8_t state;
	uint8_t ts_ok, sack_ok, ws_ok, fin_rcvd, fin_sent;
	uint8_t rmac[ETH_ALEN];
	uint16_t peer_mss;
	uint32_t iss, snd_una, snd_nxt;
	uint32_t irs, rcv_nxt;
	uint32_t ts_recent;
	uint64_t since_ms;         /* entered the current state */
	uint64_t last_ms;          /* last segment either way */
	uint16_t rlen;
	uint8_t rbuf[TCP_CONN_BUF];
};

struct tcp_stats {
	uint64_t opened, established, closed, evicted, timed_out;
	uint64_t refused;          /* SYNs to ports nobody listens on (RST|ACK) */
	uint64_t rst_sent, rst_received, challenge_acks, unacceptable;
	uint64_t active_closes;    /* we sent the first FIN (idle connections) */
	uint64_t data_bytes, echoed_bytes, dns_queries, dns_dropped;
	uint64_t completed;        /* client: handshake, data, both FINs acked */
	uint64_t violations;       /* client: peer segments a conformant TCP would not send here */
	uint64_t aborted;          /* client: reset before completion */
	uint64_t bad_transitions;  /* our own state changes outside Figure 5 (must stay 0) */
	uint64_t in_state[TCPS_COUNT]; /* connections in each state now */
};

struct tcp_table {
	struct tcp_conn *slot;
	uint32_t size;             /* power of two */
	struct tcp_stats *st;
};

/* size is rounded up to a power of two (>= 8). Returns 0 or -1 (no memory). */
int tcp_table_init(struct tcp_table *t, uint32_t size, struct tcp_stats *st);
void tcp_table_free(struct tcp_table *t);
struct tcp_conn *tcp_table_find(struct tcp_table *t, const uint8_t raddr[16], uint16_t rport, const uint8_t laddr[16],
				uint16_t lport);
/* A block for a new connection (state CLOSED, addresses set): a free slot
 * near the tuple's hash, else the least valuable one there (TIME-WAIT
 * first, then the longest idle), evicted and counted. */
struct tcp_conn *tcp_table_insert(struct tcp_table *t, const uint8_t raddr[16], uint16_t rport, const uint8_t laddr[16],
				  uint16_t lport, uint64_t now_ms);
/* Move c to a state, keeping the per-state gauges; CLOSED frees the block. */
void tcp_conn_set_state(struct tcp_table *t, struct tcp_conn *c, int state, uint64_t now_ms);
#endif
