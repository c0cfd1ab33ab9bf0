/* DNS messages (RFC 1035): queries for A records, and the answers. */
#ifndef WL_PROTO_DNS_H
#define WL_PROTO_DNS_H
#include <stdint.h>
#include <stddef.h>

#define DNS_PORT 53
#define DNS_MAX_NAME 255       /* wire length */
#define DNS_TYPE_A 1
#define DNS_TYPE_AAAA 28
#define DNS_TYPE_ANY 255
#define DNS_CLASS_IN 1
#define DNS_RCODE_NOERROR 0
#define DNS_RCODE_FORMERR 1
#define DNS_RCODE_NXDOMAIN 3
#define DNS_RCODE_NOTIMP 4
#define DNS_FLAG_QR 0x8000
#define DNS_FLAG_AA 0x0400
#define DNS_FLAG_RD 0x0100

/* Encode a dotted name ("www.example.com", trailing dot optional) into
 * wire labels. Returns bytes written, or -1 if invalid (empty label,
 * label > 63, total > 255). */
int dns_encode_name(const char *name, uint8_t *out, size_t cap);
/* Decode the name at `off` of msg (following compression pointers,
 * bounded) into dotted lower-case text. On success returns the offset
 * just past the name in the original position, else -1. */
int dns_decode_name(const uint8_t *msg, size_t len, size_t off, char *out, size_t out_cap);
/* DNS query message (header + one question). Returns length or -1. */
int dns_build_query(uint8_t *out, size_t cap, uint16_t id, const char *name, uint16_t qtype);

struct dns_question {
	uint16_t id;
	uint16_t flags;
	uint16_t qtype, qclass;
	size_t q_end;              /* offset after the question */
	char name[DNS_MAX_NAME + 1];
};
/* Parse a query with exactly one question. Returns 0, or -1 if malformed. */
int dns_parse_query(const uint8_t *msg, size_t len, struct dns_question *q);

/* Response for a parsed query: the question copied, and an A record
 * (TTL 60) if `a_addr` is non-zero. Returns length or -1. */
int dns_build_response(uint8_t *out, size_t cap, const uint8_t *query, const struct dns_question *q,
		       uint8_t rcode, uint32_t a_addr);

/* A table of NAME=IPv4 records (names stored lower-case, no trailing dot). */
struct dns_record { char name[DNS_MAX_NAME + 1]; uint32_t addr; };
/* Look up; returns address (host order) or 0. */
uint32_t dns_lookup(const struct dns_record *t, size_t n, const char *name);
#endif
