/* rx classifier: any byte buffer in, a classification and the parsed
 * fields out. Never reads outside [buf, buf+len). */
#ifndef WL_PKT_PARSE_H
#define WL_PKT_PARSE_H
#include "pkt_build.h"

enum wl_class {
	WL_C_ETH = WL_P_ETH, WL_C_ARP = WL_P_ARP, WL_C_ICMP = WL_P_ICMP,
	WL_C_UDP = WL_P_UDP, WL_C_TCP = WL_P_TCP, WL_C_DNS = WL_P_DNS,
	WL_C_MALFORMED, WL_C_UNKNOWN,
};

enum wl_malformed_reason {
	WL_M_NONE = 0, WL_M_SHORT_ETH, WL_M_ARP, WL_M_IP_HDR, WL_M_IP_LEN, WL_M_IP_CSUM,
	WL_M_ICMP, WL_M_UDP, WL_M_TCP, WL_M_DNS,
};

struct pkt_info {
	uint8_t cls;          /* enum wl_class */
	uint8_t why;          /* enum wl_malformed_reason when malformed */
	uint8_t vlan;         /* number of VLAN tags skipped */
	uint16_t vlan_tci[2]; /* their TCIs, outer first (vlan.h) */
	uint8_t frag;         /* non-first IPv4 fragment or MF set: L4 not parsed */
	uint16_t ethertype;
	uint16_t l3_off, l4_off;
	uint16_t l4_len;      /* IPv4 payload length (from total length) */
	uint16_t pl_off, pl_len; /* L4 payload (UDP/TCP data, ICMP data, raw eth) */
	uint32_t ip_src, ip_dst; /* host order */
	uint8_t ip_proto;
	/* ARP */
	uint16_t arp_op;
	uint32_t arp_spa, arp_tpa;
	/* ICMP */
	uint8_t icmp_type, icmp_code;
	uint16_t icmp_id, icmp_seq;
	/* UDP / TCP */
	uint16_t sport, dport;
	uint32_t tcp_seq, tcp_ack;
	uint8_t tcp_flags;
	/* DNS header */
	uint16_t dns_id, dns_flags;
	/* IPv6 (ipv6.h): ip_src/ip_dst stay 0 */
	uint8_t ip6;
	uint8_t hop_limit;
	uint8_t ip6_src[16], ip6_dst[16];
};

struct parse_cfg {
	uint16_t raw_ethertype;   /* classified as "eth" */
	uint16_t dns_port;        /* UDP port classified as DNS besides 53 (0: only 53) */
};

/* Classify; fills *pi. Returns pi->cls. */
int pkt_parse(const uint8_t *buf, size_t len, const struct parse_cfg *cfg, struct pkt_info *pi);
/* The upper layer at pi->l4_off (pi->l4_len bytes) of either IP family;
 * icmp_proto is the number ICMP has in that family (1 or 58). */
int pkt_parse_l4(const uint8_t *buf, const struct parse_cfg *cfg, struct pkt_info *pi, uint8_t proto,
		 uint8_t icmp_proto, int first);
/* Mark *pi malformed for `why`; returns WL_C_MALFORMED. */
int pkt_parse_bad(struct pkt_info *pi, uint8_t why);
/* IPv6 at buf+off (ipv6_parse.c). */
int pkt_parse_ipv6(const uint8_t *buf, size_t len, size_t off, const struct parse_cfg *cfg, struct pkt_info *pi);
#endif
