#include "arp_dad.h"
#include "proto_arp.h"

static const uint8_t bcast[ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t zero_mac[ETH_ALEN];

void arp_dad_start(struct arp_dad *d, const uint8_t mac[ETH_ALEN], uint32_t ip, uint64_t now, uint64_t interval,
		   uint64_t wait)
{
	memset(d, 0, sizeof(*d));
	memcpy(d->mac, mac, ETH_ALEN);
	d->ip = ip;
	d->next = now;
	d->interval = interval;
	d->wait = wait;
}

size_t arp_dad_poll(struct arp_dad *d, uint64_t now, uint8_t *out, size_t cap)
{
	if (d->conflict || d->sent >= ARP_DAD_PROBE_NUM || now < d->next)
		return 0;
	size_t l = arp_build(out, cap, ARP_OP_REQUEST, bcast, d->mac, 0, zero_mac, d->ip);
	if (!l)
		return 0;
	d->sent++;
	d->next = now + d->interval;
	if (d->sent == ARP_DAD_PROBE_NUM)
		d->end = now + d->wait;
	return l;
}

int arp_dad_on_arp(struct arp_dad *d, const uint8_t *frame, const struct pkt_info *pi)
{
	if (pi->cls != WL_C_ARP)
		return 0;
	const uint8_t *sha = frame + pi->l3_off + 8;
	if (!memcmp(sha, d->mac, ETH_ALEN))
		return 0; /* our own probe, looped back */
	/* RFC 5227 2.1.1: someone uses the address, or probes for it now */
	int claims = pi->arp_spa == d->ip;
	int probes = arp_is_probe(pi) && pi->arp_tpa == d->ip;
	if (!claims && !probes)
		return 0;
	if (!d->conflict)
		memcpy(d->conflict_mac, sha, ETH_ALEN);
	d->conflict = 1;
	return 1;
}

int arp_dad_finished(const struct arp_dad *d, uint64_t now)
{
	return d->conflict || (d->sent >= ARP_DAD_PROBE_NUM && now >= d->end);
}

size_t arp_dad_announce(const struct arp_dad *d, uint8_t *out, size_t cap)
{
	return arp_build(out, cap, ARP_OP_REQUEST, bcast, d->mac, d->ip, zero_mac, d->ip);
}
