/* Fuzz mode "\0IMPR": --role impair's handling of frames, as impair.c's
 * admit() and its sending loop do it with the delay line of
 * impair_line.c: settings for one direction from the input, then frames
 * (their bytes and the time between them) from the rest. Each verdict must
 * be one netem could give (a drop alone; one or two copies; a delay within
 * delay ± jitter, or ± 4 jitter for normal, never below 0; no delay when
 * sent ahead), a corrupted copy must differ from the frame in exactly one
 * bit outside the Ethernet header, frames must leave in (due, arrival)
 * order and never before they are due, and every frame held must leave:
 * pushed = sent + still queued, nothing past the queue's bound. */
#include <string.h>
#include "fuzz_modes.h"
#include "impair_line.h"
#include "net.h"

#define KEEP 14 /* impair.c ETH_HLEN_KEEP */
#define CFG_LEN 20

struct held {
	uint64_t due, order;
};

void fuzz_impair(const uint8_t *d, size_t n)
{
	if (n < CFG_LEN)
		return;
	struct imp_dir_cfg c;
	memset(&c, 0, sizeof(c));
	c.delay_ns = (uint64_t)rd16(d) * 1000;
	c.jitter_ns = (uint64_t)rd16(d + 2) * 500;
	c.dist = d[4] & 1;
	c.loss = d[5] / 255.0;
	c.duplicate = d[6] / 255.0;
	c.corrupt = d[7] / 255.0;
	c.reorder = c.delay_ns ? d[8] / 255.0 : 0; /* impair_opts.c: --reorder needs --delay */
	c.gap = 1 + d[9] % 8;
	struct imp_rng rng;
	imp_rng_seed(&rng, (uint64_t)rd32(d + 10) << 32 | rd32(d + 14));
	struct imp_queue q;
	const size_t cap = 1 + rd16(d + 18) % 128;
	if (imp_queue_init(&q, cap) < 0)
		return;
	static struct held slots[256 * 2];
	static uint8_t frame[WL_MAX_FRAME], copy[WL_MAX_FRAME];
	struct imp_reorder ro = { 0 };
	uint64_t now = 0, pushed = 0, sent = 0, last_due = 0, last_order = 0, order = 0;
	int any_sent = 0;
	size_t i = CFG_LEN;
	unsigned next_slot = 0;
	/* records: length byte, advance byte (x 10 us), then that many frame bytes (what is left at the end) */
	while (i + 2 <= n && next_slot + 2 <= sizeof(slots) / sizeof(slots[0])) {
		size_t len = d[i];
		now += (uint64_t)d[i + 1] * 10000;
		i += 2;
		if (len > n - i)
			len = n - i;
		memcpy(frame, d + i, len);
		i += len;

		struct imp_verdict v;
		imp_decide(&c, &ro, &rng, &v);
		if (v.drop) {
			if (v.copies != 1 || v.corrupt || v.ahead)
				FUZZ_FAIL();
		} else {
			if (v.copies < 1 || v.copies > 2 || (v.ahead && v.delay_ns[0]))
				FUZZ_FAIL();
			const double spread = c.jitter_ns ? (c.dist == IMP_NORMAL ? 4.0 : 1.0) * (double)c.jitter_ns : 0;
			for (int k = v.ahead; k < v.copies; k++) {
				double lo = (double)c.delay_ns - spread, hi = (double)c.delay_ns + spread;
				if ((double)v.delay_ns[k] < (lo < 0 ? 0 : lo) - 1 || (double)v.delay_ns[k] > hi + 1)
					FUZZ_FAIL();
			}
			if (v.corrupt) {
				uint8_t mask;
				memcpy(copy, frame, len);
				size_t at = imp_corrupt_byte(len, KEEP, &rng, &mask);
				/* an empty frame has no bit to flip: mask 0 at 0 (the mbuf's room is there) */
				if (!len && (at || mask))
					FUZZ_FAIL();
				if (len && (at >= len || (len > KEEP && at < KEEP) || !mask || (mask & (mask - 1))))
					FUZZ_FAIL();
				copy[at] ^= mask;
				unsigned bits = 0;
				for (size_t b = 0; b < len; b++)
					bits += (unsigned)__builtin_popcount(copy[b] ^ frame[b]);
				if (bits != (len ? 1u : 0u))
					FUZZ_FAIL();
			}
			for (int k = 0; k < v.copies; k++) {
				struct held *h = &slots[next_slot];
				h->due = now + v.delay_ns[k];
				h->order = order;
				if (imp_queue_push(&q, h->due, h) == 0) {
					pushed++;
					next_slot++;
					order++;
				} else if (q.n != cap) {
					FUZZ_FAIL(); /* refused with room left */
				}
			}
		}
		/* the sending loop at this time: what is due leaves, in (due, arrival) order over the whole run */
		struct held *h;
		while ((h = imp_queue_pop_due(&q, now)) != NULL) {
			if (h->due > now || (any_sent && (h->due < last_due || (h->due == last_due && h->order < last_order))))
				FUZZ_FAIL();
			last_due = h->due;
			last_order = h->order;
			any_sent = 1;
			sent++;
		}
		if (q.n > cap || q.max_seen > cap)
			FUZZ_FAIL();
	}
	/* after the last frame: everything left leaves by its due time, in (due, order) order */
	struct held *h, *prev = NULL;
	uint64_t left = q.n;
	for (uint64_t k = 0; k < left; k++) {
		h = imp_queue_pop_any(&q);
		if (!h || (prev && (h->due < prev->due || (h->due == prev->due && h->order < prev->order))))
			FUZZ_FAIL();
		prev = h;
	}
	if (imp_queue_pop_any(&q) || pushed != sent + left)
		FUZZ_FAIL();
	imp_queue_free(&q);
}
