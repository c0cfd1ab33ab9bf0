/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * wirelab_xdp.h - the contract between the XDP programs (kernel side) and
 * wirelab-xdp / wirelab-sink / the verdict tests (user side).
 *
 * Included by clang -target bpf and by the C userspace code, so it uses only
 * <linux/types.h> types and no libc.
 *
 * Counting model (the same in every program and in wirelab-sink af-packet);
 * the traffic classes (eth arp icmp udp tcp dns) are named and meant as in
 * ../include/wl_proto_names.h, the engine's protocols:
 *   - every frame counts in "frames" (packets, bytes = frame length);
 *   - exactly one "leaf" class: eth (raw, ethertype WL_ETHERTYPE_RAW), arp,
 *     icmp, udp (not DNS), dns (DNS over UDP), tcp or other, so
 *     frames == eth + arp + icmp + udp + dns + tcp + other (icmp is ICMPv4
 *     and ICMPv6; DNS over TCP is tcp);
 *   - on top: ipv4 / ipv6 for a complete IP header;
 *   - the same split by family: icmp4 udp4 tcp4 dns4 other4 and icmp6 udp6
 *     tcp6 dns6 other6, so ipv4 == icmp4 + udp4 + tcp4 + dns4 + other4,
 *     ipv6 alike, icmp == icmp4 + icmp6, udp == udp4 + udp6, ...;
 *   - frag: an IP fragment (more-fragments set or offset > 0); a non-first
 *     fragment has no L4 header, so its leaf is other (other4/other6);
 *   - vlan: at least one 802.1Q/802.1ad tag; qinq: two tags.  Up to two tags
 *     are walked; a third leaves the frame in other.
 *   A truncated or unknown frame is frames + other.
 */
#ifndef WIRELAB_XDP_H
#define WIRELAB_XDP_H

#include <linux/types.h>
#include "wl_proto_names.h"

enum wl_proto {
	WL_P_FRAMES = 0,
	WL_P_ETH,
	WL_P_ARP,
	WL_P_IPV4,
	WL_P_IPV6,
	WL_P_ICMP,
	WL_P_UDP,
	WL_P_TCP,
	WL_P_DNS,
	WL_P_OTHER,
	/* Per family: index + WL_P_FAM4 / WL_P_FAM6 of the combined class. */
	WL_P_ICMP4,
	WL_P_UDP4,
	WL_P_TCP4,
	WL_P_DNS4,
	WL_P_OTHER4,
	WL_P_ICMP6,
	WL_P_UDP6,
	WL_P_TCP6,
	WL_P_DNS6,
	WL_P_OTHER6,
	WL_P_FRAG,
	WL_P_VLAN,
	WL_P_QINQ,
	WL_P_MAX,
};

/* The family class of a combined class c (icmp, udp, tcp, dns, other). */
#define WL_P_FAM4(c) (WL_P_ICMP4 + ((c) - WL_P_ICMP))
#define WL_P_FAM6(c) (WL_P_ICMP6 + ((c) - WL_P_ICMP))

#define WL_PROTO_NAMES                                                                                     \
	{ "frames", WL_NAME_ETH, WL_NAME_ARP, "ipv4", "ipv6", WL_NAME_ICMP, WL_NAME_UDP, WL_NAME_TCP,       \
	  WL_NAME_DNS, "other", "icmp4", "udp4", "tcp4", "dns4", "other4", "icmp6", "udp6", "tcp6", "dns6",  \
	  "other6", "frag", "vlan", "qinq" }

/* Indexes equal the kernel's XDP action values (XDP_ABORTED = 0 ...). */
enum wl_action {
	WL_A_ABORTED = 0,
	WL_A_DROP,
	WL_A_PASS,
	WL_A_TX,
	WL_A_REDIRECT,
	WL_A_MAX,
};

#define WL_ACTION_NAMES { "aborted", "drop", "pass", "tx", "redirect" }

struct wl_ctr {
	__u64 packets;
	__u64 bytes;
};

/*
 * Value of the single-entry per-CPU array "wl_stats": counters per verdict
 * and protocol.  The packets of action A are ctr[A][WL_P_FRAMES].packets.
 */
struct wl_stats {
	struct wl_ctr ctr[WL_A_MAX][WL_P_MAX];
};

#define WL_MAX_RULES 32

/* A drop rule: every field that is set must match (AND); rules are OR-ed. */
#define WL_RULE_PROTO	(1u << 0)
#define WL_RULE_SPORT	(1u << 1)
#define WL_RULE_DPORT	(1u << 2)
#define WL_RULE_SRC	(1u << 3)
#define WL_RULE_DST	(1u << 4)
#define WL_RULE_PORT	(1u << 5) /* either port */

/*
 * Addresses are IPv4 in word 0 (family 4) or IPv6 in words 0..3 (family 6),
 * network byte order, already masked.  A rule with src or dst names only
 * frames of its family.
 */
struct wl_rule {
	__u32 fields;	/* WL_RULE_* bits; 0 = empty slot */
	__u32 proto;	/* enum wl_proto */
	__u16 sport;	/* network byte order */
	__u16 dport;	/* network byte order (also used by WL_RULE_PORT) */
	__u32 family;	/* 4 or 6 when WL_RULE_SRC/WL_RULE_DST is set */
	__u32 src[4];
	__u32 src_mask[4];
	__u32 dst[4];
	__u32 dst_mask[4];
};

/*
 * Read-only configuration (.rodata, "const volatile"), set through the
 * skeleton before load.  Every program carries the whole struct.
 */
struct wl_config {
	__u32 nr_rules;		/* drop: 0 = drop everything, else rules[0..n) */
	__u32 reflect_non_ip;	/* reflect: 1 = XDP_TX non-IP frames too (MAC swap only) */
	__u32 reflect_icmp_echo;/* reflect: 1 = turn ICMP/ICMPv6 echo requests into replies */
};

/* Metadata the loader keeps in the pinned map "meta" (user space only). */
#define WL_META_MAGIC 0x776c7870u /* "wlxp" */
struct wl_meta {
	__u32 magic;
	__u32 ifindex;
	__u32 prog_id;
	__u32 link_id;		/* 0 when attached without a link */
	__u32 owner_pid;	/* run: the process holding the link; load: 0 */
	__u32 flags;		/* bit 0: link pinned (load), bit 1: user object */
	__u64 loaded_ns;	/* CLOCK_REALTIME */
	char dev[16];
	char prog[32];		/* count|drop|reflect|<program name> */
	char mode[8];		/* native|generic */
	char attach[8];		/* libbpf */
	char obj_sha256[65];
	char pad[7];
};

#endif
