#include "rewrite.h"
#include "csum.h"
#include "options.h"
#include <stdio.h>
#include <string.h>

void rewrite_init(struct rewrite_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->ttl = -1;
}

static int split_pair(const char *arg, char *a, char *b, size_t cap)
{
	const char *eq = strchr(arg, '=');
	if (!eq || (size_t)(eq - arg) >= cap || strlen(eq + 1) >= cap)
		return -1;
	memcpy(a, arg, (size_t)(eq - arg));
	a[eq - arg] = 0;
	strcpy(b, eq + 1);
	return 0;
}

int rewrite_add_ip(struct rewrite_cfg *c, const char *arg, char *err, size_t errcap)
{
	char a[64], b[64];
	uint32_t x, y;
	if (split_pair(arg, a, b, sizeof(a)) < 0 || parse_ipv4(a, &x) < 0 || parse_ipv4(b, &y) < 0) {
		snprintf(err, errcap, "'%s' is not FROM=TO with two IPv4 addresses", arg);
		return -1;
	}
	if (c->n_ip >= RW_MAX_MAPS) {
		snprintf(err, errcap, "more than %d address maps", RW_MAX_MAPS);
		return -1;
	}
	for (unsigned i = 0; i < c->n_ip; i++)
		if (c->ip_from[i] == x) {
			snprintf(err, errcap, "'%s': %s is already mapped", arg, a);
			return -1;
		}
	c->ip_from[c->n_ip] = x;
	c->ip_to[c->n_ip++] = y;
	return 0;
}

int rewrite_add_mac(struct rewrite_cfg *c, const char *arg, char *err, size_t errcap)
{
	char a[64], b[64];
	uint8_t x[ETH_ALEN], y[ETH_ALEN];
	if (split_pair(arg, a, b, sizeof(a)) < 0 || parse_mac(a, x) < 0 || parse_mac(b, y) < 0) {
		snprintf(err, errcap, "'%s' is not FROM=TO with two MAC addresses", arg);
		return -1;
	}
	if (c->n_mac >= RW_MAX_MAPS) {
		snprintf(err, errcap, "more than %d MAC maps", RW_MAX_MAPS);
		return -1;
	}
	memcpy(c->mac_from[c->n_mac], x, ETH_ALEN);
	memcpy(c->mac_to[c->n_mac++], y, ETH_ALEN);
	return 0;
}

int rewrite_active(const struct rewrite_cfg *c)
{
	return c->n_ip || c->n_mac || c->ttl >= 0;
}

void csum_update16(uint8_t *csum, uint16_t old, uint16_t new_)
{
	/* HC' = ~(~HC + ~m + m') */
	uint32_t s = (uint16_t)~rd16(csum) + (uint32_t)(uint16_t)~old + new_;
	wr16(csum, (uint16_t)~csum_fold(s));
}

void csum_update32(uint8_t *csum, uint32_t old, uint32_t new_)
{
	csum_update16(csum, (uint16_t)(old >> 16), (uint16_t)(new_ >> 16));
	csum_update16(csum, (uint16_t)old, (uint16_t)new_);
}

static int map_mac(const struct rewrite_cfg *c, uint8_t *m)
{
	for (unsigned i = 0; i < c->n_mac; i++)
		if (!memcmp(m, c->mac_from[i], ETH_ALEN)) {
			memcpy(m, c->mac_to[i], ETH_ALEN);
			return 1;
		}
	return 0;
}

/* Maps the address at p; returns 1 and the old value if it changed. */
static int map_ip(const struct rewrite_cfg *c, uint8_t *p, uint32_t *old)
{
	uint32_t a = rd32(p);
	for (unsigned i = 0; i < c->n_ip; i++)
		if (a == c->ip_from[i]) {
			*old = a;
			wr32(p, c->ip_to[i]);
			return a != c->ip_to[i];
		}
	return 0;
}

static int rewrite_arp(const struct rewrite_cfg *c, uint8_t *a, size_t len, struct rewrite_stats *st)
{
	if (len < ARP_LEN || rd16(a) != 1 || rd16(a + 2) != ETHERTYPE_IPV4 || a[4] != 6 || a[5] != 4)
		return 0;
	int ch = 0;
	uint32_t old;
	for (int k = 0; k < 2; k++) {
		uint8_t *hw = a + 8 + k * 10, *ip = hw + 6;
		if (map_mac(c, hw)) {
			st->mac_mapped++;
			ch = 1;
		}
		if (map_ip(c, ip, &old)) {
			st->ip_mapped++;
			ch = 1;
		}
	}
	return ch;
}

