#include "tcp_server.h"
#include "proto_tcp6.h"
#include "dns_answer.h"

int tcp_server_init(struct tcp_server *s, uint32_t conns, struct tcp_stats *st, const uint8_t mac[ETH_ALEN], uint32_t secret)
{
	memset(s, 0, sizeof(*s));
	memcpy(s->mac, mac, ETH_ALEN);
	s->secret = secret;
	s->time_wait_ms = TCP_TIME_WAIT_MS;
	return tcp_table_init(&s->tab, conns, st);
}

void tcp_server_free(struct tcp_server *s) { tcp_table_free(&s->tab); }

int tcp_server_listening(const struct tcp_server *s, uint16_t port)
{
	for (unsigned i = 0; i < s->n_listen; i++)
		if (s->listen[i] == port)
			return 1;
	return 0;
}

static uint32_t ts_clock(const struct tcp_server *s) { return (uint32_t)s->now_ms + s->secret; }

/* A segment of connection c. */
static size_t conn_seg(struct tcp_server *s, struct tcp_conn *c, uint8_t flags, const uint8_t *pl, size_t plen,
		       uint8_t *out, size_t cap)
{
	struct tcp_opts o = { 0 };
	int syn = (flags & TCP_SYN) != 0;
	if (syn) {
		o.has_mss = 1;
		o.mss = ip16_is_v4(c->laddr) ? TCP_MSS_OURS : TCP_MSS_V6;
		o.sack_ok = c->sack_ok;
		o.has_ws = c->ws_ok;
		o.wscale = TCP_WSCALE_OURS;
	}
	if (c->ts_ok && !(flags & TCP_RST)) {
		o.has_ts = 1;
		o.tsval = ts_clock(s);
		o.tsecr = c->ts_recent;
	}
	uint8_t ob[TCP_OPT_MAX];
	size_t ol = tcp_write_opts(ob, &o);
	/* the window in a SYN is never scaled (RFC 7323 2.2) */
	uint16_t win = (uint16_t)(syn || !c->ws_ok ? TCP_WINDOW : TCP_WINDOW >> TCP_WSCALE_OURS);
	struct tcp_seg g = { c->lport, c->rport, syn ? c->iss : c->snd_nxt, c->rcv_nxt, flags, win, ob, ol, pl, plen };
	c->last_ms = s->now_ms;
	if (flags & TCP_RST)
		s->tab.st->rst_sent++;
	return tcp_build_seg16(out, cap, s->mac, c->rmac, c->laddr, c->raddr, &g);
}

/* A RST answering a segment that has no connection (or must not get one). */
static size_t rst_reply(struct tcp_server *s, const uint8_t *in, const struct pkt_info *pi, uint32_t seq, uint32_t ack,
			uint8_t flags, uint8_t *out, size_t cap)
{
	uint8_t src[16], dst[16];
	ip16_dst(pi, src);
	ip16_src(pi, dst);
	struct tcp_seg g = { pi->dport, pi->sport, seq, ack, flags, 0, NULL, 0, NULL, 0 };
	s->tab.st->rst_sent++;
	return tcp_build_seg16(out, cap, s->mac, in + ETH_ALEN, src, dst, &g);
}

static uint32_t seg_len_of(const struct pkt_info *pi)
{
	return pi->pl_len + ((pi->tcp_flags & TCP_SYN) ? 1u : 0u) + ((pi->tcp_flags & TCP_FIN) ? 1u : 0u);
}

