/* DNS names as what they are on the wire (RFC 1035 3.1, 4.1.4): a
 * sequence of length-prefixed labels. A label may hold any byte, '.' and
 * NUL included, so names are never joined into dotted text to be compared:
 * they are compared label by label, ASCII letters without regard to case
 * (RFC 4343), every other byte exactly. */
#ifndef WL_DNS_NAME_H
#define WL_DNS_NAME_H
#include <stdint.h>
#include <stddef.h>

#define DNS_NAME_WIRE_MAX 255   /* RFC 1035 3.1: whole name incl. the root label */
#define DNS_LABEL_MAX 63
#define DNS_MAX_POINTERS 32     /* a name cannot be longer than 127 labels; bound the work anyway */

/* Uncompressed wire form, case kept as received (0x20 bits are echoed back). */
struct dns_name {
	uint8_t len;            /* bytes in wire, root label included */
	uint8_t nlabels;        /* not counting the root */
	uint8_t wire[DNS_NAME_WIRE_MAX];
};

/* Decode the name at `off` of the message, following compression pointers
 * (each must point strictly backwards, so there are no loops). Returns the offset just past the name where it
 * started (after the first pointer, if any), or -1 if malformed. */
int dns_name_decode(const uint8_t *msg, size_t len, size_t off, struct dns_name *n);

/* Equal as DNS names: same labels, same lengths, ASCII case folded. */
int dns_name_equal(const struct dns_name *a, const struct dns_name *b);

/* Does the name equal the configured dotted text (labels split at '.',
 * trailing dot optional; configured names have no escaped dots)? */
int dns_name_equal_text(const struct dns_name *n, const char *text);
#endif