static int rewrite_ipv4(const struct rewrite_cfg *c, uint8_t *ip, size_t len, struct rewrite_stats *st)
{
	if (len < IPV4_HLEN || (ip[0] >> 4) != 4)
		return 0;
	size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
	if (ihl < IPV4_HLEN || ihl > len)
		return 0;
	uint32_t old_src = 0, old_dst = 0;
	int src_ch = map_ip(c, ip + 12, &old_src);
	int dst_ch = map_ip(c, ip + 16, &old_dst);
	int ttl_ch = c->ttl >= 0 && ip[8] != (uint8_t)c->ttl;
	if (ttl_ch) {
		ip[8] = (uint8_t)c->ttl;
		st->ttl_set++;
	}
	st->ip_mapped += (uint64_t)(src_ch + dst_ch);
	if (!src_ch && !dst_ch && !ttl_ch)
		return 0;
	ipv4_set_csum(ip);
	if (!src_ch && !dst_ch)
		return 1; /* TTL is not in any L4 checksum */

	uint16_t tot = rd16(ip + 2);
	uint16_t frag = rd16(ip + 6);
	int first = (frag & 0x1fff) == 0;
	int whole = first && !(frag & 0x2000) && tot >= ihl && tot <= len;
	uint8_t proto = ip[9];
	uint8_t *l4 = ip + ihl;
	size_t l4cap = len - ihl;
	if (proto == IPPROTO_ICMP_ || !first)
		return 1; /* no pseudo-header, or no L4 header in this fragment */
	size_t off = proto == IPPROTO_UDP_ ? 6 : proto == IPPROTO_TCP_ ? 16 : (size_t)-1;
	if (off == (size_t)-1 || l4cap < off + 2)
		return 1;
	if (proto == IPPROTO_UDP_ && rd16(l4 + 6) == 0)
		return 1; /* no checksum sent: keep none */
	if (whole) {
		l4_set_csum(ip);
		st->csum_full++;
	} else {
		if (src_ch)
			csum_update32(l4 + off, old_src, rd32(ip + 12));
		if (dst_ch)
			csum_update32(l4 + off, old_dst, rd32(ip + 16));
		if (proto == IPPROTO_UDP_ && rd16(l4 + 6) == 0)
			wr16(l4 + 6, 0xffff);
		st->csum_incr++;
	}
	return 1;
}

/* Offset of the L3 header after up to two VLAN tags, and its ethertype;
 * 0 if the frame ends first. */
static size_t l3_offset(const uint8_t *f, size_t len, uint16_t *et)
{
	size_t off = 12;
	if (len < ETH_HLEN)
		return 0;
	*et = rd16(f + off);
	for (int tags = 0; (*et == ETHERTYPE_VLAN || *et == ETHERTYPE_QINQ) && tags < 2; tags++) {
		off += 4;
		if (len < off + 2)
			return 0;
		*et = rd16(f + off);
	}
	return off + 2;
}

int rewrite_recompute(uint8_t *f, size_t len)
{
	uint16_t et = 0;
	size_t off = l3_offset(f, len, &et);
	if (!off || et != ETHERTYPE_IPV4 || len - off < IPV4_HLEN)
		return 0;
	uint8_t *ip = f + off;
	size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
	uint16_t tot = rd16(ip + 2);
	if ((ip[0] >> 4) != 4 || ihl < IPV4_HLEN || tot < ihl || tot > len - off || (rd16(ip + 6) & 0x3fff))
		return 0;
	ipv4_set_csum(ip);
	if (ip[9] == IPPROTO_UDP_ && (tot < ihl + UDP_HLEN || rd16(ip + ihl + 6) == 0))
		return 1;
	if ((ip[9] == IPPROTO_TCP_ && tot < ihl + TCP_HLEN) || (ip[9] == IPPROTO_ICMP_ && tot < ihl + 4))
		return 1;
	l4_set_csum(ip);
	return 1;
}

int rewrite_frame(const struct rewrite_cfg *c, uint8_t *f, size_t caplen, struct rewrite_stats *st)
{
	if (caplen < ETH_HLEN)
		return 0;
	int ch = 0;
	for (int k = 0; k < 2; k++)
		if (map_mac(c, f + k * ETH_ALEN)) {
			st->mac_mapped++;
			ch = 1;
		}
	uint16_t et = 0;
	size_t off = l3_offset(f, caplen, &et);
	if (off && et == ETHERTYPE_IPV4)
		ch |= rewrite_ipv4(c, f + off, caplen - off, st);
	else if (off && et == ETHERTYPE_ARP)
		ch |= rewrite_arp(c, f + off, caplen - off, st);
	if (ch)
		st->frames++;
	return ch;
}
