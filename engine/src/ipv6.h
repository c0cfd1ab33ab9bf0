/* IPv6 (RFC 8200): addresses, the fixed header, the pseudo-header checksum
 * (RFC 8200 8.1), solicited-node multicast (RFC 4291 2.7.1) and the bounded
 * extension-header walk used by the rx classifier. Plain C over bytes. */
#ifndef WL_IPV6_H
#define WL_IPV6_H
#include "pkt_build.h"

#define ETHERTYPE_IPV6 0x86DD
#define IPV6_HLEN 40
#define IPV6_ALEN 16
#define IPPROTO_ICMPV6_ 58
#define IPPROTO_NONE6_ 59
/* More extension headers than this is treated as malformed: a walk over
 * attacker-chosen chains must end (RFC 8200 4.1 lists at most ~8 kinds). */
#define IPV6_EXT_MAX 8

struct wl_l2l3_6 {
	uint8_t src_mac[ETH_ALEN];
	uint8_t dst_mac[ETH_ALEN];
	uint8_t src[IPV6_ALEN];
	uint8_t dst[IPV6_ALEN];
};

int parse_ipv6(const char *s, uint8_t out[IPV6_ALEN]);
void fmt_ipv6(const uint8_t *a, char *out, size_t cap);
int ipv6_is_unspecified(const uint8_t *a);
/* A source no host answers: multicast, loopback (RFC 4291 2.5.3, 2.7). */
int ipv6_bad_source(const uint8_t *a);
/* ff02::1:ffXX:XXXX for `a`, and the 33:33:xx:xx:xx:xx MAC of any group (RFC 2464 7). */
void ipv6_solicited_node(const uint8_t a[IPV6_ALEN], uint8_t out[IPV6_ALEN]);
void ipv6_mcast_mac(const uint8_t group[IPV6_ALEN], uint8_t mac[ETH_ALEN]);

/* Write the 40-byte fixed header; returns 40. */
size_t ipv6_write_hdr(uint8_t *ip, uint8_t next, const uint8_t src[IPV6_ALEN], const uint8_t dst[IPV6_ALEN],
		      uint16_t payload_len, uint8_t hop_limit);
uint32_t csum_pseudo_v6(const uint8_t src[IPV6_ALEN], const uint8_t dst[IPV6_ALEN], uint8_t proto, uint32_t l4_len);
/* Compute and store the ICMPv6/UDP/TCP checksum of a packet whose L4
 * header follows the fixed header (next header = its protocol). */
void ipv6_set_l4_csum(uint8_t *ip);
/* 1 if the L4 checksum at l4 (l4_len bytes, protocol proto) verifies
 * against the addresses of the header at ip. UDP's 0 is invalid over v6. */
int ipv6_l4_csum_ok(const uint8_t *ip, const uint8_t *l4, size_t l4_len, uint8_t proto);

struct ipv6_walk {
	uint8_t proto;    /* upper-layer protocol after the extension headers */
	uint8_t frag;     /* a fragment header with offset != 0 or M set */
	uint8_t first;    /* fragment offset 0 (or no fragment header) */
	uint8_t n_ext;    /* extension headers crossed */
	size_t l4_off;    /* from the start of the IPv6 header */
};
/* Walk the extension headers of the packet at ip (payload end at `end`
 * bytes from ip). Returns 0, or -1 when a header is cut short, the chain
 * is longer than IPV6_EXT_MAX, or hop-by-hop is not first. */
int ipv6_walk_ext(const uint8_t *ip, size_t end, struct ipv6_walk *w);

/* Template checksum base for a v6 frame (see tmpl_finish). */
void tmpl_finish6(struct wl_tmpl *t, size_t l3_off);
#endif
