#include <stdlib.h>
#include "tcp_conn.h"
#include "ipv6.h"

#define PROBE 8

const char *const tcp_state_names[TCPS_COUNT] = {
	"closed", "listen", "syn_sent", "syn_received", "established", "fin_wait_1", "fin_wait_2",
	"close_wait", "closing", "last_ack", "time_wait",
};

int tcp_transition_ok(int from, int to)
{
	if (to == TCPS_CLOSED)
		return 1;
	switch (from) {
	case TCPS_CLOSED: return to == TCPS_LISTEN || to == TCPS_SYN_SENT || to == TCPS_SYN_RECEIVED /* passive open on a listening port */;
	case TCPS_LISTEN: return to == TCPS_SYN_RECEIVED || to == TCPS_SYN_SENT;
	case TCPS_SYN_SENT: return to == TCPS_SYN_RECEIVED || to == TCPS_ESTABLISHED;
	case TCPS_SYN_RECEIVED: return to == TCPS_ESTABLISHED || to == TCPS_FIN_WAIT_1 || to == TCPS_LISTEN;
	case TCPS_ESTABLISHED: return to == TCPS_FIN_WAIT_1 || to == TCPS_CLOSE_WAIT;
	case TCPS_FIN_WAIT_1: return to == TCPS_FIN_WAIT_2 || to == TCPS_CLOSING || to == TCPS_TIME_WAIT;
	case TCPS_FIN_WAIT_2: return to == TCPS_TIME_WAIT;
	case TCPS_CLOSE_WAIT: return to == TCPS_LAST_ACK;
	case TCPS_CLOSING: return to == TCPS_TIME_WAIT;
	case TCPS_LAST_ACK: return 0;
	case TCPS_TIME_WAIT: return 0;
	default: return 0;
	}
}

int tcp_table_init(struct tcp_table *t, uint32_t size, struct tcp_stats *st)
{
	uint32_t n = 8;
	while (n < size && n < (1u << 24))
		n <<= 1;
	t->slot = calloc(n, sizeof(*t->slot));
	t->size = t->slot ? n : 0;
	t->st = st;
	return t->slot ? 0 : -1;
}

void tcp_table_free(struct tcp_table *t)
{
	free(t->slot);
	t->slot = NULL;
	t->size = 0;
}

static uint32_t hash4(const uint8_t *raddr16, uint16_t rport, const uint8_t *laddr16, uint16_t lport)
{
	uint32_t raddr = ip16_fold(raddr16), laddr = ip16_fold(laddr16);
	uint64_t h = ((uint64_t)raddr << 32 | laddr) ^ ((uint64_t)rport << 16 | lport) * 0x9E3779B97F4A7C15ull;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 32;
	return (uint32_t)h;
}

static int same(const struct tcp_conn *c, const uint8_t *raddr, uint16_t rport, const uint8_t *laddr, uint16_t lport)
{
	return c->state != TCPS_CLOSED && c->rport == rport && c->lport == lport && !memcmp(c->raddr, raddr, 16) &&
	       !memcmp(c->laddr, laddr, 16);
}

struct tcp_conn *tcp_table_find(struct tcp_table *t, const uint8_t raddr[16], uint16_t rport, const uint8_t laddr[16],
				uint16_t lport)
{
	uint32_t h = hash4(raddr, rport, laddr, lport);
	for (uint32_t i = 0; i < PROBE; i++) {
		struct tcp_conn *c = &t->slot[(h + i) & (t->size - 1)];
		if (same(c, raddr, rport, laddr, lport))
			return c;
	}
	return NULL;
}

struct tcp_conn *tcp_table_insert(struct tcp_table *t, const uint8_t raddr[16], uint16_t rport, const uint8_t laddr[16],
				  uint16_t lport, uint64_t now_ms)
{
	uint32_t h = hash4(raddr, rport, laddr, lport);
	struct tcp_conn *victim = NULL;
	for (uint32_t i = 0; i < PROBE; i++) {
		struct tcp_conn *c = &t->slot[(h + i) & (t->size - 1)];
		if (c->state == TCPS_CLOSED) {
			victim = c;
			break;
		}
		if (!victim || (c->state == TCPS_TIME_WAIT && victim->state != TCPS_TIME_WAIT) ||
		    ((c->state == TCPS_TIME_WAIT) == (victim->state == TCPS_TIME_WAIT) && c->last_ms < victim->last_ms))
			victim = c;
	}
	if (victim->state != TCPS_CLOSED) {
		t->st->evicted++;
		tcp_conn_set_state(t, victim, TCPS_CLOSED, now_ms);
	}
	memset(victim, 0, offsetof(struct tcp_conn, rbuf));
	memcpy(victim->raddr, raddr, 16);
	victim->rport = rport;
	memcpy(victim->laddr, laddr, 16);
	victim->lport = lport;
	victim->since_ms = victim->last_ms = now_ms;
	return victim;
}

void tcp_conn_set_state(struct tcp_table *t, struct tcp_conn *c, int state, uint64_t now_ms)
{
	if (state == c->state)
		return;
	if (!tcp_transition_ok(c->state, state))
		t->st->bad_transitions++;
	if (c->state != TCPS_CLOSED)
		t->st->in_state[c->state]--;
	if (state == TCPS_ESTABLISHED)
		t->st->established++;
	if (state == TCPS_CLOSED) {
		t->st->closed++;
		c->state = TCPS_CLOSED;
		return;
	}
	if (c->state == TCPS_CLOSED)
		t->st->opened++;
	t->st->in_state[state]++;
	c->state = (uint8_t)state;
	c->since_ms = now_ms;
}
