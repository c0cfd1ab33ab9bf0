/* The generator's side of full TCP connections (tx role, --protocol tcp):
 * the hot path sends SYNs; on the peer's SYN-ACK this opens a connection,
 * sends the ACK, the message and a FIN, and follows the peer through the
 * close (RFC 9293 3.10.7.3-4), counting every segment a conformant peer
 * would not have sent in that state: the "protocol state machine
 * validation" of a peer. */
#ifndef WL_TCP_CLIENT_H
#define WL_TCP_CLIENT_H
#include "tcp_conn.h"
#include "pkt_parse.h"

#define TCP_CLIENT_MAX_OUT 3

struct tcp_client {
	struct tcp_table tab;
	uint8_t mac[ETH_ALEN];
	uint16_t dport;            /* the server port we connect to */
	const uint8_t *msg;        /* data sent after the handshake (may be NULL) */
	size_t msg_len;
	uint32_t time_wait_ms;
	uint64_t now_ms;           /* set by the caller */
	uint32_t sweep;
};

int tcp_client_init(struct tcp_client *cl, uint32_t conns, struct tcp_stats *st);
void tcp_client_free(struct tcp_client *cl);

/* A segment from the server (caller checked addresses and port). our_syn:
 * it is a SYN-ACK for a SYN the generator sent (matched by the caller).
 * Frames to send go to out[i] (each WL_MAX_FRAME bytes), lengths in
 * lens[]; returns how many. */
int tcp_client_input(struct tcp_client *cl, const uint8_t *in, const struct pkt_info *pi, int our_syn,
		     uint8_t out[][WL_MAX_FRAME], size_t lens[]);

/* Frees connections whose TIME-WAIT is over, and those stuck (the peer
 * never finished) after a few seconds, a slice of the table per call. */
void tcp_client_tick(struct tcp_client *cl);
/* Connections not (yet) completed: neither in TIME-WAIT nor closed. */
uint64_t tcp_client_unfinished(const struct tcp_stats *st);
#endif
