/* ARP over Ethernet/IPv4 (RFC 826). */
#ifndef WL_PROTO_ARP_H
#define WL_PROTO_ARP_H
#include "pkt_build.h"

#define ARP_OP_REQUEST 1
#define ARP_OP_REPLY 2
#define ARP_OFF_SHA 8   /* sender hardware address in the ARP message */

/* Build an ARP frame (padded to 60 bytes). For a request, eth_dst is
 * broadcast and tha zero. Returns length, 0 if cap is too small. */
size_t arp_build(uint8_t *buf, size_t cap, uint16_t op, const uint8_t eth_dst[ETH_ALEN],
		 const uint8_t sha[ETH_ALEN], uint32_t spa, const uint8_t tha[ETH_ALEN], uint32_t tpa);
size_t arp_build_request(uint8_t *buf, size_t cap, const uint8_t sha[ETH_ALEN], uint32_t spa, uint32_t tpa);

struct pkt_info;
/* RFC 5227 2.1.1: a probe (sender IP 0.0.0.0) asks whether tpa is in use. */
int arp_is_probe(const struct pkt_info *pi);
/* RFC 5227 2.3 / RFC 826: an announcement (gratuitous ARP, sender IP ==
 * target IP, request or reply) tells the link, asks nothing. */
int arp_is_gratuitous(const struct pkt_info *pi);
/* RFC 826 "Packet Reception", RFC 5227 2.1.1: 1 if a host owning my_ip
 * replies to this ARP frame: a request for my_ip, a probe included, never
 * an announcement and never a sender claiming my_ip (a conflict). */
int arp_answers(const struct pkt_info *pi, uint32_t my_ip);
#endif
