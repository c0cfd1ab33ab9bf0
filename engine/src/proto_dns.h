/* DNS messages (RFC 1035): queries for A records, and the answers, with
 * EDNS(0) (RFC 6891). */
#ifndef WL_PROTO_DNS_H
#define WL_PROTO_DNS_H
#include <stdint.h>
#include <stddef.h>
#include "dns_name.h"

#define DNS_PORT 53
#define DNS_OFF_ID 0        /* offset of the id in the DNS header */
#define DNS_MAX_NAME 255       /* wire length */
#define DNS_TYPE_A 1
#define DNS_TYPE_MX 15
#define DNS_TYPE_AAAA 28
#define DNS_TYPE_OPT 41
#define DNS_TYPE_ANY 255
#define DNS_CLASS_IN 1
#define DNS_RCODE_NOERROR 0
#define DNS_RCODE_FORMERR 1
#define DNS_RCODE_NXDOMAIN 3
#define DNS_RCODE_NOTIMP 4
#define DNS_RCODE_REFUSED 5
#define DNS_RCODE_BADVERS 16   /* extended: high 8 bits in the OPT TTL */
#define DNS_EDNS_UDP_SIZE 4096 /* the payload size we advertise */
#define DNS_FLAG_QR 0x8000
#define DNS_FLAG_AA 0x0400
#define DNS_FLAG_RD 0x0100
#define DNS_FLAG_CD 0x0010

/* Encode a dotted name ("www.example.com", trailing dot optional) into
 * wire labels. Returns bytes written, or -1 if invalid (empty label,
 * label > 63, total > 255). */
int dns_encode_name(const char *name, uint8_t *out, size_t cap);
/* DNS query message (header + one question). Returns length or -1. */
int dns_build_query(uint8_t *out, size_t cap, uint16_t id, const char *name, uint16_t qtype);

struct dns_question {
	uint16_t id;
	uint16_t flags;
	uint16_t qtype, qclass;
	struct dns_name qname;
	/* EDNS(0): an OPT pseudo-RR in the additional section */
	uint8_t has_opt, opt_version, opt_do;
	uint16_t opt_udp_size;
};
/* Parse a query: one question, any answer/authority records skipped,
 * at most one OPT (root owner, well-formed options) in the additional
 * section. Returns 0, or -1 if malformed (the answer is FORMERR). */
int dns_parse_query(const uint8_t *msg, size_t len, struct dns_question *q);

/* The records a response answers with: an A (a != 0) and an AAAA (aaaa != NULL). */
struct dns_rrset {
	uint32_t a;
	const uint8_t *aaaa;
};
/* Response for a parsed query: the question re-encoded uncompressed, the
 * A and AAAA records of rr (TTL 60; rr may be NULL), and an OPT record if
 * the query had one. rcode may be extended (> 15, EDNS only). Returns
 * length or -1. */
int dns_build_response(uint8_t *out, size_t cap, const struct dns_question *q, uint16_t rcode,
		       const struct dns_rrset *rr);
/* Header-only response (FORMERR, NOTIMP): id and flags from the query header. */
int dns_build_header_only(uint8_t *out, size_t cap, uint16_t id, uint16_t qflags, uint8_t rcode);

/* A table of NAME=IPv4 (A) and NAME=IPv6 (AAAA) records (names stored
 * without a trailing dot); a name may have one of each. */
struct dns_record {
	char name[DNS_MAX_NAME + 1];
	uint32_t addr;             /* A, host order (is6 = 0) */
	uint8_t is6;
	uint8_t addr6[16];         /* AAAA (is6 = 1) */
};
/* Look up, label by label: the name's first A and first AAAA into *rr.
 * Returns 1 if the name has any record, 0 if it is unknown. */
int dns_lookup(const struct dns_record *t, size_t n, const struct dns_name *name, struct dns_rrset *rr);
#endif
