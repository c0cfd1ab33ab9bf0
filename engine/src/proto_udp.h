/* UDP over IPv4 (the IPv6 builder is in proto_icmp6.c). */
#define UDP_OFF_SPORT 0     /* offsets in the UDP header */
#define UDP_OFF_CSUM 6
#define UDP_PORT_DEFAULT 9000
#ifndef WL_PROTO_UDP_H
#define WL_PROTO_UDP_H
#include "pkt_build.h"

/* UDP frame: payload is exactly `payload` if pad is 0, otherwise msg
 * repeated to fill a frame of frame_size bytes. Checksums filled. */
size_t udp_build(uint8_t *buf, size_t cap, const struct wl_l2l3 *a, uint16_t sport, uint16_t dport,
		 const uint8_t *msg, size_t msg_len, size_t frame_size);
/* The UDP header and plen payload bytes (msg repeated) at u, checksum 0;
 * shared by both IP families. */
void udp_write(uint8_t *u, uint16_t sport, uint16_t dport, const uint8_t *msg, size_t msg_len, size_t plen);
#endif
