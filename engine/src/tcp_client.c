#include "tcp_client.h"
#include "tcp_server.h"
#include "proto_tcp6.h"

int tcp_client_init(struct tcp_client *cl, uint32_t conns, struct tcp_stats *st)
{
	memset(cl, 0, sizeof(*cl));
	cl->time_wait_ms = TCP_TIME_WAIT_MS;
	return tcp_table_init(&cl->tab, conns, st);
}

void tcp_client_free(struct tcp_client *cl) { tcp_table_free(&cl->tab); }

static size_t seg(const struct tcp_client *cl, const struct tcp_conn *c, uint32_t seq, uint8_t flags, const uint8_t *pl,
		  size_t plen, uint8_t *out)
{
	struct tcp_seg g = { c->lport, c->rport, seq, c->rcv_nxt, flags, TCP_WINDOW, NULL, 0, pl, plen };
	return tcp_build_seg16(out, WL_MAX_FRAME, cl->mac, c->rmac, c->laddr, c->raddr, &g);
}

static void finished(struct tcp_client *cl, struct tcp_conn *c)
{
	tcp_conn_set_state(&cl->tab, c, TCPS_TIME_WAIT, cl->now_ms);
	cl->tab.st->completed++;
}

/* SYN-SENT -> ESTABLISHED (3.10.7.3), then our data and FIN at once. */
static int open_conn(struct tcp_client *cl, const uint8_t *in, const struct pkt_info *pi, uint8_t out[][WL_MAX_FRAME],
		     size_t lens[])
{
	struct tcp_stats *st = cl->tab.st;
	uint8_t ra[16], la[16];
	ip16_src(pi, ra);
	ip16_dst(pi, la);
	struct tcp_conn *c = tcp_table_find(&cl->tab, ra, pi->sport, la, pi->dport);
	if (c)                         /* the flow's port is used again: the old connection is over */
		tcp_conn_set_state(&cl->tab, c, TCPS_CLOSED, cl->now_ms);
	c = tcp_table_insert(&cl->tab, ra, pi->sport, la, pi->dport, cl->now_ms);
	memcpy(c->rmac, in + ETH_ALEN, ETH_ALEN);
	struct tcp_opts o;
	size_t ol = (size_t)(pi->pl_off - pi->l4_off - TCP_HLEN);
	/* our SYN offered no options: a SYN-ACK may carry MSS only (RFC 7323 2.2, 3.2; RFC 2018 2) */
	if (tcp_parse_opts(in + pi->l4_off + TCP_HLEN, ol, &o) < 0 || o.has_ws || o.has_ts || o.sack_ok)
		st->violations++;
	/* as Linux (tcp_min_snd_mss): a tiny MSS is raised, never trusted to size our segments */
	c->peer_mss = !o.has_mss ? TCP_MSS_DEFAULT : o.mss < 48 ? 48 : o.mss;
	c->iss = pi->tcp_ack - 1;
	c->irs = pi->tcp_seq;
	c->rcv_nxt = pi->tcp_seq + 1;
	c->snd_una = pi->tcp_ack;
	tcp_conn_set_state(&cl->tab, c, TCPS_SYN_SENT, cl->now_ms);
	tcp_conn_set_state(&cl->tab, c, TCPS_ESTABLISHED, cl->now_ms);
	int n = 0;
	uint32_t seq = pi->tcp_ack;
	lens[n] = seg(cl, c, seq, TCP_ACK, NULL, 0, out[n]);
	n += lens[n] != 0;
	size_t ml = cl->msg_len;
	if (ml > c->peer_mss)
		ml = c->peer_mss;
	if (ml > ETH_MAX_FRAME - tcp_hdrs_len(la))
		ml = ETH_MAX_FRAME - tcp_hdrs_len(la);
	if (cl->msg && ml) {
		lens[n] = seg(cl, c, seq, TCP_PSH | TCP_ACK, cl->msg, ml, out[n]);
		n += lens[n] != 0;
		seq += (uint32_t)ml;
	}
	lens[n] = seg(cl, c, seq, TCP_FIN | TCP_ACK, NULL, 0, out[n]);
	n += lens[n] != 0;
	c->snd_nxt = seq + 1;
	c->fin_sent = 1;
	tcp_conn_set_state(&cl->tab, c, TCPS_FIN_WAIT_1, cl->now_ms);
	return n;
}

