/* Raw Ethernet frames with a configurable (experimental) ethertype. */
#ifndef WL_PROTO_ETH_H
#define WL_PROTO_ETH_H
#include "pkt_build.h"

/* Frame of `frame_size` bytes (>= 60): header + payload repeated from
 * `msg`. Returns length, 0 if cap is too small. */
size_t eth_build_raw(uint8_t *buf, size_t cap, const struct wl_l2l3 *a, uint16_t ethertype,
		     const uint8_t *msg, size_t msg_len, size_t frame_size);
#endif
