/* The rx side's DNS server decision, shared by DNS over UDP and over TCP
 * (RFC 1035, 6891, 7766): which RCODE a query gets and what the response
 * carries. */
#ifndef WL_DNS_ANSWER_H
#define WL_DNS_ANSWER_H
#include "proto_dns.h"

/* Answer the DNS message q (qlen bytes, no TCP length prefix) into out.
 * Returns the response length, 0 when nothing is to be sent (shorter than
 * a header, or a response rather than a query). *rcode gets the RCODE
 * sent (extended RCODEs included), *malformed 1 if it was FORMERR for a
 * message that could not be parsed. */
int dns_answer(const struct dns_record *recs, size_t n_recs, const uint8_t *q, size_t qlen, uint8_t *out, size_t cap,
	       uint16_t *rcode, int *malformed);
#endif
