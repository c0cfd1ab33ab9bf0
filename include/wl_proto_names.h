/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * wl_proto_names.h - the protocol names wirelab's C programs print, shared by
 * the engine (engine/) and the XDP programs and tools (xdp/), so that a name
 * means one set of frames in every output: the runner reads an engine's
 * counters and an XDP program's under the same keys, without translating.
 *
 * The traffic protocols, what the engine sends and classifies and what the
 * XDP programs count under the same names:
 *   eth   raw Ethernet: ethertype WL_ETHERTYPE_RAW (the engine's default;
 *         its --ethertype moves only the engine's side)
 *   arp   ARP
 *   icmp  ICMP, v4 and v6
 *   udp   UDP that is not DNS
 *   tcp   TCP, DNS over TCP included
 *   dns   DNS over UDP: port 53 at either end
 *
 * Plain defines, no types and no libc: included by clang -target bpf too.
 */
#ifndef WL_PROTO_NAMES_H
#define WL_PROTO_NAMES_H

/* IEEE 802 local experimental ethertype 1. */
#define WL_ETHERTYPE_RAW 0x88B5

#define WL_NAME_ETH  "eth"
#define WL_NAME_ARP  "arp"
#define WL_NAME_ICMP "icmp"
#define WL_NAME_UDP  "udp"
#define WL_NAME_TCP  "tcp"
#define WL_NAME_DNS  "dns"

/* In the engine's protocol order (its enum wl_proto). */
#define WL_TRAFFIC_PROTO_NAMES WL_NAME_ETH, WL_NAME_ARP, WL_NAME_ICMP, WL_NAME_UDP, WL_NAME_TCP, WL_NAME_DNS
#define WL_TRAFFIC_PROTO_COUNT 6

#endif
