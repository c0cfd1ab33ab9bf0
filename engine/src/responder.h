/* What a host would answer, as plain functions over byte buffers:
 * ARP replies, ICMP echo replies, DNS answers, UDP echo, and TCP through
 * the connection state machine of tcp_server.h. */
#ifndef WL_RESPONDER_H
#define WL_RESPONDER_H
#include "pkt_parse.h"
#include "proto_dns.h"
#include "tcp_server.h"

struct resp_cfg {
	uint8_t mac[ETH_ALEN];
	uint32_t ip;               /* address we answer for (host order) */
	uint8_t arp_only;          /* tx role: answer ARP for ip, nothing else */
	uint8_t udp_echo;
	const struct dns_record *records;
	size_t n_records;
	uint32_t tcp_secret;
	struct tcp_server *tcp;    /* NULL: TCP is not answered at all */
	uint8_t has_ip6;           /* answer for ip6 too (NDP; echo, UDP echo unless arp_only) */
	uint8_t ip6[16];
};

enum resp_event {
	RESP_NONE = 0,
	RESP_ANSWERED = 1,         /* a reply was built */
	RESP_TCP_HANDSHAKE = 2,    /* final ACK of a handshake we SYN-ACKed */
	RESP_TCP_RESET = 4,        /* RST received */
	RESP_ERROR = 8,            /* malformed request for this protocol (e.g. DNS) */
	RESP_DNS_TCP = 16,         /* a DNS query over TCP was answered */
};

/* Build the answer to `in` (classified in *pi) into out. Returns the
 * answer length (0: nothing to send); *events gets RESP_* bits. */
size_t respond(const struct resp_cfg *c, const uint8_t *in, size_t len, const struct pkt_info *pi,
	       uint8_t *out, size_t cap, unsigned *events);
/* Per-protocol answers, referenced by the ops structs (proto.h); respond()
 * has checked that the frame is for us. IPv6: an NS for our address is
 * answered in any role, echo and UDP echo unless arp_only. */
typedef size_t resp_answer_fn(const struct resp_cfg *c, const uint8_t *in, const struct pkt_info *pi, uint8_t *out,
			      size_t cap, unsigned *events);
resp_answer_fn resp_answer_arp, resp_answer_icmp, resp_answer_udp, resp_answer_dns, resp_answer_tcp,
	resp6_answer_icmp, resp6_answer_udp, resp6_answer_dns, resp6_answer_tcp;
/* resp_answer_dns and resp_answer_tcp build their answers for either family;
 * the resp6_ ones check first that an IPv6 frame is for us. */
/* The IPv6 answers (responder6.c): NA for NS, echo reply, UDP echo, DNS, TCP. */
size_t respond6(const struct resp_cfg *c, const uint8_t *in, const struct pkt_info *pi, uint8_t *out, size_t cap,
		unsigned *events);
/* A UDP datagram carrying msg back to the IPv6 sender of `in`, ports swapped (responder6.c). */
size_t udp6_reply(const struct resp_cfg *c, const uint8_t *in, const struct pkt_info *pi, const uint8_t *msg,
		  size_t msg_len, uint8_t *out, size_t cap);

#endif
