#include "ports.h"
#include <stdio.h>
#include <stdlib.h>

int ports_add(uint16_t *ids, unsigned *n, const char *arg)
{
	char *end;
	unsigned long v = strtoul(arg, &end, 10);
	if (!*arg || *end || v > 1023) {
		fprintf(stderr, "wirelab-engine: --port: '%s' is not a DPDK port id (0..1023)\n", arg);
		return -1;
	}
	for (unsigned i = 0; i < *n; i++)
		if (ids[i] == v) {
			fprintf(stderr, "wirelab-engine: --port %lu given twice\n", v);
			return -1;
		}
	if (*n == WL_MAX_PORTS) {
		fprintf(stderr, "wirelab-engine: --port: at most %d ports\n", WL_MAX_PORTS);
		return -1;
	}
	ids[(*n)++] = (uint16_t)v;
	return 0;
}
