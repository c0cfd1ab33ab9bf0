/* tx templates over IPv6: the frame built once with the offsets the hot
 * loop rewrites (ICMPv6 sequence, UDP source port) and the v6 checksum base. */
#ifndef WL_IPV6_TMPL_H
#define WL_IPV6_TMPL_H
#include "options.h"
#include "pkt_build.h"

/* Fill *t (data, len, var, offsets, checksum base) for proto (icmp or udp)
 * from c's IPv6 addresses to dst_mac. Returns the frame length, 0 if it
 * cannot be built. */
size_t ipv6_tmpl_build(struct wl_tmpl *t, const struct wl_config *c, const uint8_t dst_mac[ETH_ALEN], int proto,
		       uint16_t icmp_id, uint16_t dport, const uint8_t *msg, size_t msg_len);
#endif
