#include "dns_name.h"
#include "net.h"

static inline uint8_t fold(uint8_t c) { return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c; }

int dns_name_decode(const uint8_t *msg, size_t len, size_t off, struct dns_name *n)
{
	int end = -1;
	unsigned jumps = 0;
	size_t o = 0;
	n->len = 0;
	n->nlabels = 0;
	for (;;) {
		if (off >= len)
			return -1;
		uint8_t l = msg[off];
		if ((l & 0xc0) == 0xc0) {
			if (off + 1 >= len || ++jumps > DNS_MAX_POINTERS)
				return -1;
			size_t target = ((size_t)(l & 0x3f) << 8) | msg[off + 1];
			if (end < 0)
				end = (int)(off + 2);
			/* strictly backwards: no loops (a pointer into the header is odd but legal) */
			if (target >= off)
				return -1;
			off = target;
			continue;
		}
		if (l & 0xc0)           /* 0x40/0x80: extended label types, not supported (RFC 6891 5) */
			return -1;
		if (o + 1u + l > DNS_NAME_WIRE_MAX || off + 1u + l > len)
			return -1;
		n->wire[o++] = l;
		if (l == 0) {
			if (end < 0)
				end = (int)(off + 1);
			break;
		}
		memcpy(n->wire + o, msg + off + 1, l);
		o += l;
		n->nlabels++;
		off += 1u + l;
	}
	n->len = (uint8_t)o;
	return end;
}

int dns_name_equal(const struct dns_name *a, const struct dns_name *b)
{
	if (a->len != b->len || a->nlabels != b->nlabels)
		return 0;
	size_t i = 0;
	while (i < a->len) {
		uint8_t l = a->wire[i];
		if (b->wire[i] != l)
			return 0;
		for (size_t k = 1; k <= l; k++)
			if (fold(a->wire[i + k]) != fold(b->wire[i + k]))
				return 0;
		i += 1u + l;
	}
	return 1;
}

int dns_name_equal_text(const struct dns_name *n, const char *text)
{
	size_t tl = strlen(text);
	if (tl && text[tl - 1] == '.')
		tl--;
	size_t i = 0, t = 0;
	for (unsigned lab = 0; lab < n->nlabels; lab++) {
		uint8_t l = n->wire[i];
		size_t j = t;
		while (j < tl && text[j] != '.')
			j++;
		if (j - t != l)
			return 0;
		for (size_t k = 0; k < l; k++)
			if (fold(n->wire[i + 1 + k]) != fold((uint8_t)text[t + k]))
				return 0;
		i += 1u + l;
		t = j + 1;               /* past the dot */
	}
	/* all labels consumed: the text must be consumed too */
	return n->nlabels == 0 ? tl == 0 : t == tl + 1;
}
