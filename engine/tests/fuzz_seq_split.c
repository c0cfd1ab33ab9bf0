/* Fuzz mode "\0SPLT": --stamp's receiving side with several workers. Each
 * arrival (stream, sequence number, latency) goes to the tracker of the
 * worker whose queue it reached, as on a path that spreads one sender's
 * flows over the receiver's queues, and to one tracker that sees them all.
 * What the stats line says after folding the workers (stats.c: sums added,
 * latency merged, seq_split_excess taken off `expected`) must be what the
 * one tracker says: the same highest numbers, every arrival counted once,
 * the same latency count, minimum and maximum. Cross-worker duplicates and
 * reordering are the one thing a split cannot see (latency.h). */
#include <string.h>
#include "fuzz_modes.h"
#include "latency.h"
#include "net.h"

#define MAX_WORKERS 4

void fuzz_seq_split(const uint8_t *d, size_t n)
{
	static struct seq_track w[MAX_WORKERS], all;
	static struct lat_stats wl[MAX_WORKERS], la;
	if (n < 1)
		return;
	const unsigned nw = 1 + d[0] % MAX_WORKERS;
	struct seq_sums sw[MAX_WORKERS], sa;
	memset(sw, 0, sizeof(sw));
	memset(&sa, 0, sizeof(sa));
	for (unsigned i = 0; i < nw; i++) {
		seq_init(&w[i]);
		lat_init(&wl[i]);
	}
	seq_init(&all);
	lat_init(&la);
	uint64_t arrivals = 0;
	/* records of 6 bytes: stream (6 bits) and worker (2 bits), seq (13 bits:
	 * within SEQ_WINDOW of each other, so late and duplicate are told apart
	 * alike by every tracker, and "highest + 1" is each stream's expected),
	 * latency (23 bits, signed) */
	for (size_t i = 1; i + 6 <= n; i += 6) {
		const uint16_t stream = d[i] & 0x3f;
		const unsigned k = (unsigned)(d[i] >> 6) % nw;
		const uint32_t seq = rd16(d + i + 1) % SEQ_WINDOW;
		const int64_t lat = (int64_t)(rd16(d + i + 4) | (uint32_t)(d[i + 3] & 0xfe) << 15) - 100000;
		const uint64_t wbefore = sw[k].received + sw[k].duplicates + sw[k].untracked;
		const uint64_t abefore = sa.received + sa.duplicates + sa.untracked;
		seq_add(&w[k], &sw[k], stream, seq);
		seq_add(&all, &sa, stream, seq);
		lat_add(&wl[k], lat);
		lat_add(&la, lat);
		arrivals++;
		if (sw[k].received + sw[k].duplicates + sw[k].untracked != wbefore + 1 ||
		    sa.received + sa.duplicates + sa.untracked != abefore + 1)
			FUZZ_FAIL();
	}
	/* folded as stats.c folds the workers into the totals */
	struct seq_sums sum;
	struct lat_stats lm;
	/* zeroed, as counters_add's total is (lat_merge takes the first minimum) */
	memset(&sum, 0, sizeof(sum));
	memset(&lm, 0, sizeof(lm));
	const struct seq_track *tp[MAX_WORKERS];
	for (unsigned i = 0; i < nw; i++) {
		seq_sums_add(&sum, &sw[i]);
		lat_merge(&lm, &wl[i]);
		tp[i] = &w[i];
	}
	const uint64_t excess = seq_split_excess(tp, nw);
	if (excess > sum.expected || sum.expected - excess != sa.expected)
		FUZZ_FAIL();
	if (sum.untracked || sa.untracked || sum.received + sum.duplicates != arrivals)
		FUZZ_FAIL();
	/* a number seen by two workers is one arrival too many for them, a duplicate for the one tracker */
	if (sum.received < sa.received)
		FUZZ_FAIL();
	sum.expected -= excess;
	if (seq_lost(&sum, 0) > sum.expected || seq_lost(&sa, 0) != sa.expected - sa.received)
		FUZZ_FAIL();
	if (lm.h.count != la.h.count || lm.negative != la.negative || lm.h.max_ns != la.h.max_ns ||
	    lm.h.sum_ns != la.h.sum_ns || (la.h.count && lm.min_ns != la.min_ns))
		FUZZ_FAIL();
	if (memcmp(lm.h.b, la.h.b, sizeof(la.h.b)))
		FUZZ_FAIL();
}
