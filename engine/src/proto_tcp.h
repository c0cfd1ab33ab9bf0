/* TCP segments over IPv4, and their options (RFC 9293 3.1-3.2, RFC 7323
 * window scale and timestamps, RFC 2018 SACK-permitted). */
#ifndef WL_PROTO_TCP_H
#define WL_PROTO_TCP_H
#include "pkt_build.h"

#define TCP_WINDOW 65535
#define TCP_MSS_DEFAULT 536     /* RFC 9293 3.7.1: when the peer sends no MSS option */
#define TCP_OPT_MAX 40
#define TCP_OFF_SPORT 0     /* offsets in the TCP header */
#define TCP_OFF_SEQ 4
#define TCP_OFF_CSUM 16
#define TCP_PORT_DEFAULT 8080

struct tcp_opts {
	uint8_t has_mss, has_ws, sack_ok, has_ts;
	uint8_t wscale;
	uint16_t mss;
	uint32_t tsval, tsecr;
};
/* Parse the options area (after the 20-byte header). Returns 0, or -1 when
 * an option's length is invalid or runs past the area. Unknown options are
 * skipped by their length. */
int tcp_parse_opts(const uint8_t *p, size_t len, struct tcp_opts *o);
/* Write the options of o (MSS and SACK-permitted only where the caller
 * set them, i.e. on SYNs) into p, padded with NOPs to a multiple of 4.
 * Returns the length (<= TCP_OPT_MAX). */
size_t tcp_write_opts(uint8_t *p, const struct tcp_opts *o);

struct tcp_seg {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t win;
	const uint8_t *opts;
	size_t optlen;            /* multiple of 4, <= 40 */
	const uint8_t *payload;
	size_t plen;
};
/* The TCP header (checksum 0), options and payload of s at t; returns their length. */
size_t tcp_write_seg(uint8_t *t, const struct tcp_seg *s);
/* A segment with options. Returns the frame length, 0 if it does not fit. */
size_t tcp_build_seg(uint8_t *buf, size_t cap, const struct wl_l2l3 *a, const struct tcp_seg *s);

size_t tcp_build(uint8_t *buf, size_t cap, const struct wl_l2l3 *a, uint16_t sport, uint16_t dport,
		 uint32_t seq, uint32_t ack, uint8_t flags, const uint8_t *payload, size_t plen);

/* Stateless initial sequence number for a 4-tuple (a cookie): the
 * responder derives it again on the final ACK to count handshakes. */
uint32_t tcp_cookie_isn(uint32_t saddr, uint32_t daddr, uint16_t sport, uint16_t dport, uint32_t secret);
#endif
