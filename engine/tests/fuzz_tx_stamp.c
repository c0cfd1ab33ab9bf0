/* Fuzz mode "\0STMP": --stamp's sending side. A UDP template is built as
 * worker.c builds it (stamp_payload, the family's builder, VLAN tags from
 * --vlan values), then filled as the hot loop fills it: tmpl_fill with a
 * source port and key, stamp_fill with a sequence number and send time,
 * and a second time into the same bytes with other values, as an mbuf
 * that still holds the template is. Each time the frame must parse as UDP
 * under its tags, pass the receiver's checks (checksums verified) and give
 * back the stamp written: the incremental checksum of stamp_fill and the
 * stamp offsets moved past the tags are what this checks. */
#include <stdio.h>
#include <string.h>
#include "fuzz_modes.h"
#include "net.h"
#include "pkt_build.h"
#include "pkt_parse.h"
#include "proto.h"
#include "rx_validate.h"
#include "stamp.h"
#include "vlan.h"

static const struct parse_cfg PC = { ETHERTYPE_WL_DEFAULT, 5353 };

static uint64_t rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) << 32 | rd32(p + 4);
}

/* Layout: flags (bit 0 IPv6, bits 1-2 tags), size u16, stream u16, then per
 * fill sport u16, key u32, seq u32, tx_ns u64 (twice), VLAN values u16 x2,
 * and the message (the rest). */
#define HEAD 5
#define FILL 18
#define FIXED (HEAD + 2 * FILL + 4)

void fuzz_tx_stamp(const uint8_t *d, size_t n)
{
	if (n < FIXED)
		return;
	const int v6 = d[0] & 1;
	const unsigned ntags = (d[0] >> 1) % 3;
	struct wl_config cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.ip_version = v6 ? 6 : 4;
	cfg.size = 60 + rd16(d + 1) % (ETH_MAX_FRAME - 60 + 1);
	cfg.stamp = 1;
	const uint16_t stream = rd16(d + 3);

	/* --vlan ID[,PCP] as typed: values the parser refuses are not sent */
	struct vlan_stack vs;
	memset(&vs, 0, sizeof(vs));
	for (unsigned t = 0; t < ntags; t++) {
		uint16_t v = rd16(d + HEAD + 2 * FILL + 2 * t);
		char arg[16], err[128];
		snprintf(arg, sizeof(arg), "%u,%u", v & 0x0fff, v >> 13);
		if (vlan_parse_arg(&vs, arg, err, sizeof(err)) < 0)
			return;
	}
	vlan_finish(&vs);

	struct wl_tmpl_ctx x;
	memset(&x, 0, sizeof(x));
	x.cfg = &cfg;
	x.family = (uint8_t)cfg.ip_version;
	static const uint8_t SRC_MAC[6] = { 2, 0, 0, 0, 0, 1 }, DST_MAC[6] = { 2, 0, 0, 0, 0, 2 };
	memcpy(x.a.src_mac, SRC_MAC, 6);
	memcpy(x.a.dst_mac, DST_MAC, 6);
	x.a.src_ip = 0xC6120001;
	x.a.dst_ip = 0xC6120002;
	memcpy(x.a6.src_mac, SRC_MAC, 6);
	memcpy(x.a6.dst_mac, DST_MAC, 6);
	static const uint8_t S6[16] = { 0x20, 0x01, 0, 2, [15] = 1 }, D6[16] = { 0x20, 0x01, 0, 2, [15] = 2 };
	memcpy(x.a6.src, S6, 16);
	memcpy(x.a6.dst, D6, 16);
	x.dport = 9000;
	const uint8_t *msg = d + FIXED;
	size_t msg_len = n - FIXED > WL_MAX_MESSAGE ? WL_MAX_MESSAGE : n - FIXED;
	static uint8_t pl[STAMP_LEN + WL_MAX_MESSAGE];
	x.msg_len = stamp_payload(pl, sizeof(pl), stream, msg, msg_len, ETH_HLEN + (v6 ? IPV6_HLEN : IPV4_HLEN) + UDP_HLEN,
				  cfg.size);
	x.msg = pl;
	static struct wl_tmpl t;
	memset(&t, 0, sizeof(t));
	const struct wl_proto_ops *ops = wl_proto_get(cfg.ip_version, WL_P_UDP);
	if (!ops || !ops->build(&t, &x))
		return;
	if (vlan_tag_tmpl(&vs, &t) < 0)
		return;

	struct rxv_cfg vc;
	memset(&vc, 0, sizeof(vc));
	memcpy(vc.mac, DST_MAC, 6);
	vc.verify_checksums = 1;
	vc.has_ip6 = (uint8_t)v6;
	memcpy(vc.ip6, D6, 16);
	vc.vlan = vs;

	static uint8_t pkt[WL_MAX_FRAME];
	memcpy(pkt, t.data, t.len);
	for (int round = 0; round < 2; round++) {
		const uint8_t *f = d + HEAD + round * FILL;
		uint16_t sport = rd16(f);
		uint32_t key = rd32(f + 2), seq = rd32(f + 6);
		uint64_t tx_ns = rd64(f + 10);
		tmpl_fill(&t, pkt, key, sport);
		stamp_fill(pkt, (uint16_t)(t.sport_off + UDP_HLEN), t.csum_off, seq, tx_ns);
		struct pkt_info pi;
		if (pkt_parse(pkt, t.len, &PC, &pi) != WL_C_UDP || pi.vlan != vs.n || pi.ip6 != v6 || pi.sport != sport)
			FUZZ_FAIL();
		if (rxv_check(&vc, pkt, t.len, &pi) != RXV_OK)
			FUZZ_FAIL();
		struct stamp st;
		if (stamp_parse(pkt + pi.pl_off, pi.pl_len, &st) < 0 || st.stream != stream || st.seq != seq ||
		    st.tx_ns != tx_ns)
			FUZZ_FAIL();
	}
}
