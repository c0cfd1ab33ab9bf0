/* IPv4 fragmentation (RFC 791 3.2, "Fragmentation"): a datagram too big for
 * the link, or a generator asked for fragments, sent as pieces of at most
 * `frag_payload` bytes of IP payload (a multiple of 8). Plain C. */
#ifndef WL_IPV4_FRAG_H
#define WL_IPV4_FRAG_H
#include "net.h"

/* Number of fragments `frame` (IPv4 at l3_off) splits into; 1 if it fits. */
unsigned ipv4_frag_count(const uint8_t *frame, size_t len, size_t l3_off, size_t frag_payload);
/* Writes fragment k (0-based) of the datagram in `frame` into out: the L2
 * header, the IP header with offset/MF set, DF cleared and identification
 * `id`, its share of the payload, padded to the Ethernet minimum. A
 * datagram that is itself a fragment keeps its own identification: its
 * pieces must reassemble with its siblings. The caller gives every
 * datagram it fragments a fresh `id` (RFC 6864 4.2: unique per source,
 * destination and protocol while fragments may be in flight). Returns its
 * length, 0 when k is past the last fragment, frag_payload is not a
 * positive multiple of 8, or cap is too small. */
size_t ipv4_fragment(const uint8_t *frame, size_t len, size_t l3_off, size_t frag_payload, uint16_t id, unsigned k,
		     uint8_t *out, size_t cap);
#endif