/* 3.10.7.1 CLOSED and 3.10.7.2 LISTEN. */
static size_t no_connection(struct tcp_server *s, const uint8_t *in, const struct pkt_info *pi, uint8_t *out, size_t cap)
{
	uint8_t f = pi->tcp_flags;
	if (f & TCP_RST)               /* an incoming RST is discarded, never answered */
		return 0;
	if (!tcp_server_listening(s, pi->dport)) {
		if (f & TCP_SYN)
			s->tab.st->refused++;
		if (f & TCP_ACK)
			return rst_reply(s, in, pi, pi->tcp_ack, 0, TCP_RST, out, cap);
		return rst_reply(s, in, pi, 0, pi->tcp_seq + seg_len_of(pi), TCP_RST | TCP_ACK, out, cap);
	}
	if (f & TCP_ACK)               /* nothing of ours can be acknowledged in LISTEN */
		return rst_reply(s, in, pi, pi->tcp_ack, 0, TCP_RST, out, cap);
	if (!(f & TCP_SYN))
		return 0;
	struct tcp_opts o;
	size_t ol = (size_t)(pi->pl_off - pi->l4_off - TCP_HLEN);
	if (tcp_parse_opts(in + pi->l4_off + TCP_HLEN, ol, &o) < 0) {
		s->tab.st->unacceptable++;
		return 0;
	}
	uint8_t ra[16], la[16];
	ip16_src(pi, ra);
	ip16_dst(pi, la);
	struct tcp_conn *c = tcp_table_insert(&s->tab, ra, pi->sport, la, pi->dport, s->now_ms);
	memcpy(c->rmac, in + ETH_ALEN, ETH_ALEN);
	c->irs = pi->tcp_seq;
	c->rcv_nxt = pi->tcp_seq + 1;  /* data on a SYN is not queued: it is not acknowledged either */
	c->iss = tcp_cookie_isn(ip16_fold(ra), ip16_fold(la), pi->sport, pi->dport, s->secret ^ (uint32_t)s->now_ms);
	c->snd_una = c->iss;
	c->snd_nxt = c->iss + 1;
	/* as Linux (tcp_min_snd_mss): a tiny MSS is raised, never trusted to size our segments */
	c->peer_mss = !o.has_mss ? TCP_MSS_DEFAULT : o.mss < 48 ? 48 : o.mss;
	c->sack_ok = o.sack_ok;
	c->ws_ok = o.has_ws;          /* RFC 7323 2.2: only in reply to a SYN that offered it */
	c->ts_ok = o.has_ts;
	c->ts_recent = o.tsval;
	tcp_conn_set_state(&s->tab, c, TCPS_SYN_RECEIVED, s->now_ms);
	return conn_seg(s, c, TCP_SYN | TCP_ACK, NULL, 0, out, cap);
}

static int in_window(const struct tcp_conn *c, uint32_t seq)
{
	return SEQ_LEQ(c->rcv_nxt, seq) && SEQ_LT(seq, c->rcv_nxt + TCP_WINDOW);
}

/* 3.10.7.4 first check: is the segment acceptable? */
static int acceptable(const struct tcp_conn *c, const struct pkt_info *pi)
{
	uint32_t len = seg_len_of(pi);
	if (len == 0)
		return in_window(c, pi->tcp_seq);
	return in_window(c, pi->tcp_seq) || in_window(c, pi->tcp_seq + len - 1);
}

/* DNS over TCP (RFC 7766 8): queue the bytes, answer each complete
 * length-prefixed message into rsp. Returns bytes written to rsp, or -1
 * when the peer's message can never fit (the connection is reset). */
