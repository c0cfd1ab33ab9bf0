#include "stats_tcp_dns.h"

static void conn_obj(struct jbuf *j, const char *key, const struct tcp_stats *s, int client)
{
	jb_key(j, key);
	jb_obj_open(j);
	jb_ku64(j, "opened", s->opened);
	jb_ku64(j, "established", s->established);
	jb_ku64(j, "closed", s->closed);
	jb_ku64(j, "evicted", s->evicted);
	jb_ku64(j, "timed_out", s->timed_out);
	jb_ku64(j, "bad_transitions", s->bad_transitions);
	if (client) {
		jb_ku64(j, "completed", s->completed);
		jb_ku64(j, "violations", s->violations);
		jb_ku64(j, "aborted", s->aborted);
	} else {
		jb_ku64(j, "refused", s->refused);
		jb_ku64(j, "rst_sent", s->rst_sent);
		jb_ku64(j, "rst_received", s->rst_received);
		jb_ku64(j, "challenge_acks", s->challenge_acks);
		jb_ku64(j, "unacceptable", s->unacceptable);
		jb_ku64(j, "active_closes", s->active_closes);
		jb_ku64(j, "data_bytes", s->data_bytes);
		jb_ku64(j, "echoed_bytes", s->echoed_bytes);
		jb_ku64(j, "dns_queries", s->dns_queries);
		jb_ku64(j, "dns_dropped", s->dns_dropped);
	}
	jb_key(j, "states");
	jb_obj_open(j);
	for (int i = TCPS_LISTEN; i < TCPS_COUNT; i++)
		if (s->in_state[i])
			jb_ku64(j, tcp_state_names[i], s->in_state[i]);
	jb_obj_close(j);
	jb_obj_close(j);
}

void stats_render_tcp(struct jbuf *j, uint64_t handshakes, uint64_t resets, const struct tcp_stats *server,
		      const struct tcp_stats *client)
{
	jb_key(j, "tcp");
	jb_obj_open(j);
	jb_ku64(j, "handshakes_completed", handshakes);
	jb_ku64(j, "resets", resets);
	conn_obj(j, "server", server, 0);
	conn_obj(j, "client", client, 1);
	jb_obj_close(j);
}

void stats_render_dns_rcodes(struct jbuf *j, const uint64_t rc[WL_DNS_RCODES])
{
	static const char *const names[WL_DNS_RCODES] = { "noerror", "formerr", "servfail", "nxdomain", "notimp", "refused", "other" };
	jb_key(j, "dns_rcodes");
	jb_obj_open(j);
	for (int i = 0; i < WL_DNS_RCODES; i++)
		jb_ku64(j, names[i], rc[i]);
	jb_obj_close(j);
}
