#include "pkt_parse.h"
#include "proto_dns.h"
#include "ipv6.h"

int pkt_parse_bad(struct pkt_info *pi, uint8_t why)
{
	pi->cls = WL_C_MALFORMED;
	pi->why = why;
	return pi->cls;
}

int pkt_parse(const uint8_t *buf, size_t len, const struct parse_cfg *cfg, struct pkt_info *pi)
{
	memset(pi, 0, sizeof(*pi));
	if (len < ETH_HLEN)
		return pkt_parse_bad(pi, WL_M_SHORT_ETH);
	size_t off = 12;
	uint16_t et = rd16(buf + off);
	while ((et == ETHERTYPE_VLAN || et == ETHERTYPE_QINQ) && pi->vlan < 2) {
		if (off + 6 > len)
			return pkt_parse_bad(pi, WL_M_SHORT_ETH);
		pi->vlan_tci[pi->vlan++] = rd16(buf + off + 2);
		off += 4;
		et = rd16(buf + off);
	}
	off += 2;
	pi->ethertype = et;
	pi->l3_off = (uint16_t)off;

	if (et == cfg->raw_ethertype) {
		pi->cls = WL_C_ETH;
		pi->pl_off = (uint16_t)off;
		pi->pl_len = (uint16_t)(len - off);
		return pi->cls;
	}
	if (et == ETHERTYPE_ARP) {
		const uint8_t *a = buf + off;
		if (len < off + ARP_LEN || rd16(a) != 1 || rd16(a + 2) != ETHERTYPE_IPV4 || a[4] != 6 || a[5] != 4)
			return pkt_parse_bad(pi, WL_M_ARP);
		pi->arp_op = rd16(a + 6);
		pi->arp_spa = rd32(a + 14);
		pi->arp_tpa = rd32(a + 24);
		pi->cls = WL_C_ARP;
		return pi->cls;
	}
	if (et == ETHERTYPE_IPV6)
		return pkt_parse_ipv6(buf, len, off, cfg, pi);
	if (et != ETHERTYPE_IPV4) {
		pi->cls = WL_C_UNKNOWN;
		return pi->cls;
	}
	/* IPv4 */
	if (len < off + IPV4_HLEN)
		return pkt_parse_bad(pi, WL_M_IP_HDR);
	const uint8_t *ip = buf + off;
	size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
	if ((ip[0] >> 4) != 4 || ihl < IPV4_HLEN || len < off + ihl)
		return pkt_parse_bad(pi, WL_M_IP_HDR);
	size_t tot = rd16(ip + 2);
	if (tot < ihl || off + tot > len)
		return pkt_parse_bad(pi, WL_M_IP_LEN);
	if (!ipv4_csum_ok(ip, ihl))
		return pkt_parse_bad(pi, WL_M_IP_CSUM);
	pi->ip_src = rd32(ip + 12);
	pi->ip_dst = rd32(ip + 16);
	pi->ip_proto = ip[9];
	pi->l4_off = (uint16_t)(off + ihl);
	pi->l4_len = (uint16_t)(tot - ihl);
	uint16_t fo = rd16(ip + 6);
	pi->frag = (fo & 0x3fff) != 0;
	return pkt_parse_l4(buf, cfg, pi, ip[9], IPPROTO_ICMP_, (fo & 0x1fff) == 0);
}

int pkt_parse_l4(const uint8_t *buf, const struct parse_cfg *cfg, struct pkt_info *pi, uint8_t proto,
		 uint8_t icmp_proto, int first)
{
	const uint8_t *l4 = buf + pi->l4_off;
	size_t l4len = pi->l4_len;
	if (proto == IPPROTO_ICMP_ || proto == IPPROTO_ICMPV6_)
		proto = proto == icmp_proto ? IPPROTO_ICMP_ : 0;

	switch (proto) {
	case IPPROTO_ICMP_:
		pi->cls = WL_C_ICMP;
		if (!first)
			return pi->cls;
		if (l4len < ICMP_HLEN)
			return pkt_parse_bad(pi, WL_M_ICMP);
		pi->icmp_type = l4[0];
		pi->icmp_code = l4[1];
		pi->icmp_id = rd16(l4 + 4);
		pi->icmp_seq = rd16(l4 + 6);
		pi->pl_off = (uint16_t)(pi->l4_off + ICMP_HLEN);
		pi->pl_len = (uint16_t)(l4len - ICMP_HLEN);
		return pi->cls;
	case IPPROTO_UDP_: {
		pi->cls = WL_C_UDP;
		if (!first)
			return pi->cls;
		if (l4len < UDP_HLEN)
			return pkt_parse_bad(pi, WL_M_UDP);
		size_t ulen = rd16(l4 + 4);
		/* a first fragment holds only the start of the datagram its length describes */
		if (ulen < UDP_HLEN || (ulen > l4len && !pi->frag))
			return pkt_parse_bad(pi, WL_M_UDP);
		if (ulen > l4len)
			ulen = l4len;
		pi->sport = rd16(l4);
		pi->dport = rd16(l4 + 2);
		pi->pl_off = (uint16_t)(pi->l4_off + UDP_HLEN);
		pi->pl_len = (uint16_t)(ulen - UDP_HLEN);
		int dns = pi->sport == DNS_PORT || pi->dport == DNS_PORT ||
			  (cfg->dns_port && (pi->sport == cfg->dns_port || pi->dport == cfg->dns_port));
		if (dns && !pi->frag) {
			pi->cls = WL_C_DNS;
			if (pi->pl_len < DNS_HLEN)
				return pkt_parse_bad(pi, WL_M_DNS);
			pi->dns_id = rd16(buf + pi->pl_off);
			pi->dns_flags = rd16(buf + pi->pl_off + 2);
		}
		return pi->cls;
	}
	case IPPROTO_TCP_: {
		pi->cls = WL_C_TCP;
		if (!first)
			return pi->cls;
		if (l4len < TCP_HLEN)
			return pkt_parse_bad(pi, WL_M_TCP);
		size_t doff = (size_t)(l4[12] >> 4) * 4;
		if (doff < TCP_HLEN || doff > l4len)
			return pkt_parse_bad(pi, WL_M_TCP);
		pi->sport = rd16(l4);
		pi->dport = rd16(l4 + 2);
		pi->tcp_seq = rd32(l4 + 4);
		pi->tcp_ack = rd32(l4 + 8);
		pi->tcp_flags = l4[13];
		pi->pl_off = (uint16_t)(pi->l4_off + doff);
		pi->pl_len = (uint16_t)(l4len - doff);
		return pi->cls;
	}
	default:
		pi->cls = WL_C_UNKNOWN;
		return pi->cls;
	}
}
