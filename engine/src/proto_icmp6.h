/* ICMPv6 (RFC 4443) echo and the two NDP messages the engine needs
 * (RFC 4861 4.3, 4.4): neighbour solicitation to resolve a peer, and the
 * advertisement that answers one; plus UDP over IPv6. */
#ifndef WL_PROTO_ICMP6_H
#define WL_PROTO_ICMP6_H
#include "ipv6.h"
#include "pkt_parse.h"

#define ICMP6_ECHO_REQUEST 128
#define ICMP6_ECHO_REPLY 129
#define ND_NEIGHBOR_SOLICIT 135
#define ND_NEIGHBOR_ADVERT 136
#define ND_OPT_SLLA 1
#define ND_OPT_TLLA 2
#define ND_NA_ROUTER 0x80000000u
#define ND_NA_SOLICITED 0x40000000u
#define ND_NA_OVERRIDE 0x20000000u
#define ND_HOP_LIMIT 255
#define ND_LEN 24          /* type..target */
#define ICMP6_OFF_CSUM 2    /* offsets in the ICMPv6 header */
#define ICMP6_OFF_SEQ 6

/* Echo request/reply to frame_size bytes (min 60), message repeated. */
size_t icmp6_build_echo(uint8_t *buf, size_t cap, const struct wl_l2l3_6 *a, uint8_t type, uint16_t id,
			uint16_t seq, const uint8_t *msg, size_t msg_len, size_t frame_size);
/* NS for `target` from `src` (our address) to the target's solicited-node
 * group, with our link-layer address as the SLLA option. */
size_t ndp_build_ns(uint8_t *buf, size_t cap, const uint8_t mac[ETH_ALEN], const uint8_t src[IPV6_ALEN],
		    const uint8_t target[IPV6_ALEN]);
/* NA for `target` (ours, sent from it) to dst_ip/dst_mac, flags ND_NA_*,
 * with the TLLA option carrying `mac`. */
size_t ndp_build_na(uint8_t *buf, size_t cap, const uint8_t mac[ETH_ALEN], const uint8_t dst_mac[ETH_ALEN],
		    const uint8_t target[IPV6_ALEN], const uint8_t dst_ip[IPV6_ALEN], uint32_t flags);
/* For an NS/NA classified in *pi: 0 and the target (and the link-layer
 * address from the SLLA/TLLA option, or NULL in *lladdr when none) if it
 * passes RFC 4861 7.1 validation; -1 otherwise. */
int ndp_parse(const uint8_t *buf, const struct pkt_info *pi, const uint8_t **target, const uint8_t **lladdr);

size_t udp6_build(uint8_t *buf, size_t cap, const struct wl_l2l3_6 *a, uint16_t sport, uint16_t dport,
		  const uint8_t *msg, size_t msg_len, size_t frame_size);
#endif
