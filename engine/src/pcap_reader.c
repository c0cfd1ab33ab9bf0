#include "pcap_reader.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

#define LINKTYPE_ETHERNET 1
#define PCAPNG_SHB 0x0A0D0D0Au
#define PCAPNG_IDB 1u
#define PCAPNG_SPB 3u
#define PCAPNG_EPB 6u
#define PCAPNG_BOM 0x1A2B3C4Du
#define PCAPNG_MAX_IF 64

static uint32_t get32(const uint8_t *p, int swap)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return swap ? __builtin_bswap32(v) : v;
}
static uint16_t get16(const uint8_t *p, int swap)
{
	uint16_t v;
	memcpy(&v, p, 2);
	return swap ? __builtin_bswap16(v) : v;
}

static int add_rec(struct pcap_file *f, const uint8_t *data, uint32_t caplen, uint32_t len, uint64_t ts)
{
	if (f->n == f->cap) {
		size_t nc = f->cap ? f->cap * 2 : 1024;
		struct pcap_rec *r = realloc(f->recs, nc * sizeof(*r));
		if (!r)
			return -1;
		f->recs = r;
		f->cap = nc;
	}
	f->recs[f->n++] = (struct pcap_rec){ data, caplen, len < caplen ? caplen : len, ts };
	return 0;
}

#define FAIL(...) do { snprintf(err, errcap, __VA_ARGS__); return -1; } while (0)

static int parse_classic(struct pcap_file *f, int swap, int nsec, char *err, size_t errcap)
{
	const uint8_t *b = f->buf;
	if (f->size < 24)
		FAIL("truncated pcap header (%zu of 24 bytes)", f->size);
	uint32_t link = get32(b + 20, swap) & 0x0fffffffu;
	if (link != LINKTYPE_ETHERNET)
		FAIL("link type %u is not Ethernet (1)", link);
	size_t off = 24;
	while (off < f->size) {
		if (f->size - off < 16)
			FAIL("record %zu: header cut short at byte %zu", f->n + 1, off);
		uint32_t sec = get32(b + off, swap), frac = get32(b + off + 4, swap);
		uint32_t caplen = get32(b + off + 8, swap), len = get32(b + off + 12, swap);
		if (caplen > 262144)
			FAIL("record %zu: capture length %u is corrupt", f->n + 1, caplen);
		if (f->size - off - 16 < caplen)
			FAIL("record %zu: %u bytes of data, file ends after %zu", f->n + 1, caplen, f->size - off - 16);
		uint64_t ts = (uint64_t)sec * 1000000000ull + (nsec ? frac : (uint64_t)frac * 1000ull);
		if (add_rec(f, b + off + 16, caplen, len, ts))
			FAIL("out of memory at record %zu", f->n + 1);
		off += 16 + (size_t)caplen;
	}
	return 0;
}

struct ng_if { uint64_t div, mul; }; /* ts units -> ns: ts * mul / div */

static void ng_if_init(struct ng_if *i, const uint8_t *opts, size_t olen, int swap)
{
	i->mul = 1000; /* default resolution: microseconds */
	i->div = 1;
	size_t o = 0;
	while (o + 4 <= olen) {
		uint16_t code = get16(opts + o, swap), l = get16(opts + o + 2, swap);
		if (code == 0 || o + 4 + l > olen)
			break;
		if (code == 9 && l >= 1) { /* if_tsresol */
			uint8_t r = opts[o + 4];
			uint64_t units = 1;
			unsigned e = r & 0x7f;
			for (unsigned k = 0; k < e && units < (1ull << 62) / 10; k++)
				units *= (r & 0x80) ? 2 : 10;
			/* units per second; ns = ts * 1e9 / units */
			if (units <= 1000000000ull && 1000000000ull % units == 0) {
				i->mul = 1000000000ull / units;
				i->div = 1;
			} else {
				i->mul = 1;
				i->div = units / 1000000000ull ? units / 1000000000ull : 1;
			}
		}
		o += 4 + (((size_t)l + 3) & ~(size_t)3);
	}
}

