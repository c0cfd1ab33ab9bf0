/* The "tcp" and "dns_rcodes" parts of the stats lines: connection
 * counters of the responder and of the generator's client, and DNS
 * answers counted by RCODE. */
#ifndef WL_STATS_TCP_DNS_H
#define WL_STATS_TCP_DNS_H
#include "json_out.h"
#include "tcp_conn.h"

/* RCODEs counted one by one; the rest go to "other". */
#define WL_DNS_RCODES 7
#define WL_DNS_RCODE_OTHER 6
static inline unsigned dns_rcode_slot(unsigned rcode) { return rcode < WL_DNS_RCODE_OTHER ? rcode : WL_DNS_RCODE_OTHER; }
/* An answer with this RCODE is a failure of the exchange (NXDOMAIN is an answer). */
static inline int dns_rcode_is_error(unsigned rcode) { return rcode != 0 && rcode != 3; }

void stats_render_tcp(struct jbuf *j, uint64_t handshakes, uint64_t resets, const struct tcp_stats *server,
		      const struct tcp_stats *client);
void stats_render_dns_rcodes(struct jbuf *j, const uint64_t rc[WL_DNS_RCODES]);
#endif
