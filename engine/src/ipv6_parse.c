/* The IPv6 half of the rx classifier: fixed header, extension headers
 * walked with a bound, then the same upper-layer parse as IPv4. */
#include "pkt_parse.h"
#include "ipv6.h"


int pkt_parse_ipv6(const uint8_t *buf, size_t len, size_t off, const struct parse_cfg *cfg, struct pkt_info *pi)
{
	if (len < off + IPV6_HLEN)
		return pkt_parse_bad(pi, WL_M_IP_HDR);
	const uint8_t *ip = buf + off;
	if ((ip[0] >> 4) != 6)
		return pkt_parse_bad(pi, WL_M_IP_HDR);
	size_t end = IPV6_HLEN + (size_t)rd16(ip + 4);
	if (off + end > len)
		return pkt_parse_bad(pi, WL_M_IP_LEN);
	pi->ip6 = 1;
	pi->hop_limit = ip[7];
	memcpy(pi->ip6_src, ip + 8, IPV6_ALEN);
	memcpy(pi->ip6_dst, ip + 24, IPV6_ALEN);
	struct ipv6_walk w;
	if (ipv6_walk_ext(ip, end, &w) < 0)
		return pkt_parse_bad(pi, WL_M_IP_HDR);
	pi->ip_proto = w.proto;
	pi->frag = w.frag;
	pi->l4_off = (uint16_t)(off + w.l4_off);
	pi->l4_len = (uint16_t)(end - w.l4_off);
	if (w.proto == IPPROTO_NONE6_) {
		pi->cls = WL_C_UNKNOWN;
		return pi->cls;
	}
	return pkt_parse_l4(buf, cfg, pi, w.proto, IPPROTO_ICMPV6_, w.first);
}
