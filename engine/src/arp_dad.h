/* Duplicate-address detection before the generator starts (RFC 5227 2.1):
 * PROBE_NUM probes (ARP requests with sender IP 0.0.0.0 for our address),
 * then a wait; any ARP from another MAC that claims the address, or probes
 * for it at the same time, is a conflict. With no conflict, one
 * announcement (gratuitous ARP, RFC 5227 2.3). The timing is the caller's
 * (the engine uses 200 ms between probes and 500 ms after the last instead
 * of RFC 5227's 1-2 s and 2 s: a lab link, and a wait a test can afford).
 * Plain C state machine: the caller sends what it returns and feeds in
 * the ARP frames it receives. */
#ifndef WL_ARP_DAD_H
#define WL_ARP_DAD_H
#include "pkt_parse.h"

#define ARP_DAD_PROBE_NUM 3   /* RFC 5227 PROBE_NUM */

struct arp_dad {
	uint8_t mac[ETH_ALEN];
	uint32_t ip;
	unsigned sent;
	uint64_t next, interval, wait, end;
	int conflict;
	uint8_t conflict_mac[ETH_ALEN];
};

void arp_dad_start(struct arp_dad *d, const uint8_t mac[ETH_ALEN], uint32_t ip, uint64_t now, uint64_t interval,
		   uint64_t wait);
/* The probe due at `now` written to out (length), or 0 when none is due. */
size_t arp_dad_poll(struct arp_dad *d, uint64_t now, uint8_t *out, size_t cap);
/* Looks at a received ARP frame; returns 1 (and remembers the MAC) on a conflict. */
int arp_dad_on_arp(struct arp_dad *d, const uint8_t *frame, const struct pkt_info *pi);
/* 1 once every probe is out and the wait after the last has passed. */
int arp_dad_finished(const struct arp_dad *d, uint64_t now);
/* The announcement to send once finished without a conflict. */
size_t arp_dad_announce(const struct arp_dad *d, uint8_t *out, size_t cap);
#endif
