/* IPv6 fragmentation by the source (RFC 8200 4.5): an answer too big for the
 * link leaves as fragments, each the fixed header, a fragment header and at
 * most `frag_payload` bytes (a multiple of 8) of what followed the fixed
 * header. Our answers carry no extension headers, so the unfragmentable
 * part is the fixed header alone. Plain C. */
#ifndef WL_IPV6_FRAG_H
#define WL_IPV6_FRAG_H
#include "net.h"

/* IPv6 payload per fragment on a 1500-byte link: 1500 - 40 - 8, down to a multiple of 8. */
#define IPV6_FRAG_PAYLOAD 1448

/* Writes fragment k (0-based) of the packet in `frame` (IPv6 at l3_off, no
 * extension headers) with identification `id` into out. Returns its
 * length, 0 when k is past the last fragment, frag_payload is not a
 * positive multiple of 8, or cap is too small. */
size_t ipv6_fragment(const uint8_t *frame, size_t len, size_t l3_off, size_t frag_payload, uint32_t id, unsigned k,
		     uint8_t *out, size_t cap);
#endif
