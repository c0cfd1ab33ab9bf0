/* The fuzz target's other inputs (fuzz_rx_parse.c dispatches on a 5-byte
 * prefix, a NUL and a tag, so the frame corpus keeps its meaning): what
 * the generator builds and the receiver reads with --stamp, the receiving
 * workers' sequence tracking split over queues, --role impair's delay
 * line, and the engine's and the impair role's command lines. */
#ifndef WL_FUZZ_MODES_H
#define WL_FUZZ_MODES_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define FUZZ_TAG_LEN 5
/* A broken invariant: which one, then the crash libFuzzer reports. */
#define FUZZ_FAIL() (fprintf(stderr, "fuzz: check failed at %s:%d\n", __FILE__, __LINE__), __builtin_trap())

/* "\0STMP": a stamped UDP frame as the generator builds and fills it. */
void fuzz_tx_stamp(const uint8_t *d, size_t n);
/* "\0SPLT": stamped arrivals spread over up to four workers' trackers. */
void fuzz_seq_split(const uint8_t *d, size_t n);
/* "\0IMPR": frames through --role impair's decisions and queue. */
void fuzz_impair(const uint8_t *d, size_t n);
/* "\0ARGV": NUL-separated arguments to the engine's and the impair role's parsers. */
void fuzz_args(const uint8_t *d, size_t n);
#endif
