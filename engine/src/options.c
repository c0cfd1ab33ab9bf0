#include <stdio.h>
#include "options.h"
#include "ipv6.h"
#include "pkt_build.h"
#include "opt_table.h"
#include "proto.h"
#include "proto_udp.h"
#include "workers_max.h"
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <strings.h>
#include <errno.h>
#include <math.h>
#include <arpa/inet.h>

const char *const wl_role_names[] = { "tx", "rx", "both" };
const char *const wl_mode_names[] = { "continuous", "burst", "rate", "backoff", "random" };
const char *const wl_builtin_domains[] = {
	"example.com", "www.example.com", "example.net", "mail.example.net", "example.org",
	"api.example.org", "wirelab.test", "dns.wirelab.test", "host1.lab.wirelab.test",
	"a-rather-long-label-for-testing.example.com",
};
const unsigned wl_n_builtin_domains = sizeof(wl_builtin_domains) / sizeof(wl_builtin_domains[0]);

int parse_ipv4(const char *s, uint32_t *out)
{
	struct in_addr a;
	if (inet_pton(AF_INET, s, &a) != 1)
		return -1;
	*out = ntohl(a.s_addr);
	return 0;
}
int parse_mac(const char *s, uint8_t out[ETH_ALEN])
{
	unsigned v[6];
	char tail;
	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &tail) != 6)
		return -1;
	if (strlen(s) != 17)
		return -1;
	for (int i = 0; i < 6; i++)
		out[i] = (uint8_t)v[i];
	return 0;
}
void fmt_ipv4(uint32_t ip, char *out, size_t cap)
{
	snprintf(out, cap, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
}
void fmt_mac(const uint8_t *m, char *out, size_t cap)
{
	snprintf(out, cap, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}
int proto_from_name(const char *s)
{
	if (!strcmp(s, "random"))
		return WL_PROTO_RANDOM;
	for (int i = 0; i < WL_P_COUNT; i++)
		if (!strcmp(s, wl_proto_names[i]))
			return i;
	return -2;
}

uint16_t options_dst_port(const struct wl_config *c, int protocol)
{
	if (c->dst_port)
		return c->dst_port;
	const struct wl_proto_ops *o = wl_proto_get(4, protocol);
	/* protocols without ports report UDP's, as the echo always has */
	return o && o->default_port ? o->default_port : UDP_PORT_DEFAULT;
}

/* "80,443" -> ports (each 1..65535, at most max of them). */
static int parse_port_list(const char *arg, uint16_t *out, unsigned max, unsigned *n)
{
	*n = 0;
	const char *p = arg;
	for (;;) {
		char *end;
		if (*p < '0' || *p > '9' || *n >= max)
			return -1;
		unsigned long v = strtoul(p, &end, 10);
		if (v < 1 || v > 65535 || (*end != ',' && *end != 0))
			return -1;
		out[(*n)++] = (uint16_t)v;
		if (!*end)
			return 0;
		p = end + 1;
	}
}

/* IPv6: the family derived or checked against the addresses (both given:
 * random mode draws it per phase), and what the generator can send over it. */
static int options_check_v6(struct wl_config *c)
{
	int v6 = c->has_src_ip6 || c->has_dst_ip6;
	c->dual_stack = c->role != WL_ROLE_RX && c->has_src_ip6 && c->has_dst_ip6 && c->src_ip && c->dst_ip;
	if (c->ip_version == 4 && v6 && !c->dual_stack)
		return wl_opt_fail("ip-version", "'%s' contradicts an IPv6 --src-ip/--dst-ip", "4");
	if (!c->ip_version)
		c->ip_version = v6 ? 6 : 4;
	if (!c->has_ip6 && c->has_src_ip6) {
		memcpy(c->ip6, c->src_ip6, 16);
		c->has_ip6 = 1;
	}
	if (c->ip_version == 4 || c->role == WL_ROLE_RX)
		return 0;
	if (c->protocol == WL_P_ARP)
		return wl_opt_fail("protocol", "'%s' is IPv4's address resolution; over IPv6 neighbours are resolved by NDP "
			    "(every IPv6 run starts with it)", "arp");
	if (!c->has_src_ip6 || !c->has_dst_ip6)
		return wl_opt_fail(c->has_src_ip6 ? "dst-ip" : "src-ip", "%s", "an IPv6 address is required with --ip-version 6 (tx, both)");
	if (c->arp_dad)
		return wl_opt_fail("arp-dad", "%s", "is IPv4 only (RFC 5227); not with --ip-version 6");
	/* an IPv6 fragment carries 8 bytes of fragment header more than an IPv4 one */
	if (c->fragment_size > 1448)
		return wl_opt_fail("fragment-size", "%s", "is at most 1448 over IPv6 (a 1500-byte MTU less 40 + 8 header bytes)");
	return 0;
}

/* --port repeated and --stamp: what they can be combined with. */
static int options_check_ports(struct wl_config *c)
{
	if (c->n_ports)
		c->port_id = c->ports[0];
	if (c->n_ports > 1 && c->role == WL_ROLE_RX)
		return wl_opt_fail("port", "%s", "the first port generates, the others receive: use --role tx or both");
	if (c->n_ports > 1 && (c->protocol == WL_P_TCP || c->protocol == WL_PROTO_RANDOM || c->mode == WL_MODE_RANDOM))
		return wl_opt_fail("port", "%s", "several ports carry eth, arp, icmp, udp or dns (no tcp, no random draws)");
	if (!c->stamp)
		return 0;
	if (c->role == WL_ROLE_RX)
		return wl_opt_fail("stamp", "%s", "the sender and the receiver must be this engine (one clock): --role tx or both");
	if (c->protocol != WL_P_UDP)
		return wl_opt_fail("stamp", "%s", "stamps UDP payloads: use --protocol udp");
	if (c->fragment_size)
		return wl_opt_fail("stamp", "%s", "not with --fragment-size (a stamp is read from whole datagrams)");
	if (c->message_len + 18 > WL_MAX_MESSAGE)
		return wl_opt_fail("stamp", "%s", "the stamp (18 bytes) and --message do not fit one datagram");
	return 0;
}

static int is_ip_proto(int p) { return p != WL_P_ETH; }

/* ---------- setters and echoes for the rows that are not a plain field ---------- */

#define CFG(p) ((struct wl_config *)(p))
#define CCFG(p) ((const struct wl_config *)(p))

static int set_protocol(void *cfg, const struct wl_optdef *o, const char *arg)
{
	int p = proto_from_name(arg);
	if (p == -2)
		return wl_opt_fail(o->name, "'%s' is not one of eth, arp, icmp, udp, tcp, dns, random", arg);
	CFG(cfg)->protocol = p;
	return 0;
}

/* --src-ip, --dst-ip, --ip: IPv4 or IPv6, each family in its own field */
static int set_addr(void *cfg, const struct wl_optdef *o, const char *arg)
{
	struct wl_config *c = cfg;
	int which = o->name[0] == 's' ? 0 : o->name[0] == 'd' ? 1 : 2;
	if (strchr(arg, ':')) {
		uint8_t a6[16];
		if (parse_ipv6(arg, a6) < 0 || ipv6_is_unspecified(a6) || ipv6_bad_source(a6))
			return wl_opt_fail(o->name, "'%s' is not a unicast IPv6 address", arg);
		memcpy(which == 0 ? c->src_ip6 : which == 1 ? c->dst_ip6 : c->ip6, a6, 16);
		*(which == 0 ? &c->has_src_ip6 : which == 1 ? &c->has_dst_ip6 : &c->has_ip6) = 1;
		return 0;
	}
	uint32_t a;
	if (parse_ipv4(arg, &a) < 0 || a == 0)
		return wl_opt_fail(o->name, "'%s' is not an IPv4 address", arg);
	*(which == 0 ? &c->src_ip : which == 1 ? &c->dst_ip : &c->ip) = a;
	return 0;
}

static int set_mac(void *cfg, const struct wl_optdef *o, const char *arg)
{
	struct wl_config *c = cfg;
	int src = o->name[0] == 's';
	if (parse_mac(arg, src ? c->src_mac : c->dst_mac) < 0)
		return wl_opt_fail(o->name, "'%s' is not a MAC address like 02:00:00:00:00:01", arg);
	*(src ? &c->has_src_mac : &c->has_dst_mac) = 1;
	return 0;
}

static int set_message(void *cfg, const struct wl_optdef *o, const char *arg)
{
	struct wl_config *c = cfg;
	c->message_len = strlen(arg);
	if (c->message_len == 0 || c->message_len > WL_MAX_MESSAGE)
		return wl_opt_fail(o->name, "'%s' must be 1..1472 bytes", arg);
	memcpy(c->message, arg, c->message_len + 1);
	return 0;
}

static int set_domain(void *cfg, const struct wl_optdef *o, const char *arg)
{
	struct wl_config *c = cfg;
	uint8_t tmp[DNS_MAX_NAME + 2];
	if (c->n_domains >= WL_MAX_DOMAINS)
		return wl_opt_fail(o->name, "'%s': at most 64 domains", arg);
	if (dns_encode_name(arg, tmp, sizeof(tmp)) < 2)
		return wl_opt_fail(o->name, "'%s' is not a valid DNS name", arg);
	snprintf(c->domains[c->n_domains++], DNS_MAX_NAME + 1, "%s", arg);
	return 0;
}

static int check_ethertype(void *cfg, const struct wl_optdef *o, const char *arg)
{
	uint16_t t = CFG(cfg)->ethertype;
	if (t == ETHERTYPE_IPV4 || t == ETHERTYPE_ARP || t == ETHERTYPE_VLAN || t == ETHERTYPE_QINQ)
		return wl_opt_fail(o->name, "'%s' is taken by IPv4/ARP/VLAN; use e.g. 0x88b5", arg);
	return 0;
}

static int set_dns_record(void *cfg, const struct wl_optdef *o, const char *arg)
{
	struct wl_config *c = cfg;
	const char *eq = strchr(arg, '=');
	uint8_t tmp[DNS_MAX_NAME + 2];
	uint32_t a = 0;
	if (c->n_records >= WL_MAX_RECORDS)
		return wl_opt_fail(o->name, "'%s': at most 64 records", arg);
	struct dns_record *r = &c->records[c->n_records];
	r->is6 = eq && strchr(eq + 1, ':') != NULL;
	if (r->is6 ? parse_ipv6(eq + 1, r->addr6) < 0 || ipv6_is_unspecified(r->addr6)
		   : !eq || parse_ipv4(eq + 1, &a) < 0 || a == 0)
		return wl_opt_fail(o->name, "'%s' is not NAME=IPv4 or NAME=IPv6", arg);
	if (eq == arg)
		return wl_opt_fail(o->name, "'%s' has no name", arg);
	size_t nl = (size_t)(eq - arg);
	if (nl > DNS_MAX_NAME)
		return wl_opt_fail(o->name, "'%s': name too long", arg);
	memcpy(r->name, arg, nl);
	r->name[nl] = 0;
	if (nl > 1 && r->name[nl - 1] == '.')
		r->name[nl - 1] = 0;
	if (dns_encode_name(r->name, tmp, sizeof(tmp)) < 2)
		return wl_opt_fail(o->name, "'%s': not a valid DNS name", arg);
	r->addr = a;
	c->n_records++;
	return 0;
}

static int set_tcp_listen(void *cfg, const struct wl_optdef *o, const char *arg)
{
	struct wl_config *c = cfg;
	if (parse_port_list(arg, c->tcp_listen, 16, &c->n_tcp_listen) < 0)
		return wl_opt_fail(o->name, "'%s' is not a comma-separated list of 1..16 ports (1..65535)", arg);
	return 0;
}

static int set_ip_version(void *cfg, const struct wl_optdef *o, const char *arg)
{
	if (strcmp(arg, "4") && strcmp(arg, "6"))
		return wl_opt_fail(o->name, "'%s' is not 4 or 6", arg);
	CFG(cfg)->ip_version = arg[0] - '0';
	return 0;
}

static int set_dns_type(void *cfg, const struct wl_optdef *o, const char *arg)
{
	if (!strcasecmp(arg, "A"))
		CFG(cfg)->dns_qtype = DNS_TYPE_A;
	else if (!strcasecmp(arg, "AAAA"))
		CFG(cfg)->dns_qtype = DNS_TYPE_AAAA;
	else
		return wl_opt_fail(o->name, "'%s' is not A or AAAA", arg);
	return 0;
}
static int set_vlan(void *cfg, const struct wl_optdef *o, const char *arg)
{
	char why[160];
	if (vlan_parse_arg(&CFG(cfg)->vlan, arg, why, sizeof(why)) < 0)
		return wl_opt_fail(o->name, "%s", why);
	return 0;
}
static void json_vlan(struct jbuf *j, const void *cfg)
{
	jb_key(j, "vlan");
	vlan_config_json(j, &CCFG(cfg)->vlan);
}
static int set_port(void *cfg, const struct wl_optdef *o, const char *arg)
{
	(void)o;
	return ports_add(CFG(cfg)->ports, &CFG(cfg)->n_ports, arg) < 0 ? 2 : 0;
}

static int check_fragment_size(void *cfg, const struct wl_optdef *o, const char *arg)
{
	if (CFG(cfg)->fragment_size % 8)
		return wl_opt_fail(o->name, "'%s' must be a multiple of 8 (RFC 791 fragment offsets count 8-byte units)", arg);
	return 0;
}

static void kip4(struct jbuf *j, const char *k, uint32_t ip)
{
	char t[32];
	if (!ip) {
		jb_knull(j, k);
		return;
	}
	fmt_ipv4(ip, t, sizeof(t));
	jb_kstr(j, k, t);
}
static void kip6(struct jbuf *j, const char *k, int has, const uint8_t *ip6)
{
	char t[64];
	if (!has)
		return;
	fmt_ipv6(ip6, t, sizeof(t));
	jb_kstr(j, k, t);
}

static void json_protocol(struct jbuf *j, const void *cfg)
{
	int p = CCFG(cfg)->protocol;
	jb_kstr(j, "protocol", p == WL_PROTO_RANDOM ? "random" : wl_proto_names[p]);
}
static void json_src_ip(struct jbuf *j, const void *cfg) { kip4(j, "src_ip", CCFG(cfg)->src_ip); }
static void json_dst_ip(struct jbuf *j, const void *cfg) { kip4(j, "dst_ip", CCFG(cfg)->dst_ip); }
static void json_ip(struct jbuf *j, const void *cfg) { kip4(j, "ip", CCFG(cfg)->ip); }
static void json_ip_version(struct jbuf *j, const void *cfg)
{
	const struct wl_config *c = cfg;
	jb_ku64(j, "ip_version", (uint64_t)c->ip_version);
	kip6(j, "src_ip6", c->has_src_ip6, c->src_ip6);
	kip6(j, "dst_ip6", c->has_dst_ip6, c->dst_ip6);
	kip6(j, "ip6", c->has_ip6, c->ip6);
	jb_kbool(j, "dual_stack", c->dual_stack);
}
static void json_src_mac(struct jbuf *j, const void *cfg)
{
	char t[32];
	fmt_mac(CCFG(cfg)->src_mac, t, sizeof(t));
	jb_kstr(j, "src_mac", t);
}
static void json_dst_mac(struct jbuf *j, const void *cfg)
{
	char t[32];
	if (!CCFG(cfg)->has_dst_mac) {
		jb_knull(j, "dst_mac");
		return;
	}
	fmt_mac(CCFG(cfg)->dst_mac, t, sizeof(t));
	jb_kstr(j, "dst_mac", t);
}
static void json_dst_port(struct jbuf *j, const void *cfg)
{
	const struct wl_config *c = cfg;
	if (c->protocol >= 0)
		jb_ku64(j, "dst_port", options_dst_port(c, c->protocol));
	else if (c->dst_port)
		jb_ku64(j, "dst_port", c->dst_port);
	else
		jb_knull(j, "dst_port");
}
static void json_message(struct jbuf *j, const void *cfg)
{
	if (CCFG(cfg)->message_len)
		jb_kstr(j, "message", CCFG(cfg)->message);
	else
		jb_knull(j, "message");
}
static void json_domains(struct jbuf *j, const void *cfg)
{
	const struct wl_config *c = cfg;
	jb_key(j, "domains");
	jb_arr_open(j);
	if (c->n_domains)
		for (unsigned i = 0; i < c->n_domains; i++)
			jb_str(j, c->domains[i]);
	else
		for (unsigned i = 0; i < wl_n_builtin_domains; i++)
			jb_str(j, wl_builtin_domains[i]);
	jb_arr_close(j);
}
static void json_ethertype(struct jbuf *j, const void *cfg)
{
	char t[16];
	snprintf(t, sizeof(t), "0x%04x", CCFG(cfg)->ethertype);
	jb_kstr(j, "ethertype", t);
}
static void json_dns_records(struct jbuf *j, const void *cfg)
{
	const struct wl_config *c = cfg;
	char t[64];
	/* A records, then AAAA records: a name may have one of each */
	for (int six = 0; six < 2; six++) {
		jb_key(j, six ? "dns_records6" : "dns_records");
		jb_obj_open(j);
		for (unsigned i = 0; i < c->n_records; i++) {
			if (c->records[i].is6 != six)
				continue;
			if (six)
				fmt_ipv6(c->records[i].addr6, t, sizeof(t));
			else
				fmt_ipv4(c->records[i].addr, t, sizeof(t));
			jb_kstr(j, c->records[i].name, t);
		}
		jb_obj_close(j);
	}
}
static void json_dns_type(struct jbuf *j, const void *cfg)
{
	uint16_t q = CCFG(cfg)->dns_qtype;
	jb_kstr(j, "dns_type", q == DNS_TYPE_AAAA ? "AAAA" : q == DNS_TYPE_A ? "A" : "auto");
}
static void u16_array(struct jbuf *j, const char *key, const uint16_t *v, unsigned n)
{
	jb_key(j, key);
	jb_arr_open(j);
	for (unsigned i = 0; i < n; i++)
		jb_u64(j, v[i]);
	jb_arr_close(j);
}
static void json_tcp_listen(struct jbuf *j, const void *cfg) { u16_array(j, "tcp_listen", CCFG(cfg)->tcp_listen, CCFG(cfg)->n_tcp_listen); }
static void json_ports(struct jbuf *j, const void *cfg) { u16_array(j, "ports", CCFG(cfg)->ports, CCFG(cfg)->n_ports); }

/* ---------- the table ---------- */

#define F(field) .off = offsetof(struct wl_config, field), .size = sizeof(((struct wl_config *)0)->field)
#define UINT(field, l, h) .kind = WL_OK_UINT, F(field), .lo = (l), .hi = (h)
#define DBL(field, l, h, open, e) .kind = WL_OK_DBL, F(field), .dlo = (l), .dhi = (h), .lo_open = (open), .err = (e)
#define FUNC(fn) .kind = WL_OK_FUNC, .set = (fn)

static const char G_TRAFFIC[] = "Role and traffic", G_ADDR[] = "Addresses", G_ANSWER[] = "Answering (rx, both)",
	G_MODES[] = "Modes", G_STOP[] = "Stop and output", G_RXV[] = "Receive validation and fragments";
static const char *const groups[] = { G_TRAFFIC, G_ADDR, G_ANSWER, G_MODES, G_STOP, G_RXV };

/* Row order is the order of the keys in the start line's "config". */
static const struct wl_optdef engine_opts[] = {
	{ .name = "role", .arg = "tx|rx|both", .kind = WL_OK_ENUM, F(role), .names = wl_role_names, .n_names = 3,
	  .def = "tx", .key = "role", .group = G_TRAFFIC,
	  .help = "tx: generate (and match replies); rx: count,\nclassify and answer; both: the two.\n"
		  "(--role replay sends a pcap: --role replay --help;\n"
		  "--role impair is a wire between two ports: --role impair --help)" },
	{ .name = "protocol", .arg = "P", FUNC(set_protocol), .def = "udp", .json = json_protocol, .group = G_TRAFFIC,
	  .help = "eth|arp|icmp|udp|tcp|dns|random" },
	{ .name = "mode", .arg = "M", .kind = WL_OK_ENUM, F(mode), .names = wl_mode_names, .n_names = 5,
	  .def = "continuous", .key = "mode", .group = G_TRAFFIC, .help = "continuous|burst|rate|backoff|random" },
	{ .name = "port-id", .arg = "N", UINT(port_id, 0, 1023), .def = "0", .key = "port_id", .group = G_TRAFFIC,
	  .help = "DPDK port to use" },
	{ .name = "workers", .arg = "N", UINT(workers, 1, WL_MAX_WORKERS), .def = "1", .key = "workers",
	  .group = G_TRAFFIC,
	  .help = "data loops, one per lcore, each with its own rx/tx queue\n(net_af_xdp: queue_count=N); flows, rate and --count\n"
		  "are split between them" },
	{ .name = "port", .arg = "N", FUNC(set_port), .json = json_ports, .def_text = "--port-id alone", .group = G_TRAFFIC,
	  .help = "several ports, repeated (one --vdev/PCI device each):\nthe first generates, every one receives and answers\n"
		  "as its own host (the others for --ip [--dst-ip])" },
	{ .name = "stamp", .kind = WL_OK_FLAG, F(stamp), .key = "stamp", .group = G_TRAFFIC,
	  .help = "udp: sequence number and send time in each payload;\nthe receiving port reports one-way latency, loss,\n"
		  "reordering and duplicates (same engine, same clock)" },
	{ .name = "src-ip", .arg = "A", FUNC(set_addr), .json = json_src_ip, .group = G_ADDR,
	  .help = "IPv4 or IPv6 source address (tx needs it, except eth)" },
	{ .name = "dst-ip", .arg = "A", FUNC(set_addr), .json = json_dst_ip, .group = G_ADDR,
	  .help = "IPv4 or IPv6 destination address (tx needs it, except eth)" },
	{ .name = "ip", .arg = "A", FUNC(set_addr), .json = json_ip, .def_text = "--src-ip", .group = G_ANSWER,
	  .help = "address answered for (ARP, ICMP, DNS, TCP, UDP echo);\ntwice (IPv4 and IPv6) for dual stack" },
	{ .name = "ip-version", .arg = "4|6", FUNC(set_ip_version), .json = json_ip_version,
	  .def_text = "derived from the addresses, else 4", .group = G_ADDR,
	  .help = "IP family;\nIPv6: icmp, udp, tcp, dns, eth (arp is IPv4's);\nboth families' --src-ip/--dst-ip: random mode\ndraws the family per phase" },
	{ .name = "src-mac", .arg = "M", FUNC(set_mac), .json = json_src_mac, .def_text = "the port's MAC",
	  .group = G_ADDR, .help = "source MAC" },
	{ .name = "dst-mac", .arg = "M", FUNC(set_mac), .json = json_dst_mac, .def_text = "resolved with ARP for --dst-ip",
	  .group = G_ADDR, .help = "destination MAC" },
	{ .name = "src-port", .arg = "N", UINT(src_port, 1, 65535), .def = "10000", .key = "src_port", .group = G_ADDR,
	  .help = "first UDP/TCP source port" },
	{ .name = "dst-port", .arg = "N", UINT(dst_port, 1, 65535), .json = json_dst_port,
	  .def_text = "udp 9000, tcp 8080, dns 53", .group = G_ADDR, .help = "UDP/TCP/DNS destination port" },
	{ .name = "flows", .arg = "N", UINT(flows, 1, 65535), .def = "1", .key = "flows", .group = G_ADDR,
	  .help = "vary the source port over N flows\n(tcp: a new port per connection, over max(N, 16384))" },
	{ .name = "size", .arg = "BYTES", UINT(size, 60, 1514), .def = "64", .key = "size", .group = G_ADDR,
	  .help = "frame size without FCS, 60..1514" },
	{ .name = "message", .arg = "STR", FUNC(set_message), .json = json_message,
	  .def_text = "random printable, from --seed", .group = G_ADDR, .help = "UDP/TCP/eth payload" },
	{ .name = "domain", .arg = "NAME", FUNC(set_domain), .json = json_domains, .def_text = "built-in list",
	  .group = G_ADDR, .help = "DNS name to query; repeatable" },
	{ .name = "dns-type", .arg = "A|AAAA", FUNC(set_dns_type), .json = json_dns_type,
	  .def_text = "AAAA over IPv6, A over IPv4", .group = G_ADDR, .help = "record type the DNS queries ask for" },
	{ .name = "ethertype", .arg = "0xNNNN", UINT(ethertype, 0x0600, 0xffff), .set = check_ethertype, .def = "0x88b5",
	  .json = json_ethertype, .group = G_ADDR, .help = "ethertype of raw Ethernet frames" },
	{ .name = "vlan", .arg = "ID[,PCP]", FUNC(set_vlan), .json = json_vlan, .def_text = "untagged", .group = G_ADDR,
	  .help = "802.1Q tag (VID 1..4094, priority 0..7 [0]) on every\nframe sent, and only frames with it answered; twice\n"
		  "for QinQ, outer first (outer TPID 0x88a8)" },
	{ .name = "dns-record", .arg = "NAME=ADDR", FUNC(set_dns_record), .json = json_dns_records, .group = G_ANSWER,
	  .help = "A (IPv4) or AAAA (IPv6) record; repeatable;\nother names get NXDOMAIN" },
	{ .name = "udp-echo", .kind = WL_OK_FLAG, F(udp_echo), .key = "udp_echo", .group = G_ANSWER,
	  .help = "echo UDP datagrams back to the sender" },
	{ .name = "tcp-listen", .arg = "P[,P...]", FUNC(set_tcp_listen), .json = json_tcp_listen,
	  .def_text = "tcp --dst-port, 53", .group = G_ANSWER,
	  .help = "TCP ports accepting connections; others answer RST\n(53 serves DNS over TCP)" },
	{ .name = "tcp-echo", .kind = WL_OK_FLAG, F(tcp_echo), .key = "tcp_echo", .group = G_ANSWER,
	  .help = "echo TCP data back on the connection" },
	{ .name = "tcp-idle-ms", .arg = "MS", UINT(tcp_idle_ms, 0, 86400000), .def = "60000", .key = "tcp_idle_ms",
	  .group = G_ANSWER, .help = "close connections idle this long, 0 = never" },
	{ .name = "tcp-conns", .arg = "N", UINT(tcp_conns, 8, 1u << 20), .def = "4096", .key = "tcp_conns",
	  .group = G_ANSWER, .help = "connection table size (full: oldest evicted)" },
	{ .name = "interval", .arg = "USEC", UINT(interval_us, 0, 3600000000ull), .def = "0", .key = "interval_us",
	  .group = G_MODES, .help = "continuous: gap between packets; 0 = line rate" },
	{ .name = "burst-size", .arg = "N", UINT(burst_size, 1, 1000000), .def = "32", .key = "burst_size",
	  .group = G_MODES, .help = "burst: N packets, then a pause of --burst-gap" },
	{ .name = "burst-gap", .arg = "USEC", UINT(burst_gap_us, 0, 3600000000ull), .def = "1000", .key = "burst_gap_us",
	  .group = G_MODES, .help = "burst: the pause" },
	{ .name = "pps", .arg = "N", DBL(pps, 0, 100e6, 1, "'%s' must be a number in (0, 100000000]"), .def = "1000",
	  .key = "pps", .group = G_MODES, .help = "rate: packets per second, TSC-paced" },
	{ .name = "initial-delay", .arg = "USEC", UINT(initial_delay_us, 1, 3600000000ull), .def = "100000",
	  .key = "initial_delay_us", .group = G_MODES,
	  .help = "backoff: resend an unanswered request after this delay" },
	{ .name = "factor", .arg = "F", DBL(factor, 1.0, 100, 0, "'%s' must be a number in [1, 100]"), .def = "2.0",
	  .key = "factor", .group = G_MODES, .help = "backoff: the delay grows by F per retry" },
	{ .name = "max-delay", .arg = "USEC", UINT(max_delay_us, 1, 3600000000ull), .def = "2000000",
	  .key = "max_delay_us", .group = G_MODES, .help = "backoff: the delay's cap" },
	{ .name = "max-retries", .arg = "N", UINT(max_retries, 0, 1000), .def = "5", .key = "max_retries",
	  .group = G_MODES, .help = "backoff: give up after N retries" },
	{ .name = "seed", .arg = "N", UINT(seed, 0, UINT64_MAX), .def = "1", .key = "seed", .group = G_MODES,
	  .help = "random: phases (protocol/mode) drawn from this seed" },
	{ .name = "phase-duration", .arg = "SEC",
	  DBL(phase_duration_s, 0.1, INFINITY, 0, "'%s' must be a number of seconds >= 0.1"), .def = "5",
	  .key = "phase_duration_s", .group = G_MODES, .help = "random: length of a phase" },
	{ .name = "duration", .arg = "SEC", DBL(duration_s, 0, INFINITY, 0, "'%s' must be a number of seconds >= 0"),
	  .def = "0", .key = "duration_s", .group = G_STOP, .help = "stop after SEC seconds (0 = never)" },
	{ .name = "count", .arg = "N", UINT(count, 0, UINT64_MAX), .def = "0", .key = "count", .group = G_STOP,
	  .help = "stop after N generated packets (backoff: requests;\nrx role: received frames), 0 = no limit" },
	{ .name = "stats-interval", .arg = "SEC",
	  DBL(stats_interval_s, 0.01, INFINITY, 0, "'%s' must be a number of seconds >= 0.01"), .def = "1",
	  .key = "stats_interval_s", .group = G_STOP, .help = "period of the stats lines" },
	{ .name = "pcap", .arg = "FILE", .kind = WL_OK_STR, F(pcap), .err = "'%s' is not a usable file name", .key = "pcap",
	  .group = G_STOP, .help = "write every frame sent and received (pcap, ns)" },
	{ .name = "tx-burst", .arg = "N", UINT(tx_burst, 1, 256), .def = "32", .key = "tx_burst", .group = G_STOP,
	  .help = "packets per tx burst, 1..256" },
	{ .name = "arp-timeout", .arg = "MS", UINT(arp_timeout_ms, 1, 600000), .def = "3000", .key = "arp_timeout_ms",
	  .group = G_STOP, .help = "give up resolving --dst-ip after MS" },
	{ .name = "linger", .arg = "MS", UINT(linger_ms, 0, 600000), .def = "500", .key = "linger_ms", .group = G_STOP,
	  .help = "after --count, wait MS for answers" },
	{ .name = "no-verify-checksums", .kind = WL_OK_CLEAR, F(verify_checksums), .key = "verify_checksums",
	  .group = G_RXV,
	  .help = "answer frames whose ICMP/UDP/TCP checksum is wrong\n(peers that offload checksums); IPv4 header\n"
		  "checksums are always checked" },
	{ .name = "promiscuous", .kind = WL_OK_FLAG, F(promiscuous), .key = "promiscuous", .group = G_RXV,
	  .help = "answer frames sent to any destination MAC\n[own, broadcast and 01:00:5e:00:00:01 only]" },
	{ .name = "arp-dad", .kind = WL_OK_FLAG, F(arp_dad), .key = "arp_dad", .group = G_RXV,
	  .help = "tx: probe for --src-ip (RFC 5227) before starting;\nrefuse to start if another host has it" },
	{ .name = "fragment-size", .arg = "N", UINT(fragment_size, 8, 1480), .set = check_fragment_size,
	  .def_text = "0 = never", .key = "fragment_size", .group = G_RXV,
	  .help = "tx: send IP datagrams as fragments of N payload\nbytes (multiple of 8, 8..1480; IPv6: ..1448)" },
	{ .name = "vlan-strip", .kind = WL_OK_FLAG, F(vlan_strip), .key = "vlan_strip", .group = G_RXV,
	  .help = "let the PMD strip received tags (RX VLAN offload,\ne.g. net_af_packet); the engine reads them from the mbuf" },
};

static const struct wl_optset engine_optset = {
	.opts = engine_opts,
	.n = sizeof(engine_opts) / sizeof(engine_opts[0]),
	.groups = groups,
	.n_groups = sizeof(groups) / sizeof(groups[0]),
};

void options_usage(FILE *f)
{
	fputs("Usage: wirelab-engine [EAL options] -- [engine options]\n"
	      "\n"
	      "Generates, answers and counts traffic on DPDK ports. EAL options come\n"
	      "first (see dpdk docs); everything after '--' is for the engine.\n"
	      "JSON lines go to stdout (start, stats, event, summary); logs to stderr.\n"
	      "\n", f);
	wl_opt_help(&engine_optset, f);
	fputs(
"  -h, --help                this text\n"
"\n"
"Examples (the port is a kernel interface through AF_XDP; no hugepages):\n"
"  EAL='--no-huge -m 512 --no-pci --file-prefix wl-a -l 0,1 --vdev net_af_xdp0,iface=eth1'\n"
"  # answer ARP/ICMP/DNS/TCP/UDP echo for 198.18.200.2\n"
"  wirelab-engine $EAL -- --role rx --ip 198.18.200.2 --udp-echo \\\n"
"      --dns-record www.example.com=198.18.200.10\n"
"  # ping it 1000 times at 100 pps, match replies, RTT percentiles\n"
"  wirelab-engine $EAL -- --protocol icmp --mode rate --pps 100 --count 1000 \\\n"
"      --src-ip 198.18.200.1 --dst-ip 198.18.200.2\n"
"  # UDP at line rate, 64 B, 16 flows, for 10 s, capture to a file\n"
"  wirelab-engine $EAL -- --protocol udp --size 64 --flows 16 --duration 10 \\\n"
"      --src-ip 198.18.200.1 --dst-ip 198.18.200.2 --pcap /tmp/tx.pcap\n"
"  # DNS queries with retries on silence\n"
"  wirelab-engine $EAL -- --protocol dns --mode backoff --domain example.com \\\n"
"      --initial-delay 50000 --factor 2 --max-delay 800000 --max-retries 4 \\\n"
"      --src-ip 198.18.200.1 --dst-ip 198.18.200.2 --count 20\n"
"  # reproducible random phases\n"
"  wirelab-engine $EAL -- --protocol random --mode random --seed 7 \\\n"
"      --phase-duration 2 --duration 20 --src-ip 198.18.200.1 --dst-ip 198.18.200.2\n"
"With net_af_packet instead: --vdev net_af_packet0,iface=eth1\n", f);
}

int options_parse(struct wl_config *c, int argc, char **argv)
{
	memset(c, 0, sizeof(*c));
	int rc = wl_opt_parse(&engine_optset, c, argc, argv);
	if (rc == 1)
		options_usage(stdout);
	if (rc)
		return rc;

	vlan_finish(&c->vlan);
	/* cross-option checks; with several ports the receiving ones are the destination */
	if (!c->has_ip6 && c->n_ports > 1 && c->has_dst_ip6) {
		memcpy(c->ip6, c->dst_ip6, 16);
		c->has_ip6 = 1;
	}
	rc = options_check_v6(c);
	if (rc)
		return rc;
	if (c->role != WL_ROLE_RX) {
		int p = c->protocol;
		int needs_ip = c->ip_version == 4 && (p == WL_PROTO_RANDOM || is_ip_proto(p));
		if (needs_ip && !c->src_ip)
			return wl_opt_fail("src-ip", "%s", "is required to send IP/ARP traffic (tx, both)");
		if (needs_ip && !c->dst_ip)
			return wl_opt_fail("dst-ip", "%s", "is required to send IP/ARP traffic (tx, both)");
		if (p == WL_P_ETH && !c->dst_ip && !c->has_dst_mac)
			memset(c->dst_mac, 0xff, ETH_ALEN), c->has_dst_mac = 1; /* broadcast */
		if (c->mode == WL_MODE_BACKOFF && p == WL_P_ETH)
			return wl_opt_fail("mode", "%s", "backoff needs a request/response protocol (arp, icmp, udp, tcp, dns)");
		if (c->mode == WL_MODE_BACKOFF && c->max_delay_us < c->initial_delay_us)
			return wl_opt_fail("max-delay", "%s", "must be >= --initial-delay");
		if ((uint32_t)c->src_port + c->flows - 1 > 65535)
			return wl_opt_fail("flows", "%s", "--src-port + --flows - 1 exceeds 65535");
	}
	if (c->arp_dad && c->role == WL_ROLE_RX)
		return wl_opt_fail("arp-dad", "%s", "probes for the generator's --src-ip: use it with --role tx or both");
	if (c->arp_dad && !c->src_ip)
		return wl_opt_fail("arp-dad", "%s", "needs --src-ip, the address to probe for");
	rc = options_check_ports(c);
	if (rc)
		return rc;
	if (!c->ip)
		c->ip = c->n_ports > 1 ? c->dst_ip : c->src_ip;
	if (!c->n_tcp_listen) {
		c->tcp_listen[c->n_tcp_listen++] = options_dst_port(c, WL_P_TCP);
		if (c->tcp_listen[0] != DNS_PORT)
			c->tcp_listen[c->n_tcp_listen++] = DNS_PORT;
	}
	return 0;
}

void options_json(struct jbuf *j, const struct wl_config *c)
{
	jb_obj_open(j);
	wl_opt_json(&engine_optset, j, c);
	jb_obj_close(j);
}