static int parse_ng(struct pcap_file *f, char *err, size_t errcap)
{
	const uint8_t *b = f->buf;
	struct ng_if ifs[PCAPNG_MAX_IF];
	unsigned n_if = 0;
	int swap = 0;
	uint32_t snaplen0 = 0;
	size_t off = 0;
	f->pcapng = 1;
	while (off < f->size) {
		if (f->size - off < 12)
			FAIL("pcapng block at byte %zu cut short", off);
		uint32_t type = get32(b + off, 0);
		if (type == PCAPNG_SHB) {
			if (f->size - off < 28)
				FAIL("pcapng section header at byte %zu cut short", off);
			uint32_t bom = get32(b + off + 8, 0);
			if (bom == PCAPNG_BOM)
				swap = 0;
			else if (bom == __builtin_bswap32(PCAPNG_BOM))
				swap = 1;
			else
				FAIL("pcapng section header at byte %zu: bad byte-order magic 0x%08x", off, bom);
			n_if = 0;
		} else {
			type = get32(b + off, swap);
		}
		uint32_t blen = get32(b + off + 4, swap);
		if (blen < 12 || (blen & 3) || blen > f->size - off)
			FAIL("pcapng block at byte %zu: length %u is corrupt or past the end of the file", off, blen);
		const uint8_t *body = b + off + 8;
		size_t bl = blen - 12;
		if (type == PCAPNG_IDB) {
			if (bl < 8)
				FAIL("pcapng interface block at byte %zu cut short", off);
			uint16_t link = get16(body, swap);
			if (link != LINKTYPE_ETHERNET)
				FAIL("pcapng interface %u: link type %u is not Ethernet (1)", n_if, link);
			if (n_if >= PCAPNG_MAX_IF)
				FAIL("more than %d pcapng interfaces", PCAPNG_MAX_IF);
			if (n_if == 0)
				snaplen0 = get32(body + 4, swap);
			ng_if_init(&ifs[n_if++], body + 8, bl - 8, swap);
		} else if (type == PCAPNG_EPB) {
			if (bl < 20)
				FAIL("pcapng packet block at byte %zu cut short", off);
			uint32_t ifid = get32(body, swap);
			if (ifid >= n_if)
				FAIL("pcapng packet block at byte %zu names interface %u, not described", off, ifid);
			uint64_t ts = ((uint64_t)get32(body + 4, swap) << 32) | get32(body + 8, swap);
			uint32_t caplen = get32(body + 12, swap), len = get32(body + 16, swap);
			if (caplen > bl - 20)
				FAIL("pcapng packet block at byte %zu: %u bytes of data in a %zu byte block", off, caplen, bl);
			uint64_t ns = ts / ifs[ifid].div * ifs[ifid].mul;
			if (add_rec(f, body + 20, caplen, len, ns))
				FAIL("out of memory at record %zu", f->n + 1);
		} else if (type == PCAPNG_SPB) {
			if (n_if == 0 || bl < 4)
				FAIL("pcapng simple packet block at byte %zu without an interface", off);
			uint32_t len = get32(body, swap);
			uint32_t caplen = len;
			if (snaplen0 && caplen > snaplen0)
				caplen = snaplen0;
			if (caplen > bl - 4)
				caplen = (uint32_t)(bl - 4);
			if (add_rec(f, body + 4, caplen, len, 0))
				FAIL("out of memory at record %zu", f->n + 1);
		}
		off += blen;
	}
	return 0;
}

int pcapr_parse(struct pcap_file *f, uint8_t *buf, size_t size, char *err, size_t errcap)
{
	memset(f, 0, sizeof(*f));
	f->buf = buf;
	f->size = size;
	if (size < 4)
		FAIL("not a pcap file: %zu bytes", size);
	uint32_t m = get32(buf, 0);
	switch (m) {
	case 0xa1b2c3d4u: return parse_classic(f, 0, 0, err, errcap);
	case 0xd4c3b2a1u: return parse_classic(f, 1, 0, err, errcap);
	case 0xa1b23c4du: return parse_classic(f, 0, 1, err, errcap);
	case 0x4d3cb2a1u: return parse_classic(f, 1, 1, err, errcap);
	case PCAPNG_SHB: return parse_ng(f, err, errcap);
	default: FAIL("not a pcap or pcapng file (magic 0x%08x)", m);
	}
}

int pcapr_load(struct pcap_file *f, const char *path, char *err, size_t errcap)
{
	memset(f, 0, sizeof(*f));
	FILE *fp = fopen(path, "rb");
	if (!fp)
		FAIL("%s: %s", path, strerror(errno));
	uint8_t *buf = NULL;
	size_t size = 0, cap = 0;
	for (;;) {
		if (size == cap) {
			cap = cap ? cap * 2 : 1 << 16;
			uint8_t *nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(fp);
				FAIL("%s: out of memory", path);
			}
			buf = nb;
		}
		size_t got = fread(buf + size, 1, cap - size, fp);
		size += got;
		if (got == 0)
			break;
	}
	int rerr = ferror(fp);
	fclose(fp);
	if (rerr) {
		free(buf);
		FAIL("%s: read error", path);
	}
	char why[200];
	if (pcapr_parse(f, buf, size, why, sizeof(why)) < 0) {
		pcapr_free(f);
		FAIL("%s: %s", path, why);
	}
	return 0;
}

void pcapr_free(struct pcap_file *f)
{
	free(f->buf);
	free(f->recs);
	memset(f, 0, sizeof(*f));
}