static int dns_over_tcp(struct tcp_server *s, struct tcp_conn *c, const uint8_t *d, size_t n, uint8_t *rsp, size_t cap,
			unsigned *ev)
{
	if (c->rlen + n > TCP_CONN_BUF)
		return -1;
	memcpy(c->rbuf + c->rlen, d, n);
	c->rlen = (uint16_t)(c->rlen + n);
	size_t w = 0, used = 0;
	while (c->rlen - used >= 2) {
		size_t ml = rd16(c->rbuf + used);
		if (ml + 2 > TCP_CONN_BUF)
			return -1;
		if (c->rlen - used < 2 + ml)
			break;
		uint8_t msg[512];
		uint16_t rcode;
		int bad;
		int r = dns_answer(s->records, s->n_records, c->rbuf + used + 2, ml, msg, sizeof(msg), &rcode, &bad);
		if (r > 0 && w + 2 + (size_t)r > cap)
			break;       /* the rest waits for the next segment from the peer */
		used += 2 + ml;
		s->tab.st->dns_queries++;
		if (r > 0) {
			wr16(rsp + w, (uint16_t)r);
			memcpy(rsp + w + 2, msg, (size_t)r);
			w += 2 + (size_t)r;
			*ev |= TCPS_EV_DNS;
		} else {
			s->tab.st->dns_dropped++;
		}
	}
	memmove(c->rbuf, c->rbuf + used, c->rlen - used);
	c->rlen = (uint16_t)(c->rlen - used);
	return (int)w;
}

static size_t close_conn(struct tcp_server *s, struct tcp_conn *c)
{
	tcp_conn_set_state(&s->tab, c, TCPS_CLOSED, s->now_ms);
	return 0;
}

