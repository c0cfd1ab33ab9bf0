/* Several ports in one engine (--port repeated): the values and the
 * per-port counters behind the "ports" array (stats.c). Port index 0 is the
 * generator's; every port receives, answers as its own host and counts. */
#ifndef WL_PORTS_H
#define WL_PORTS_H
#include <stdint.h>

#define WL_MAX_PORTS 8

struct port_ctr {
	uint64_t tx_packets, tx_bytes, rx_packets, rx_bytes;
};

/* "--port" values: a DPDK port id, not repeated. 0 or -1 after one line on stderr. */
int ports_add(uint16_t *ids, unsigned *n, const char *arg);
#endif
