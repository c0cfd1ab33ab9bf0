/* Frame rewriting for replay: IPv4 and MAC address maps, TTL, and the
 * checksums made right again afterwards (recomputed over the datagram
 * when the frame holds all of it, updated incrementally per RFC 1624
 * when it does not: fragments, truncated captures). No DPDK. */
#ifndef WL_REWRITE_H
#define WL_REWRITE_H
#include <stdint.h>
#include <stddef.h>
#include "net.h"

#define RW_MAX_MAPS 64

struct rewrite_cfg {
	uint32_t ip_from[RW_MAX_MAPS], ip_to[RW_MAX_MAPS]; /* host order */
	unsigned n_ip;
	uint8_t mac_from[RW_MAX_MAPS][ETH_ALEN], mac_to[RW_MAX_MAPS][ETH_ALEN];
	unsigned n_mac;
	int ttl;          /* -1: unchanged */
};

struct rewrite_stats {
	uint64_t frames;      /* frames changed */
	uint64_t ip_mapped;   /* addresses replaced (IPv4 header and ARP) */
	uint64_t mac_mapped;
	uint64_t ttl_set;
	uint64_t csum_full;   /* frames whose checksums were recomputed */
	uint64_t csum_incr;   /* frames updated incrementally */
};

void rewrite_init(struct rewrite_cfg *c);
/* "A=B" (IPv4) / "M=N" (MAC). 0, or -1 with a one-line reason in err. */
int rewrite_add_ip(struct rewrite_cfg *c, const char *arg, char *err, size_t errcap);
int rewrite_add_mac(struct rewrite_cfg *c, const char *arg, char *err, size_t errcap);
int rewrite_active(const struct rewrite_cfg *c);
/* Rewrite a frame of caplen bytes in place; returns 1 if it changed. */
int rewrite_frame(const struct rewrite_cfg *c, uint8_t *f, size_t caplen, struct rewrite_stats *st);
/* Recompute the IPv4 header and L4 checksums of a whole, unfragmented
 * datagram (a padded truncated frame: its payload changed). Returns 1 if
 * it did. UDP sent without a checksum keeps none. */
int rewrite_recompute(uint8_t *f, size_t len);
/* Add a 32-bit field's change to the checksum at csum (RFC 1624 eq. 3). */
void csum_update32(uint8_t *csum, uint32_t old, uint32_t new_);
void csum_update16(uint8_t *csum, uint16_t old, uint16_t new_);
#endif
