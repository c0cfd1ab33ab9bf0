/* --role impair: the engine as a wire. Frames received on one port leave
 * by the other after the delay line (impair_line.h), held as the mbufs
 * they arrived in, sent when due by the TSC. */
#ifndef WL_IMPAIR_H
#define WL_IMPAIR_H
#include "impair_opts.h"

/* After EAL init: opens both ports, forwards until stopped. The exit status. */
int impair_run(const struct impair_cfg *c);
#endif
