/* Classic pcap (nanosecond timestamps, LINKTYPE_ETHERNET) file writer. */
#ifndef WL_PCAP_WRITER_H
#define WL_PCAP_WRITER_H
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>

struct pcapw {
	FILE *f;
	uint64_t frames;
	int failed;
};
/* Returns 0 or -1 (errno set). */
int pcapw_open(struct pcapw *w, const char *path);
void pcapw_write(struct pcapw *w, uint64_t ts_ns, const void *data, size_t len);
void pcapw_close(struct pcapw *w);
#endif
