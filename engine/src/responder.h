/* What a host would answer, as plain functions over byte buffers:
 * ARP replies, ICMP echo replies, DNS answers, UDP echo, a stateless TCP
 * responder (SYN->SYN-ACK with a cookie ISN, data->ACK, FIN->FIN-ACK),
 * and the tx side's reaction to TCP replies (ACK, data, FIN; final ACK). */
#ifndef WL_RESPONDER_H
#define WL_RESPONDER_H
#include "pkt_parse.h"
#include "proto_dns.h"

struct resp_cfg {
	uint8_t mac[ETH_ALEN];
	uint32_t ip;               /* address we answer for (host order) */
	uint8_t arp_only;          /* tx role: answer ARP for ip, nothing else */
	uint8_t udp_echo;
	const struct dns_record *records;
	size_t n_records;
	uint32_t tcp_secret;
};

enum resp_event {
	RESP_NONE = 0,
	RESP_ANSWERED = 1,         /* a reply was built */
	RESP_TCP_HANDSHAKE = 2,    /* final ACK of a handshake we SYN-ACKed */
	RESP_TCP_RESET = 4,        /* RST received */
	RESP_ERROR = 8,            /* malformed request for this protocol (e.g. DNS) */
};

/* Build the answer to `in` (classified in *pi) into out. Returns the
 * answer length (0: nothing to send); *events gets RESP_* bits. */
size_t respond(const struct resp_cfg *c, const uint8_t *in, size_t len, const struct pkt_info *pi,
	       uint8_t *out, size_t cap, unsigned *events);

struct tcp_client_cfg {
	uint8_t mac[ETH_ALEN];
	uint32_t ip;               /* our address */
	uint16_t dport;            /* the server port we connect to */
	const uint8_t *msg;        /* data sent after the handshake (may be NULL) */
	size_t msg_len;
};
#define TCP_CLIENT_MAX_OUT 3
/* Reaction of the tx side to a TCP segment from the server (caller has
 * checked it is addressed to us from dport). SYN-ACK -> ACK [+ data] +
 * FIN; FIN -> ACK. Returns number of frames written to out[i] (each
 * WL_MAX_FRAME bytes), lengths in lens[]. */
int tcp_client_react(const struct tcp_client_cfg *c, const uint8_t *in, const struct pkt_info *pi,
		     uint8_t out[][WL_MAX_FRAME], size_t lens[]);
#endif
