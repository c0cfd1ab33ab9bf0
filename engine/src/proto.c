#include "proto.h"

static const struct wl_proto_ops *const ops4[WL_P_COUNT] = {
	[WL_P_ETH] = &wl_proto_eth, [WL_P_ARP] = &wl_proto_arp, [WL_P_ICMP] = &wl_proto_icmp,
	[WL_P_UDP] = &wl_proto_udp, [WL_P_TCP] = &wl_proto_tcp, [WL_P_DNS] = &wl_proto_dns,
};
/* over IPv6 (ARP is IPv4's: NDP is ICMPv6; raw Ethernet has no IP header) */
static const struct wl_proto_ops *const ops6[WL_P_COUNT] = {
	[WL_P_ETH] = &wl_proto_eth, [WL_P_ICMP] = &wl_proto_icmp6, [WL_P_UDP] = &wl_proto_udp6,
	[WL_P_TCP] = &wl_proto_tcp6, [WL_P_DNS] = &wl_proto_dns6,
};

const struct wl_proto_ops *wl_proto_get(int family, int proto)
{
	if (proto < 0 || proto >= WL_P_COUNT)
		return NULL;
	return family == 6 ? ops6[proto] : ops4[proto];
}

int wl_from_peer(const struct wl_config *c, const struct pkt_info *pi)
{
	if (pi->ip6)
		return !pi->frag && c->has_src_ip6 && !memcmp(pi->ip6_dst, c->src_ip6, IPV6_ALEN) &&
		       !memcmp(pi->ip6_src, c->dst_ip6, IPV6_ALEN);
	return pi->ip_dst == c->src_ip && pi->ip_src == c->dst_ip;
}

size_t wl_tmpl_done(struct wl_tmpl *t, size_t len, int family)
{
	if (!len)
		return 0;
	t->len = (uint16_t)len;
	if (t->csum_off) {
		if (family == 6)
			tmpl_finish6(t, ETH_HLEN);
		else
			tmpl_finish(t, ETH_HLEN);
	}
	return len;
}
