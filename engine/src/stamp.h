/* Payload stamp (--stamp): what a generated UDP frame carries so the
 * receiving port of the same engine measures one-way latency, loss,
 * reordering and duplicates from one clock.
 *
 * Layout, big endian, at the first byte of the UDP payload (offset 42 in
 * an untagged IPv4 frame, 62 with IPv6). 18 bytes, so a stamped IPv4 UDP
 * frame still fits the 64-byte minimum (60 + FCS) RFC 2544 starts with:
 *
 *    0  magic   u32  0x574c5331 ("WLS1")
 *    4  stream  u16  sender's stream: tx port index << 8 | worker
 *    6  seq     u32  per-stream sequence number, from 0
 *   10  tx_ns   u64  departure time, ns since the engine's start (its TSC)
 *
 * The payload after the stamp is the message pattern as without --stamp. */
#ifndef WL_STAMP_H
#define WL_STAMP_H
#include <stddef.h>
#include <stdint.h>
#include "net.h"
#include "csum.h"

#define STAMP_LEN 18
#define STAMP_MAGIC 0x574c5331u
#define STAMP_SEQ_OFF 6
#define STAMP_TS_OFF 10

struct stamp {
	uint16_t stream;
	uint32_t seq;
	uint64_t tx_ns;
};

/* The 18 bytes of a stamp at p (a template's: seq and tx_ns 0). */
void stamp_write(uint8_t *p, const struct stamp *s);
/* A stamped template's payload at out: the stamp of `stream` (seq and
 * time 0), msg after it, zeros up to a frame of frame_size with `hdrs`
 * bytes of headers (the message pattern is not repeated over the stamp).
 * Returns the payload length (at most cap). */
size_t stamp_payload(uint8_t *out, size_t cap, uint16_t stream, const void *msg, size_t msg_len, size_t hdrs,
		     size_t frame_size);
/* 0 and *out filled when p holds a stamp (len >= STAMP_LEN, magic), else -1. */
int stamp_parse(const uint8_t *p, size_t len, struct stamp *out);

static inline void stamp_wr64(uint8_t *p, uint64_t v)
{
	wr32(p, (uint32_t)(v >> 32));
	wr32(p + 4, (uint32_t)v);
}

/* Hot path: seq and tx_ns written into a frame copied from a stamped
 * template (those fields 0 there) whose UDP checksum at csum_off was
 * already fixed; the checksum is updated for the new words (RFC 1624
 * eq. 3 with m = 0). csum_off 0: no checksum to keep (IPv4 UDP sent
 * without one). */
static inline void stamp_fill(uint8_t *pkt, uint16_t stamp_off, uint16_t csum_off, uint32_t seq, uint64_t tx_ns)
{
	uint8_t *s = pkt + stamp_off;
	wr32(s + STAMP_SEQ_OFF, seq);
	stamp_wr64(s + STAMP_TS_OFF, tx_ns);
	if (!csum_off)
		return;
	uint32_t sum = (uint16_t)~rd16(pkt + csum_off);
	sum += (seq >> 16) + (seq & 0xffff);
	sum += (uint32_t)(tx_ns >> 48) + (uint32_t)((tx_ns >> 32) & 0xffff) + (uint32_t)((tx_ns >> 16) & 0xffff) +
	       (uint32_t)(tx_ns & 0xffff);
	uint16_t c = (uint16_t)~csum_fold(sum);
	/* UDP: a computed 0 goes out as all ones (RFC 768) */
	wr16(pkt + csum_off, c ? c : 0xffff);
}
#endif
