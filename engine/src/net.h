/* Wire formats and byte helpers shared by the builders and parsers.
 * Plain C: no DPDK. All multi-byte fields on the wire are big-endian;
 * helpers read/write them through byte pointers so nothing depends on
 * alignment. */
#ifndef WL_NET_H
#define WL_NET_H

#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include "wl_proto_names.h"

#define ETH_HLEN 14
#define ETH_ALEN 6
#define ETH_MIN_FRAME 60          /* without FCS */
#define ETH_MAX_FRAME 1514        /* without FCS, 1500 MTU */
#define WL_MAX_FRAME 2048

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_ARP 0x0806
#define ETHERTYPE_VLAN 0x8100
#define ETHERTYPE_QINQ 0x88A8
#define ETHERTYPE_WL_DEFAULT WL_ETHERTYPE_RAW

#define IPV4_HLEN 20
#define IPPROTO_ICMP_ 1
#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17
#define UDP_HLEN 8
#define TCP_HLEN 20
#define ICMP_HLEN 8
#define ARP_LEN 28
#define DNS_HLEN 12

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10

static inline uint16_t rd16(const uint8_t *p) { return (uint16_t)((p[0] << 8) | p[1]); }
static inline uint32_t rd32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}
static inline void wr16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline void wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

/* An IPv4 address is kept in host order (uint32_t, 198.18.0.1 = 0xC6120001). */
struct wl_l2l3 {
	uint8_t src_mac[ETH_ALEN];
	uint8_t dst_mac[ETH_ALEN];
	uint32_t src_ip;
	uint32_t dst_ip;
};

#endif
