#include "dns_answer.h"
#include "net.h"

int dns_answer(const struct dns_record *recs, size_t n_recs, const uint8_t *q, size_t qlen, uint8_t *out, size_t cap,
	       uint16_t *rcode, int *malformed)
{
	struct dns_question dq;
	*malformed = 0;
	*rcode = DNS_RCODE_NOERROR;
	if (qlen < DNS_HLEN || (rd16(q + 2) & DNS_FLAG_QR))
		return 0;
	uint16_t id = rd16(q), flags = rd16(q + 2);
	if (dns_parse_query(q, qlen, &dq) < 0) {
		*malformed = 1;
		*rcode = DNS_RCODE_FORMERR;
		return dns_build_header_only(out, cap, id, flags, DNS_RCODE_FORMERR);
	}
	if (((flags >> 11) & 0xf) != 0) {   /* only QUERY is implemented */
		*rcode = DNS_RCODE_NOTIMP;
		return dns_build_header_only(out, cap, id, flags, DNS_RCODE_NOTIMP);
	}
	if (dq.has_opt && dq.opt_version != 0) {   /* RFC 6891 6.1.3 */
		*rcode = DNS_RCODE_BADVERS;
		return dns_build_response(out, cap, &dq, DNS_RCODE_BADVERS, NULL);
	}
	int n;
	if (dq.qclass != DNS_CLASS_IN && dq.qclass != 255) {
		*rcode = DNS_RCODE_REFUSED;       /* we are authoritative for IN only */
		n = dns_build_response(out, cap, &dq, DNS_RCODE_REFUSED, NULL);
	} else {
		struct dns_rrset rr;
		*rcode = dns_lookup(recs, n_recs, &dq.qname, &rr) ? DNS_RCODE_NOERROR : DNS_RCODE_NXDOMAIN;
		/* a known name with no record of this type: NODATA, NOERROR with no answer (RFC 2308 2.2) */
		if (dq.qtype != DNS_TYPE_A && dq.qtype != DNS_TYPE_ANY)
			rr.a = 0;
		if (dq.qtype != DNS_TYPE_AAAA && dq.qtype != DNS_TYPE_ANY)
			rr.aaaa = NULL;
		n = dns_build_response(out, cap, &dq, *rcode, &rr);
	}
	return n < 0 ? 0 : n;
}
