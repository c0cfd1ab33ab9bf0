#include "ipv6_tmpl.h"
#include "proto_icmp6.h"

size_t ipv6_tmpl_build(struct wl_tmpl *t, const struct wl_config *c, const uint8_t dst_mac[ETH_ALEN], int proto,
		       uint16_t icmp_id, uint16_t dport, const uint8_t *msg, size_t msg_len)
{
	struct wl_l2l3_6 a;
	memcpy(a.src_mac, c->src_mac, ETH_ALEN);
	memcpy(a.dst_mac, dst_mac, ETH_ALEN);
	memcpy(a.src, c->src_ip6, IPV6_ALEN);
	memcpy(a.dst, c->dst_ip6, IPV6_ALEN);
	const size_t l4 = ETH_HLEN + IPV6_HLEN;
	size_t len = 0;
	switch (proto) {
	case WL_P_ICMP:
		len = icmp6_build_echo(t->data, sizeof(t->data), &a, ICMP6_ECHO_REQUEST, icmp_id, 0, msg, msg_len, c->size);
		t->var = WL_VAR_ICMP_SEQ;
		t->var_off = (uint16_t)(l4 + 6);
		t->csum_off = (uint16_t)(l4 + 2);
		break;
	case WL_P_UDP:
		len = udp6_build(t->data, sizeof(t->data), &a, 0, dport, msg, msg_len, c->size);
		t->sport_off = (uint16_t)l4;
		t->csum_off = (uint16_t)(l4 + 6);
		break;
	default:
		return 0;
	}
	if (!len)
		return 0;
	t->len = (uint16_t)len;
	tmpl_finish6(t, ETH_HLEN);
	return len;
}
