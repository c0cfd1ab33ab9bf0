/* 802.1Q VLAN tags (--vlan ID[,PCP], twice for QinQ): the configured tag
 * stack, tagging frames built untagged, the receive-side match and the
 * per-VLAN counters. Plain C over byte buffers, no DPDK.
 *
 * TPIDs sent: one tag is a C-tag (0x8100); with two, the outer is an S-tag
 * (0x88a8, 802.1ad) and the inner a C-tag. On receive either TPID is taken
 * in either position, because af_packet and Linux bridges hand the outer
 * tag back as 0x8100 after the kernel's untag/re-tag round trip. */
#ifndef WL_VLAN_H
#define WL_VLAN_H
#include <stdint.h>
#include <stddef.h>
#include "net.h"

#define VLAN_TAG_LEN 4
#define VLAN_MAX_TAGS 2
#define VLAN_VID(tci) ((uint16_t)((tci) & 0x0fff))
#define VLAN_PCP(tci) ((unsigned)((tci) >> 13))

struct vlan_stack {
	uint8_t n;                      /* tags, outer first; 0: untagged */
	uint16_t tpid[VLAN_MAX_TAGS];
	uint16_t tci[VLAN_MAX_TAGS];    /* PCP << 13 | VID (DEI 0) */
};

/* Append "ID[,PCP]" to s. Returns 0, or -1 with a reason in err. */
int vlan_parse_arg(struct vlan_stack *s, const char *arg, char *err, size_t errlen);
/* Set the TPIDs once every --vlan is parsed (see above). */
void vlan_finish(struct vlan_stack *s);

static inline size_t vlan_hlen(const struct vlan_stack *s) { return (size_t)s->n * VLAN_TAG_LEN; }

/* Write s's tags at p (the 4*n bytes after the MAC addresses). */
void vlan_write_tags(const struct vlan_stack *s, uint8_t *p);
/* Tag the untagged frame in buf (len bytes) in place; returns the new
 * length, or 0 when it would not fit in cap. */
size_t vlan_tag_inplace(const struct vlan_stack *s, uint8_t *buf, size_t len, size_t cap);
/* Copy the untagged frame src to dst with s's tags inserted; dst holds
 * len + vlan_hlen(s) bytes. Returns that length. */
size_t vlan_copy_tagged(const struct vlan_stack *s, uint8_t *dst, const uint8_t *src, size_t len);

struct wl_tmpl;
/* Tag a tx template built untagged and move its rewrite offsets past the
 * tags (the checksum base covers L4 only and stays). -1 if it no longer fits. */
int vlan_tag_tmpl(const struct vlan_stack *s, struct wl_tmpl *t);

/* Tags a PMD stripped into the mbuf (RTE_MBUF_F_RX_VLAN_STRIPPED: tci;
 * RTE_MBUF_F_RX_QINQ_STRIPPED: tci_outer too, or only it when the inner tag
 * is still in the frame). Fills s (outer first); 0 tags when nothing was
 * stripped. */
void vlan_from_stripped(struct vlan_stack *s, int vlan_stripped, int qinq_stripped, uint16_t tci,
			uint16_t tci_outer);
/* `frame` starts vlan_hlen(s) bytes before the stripped frame's MAC
 * addresses (room made in front of it): the MACs move there and s's tags
 * go back between them and the ethertype. */
void vlan_reinsert(const struct vlan_stack *s, uint8_t *frame);

/* A received frame's tag stack as a key: depth in the top bits, then the
 * outer and inner VIDs (PCP and TPID are not membership). */
static inline uint32_t vlan_key(unsigned depth, const uint16_t *tci)
{
	if (!depth)
		return 0;
	uint32_t k = (uint32_t)depth << 24 | (uint32_t)VLAN_VID(tci[0]) << 12;
	return depth > 1 ? k | VLAN_VID(tci[1]) : k;
}
static inline uint32_t vlan_stack_key(const struct vlan_stack *s) { return vlan_key(s->n, s->tci); }
/* "100" or "100.200" */
void vlan_key_str(uint32_t key, char *out, size_t cap);

/* 1 if a frame whose tags have this key belongs to s's VLAN. A single tag
 * with VID 0 only carries a priority (802.1Q 6.9.1): untagged for membership. */
static inline int vlan_member(const struct vlan_stack *s, uint32_t key)
{
	if (key == (1u << 24))
		key = 0;
	return key == vlan_stack_key(s);
}

/* Per-VLAN counters (the "vlans" object of the stats line). Slot 0 is the
 * configured stack when there is one; keys seen beyond the table go to
 * `other_rx`. tx counts come from the caller: every frame sent carries the
 * configured tags. */
#define VLAN_CTR_SLOTS 16
struct vlan_ctr {
	uint32_t key;
	uint64_t rx_packets;
};
struct vlan_counters {
	unsigned n;
	uint8_t configured;             /* slot 0 is the configured stack */
	struct vlan_ctr e[VLAN_CTR_SLOTS];
	uint64_t other_rx;
};
void vlan_counters_init(struct vlan_counters *vc, const struct vlan_stack *s);
void vlan_count_rx(struct vlan_counters *vc, uint32_t key);
/* Fold src into dst (several workers into one total; dst starts zeroed
 * or from vlan_counters_init with the same stack). */
void vlan_counters_add(struct vlan_counters *dst, const struct vlan_counters *src);

struct jbuf;
/* "vlans":{...} when the configured stack exists or a tag was seen, else
 * nothing. tx_packets: frames sent (all tagged with the configured stack). */
void vlan_counters_json(struct jbuf *j, const struct vlan_counters *vc, uint64_t tx_packets);
/* The configured stack as a config value: null or [{"vid","pcp","tpid"},...]. */
void vlan_config_json(struct jbuf *j, const struct vlan_stack *s);
#endif
