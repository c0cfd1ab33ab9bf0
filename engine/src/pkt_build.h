/* Frame assembly shared by the protocol builders, and tx templates:
 * a frame built once plus the offsets of the few fields the hot loop
 * rewrites per packet (source port, ICMP seq, DNS id, TCP seq) and the
 * pre-summed checksum base so the fix-up is a handful of additions. */
#ifndef WL_PKT_BUILD_H
#define WL_PKT_BUILD_H

#include <stdint.h>
#include <stddef.h>
#include "net.h"
#include "csum.h"
#include "wl_proto_names.h"

/* Write Ethernet header; returns 14. */
size_t eth_write_hdr(uint8_t *buf, const uint8_t dst[ETH_ALEN], const uint8_t src[ETH_ALEN], uint16_t ethertype);
/* Write a 20-byte IPv4 header (DF set, TTL 64) with checksum; returns 20. */
size_t ipv4_write_hdr(uint8_t *ip, uint8_t proto, uint32_t src, uint32_t dst, uint16_t total_len, uint16_t id);
/* Fill `n` bytes at dst with `pat` repeated (or zeros if pat_len is 0). */
void fill_pattern(uint8_t *dst, size_t n, const uint8_t *pat, size_t pat_len);
/* Pad a frame with zeros up to the 60-byte Ethernet minimum; returns new length. */
size_t eth_pad_min(uint8_t *buf, size_t len);

/* Named and meant as in wl_proto_names.h, which the XDP programs count by. */
enum wl_proto {
	WL_P_ETH = 0, WL_P_ARP, WL_P_ICMP, WL_P_UDP, WL_P_TCP, WL_P_DNS,
	WL_P_COUNT
};
_Static_assert(WL_P_COUNT == WL_TRAFFIC_PROTO_COUNT, "one name per protocol in wl_proto_names.h");
extern const char *const wl_proto_names[WL_P_COUNT];

/* Field the hot loop varies. */
enum wl_var {
	WL_VAR_NONE = 0,
	WL_VAR_ICMP_SEQ,  /* 16-bit ICMP sequence */
	WL_VAR_DNS_ID,    /* 16-bit DNS id */
	WL_VAR_TCP_SEQ,   /* 32-bit TCP sequence (SYN ISN) */
};

struct wl_tmpl {
	uint8_t data[WL_MAX_FRAME];
	uint16_t len;
	uint8_t proto;         /* enum wl_proto */
	uint8_t var;           /* enum wl_var */
	uint16_t var_off;      /* offset of the varying key field */
	uint16_t sport_off;    /* 0 if no source port (flows) */
	uint16_t csum_off;     /* L4 checksum offset, 0 if none to fix */
	uint8_t udp_csum;      /* 1: a computed 0 is sent as 0xffff */
	uint32_t csum_base;    /* partial sum of the frame's L4 (+pseudo) with varying fields zero */
};

/* Compute csum_base for a template whose L4 checksum at csum_off and
 * varying fields are zero in `data`. l3_off is the IPv4 header offset. */
void tmpl_finish(struct wl_tmpl *t, size_t l3_off);

/* Hot-path fill: write key/sport into a copy of the template at `pkt`
 * and fix the L4 checksum. key is the 16/32-bit request key. */
static inline void tmpl_fill(const struct wl_tmpl *t, uint8_t *pkt, uint32_t key, uint16_t sport)
{
	uint32_t s = t->csum_base;
	switch (t->var) {
	case WL_VAR_ICMP_SEQ:
	case WL_VAR_DNS_ID:
		wr16(pkt + t->var_off, (uint16_t)key);
		s += key & 0xffff;
		break;
	case WL_VAR_TCP_SEQ:
		wr32(pkt + t->var_off, key);
		s += (key >> 16) + (key & 0xffff);
		break;
	default:
		break;
	}
	if (t->sport_off) {
		wr16(pkt + t->sport_off, sport);
		s += sport;
	}
	if (t->csum_off) {
		uint16_t c = (uint16_t)~csum_fold(s);
		if (t->udp_csum && c == 0)
			c = 0xffff;
		wr16(pkt + t->csum_off, c);
	}
}

#endif