/* 3.10.7.4: SYN-RECEIVED and the synchronized states. */
static size_t on_connection(struct tcp_server *s, struct tcp_conn *c, const uint8_t *in, const struct pkt_info *pi,
			    uint8_t *out, size_t cap, unsigned *ev)
{
	uint8_t f = pi->tcp_flags;
	struct tcp_stats *st = s->tab.st;
	c->last_ms = s->now_ms;
	/* our SYN-ACK was lost: the peer sends its SYN again */
	if (c->state == TCPS_SYN_RECEIVED && (f & (TCP_SYN | TCP_ACK | TCP_RST)) == TCP_SYN && pi->tcp_seq == c->irs)
		return conn_seg(s, c, TCP_SYN | TCP_ACK, NULL, 0, out, cap);
	if (!acceptable(c, pi)) {
		if (f & TCP_RST)
			return 0;
		st->unacceptable++;
		if (c->state == TCPS_TIME_WAIT && (f & TCP_FIN))
			c->since_ms = s->now_ms;     /* a retransmitted FIN restarts the 2 MSL timeout */
		return conn_seg(s, c, TCP_ACK, NULL, 0, out, cap);
	}
	if (f & TCP_RST) {
		/* RFC 5961 3.2: only an exact RST closes; one elsewhere in the window gets a challenge ACK */
		if (pi->tcp_seq == c->rcv_nxt)
			return close_conn(s, c);
		st->challenge_acks++;
		return conn_seg(s, c, TCP_ACK, NULL, 0, out, cap);
	}
	if (f & TCP_SYN) {             /* RFC 5961 4.2, RFC 9293 3.10.7.4 fourth */
		st->challenge_acks++;
		return conn_seg(s, c, TCP_ACK, NULL, 0, out, cap);
	}
	if (!(f & TCP_ACK))
		return 0;
	if (c->state == TCPS_SYN_RECEIVED) {
		if (!(SEQ_LT(c->snd_una, pi->tcp_ack) && SEQ_LEQ(pi->tcp_ack, c->snd_nxt)))
			return rst_reply(s, in, pi, pi->tcp_ack, 0, TCP_RST, out, cap);
		c->snd_una = pi->tcp_ack;
		tcp_conn_set_state(&s->tab, c, TCPS_ESTABLISHED, s->now_ms);
		*ev |= TCPS_EV_HANDSHAKE;
	} else {
		if (SEQ_GT(pi->tcp_ack, c->snd_nxt)) {   /* acks something not yet sent */
			st->unacceptable++;
			return conn_seg(s, c, TCP_ACK, NULL, 0, out, cap);
		}
		if (SEQ_GT(pi->tcp_ack, c->snd_una))
			c->snd_una = pi->tcp_ack;
		int fin_acked = c->fin_sent && c->snd_una == c->snd_nxt;
		if (fin_acked) {
			if (c->state == TCPS_FIN_WAIT_1)
				tcp_conn_set_state(&s->tab, c, TCPS_FIN_WAIT_2, s->now_ms);
			else if (c->state == TCPS_CLOSING)
				tcp_conn_set_state(&s->tab, c, TCPS_TIME_WAIT, s->now_ms);
			else if (c->state == TCPS_LAST_ACK)
				return close_conn(s, c);
		}
	}
	if (c->ts_ok && SEQ_LEQ(pi->tcp_seq, c->rcv_nxt)) {
		struct tcp_opts o;
		if (tcp_parse_opts(in + pi->l4_off + TCP_HLEN, (size_t)(pi->pl_off - pi->l4_off - TCP_HLEN), &o) == 0 && o.has_ts)
			c->ts_recent = o.tsval;
	}

	/* seventh: segment text, in order only (trimming what we already have) */
	const uint8_t *data = in + pi->pl_off;
	size_t dlen = pi->pl_len;
	uint32_t seq = pi->tcp_seq;
	if (SEQ_LT(seq, c->rcv_nxt)) {
		uint32_t skip = c->rcv_nxt - seq;
		if (skip > dlen)
			skip = (uint32_t)dlen;
		data += skip;
		dlen -= skip;
		seq += skip;
	}
	int need_ack = 0;
	uint8_t rsp[TCP_MSS_OURS];
	size_t rlen = 0;
	/* what one segment to the peer can carry: its MSS less our timestamp option */
	size_t room = (size_t)c->peer_mss - (c->ts_ok ? 12u : 0u);
	if (room > sizeof(rsp))
		room = sizeof(rsp);
	if (seq != c->rcv_nxt && (dlen || (f & TCP_FIN))) { /* out of order: no queue; a duplicate ACK asks again */
		st->unacceptable++;
		return conn_seg(s, c, TCP_ACK, NULL, 0, out, cap);
	}
	int open_for_data = c->state == TCPS_ESTABLISHED || c->state == TCPS_FIN_WAIT_1 || c->state == TCPS_FIN_WAIT_2;
	if (dlen && open_for_data) {
		c->rcv_nxt += (uint32_t)dlen;
		st->data_bytes += dlen;
		need_ack = 1;
		if (c->lport == s->dns_port && s->dns_port) {
			int r = dns_over_tcp(s, c, data, dlen, rsp, room, ev);
			if (r < 0) {
				st->dns_dropped++;
				size_t l = conn_seg(s, c, TCP_RST | TCP_ACK, NULL, 0, out, cap);
				close_conn(s, c);
				return l;
			}
			rlen = (size_t)r;
		} else if (s->echo && !c->fin_sent) {
			rlen = dlen < room ? dlen : room;
			memcpy(rsp, data, rlen);
			st->echoed_bytes += rlen;
		}
	}
	/* eighth: FIN, once everything before it has arrived */
	uint8_t flags = TCP_ACK;
	if ((f & TCP_FIN) && !c->fin_rcvd) {
		c->rcv_nxt++;
		c->fin_rcvd = 1;
		need_ack = 1;
		switch (c->state) {
		case TCPS_ESTABLISHED:
			tcp_conn_set_state(&s->tab, c, TCPS_CLOSE_WAIT, s->now_ms);
			/* nothing more to say: close our side in the same segment */
			flags |= TCP_FIN;
			break;
		case TCPS_FIN_WAIT_1:
			tcp_conn_set_state(&s->tab, c, c->snd_una == c->snd_nxt ? TCPS_TIME_WAIT : TCPS_CLOSING, s->now_ms);
			break;
		case TCPS_FIN_WAIT_2:
			tcp_conn_set_state(&s->tab, c, TCPS_TIME_WAIT, s->now_ms);
			break;
		default:
			break;
		}
	}
	if (!need_ack)
		return 0;
	if (rlen)
		flags |= TCP_PSH;
	size_t l = conn_seg(s, c, flags, rsp, rlen, out, cap);
	c->snd_nxt += (uint32_t)rlen;
	if (flags & TCP_FIN) {
		c->snd_nxt++;
		c->fin_sent = 1;
		tcp_conn_set_state(&s->tab, c, TCPS_LAST_ACK, s->now_ms);
	}
	return l;
}

