/* TCP segments over IPv6 (RFC 9293 over RFC 8200, the checksum over the
 * v6 pseudo-header) and IPv4: one builder for either family, which the
 * connection code calls with 16-byte addresses. */
#ifndef WL_PROTO_TCP6_H
#define WL_PROTO_TCP6_H
#include "proto_tcp.h"
#include "ipv6.h"

/* The MSS we offer: a 1500-byte MTU less the IP and TCP headers of the family. */
#define TCP_MSS_V6 1440

size_t tcp6_build_seg(uint8_t *buf, size_t cap, const struct wl_l2l3_6 *a, const struct tcp_seg *s);
/* A segment from src to dst (16-byte addresses, IPv4 mapped: ipv6.h ip16_*),
 * over IPv4 or IPv6 as the addresses say. Returns the frame length, 0 if
 * it does not fit. */
size_t tcp_build_seg16(uint8_t *buf, size_t cap, const uint8_t src_mac[ETH_ALEN], const uint8_t dst_mac[ETH_ALEN],
		       const uint8_t src[IPV6_ALEN], const uint8_t dst[IPV6_ALEN], const struct tcp_seg *s);
/* Bytes of Ethernet, IP and TCP headers (no options) for the family of addr. */
size_t tcp_hdrs_len(const uint8_t addr[IPV6_ALEN]);
#endif
