/* Internet checksum (RFC 1071) helpers, with incremental update. */
#ifndef WL_CSUM_H
#define WL_CSUM_H

#include <stdint.h>
#include <stddef.h>

/* Ones'-complement sum of a byte range taken as big-endian 16-bit words,
 * added to `sum` (not folded). An odd trailing byte is padded with zero. */
uint32_t csum_partial(const void *buf, size_t len, uint32_t sum);
/* Fold a 32-bit partial sum to 16 bits (not inverted). */
static inline uint16_t csum_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}
/* Final checksum value (host order) of a range. */
uint16_t csum_buf(const void *buf, size_t len);
/* Pseudo-header partial sum for TCP/UDP over IPv4 (addresses host order). */
uint32_t csum_pseudo_v4(uint32_t src, uint32_t dst, uint8_t proto, uint16_t l4_len);
/* Compute and store the IPv4 header checksum of the header at `ip`. */
void ipv4_set_csum(uint8_t *ip);
/* Verify: returns 1 if the IPv4 header checksum is right. */
int ipv4_csum_ok(const uint8_t *ip, size_t ihl_bytes);
/* Compute and store the TCP/UDP/ICMP checksum over an IPv4 packet at `ip`
 * (header length from the packet). For UDP, 0 is sent as 0xffff. */
void l4_set_csum(uint8_t *ip);

#endif
