/* ARP over Ethernet/IPv4 (RFC 826). */
#ifndef WL_PROTO_ARP_H
#define WL_PROTO_ARP_H
#include "pkt_build.h"

#define ARP_OP_REQUEST 1
#define ARP_OP_REPLY 2

/* Build an ARP frame (padded to 60 bytes). For a request, eth_dst is
 * broadcast and tha zero. Returns length, 0 if cap is too small. */
size_t arp_build(uint8_t *buf, size_t cap, uint16_t op, const uint8_t eth_dst[ETH_ALEN],
		 const uint8_t sha[ETH_ALEN], uint32_t spa, const uint8_t tha[ETH_ALEN], uint32_t tpa);
size_t arp_build_request(uint8_t *buf, size_t cap, const uint8_t sha[ETH_ALEN], uint32_t spa, uint32_t tpa);
#endif
