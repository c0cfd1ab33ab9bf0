/* Response validation for replay: the answers a replay should get (an
 * expected-responses capture, the server's side of the replayed capture,
 * or rules deriving them from the requests), each paired with the request
 * it answers, matched against what arrives while replaying. Everything is
 * sized at load; receiving allocates nothing. No DPDK. */
#ifndef WL_VALIDATE_H
#define WL_VALIDATE_H
#include <stdint.h>
#include <stddef.h>
#include "json_out.h"
#include "pkt_parse.h"

/* What pairs an answer with its request (host order, answer's direction). */
enum vkind { VK_NONE = 0, VK_ARP, VK_ECHO, VK_ICMP_ERR, VK_DNS, VK_UDP, VK_TCP, VK_IP };
struct vkey {
	uint32_t src, dst;
	uint32_t id;          /* ICMP id<<16|seq, DNS id, TCP ack, ARP op, IP proto */
	uint16_t sport, dport;
	uint8_t kind;
};

/* Compared fields; a difference names the field. */
enum vfield {
	VF_IP_LEN, VF_IP_TTL, VF_IP_CSUM, VF_L4_CSUM, VF_ARP_SHA,
	VF_ICMP_TYPE, VF_ICMP_CODE, VF_ICMP_PAYLOAD,
	VF_UDP_LEN, VF_UDP_PAYLOAD,
	VF_DNS_QR, VF_DNS_RCODE, VF_DNS_QDCOUNT, VF_DNS_ANCOUNT, VF_DNS_ANSWER,
	VF_TCP_FLAGS, VF_TCP_SEQ, VF_TCP_WINDOW, VF_TCP_LEN, VF_TCP_PAYLOAD,
	VF_COUNT,
};
extern const char *const vfield_names[VF_COUNT];
#define VF_DEFAULT_MASK (~((1u << VF_IP_TTL) | (1u << VF_ARP_SHA) | (1u << VF_TCP_SEQ) | (1u << VF_TCP_WINDOW)) & ((1u << VF_COUNT) - 1))

/* Rules: which requests expect which answer (no capture of answers). */
enum vrule { VR_ICMP = 1, VR_DNS = 2, VR_UDP_ECHO = 4, VR_TCP = 8, VR_ARP = 16 };
/* "icmp,dns,udp-echo,tcp,arp" -> mask; -1 on an unknown name. */
int vrule_parse(const char *s, unsigned *mask);
/* "+ip.ttl,-dns.answer" toggles fields in *mask; -1 (err says which) on an unknown one. */
int vfield_toggle(const char *s, unsigned *mask, char *err, size_t cap);

#define V_MAX_REPORT 16
#define V_TEXT 80

struct vdiff {
	uint32_t expect_frame;   /* 1-based frame of the expected capture; 0 for a rule */
	int64_t request;         /* 1-based frame of the replayed capture; -1 unpaired */
	char what[V_TEXT];       /* the answer, as a key */
	char field[24];
	char expected[V_TEXT], got[V_TEXT];
};
struct vmiss {
	uint32_t expect_frame;
	int64_t request;
	uint64_t count;
	char what[V_TEXT];
};
struct vunexp {
	uint32_t len;
	int dup;                 /* the key was expected, but not this many times */
	char what[V_TEXT];
};

struct ventry {
	struct vkey k;
	int32_t req;             /* index into the sent frames; -1 unpaired */
	uint32_t frame;          /* 1-based, in the expected capture; 0 for a rule */
	uint32_t fields;         /* mask of compared fields */
	uint64_t matched, differed;
	struct pkt_info pi;      /* expected values */
	const uint8_t *f;        /* expected frame (or the request, for rules) */
	uint16_t len;
	const uint8_t *pl;       /* expected L4 payload */
	uint16_t pl_len;
	uint8_t rule;
	uint8_t rcode;           /* rule: RCODE expected */
};

struct vcounters {
	uint64_t expected;       /* answers expected for what was sent (at finish) */
	uint64_t matched, missing, unexpected, different, duplicate;
	uint64_t arp_answered;   /* ARP requests for the replay's own addresses */
	uint64_t ignored;        /* frames not addressed to the replay's addresses */
};

#define V_MAX_CLIENTS 64

struct vreq {
	struct vkey k;           /* the key its answer carries */
	int32_t req;
	int taken;
};

struct validator {
	struct ventry *e;
	size_t n, cap;
	int32_t *slot;           /* open addressing over e[] */
	uint32_t mask;           /* slots - 1 */
	struct vreq *rq;         /* requests that ask for an answer, to pair expectations */
	size_t n_rq;
	int32_t *rslot;
	uint32_t rmask;
	size_t n_req;            /* frames per loop of the replay */
	const uint32_t *req_no;  /* 1-based file frame of each request, for reports (NULL: index + 1) */
	uint32_t clients[V_MAX_CLIENTS];   /* the replay's own IPv4 addresses */
	uint8_t client_mac[V_MAX_CLIENTS][6];
	unsigned n_clients;
	struct vcounters c;
	struct vdiff diffs[V_MAX_REPORT];
	unsigned n_diffs;
	struct vunexp unexp[V_MAX_REPORT];
	unsigned n_unexp;
	struct vmiss miss[V_MAX_REPORT];
	unsigned n_miss;
	struct parse_cfg pc;
	int finished;
};

/* Sent frames (after rewriting) are the requests. The caller keeps the
 * frames (and the expected capture) alive as long as the validator. */
struct vframe { const uint8_t *f; uint32_t len; };

/* Set up from the requests; cap bounds the expectations. 0, or -1 with err. */
int validator_init(struct validator *v, const struct vframe *req, size_t n_req, size_t cap, char *err, size_t errcap);
/* One expected answer (already rewritten); frame_no is 1-based. 0 if
 * taken, 1 if it carries nothing to pair on (not IPv4/ARP, a later fragment), -1 full. */
int validator_expect(struct validator *v, const uint8_t *f, size_t len, uint32_t frame_no, uint32_t fields);
/* Expectations derived from the requests by rules (enum vrule mask). */
int validator_rules(struct validator *v, const struct vframe *req, unsigned rules, uint32_t fields);
void validator_free(struct validator *v);

enum vrx { VRX_IGNORED = 0, VRX_MATCHED, VRX_DIFFERENT, VRX_UNEXPECTED, VRX_ARP_REQUEST };
/* A received frame; sent = frames sent so far (which requests went out
 * how many times). VRX_ARP_REQUEST: an ARP request for client *ip, whose
 * MAC is *mac: the caller answers it. */
int validator_rx(struct validator *v, const uint8_t *f, size_t len, uint64_t sent, uint32_t *ip, const uint8_t **mac);
/* After the last frame and the wait: what is missing. */
void validator_finish(struct validator *v, uint64_t sent);
/* Expected answers still outstanding for `sent` frames (0: all in). */
uint64_t validator_outstanding(const struct validator *v, uint64_t sent);
void validator_json(struct jbuf *j, const struct validator *v, int detail);

/* The key an answer to this request carries; 0 if it expects none. */
int vkey_answer_of(const uint8_t *f, size_t len, const struct parse_cfg *pc, struct vkey *k);
/* The key this frame carries as an answer; 0 if none. */
int vkey_of(const uint8_t *f, size_t len, const struct parse_cfg *pc, struct pkt_info *pi, struct vkey *k);
void vkey_text(const struct vkey *k, char *out, size_t cap);
#endif
