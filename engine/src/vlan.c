#include <stdio.h>
#include <stdlib.h>
#include "vlan.h"
#include "json_out.h"
#include "pkt_build.h"

#define MAC_PAIR (2 * ETH_ALEN)

/* One decimal field of "ID[,PCP]" in [lo, hi]; *p moves past it. */
static int dec_field(const char **p, unsigned lo, unsigned hi, unsigned *out)
{
	const char *s = *p;
	unsigned v = 0;
	int digits = 0;
	while (*s >= '0' && *s <= '9' && digits < 6) {
		v = v * 10 + (unsigned)(*s++ - '0');
		digits++;
	}
	if (!digits || (*s >= '0' && *s <= '9') || v < lo || v > hi)
		return -1;
	*p = s;
	*out = v;
	return 0;
}

int vlan_parse_arg(struct vlan_stack *s, const char *arg, char *err, size_t errlen)
{
	const char *p = arg;
	unsigned vid, pcp = 0;
	if (s->n >= VLAN_MAX_TAGS) {
		snprintf(err, errlen, "'%s': at most two tags (QinQ: --vlan OUTER --vlan INNER)", arg);
		return -1;
	}
	/* 0 and 4095 are reserved (802.1Q Table 9-2): no frame is sent with them */
	if (dec_field(&p, 1, 4094, &vid) < 0) {
		snprintf(err, errlen, "'%s': the VLAN ID must be 1..4094", arg);
		return -1;
	}
	if (*p == ',') {
		p++;
		if (dec_field(&p, 0, 7, &pcp) < 0) {
			snprintf(err, errlen, "'%s': the priority (PCP) must be 0..7", arg);
			return -1;
		}
	}
	if (*p) {
		snprintf(err, errlen, "'%s' is not ID[,PCP] (e.g. 100 or 100,5)", arg);
		return -1;
	}
	s->tci[s->n++] = (uint16_t)(pcp << 13 | vid);
	return 0;
}

void vlan_finish(struct vlan_stack *s)
{
	s->tpid[0] = s->n == 2 ? ETHERTYPE_QINQ : ETHERTYPE_VLAN;
	s->tpid[1] = ETHERTYPE_VLAN;
}

void vlan_write_tags(const struct vlan_stack *s, uint8_t *p)
{
	for (unsigned i = 0; i < s->n; i++, p += VLAN_TAG_LEN) {
		wr16(p, s->tpid[i]);
		wr16(p + 2, s->tci[i]);
	}
}

size_t vlan_tag_inplace(const struct vlan_stack *s, uint8_t *buf, size_t len, size_t cap)
{
	size_t hl = vlan_hlen(s);
	if (len < MAC_PAIR || len + hl > cap)
		return 0;
	memmove(buf + MAC_PAIR + hl, buf + MAC_PAIR, len - MAC_PAIR);
	vlan_write_tags(s, buf + MAC_PAIR);
	return len + hl;
}

size_t vlan_copy_tagged(const struct vlan_stack *s, uint8_t *dst, const uint8_t *src, size_t len)
{
	size_t hl = vlan_hlen(s);
	memcpy(dst, src, MAC_PAIR);
	vlan_write_tags(s, dst + MAC_PAIR);
	memcpy(dst + MAC_PAIR + hl, src + MAC_PAIR, len - MAC_PAIR);
	return len + hl;
}

void vlan_from_stripped(struct vlan_stack *s, int vlan_stripped, int qinq_stripped, uint16_t tci,
			uint16_t tci_outer)
{
	s->n = 0;
	if (qinq_stripped) {
		s->tpid[s->n] = ETHERTYPE_QINQ;
		s->tci[s->n++] = tci_outer;
	}
	if (vlan_stripped) {
		s->tpid[s->n] = ETHERTYPE_VLAN;
		s->tci[s->n++] = tci;
	}
}

void vlan_reinsert(const struct vlan_stack *s, uint8_t *frame)
{
	memmove(frame, frame + vlan_hlen(s), MAC_PAIR);
	vlan_write_tags(s, frame + MAC_PAIR);
}

