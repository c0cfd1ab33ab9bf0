/* ICMP echo request/reply over IPv4. */
#ifndef WL_PROTO_ICMP_H
#define WL_PROTO_ICMP_H
#include "pkt_build.h"

#define ICMP_ECHO_REPLY 0
#define ICMP_DEST_UNREACH 3
#define ICMP_ECHO_REQUEST 8
#define ICMP_OFF_CSUM 2     /* offsets in the ICMP header */
#define ICMP_OFF_SEQ 6

/* Echo frame of at least frame_size bytes; payload repeated from msg.
 * Checksums filled. Returns length or 0. */
size_t icmp_build_echo(uint8_t *buf, size_t cap, const struct wl_l2l3 *a, uint8_t type, uint16_t id,
		       uint16_t seq, const uint8_t *msg, size_t msg_len, size_t frame_size);
#endif
