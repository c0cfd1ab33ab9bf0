/* Whole-file reader for classic libpcap (usec/nsec, either byte order) and
 * pcapng (SHB/IDB/EPB/SPB) captures of Ethernet frames. The file is read
 * once into memory; records point into that buffer. No DPDK. */
#ifndef WL_PCAP_READER_H
#define WL_PCAP_READER_H
#include <stdint.h>
#include <stddef.h>

struct pcap_rec {
	const uint8_t *data;
	uint32_t caplen;   /* bytes present in the file */
	uint32_t len;      /* bytes on the wire */
	uint64_t ts_ns;    /* timestamp, nanoseconds since the epoch */
};

struct pcap_file {
	uint8_t *buf;      /* the file's bytes (owned) */
	size_t size;
	struct pcap_rec *recs;
	size_t n, cap;
	int pcapng;
};

/* Parse an in-memory capture (takes ownership of buf, freed by
 * pcapr_free). 0 on success; -1 with a one-line reason in err. */
int pcapr_parse(struct pcap_file *f, uint8_t *buf, size_t size, char *err, size_t errcap);
/* Read and parse a file. 0 or -1 with a one-line reason (naming the file) in err. */
int pcapr_load(struct pcap_file *f, const char *path, char *err, size_t errcap);
void pcapr_free(struct pcap_file *f);
#endif
