#include "rx_validate.h"
#include "proto_arp.h"

const char *const rxv_reason_names[RXV_COUNT] = {
	"ok", "dst_mac", "src_addr", "src_mac", "ip_checksum", "l4_checksum", "length", "vlan",
};

/* 224.0.0.1 (all systems, RFC 1112 4): every IP host is in it from the start */
static const uint8_t all_hosts_mac[ETH_ALEN] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };

int rxv_malformed_reason(const struct pkt_info *pi)
{
	return pi->why == WL_M_IP_CSUM ? RXV_IP_CHECKSUM : RXV_LENGTH;
}

int rxv_bad_source(uint32_t ip)
{
	uint8_t a = (uint8_t)(ip >> 24);
	return a == 0 || a == 127 || (a & 0xf0) == 0xe0 || ip == 0xffffffffu;
}

int rxv_l4_csum_ok(const uint8_t *ip, size_t avail)
{
	size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
	size_t tot = rd16(ip + 2);
	if (ihl < IPV4_HLEN || tot < ihl || tot > avail)
		return 0;
	const uint8_t *l4 = ip + ihl;
	uint16_t l4len = (uint16_t)(tot - ihl);
	uint32_t s = 0;
	switch (ip[9]) {
	case IPPROTO_ICMP_:
		break;
	case IPPROTO_UDP_:
		if (l4len >= UDP_HLEN && rd16(l4 + 6) == 0)
			return 1;
		/* fall through */
	case IPPROTO_TCP_:
		s = csum_pseudo_v4(rd32(ip + 12), rd32(ip + 16), ip[9], l4len);
		break;
	default:
		return 1;
	}
	return csum_fold(csum_partial(l4, l4len, s)) == 0xffff;
}

static int dst_mac_ok(const struct rxv_cfg *c, const uint8_t *dst)
{
	if (c->promiscuous || !memcmp(dst, c->mac, ETH_ALEN))
		return 1;
	static const uint8_t bcast[ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	if (!memcmp(dst, bcast, ETH_ALEN))
		return 1;
	return !memcmp(dst, all_hosts_mac, ETH_ALEN) || rxv_mac6_joined(c, dst);
}

int rxv_check(const struct rxv_cfg *c, const uint8_t *buf, size_t len, const struct pkt_info *pi)
{
	if (len < ETH_HLEN)
		return RXV_LENGTH;
	/* another VLAN's frame never reaches a host on this one (802.1Q 8.6.2) */
	if (!vlan_member(&c->vlan, vlan_key(pi->vlan, pi->vlan_tci)))
		return RXV_VLAN;
	if (!dst_mac_ok(c, buf))
		return RXV_DST_MAC;
	if (buf[ETH_ALEN] & 1)
		return RXV_SRC_MAC;
	if (pi->cls == WL_C_ARP) {
		const uint8_t *sha = buf + pi->l3_off + 8;
		if (sha[0] & 1)
			return RXV_SRC_MAC;
		/* 0.0.0.0 is how a probe says "I have no address yet" (RFC 5227 2.1.1) */
		if (pi->arp_spa == 0)
			return pi->arp_op == ARP_OP_REQUEST ? RXV_OK : RXV_SRC_ADDR;
		return rxv_bad_source(pi->arp_spa) ? RXV_SRC_ADDR : RXV_OK;
	}
	if (pi->ip6 && pi->cls != WL_C_ETH)
		return rxv_check6(c, buf, pi);
	if (pi->cls == WL_C_ETH || pi->ethertype != ETHERTYPE_IPV4)
		return RXV_OK;
	if (rxv_bad_source(pi->ip_src))
		return RXV_SRC_ADDR;
	if (pi->frag || !c->verify_checksums)
		return RXV_OK;
	if (!rxv_l4_csum_ok(buf + pi->l3_off, len - pi->l3_off))
		return RXV_L4_CHECKSUM;
	return RXV_OK;
}
