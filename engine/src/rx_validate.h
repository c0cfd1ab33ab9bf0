/* Receive validation: whether a classified frame may be answered at all, as
 * a conformant host decides before any protocol looks at it (RFC 1122 3.2.1,
 * 3.3.6, 4.1.3.4; RFC 9293 3.1; RFC 792). A refusal names its reason so
 * the stats count each one. Plain C over byte buffers. */
#ifndef WL_RX_VALIDATE_H
#define WL_RX_VALIDATE_H
#include "pkt_parse.h"
#include "vlan.h"

enum rxv_reason {
	RXV_OK = 0,
	RXV_DST_MAC,        /* unicast to another station, or a multicast group not joined */
	RXV_SRC_ADDR,       /* source never answered: 0/8 (except ARP probes), 127/8, multicast, broadcast */
	RXV_SRC_MAC,        /* multicast/broadcast Ethernet source */
	RXV_IP_CHECKSUM,    /* IPv4 header checksum */
	RXV_L4_CHECKSUM,    /* ICMP, UDP or TCP checksum */
	RXV_LENGTH,         /* lengths that do not add up (IP total, IHL, UDP length, TCP offset) */
	RXV_VLAN,           /* tags other than the configured ones (--vlan), or tags when none is */
	RXV_COUNT
};
extern const char *const rxv_reason_names[RXV_COUNT];

struct rxv_cfg {
	uint8_t mac[ETH_ALEN];
	uint8_t verify_checksums;  /* ICMP/UDP/TCP checksums (--no-verify-checksums: 0) */
	uint8_t promiscuous;       /* answer frames to any destination MAC (--promiscuous) */
	uint8_t has_ip6;           /* ip6 set: its solicited-node group is joined (RFC 4861 7.2.1) */
	uint8_t ip6[16];
	struct vlan_stack vlan;    /* the frame's tags must be these (none: untagged) */
};

/* The reason a malformed frame (pkt_parse said WL_C_MALFORMED) was refused. */
int rxv_malformed_reason(const struct pkt_info *pi);

/* RXV_OK if the frame (classified in *pi, not malformed) may be answered,
 * else the reason it must not be. `buf` holds the whole frame (for a
 * reassembled datagram: the rebuilt frame). Fragments are checked for
 * addresses only; their L4 checksum is checked once reassembled. */
int rxv_check(const struct rxv_cfg *c, const uint8_t *buf, size_t len, const struct pkt_info *pi);

/* RFC 1122 3.2.1.3: a source address a host must never answer. ARP probes
 * (RFC 5227) are the one use of 0.0.0.0, checked by the caller. */
int rxv_bad_source(uint32_t ip);

/* 1 if the L4 checksum of the IPv4 datagram at `ip` (whole, not a
 * fragment) verifies. A UDP checksum of 0 means "none sent" (RFC 768). */
int rxv_l4_csum_ok(const uint8_t *ip, size_t avail);

/* The IPv6 part of rxv_check (rx_validate6.c): 33:33 groups joined, sources, L4 checksum. */
int rxv_mac6_joined(const struct rxv_cfg *c, const uint8_t *dst);
int rxv_check6(const struct rxv_cfg *c, const uint8_t *buf, const struct pkt_info *pi);
#endif
