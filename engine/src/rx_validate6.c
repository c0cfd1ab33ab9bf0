/* Receive validation for IPv6: which 33:33 multicast frames a host with
 * --ip6 takes (all-nodes, its solicited-node group: RFC 4291 2.8), which
 * sources it never answers, and the mandatory L4 checksum (RFC 8200 8.1). */
#include "rx_validate.h"
#include "ipv6.h"

int rxv_mac6_joined(const struct rxv_cfg *c, const uint8_t *dst)
{
	static const uint8_t all_nodes[ETH_ALEN] = { 0x33, 0x33, 0, 0, 0, 1 };
	if (!c->has_ip6 || dst[0] != 0x33 || dst[1] != 0x33)
		return 0;
	if (!memcmp(dst, all_nodes, ETH_ALEN))
		return 1;
	uint8_t group[IPV6_ALEN], mac[ETH_ALEN];
	ipv6_solicited_node(c->ip6, group);
	ipv6_mcast_mac(group, mac);
	return !memcmp(dst, mac, ETH_ALEN);
}

int rxv_check6(const struct rxv_cfg *c, const uint8_t *buf, const struct pkt_info *pi)
{
	/* :: is how duplicate-address detection solicits (RFC 4862 5.4.2); nothing else uses it */
	if (ipv6_is_unspecified(pi->ip6_src)) {
		if (!(pi->cls == WL_C_ICMP && pi->icmp_type == 135))
			return RXV_SRC_ADDR;
	} else if (ipv6_bad_source(pi->ip6_src)) {
		return RXV_SRC_ADDR;
	}
	if (pi->frag || !c->verify_checksums)
		return RXV_OK;
	if (!ipv6_l4_csum_ok(buf + pi->l3_off, buf + pi->l4_off, pi->l4_len, pi->ip_proto))
		return RXV_L4_CHECKSUM;
	return RXV_OK;
}