void vlan_key_str(uint32_t key, char *out, size_t cap)
{
	unsigned depth = key >> 24, outer = (key >> 12) & 0xfff, inner = key & 0xfff;
	if (depth > 1)
		snprintf(out, cap, "%u.%u", outer, inner);
	else
		snprintf(out, cap, "%u", outer);
}

void vlan_counters_init(struct vlan_counters *vc, const struct vlan_stack *s)
{
	memset(vc, 0, sizeof(*vc));
	if (s->n) {
		vc->configured = 1;
		vc->e[0].key = vlan_stack_key(s);
		vc->n = 1;
	}
}

void vlan_count_rx(struct vlan_counters *vc, uint32_t key)
{
	for (unsigned i = 0; i < vc->n; i++) {
		if (vc->e[i].key == key) {
			vc->e[i].rx_packets++;
			return;
		}
	}
	if (vc->n == VLAN_CTR_SLOTS) {
		vc->other_rx++;
		return;
	}
	vc->e[vc->n].key = key;
	vc->e[vc->n++].rx_packets = 1;
}

void vlan_counters_add(struct vlan_counters *dst, const struct vlan_counters *src)
{
	/* an empty total takes src's order, so the configured stack stays in slot 0 */
	if (!dst->n && src->configured)
		dst->configured = 1;
	for (unsigned i = 0; i < src->n; i++) {
		unsigned k = 0;
		while (k < dst->n && dst->e[k].key != src->e[i].key)
			k++;
		if (k == dst->n) {
			if (dst->n == VLAN_CTR_SLOTS) {
				dst->other_rx += src->e[i].rx_packets;
				continue;
			}
			dst->e[dst->n].key = src->e[i].key;
			dst->e[dst->n++].rx_packets = 0;
		}
		dst->e[k].rx_packets += src->e[i].rx_packets;
	}
	dst->other_rx += src->other_rx;
}

int vlan_tag_tmpl(const struct vlan_stack *s, struct wl_tmpl *t)
{
	size_t hl = vlan_hlen(s);
	if (!hl)
		return 0;
	size_t l = vlan_tag_inplace(s, t->data, t->len, sizeof(t->data));
	if (!l)
		return -1;
	t->len = (uint16_t)l;
	/* the fields the hot loop rewrites all sit after the tags */
	if (t->var_off)
		t->var_off = (uint16_t)(t->var_off + hl);
	if (t->sport_off)
		t->sport_off = (uint16_t)(t->sport_off + hl);
	if (t->csum_off)
		t->csum_off = (uint16_t)(t->csum_off + hl);
	return 0;
}

void vlan_counters_json(struct jbuf *j, const struct vlan_counters *vc, uint64_t tx_packets)
{
	if (!vc->n)
		return;
	char k[16];
	jb_key(j, "vlans");
	jb_obj_open(j);
	for (unsigned i = 0; i < vc->n; i++) {
		vlan_key_str(vc->e[i].key, k, sizeof(k));
		jb_key(j, k);
		jb_obj_open(j);
		jb_ku64(j, "tx_packets", i == 0 && vc->configured ? tx_packets : 0);
		jb_ku64(j, "rx_packets", vc->e[i].rx_packets);
		jb_obj_close(j);
	}
	if (vc->other_rx) {
		jb_key(j, "other");
		jb_obj_open(j);
		jb_ku64(j, "tx_packets", 0);
		jb_ku64(j, "rx_packets", vc->other_rx);
		jb_obj_close(j);
	}
	jb_obj_close(j);
}

void vlan_config_json(struct jbuf *j, const struct vlan_stack *s)
{
	char t[8];
	if (!s->n) {
		jb_null(j);
		return;
	}
	jb_arr_open(j);
	for (unsigned i = 0; i < s->n; i++) {
		jb_obj_open(j);
		jb_ku64(j, "vid", VLAN_VID(s->tci[i]));
		jb_ku64(j, "pcp", VLAN_PCP(s->tci[i]));
		snprintf(t, sizeof(t), "0x%04x", s->tpid[i]);
		jb_kstr(j, "tpid", t);
		jb_obj_close(j);
	}
	jb_arr_close(j);
}
