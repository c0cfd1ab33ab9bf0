/* IPv6 (RFC 8200): addresses, the fixed header, the pseudo-header checksum
 * (RFC 8200 8.1), solicited-node multicast (RFC 4291 2.7.1) and the bounded
 * extension-header walk used by the rx classifier. Plain C over bytes. */
#ifndef WL_IPV6_H
#define WL_IPV6_H
#include "pkt_build.h"
#include "pkt_parse.h"

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

/* A fragment (RFC 8200 4.5): the unfragmentable part is the fixed header
 * and the extension headers before the fragment header; the data is what
 * follows the fragment header. */
struct ipv6_frag_view {
	size_t unfrag_len;     /* bytes from the start of the IPv6 header to the fragment header */
	size_t nh_off;         /* the Next Header byte that names the fragment header */
	uint8_t next;          /* the fragment header's Next Header */
	uint32_t id;
	uint32_t start;        /* fragment offset in bytes */
	int more;              /* M flag */
	size_t data_off, data_len; /* from the start of the IPv6 header */
};
/* Finds the fragment header of the packet at ip (end bytes of IPv6 header +
 * payload). Returns 0, or -1 when there is none or a header is cut short. */
int ipv6_frag_view(const uint8_t *ip, size_t end, struct ipv6_frag_view *v);

/* Either family as 16 bytes, IPv4 as ::ffff:a.b.c.d (RFC 4291 2.5.5.2), so
 * connection tables and segment builders take one address type. */
void ip16_from_v4(uint32_t v4, uint8_t out[IPV6_ALEN]);
int ip16_is_v4(const uint8_t a[IPV6_ALEN]);
static inline uint32_t ip16_v4(const uint8_t a[IPV6_ALEN]) { return rd32(a + 12); }
/* The source / destination of a classified frame of either family. */
void ip16_src(const struct pkt_info *pi, uint8_t out[IPV6_ALEN]);
void ip16_dst(const struct pkt_info *pi, uint8_t out[IPV6_ALEN]);
/* 32 bits standing for an address in hashes and cookies (the address itself for IPv4). */
uint32_t ip16_fold(const uint8_t a[IPV6_ALEN]);

/* 4 or 6 for an IPv4 or IPv6 frame (looking through up to two VLAN tags), else 0. */
static inline int wl_frame_family(const uint8_t *f, size_t len)
{
	size_t off = 12;
	for (int tags = 0; off + 2 <= len && tags <= 2; tags++, off += 4) {
		uint16_t et = rd16(f + off);
		if (et == ETHERTYPE_IPV4)
			return 4;
		if (et == ETHERTYPE_IPV6)
			return 6;
		if (et != ETHERTYPE_VLAN && et != ETHERTYPE_QINQ)
			return 0;
	}
	return 0;
}

/* Template checksum base for a v6 frame (see tmpl_finish). */
void tmpl_finish6(struct wl_tmpl *t, size_t l3_off);
#endif
