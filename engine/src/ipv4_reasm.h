/* IPv4 and IPv6 reassembly (RFC 791 3.2, RFC 815, RFC 1122 3.3.2; RFC 8200
 * 4.5: the unfragmentable part of the first fragment, the fragment header
 * dropped, keyed by addresses and the 32-bit identification) in bounded
 * memory: at most `max_dgrams` datagrams in progress (a fragment of a new
 * datagram beyond that is dropped, as Linux drops over its memory
 * threshold), each at most 65535 bytes, each forgotten `timeout` clock units
 * after its first fragment. Overlap policy as Linux's (since 4.19): an exact
 * duplicate fragment is ignored, any other overlap drops the whole datagram.
 * Plain C; all memory taken at create time. */
#ifndef WL_IPV4_REASM_H
#define WL_IPV4_REASM_H
#include "pkt_parse.h"

#define REASM_MAX_FRAGS 64          /* fragments per datagram (a 65535-byte datagram at MTU 1500 needs 45) */
#define REASM_MAX_DGRAM 65535       /* RFC 791: total length is 16 bits */
/* a rebuilt frame: L2 header (up to two VLAN tags), IP header(s), payload
 * (IPv6: 65535 bytes of payload after its 40-byte header and what else it keeps) */
#define REASM_MAX_FRAME (ETH_HLEN + 8 + 168 + REASM_MAX_DGRAM)

struct reasm_stats {
	uint64_t fragments;        /* fragments fed in */
	uint64_t reassembled;      /* datagrams completed */
	uint64_t timed_out;        /* datagrams forgotten incomplete */
	uint64_t dropped;          /* datagrams (or fragments without a slot) thrown away, any reason below */
	uint64_t overlap, too_big, no_slot, bad_fragment;
};

struct reasm;

/* NULL on bad arguments (max_dgrams 0 or > 1024) or no memory. */
struct reasm *reasm_create(unsigned max_dgrams, uint64_t timeout);
void reasm_destroy(struct reasm *r);

/* Feeds a fragment (pi from pkt_parse, pi->frag set). When it completes
 * its datagram, returns the rebuilt frame's length and points *out at it
 * (valid until the next call); else returns 0. */
size_t reasm_add(struct reasm *r, const uint8_t *frame, size_t len, const struct pkt_info *pi, uint64_t now,
		 const uint8_t **out);
/* Forgets datagrams older than the timeout. */
void reasm_expire(struct reasm *r, uint64_t now);
const struct reasm_stats *reasm_get_stats(const struct reasm *r);
unsigned reasm_in_progress(const struct reasm *r);
#endif