size_t tcp_server_input(struct tcp_server *s, const uint8_t *in, const struct pkt_info *pi, uint8_t *out, size_t cap,
			unsigned *ev)
{
	*ev = 0;
	uint8_t f = pi->tcp_flags;
	if (f & TCP_RST) {
		*ev |= TCPS_EV_RST_RCVD;
		s->tab.st->rst_received++;
	}
	uint8_t ra[16], la[16];
	ip16_src(pi, ra);
	ip16_dst(pi, la);
	struct tcp_conn *c = tcp_table_find(&s->tab, ra, pi->sport, la, pi->dport);
	/* a new incarnation of a pair in TIME-WAIT: accepted when its ISN is beyond the old
	 * sequence space (RFC 9293 3.10.7.4 fourth, as Linux does without timestamps) */
	if (c && c->state == TCPS_TIME_WAIT && (f & (TCP_SYN | TCP_ACK | TCP_RST)) == TCP_SYN && SEQ_GT(pi->tcp_seq, c->rcv_nxt)) {
		close_conn(s, c);
		c = NULL;
	}
	/* a SYN with another ISN to a passive SYN-RECEIVED: "return this connection to the LISTEN
	 * state" (RFC 9293 3.10.7.4 fourth), where this SYN opens the peer's new attempt; otherwise a
	 * lost SYN-ACK would block the pair until the handshake timeout */
	if (c && c->state == TCPS_SYN_RECEIVED && (f & (TCP_SYN | TCP_ACK | TCP_RST)) == TCP_SYN && pi->tcp_seq != c->irs) {
		close_conn(s, c);
		c = NULL;
	}
	if (!c)
		return no_connection(s, in, pi, out, cap);
	return on_connection(s, c, in, pi, out, cap, ev);
}

size_t tcp_server_tick(struct tcp_server *s, uint8_t *out, size_t cap)
{
	uint32_t n = s->tab.size < 256 ? s->tab.size : 256;
	for (uint32_t i = 0; i < n; i++) {
		struct tcp_conn *c = &s->tab.slot[s->sweep++ & (s->tab.size - 1)];
		/* a segment handled since the caller read its clock can be stamped a millisecond
		 * later than now_ms: never let that wrap into a huge age */
		uint64_t in_state = s->now_ms > c->since_ms ? s->now_ms - c->since_ms : 0;
		uint64_t idle = s->now_ms > c->last_ms ? s->now_ms - c->last_ms : 0;
		switch (c->state) {
		case TCPS_CLOSED:
			break;
		case TCPS_SYN_RECEIVED:
			if (in_state >= TCP_HANDSHAKE_MS) {
				s->tab.st->timed_out++;
				close_conn(s, c);
			}
			break;
		case TCPS_TIME_WAIT:
			if (in_state >= s->time_wait_ms)
				close_conn(s, c);
			break;
		case TCPS_ESTABLISHED:
			if (s->idle_ms && idle >= s->idle_ms) {
				s->tab.st->active_closes++;
				size_t l = conn_seg(s, c, TCP_FIN | TCP_ACK, NULL, 0, out, cap);
				c->snd_nxt++;
				c->fin_sent = 1;
				tcp_conn_set_state(&s->tab, c, TCPS_FIN_WAIT_1, s->now_ms);
				return l;
			}
			break;
		default:                 /* FIN exchanges whose peer went silent; CLOSE-WAIT never lasts */
			if (in_state >= TCP_FIN_TIMEOUT_MS) {
				s->tab.st->timed_out++;
				close_conn(s, c);
			}
			break;
		}
	}
	return 0;
}
