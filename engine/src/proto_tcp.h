/* TCP segments over IPv4 (no options). */
#ifndef WL_PROTO_TCP_H
#define WL_PROTO_TCP_H
#include "pkt_build.h"

#define TCP_WINDOW 65535

size_t tcp_build(uint8_t *buf, size_t cap, const struct wl_l2l3 *a, uint16_t sport, uint16_t dport,
		 uint32_t seq, uint32_t ack, uint8_t flags, const uint8_t *payload, size_t plen);

/* Stateless initial sequence number for a 4-tuple (a cookie): the
 * responder derives it again on the final ACK to count handshakes. */
uint32_t tcp_cookie_isn(uint32_t saddr, uint32_t daddr, uint16_t sport, uint16_t dport, uint32_t secret);
#endif
