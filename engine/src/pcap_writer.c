#include "pcap_writer.h"
#include <stdlib.h>

#define PCAP_MAGIC_NS 0xa1b23c4du
#define PCAP_SNAPLEN 65535u
#define LINKTYPE_ETHERNET 1u

struct pcap_hdr { uint32_t magic; uint16_t vmaj, vmin; int32_t tz; uint32_t sigfigs, snaplen, linktype; };
struct pcap_rec { uint32_t sec, nsec, caplen, len; };

int pcapw_open(struct pcapw *w, const char *path)
{
	w->frames = 0;
	w->failed = 0;
	w->f = fopen(path, "wb");
	if (!w->f)
		return -1;
	setvbuf(w->f, NULL, _IOFBF, 1 << 20);
	struct pcap_hdr h = { PCAP_MAGIC_NS, 2, 4, 0, 0, PCAP_SNAPLEN, LINKTYPE_ETHERNET };
	if (fwrite(&h, sizeof(h), 1, w->f) != 1) {
		fclose(w->f);
		w->f = NULL;
		return -1;
	}
	return 0;
}

void pcapw_write(struct pcapw *w, uint64_t ts_ns, const void *data, size_t len)
{
	if (!w->f || w->failed)
		return;
	struct pcap_rec r = { (uint32_t)(ts_ns / 1000000000u), (uint32_t)(ts_ns % 1000000000u), (uint32_t)len, (uint32_t)len };
	if (fwrite(&r, sizeof(r), 1, w->f) != 1 || fwrite(data, 1, len, w->f) != len)
		w->failed = 1;
	else
		w->frames++;
}

void pcapw_close(struct pcapw *w)
{
	if (w->f) {
		if (fclose(w->f) != 0)
			w->failed = 1;
		w->f = NULL;
	}
}