int tcp_client_input(struct tcp_client *cl, const uint8_t *in, const struct pkt_info *pi, int our_syn,
		     uint8_t out[][WL_MAX_FRAME], size_t lens[])
{
	struct tcp_stats *st = cl->tab.st;
	uint8_t f = pi->tcp_flags;
	if ((f & (TCP_SYN | TCP_ACK | TCP_RST)) == (TCP_SYN | TCP_ACK) && our_syn)
		return open_conn(cl, in, pi, out, lens);
	uint8_t ra[16], la[16];
	ip16_src(pi, ra);
	ip16_dst(pi, la);
	struct tcp_conn *c = tcp_table_find(&cl->tab, ra, pi->sport, la, pi->dport);
	if (!c)
		return 0;                  /* not a connection we know (any more) */
	c->last_ms = cl->now_ms;
	if (f & TCP_RST) {
		if (c->state != TCPS_TIME_WAIT)
			st->aborted++;
		tcp_conn_set_state(&cl->tab, c, TCPS_CLOSED, cl->now_ms);
		return 0;
	}
	if (f & TCP_SYN) {
		if ((f & TCP_ACK) && pi->tcp_seq == c->irs) {   /* our ACK was lost: ACK again */
			lens[0] = seg(cl, c, c->snd_nxt, TCP_ACK, NULL, 0, out[0]);
			return lens[0] != 0;
		}
		st->violations++;          /* a SYN with another ISN in a synchronized state */
		return 0;
	}
	if (!(f & TCP_ACK) || SEQ_GT(pi->tcp_ack, c->snd_nxt) || SEQ_LT(pi->tcp_ack, c->iss + 1)) {
		st->violations++;          /* every segment after the SYN-ACK acks, and only what was sent */
		return 0;
	}
	if (SEQ_GT(pi->tcp_ack, c->snd_una))
		c->snd_una = pi->tcp_ack;
	int fin_acked = c->snd_una == c->snd_nxt;
	uint32_t end = pi->tcp_seq + pi->pl_len;      /* where the peer's FIN, if any, sits */
	if (c->fin_rcvd) {
		/* after its FIN a peer has nothing new to send: a retransmitted FIN, or ACKs */
		if (pi->pl_len && SEQ_GEQ(end, c->rcv_nxt))
			st->violations++;
		if ((f & TCP_FIN) && end + 1 != c->rcv_nxt)
			st->violations++;      /* its FIN moved */
	}
	if (c->state == TCPS_FIN_WAIT_1 && fin_acked)
		tcp_conn_set_state(&cl->tab, c, TCPS_FIN_WAIT_2, cl->now_ms);
	else if (c->state == TCPS_CLOSING && fin_acked)
		finished(cl, c);
	/* data in order (an echo) is taken; we keep no out-of-order queue */
	if (pi->pl_len && pi->tcp_seq == c->rcv_nxt && !c->fin_rcvd)
		c->rcv_nxt += pi->pl_len;
	if (!(f & TCP_FIN))
		return 0;
	if (!c->fin_rcvd && end == c->rcv_nxt) {
		c->rcv_nxt++;
		c->fin_rcvd = 1;
		if (c->state == TCPS_FIN_WAIT_2)
			finished(cl, c);
		else if (c->state == TCPS_FIN_WAIT_1)
			tcp_conn_set_state(&cl->tab, c, TCPS_CLOSING, cl->now_ms);
	} else if (c->state == TCPS_TIME_WAIT) {
		c->since_ms = cl->now_ms;  /* retransmitted FIN: restart 2 MSL */
	}
	lens[0] = seg(cl, c, c->snd_nxt, TCP_ACK, NULL, 0, out[0]);
	return lens[0] != 0;
}

void tcp_client_tick(struct tcp_client *cl)
{
	/* a flood of another protocol ticks too: nothing open, nothing to sweep */
	uint64_t open = 0;
	for (int i = TCPS_LISTEN; i < TCPS_COUNT; i++)
		open += cl->tab.st->in_state[i];
	if (!open)
		return;
	uint32_t n = cl->tab.size < 256 ? cl->tab.size : 256;
	for (uint32_t i = 0; i < n; i++) {
		struct tcp_conn *c = &cl->tab.slot[cl->sweep++ & (cl->tab.size - 1)];
		if (c->state == TCPS_CLOSED)
			continue;
		uint64_t in_state = cl->now_ms > c->since_ms ? cl->now_ms - c->since_ms : 0; /* as tcp_server_tick */
		if (c->state == TCPS_TIME_WAIT ? in_state >= cl->time_wait_ms : in_state >= TCP_FIN_TIMEOUT_MS) {
			if (c->state != TCPS_TIME_WAIT)
				cl->tab.st->timed_out++;
			tcp_conn_set_state(&cl->tab, c, TCPS_CLOSED, cl->now_ms);
		}
	}
}

uint64_t tcp_client_unfinished(const struct tcp_stats *st)
{
	uint64_t n = 0;
	for (int i = TCPS_LISTEN; i < TCPS_COUNT; i++)
		if (i != TCPS_TIME_WAIT)
			n += st->in_state[i];
	return n;
}
