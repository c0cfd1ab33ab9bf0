#include <stdio.h>
#include "options.h"
#include "ipv6.h"
#include "pkt_build.h"
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
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

void options_usage(FILE *f)
{
	fputs(
"Usage: wirelab-engine [EAL options] -- [engine options]\n"
"\n"
"Generates, answers and counts traffic on one DPDK port. EAL options come\n"
"first (see dpdk docs); everything after '--' is for the engine.\n"
"JSON lines go to stdout (start, stats, event, summary); logs to stderr.\n"
"\n"
"Role and traffic:\n"
"  --role tx|rx|both         tx: generate (and match replies); rx: count,\n"
"                            classify and answer; both: the two. [tx]\n"
"                            (--role replay sends a pcap: --role replay --help)\n"
"  --protocol P              eth|arp|icmp|udp|tcp|dns|random [udp]\n"
"  --mode M                  continuous|burst|rate|backoff|random [continuous]\n"
"  --port-id N               DPDK port to use [0]\n"
"Addresses:\n"
"  --src-ip A  --dst-ip A    IPv4 or IPv6 addresses (tx needs both, except eth)\n"
"  --ip-version 4|6          IP family [derived from the addresses, else 4];\n"
"                            IPv6: icmp (echo, NDP resolution) and udp\n"
"  --src-mac M               source MAC [the port's MAC]\n"
"  --dst-mac M               destination MAC [resolved with ARP for --dst-ip]\n"
"  --src-port N              first UDP/TCP source port [10000]\n"
"  --dst-port N              UDP/TCP/DNS destination port [udp 9000, tcp 8080, dns 53]\n"
"  --flows N                 vary the source port over N flows [1; tcp: a new\n"
"                            port per connection, over max(N, 16384)]\n"
"  --size BYTES              frame size without FCS, 60..1514 [64]\n"
"  --message STR             UDP/TCP/eth payload [random printable, from --seed]\n"
"  --domain NAME             DNS name to query; repeatable [built-in list]\n"
"  --ethertype 0xNNNN        ethertype of raw Ethernet frames [0x88b5]\n"
"Answering (rx, both):\n"
"  --ip A                    address answered for (ARP, ICMP, DNS, TCP, UDP echo)\n"
"                            [--src-ip]\n"
"  --dns-record NAME=IPv4    A record; repeatable; other names get NXDOMAIN\n"
"  --udp-echo                echo UDP datagrams back to the sender\n"
"  --tcp-listen P[,P...]     TCP ports accepting connections; others answer RST\n"
"                            (53 serves DNS over TCP) [tcp --dst-port, 53]\n"
"  --tcp-echo                echo TCP data back on the connection\n"
"  --tcp-idle-ms MS          close connections idle this long, 0 = never [60000]\n"
"  --tcp-conns N             connection table size (full: oldest evicted) [4096]\n"
"Modes:\n", f);
	/* split: ISO C only promises string literals of 4095 bytes */
	fputs(
"  --interval USEC           continuous: gap between packets; 0 = line rate [0]\n"
"  --burst-size N --burst-gap USEC   burst: N packets, then a pause [32, 1000]\n"
"  --pps N                   rate: packets per second, TSC-paced [1000]\n"
"  --initial-delay USEC --factor F --max-delay USEC --max-retries N\n"
"                            backoff: resend an unanswered request after a\n"
"                            delay growing by F [100000, 2.0, 2000000, 5]\n"
"  --seed N --phase-duration SEC     random: protocol/mode drawn per phase [1, 5]\n"
"Stop and output:\n"
"  --duration SEC            stop after SEC seconds (0 = never) [0]\n"
"  --count N                 stop after N generated packets (backoff: requests;\n"
"                            rx role: received frames) [0 = no limit]\n"
"  --stats-interval SEC      period of the stats lines [1]\n"
"  --pcap FILE               write every frame sent and received (pcap, ns)\n"
"  --tx-burst N              packets per tx burst, 1..256 [32]\n"
"  --arp-timeout MS          give up resolving --dst-ip after MS [3000]\n"
"  --linger MS               after --count, wait MS for answers [500]\n"
"", f);
	fputs(
"Receive validation and fragments:\n"
"  --no-verify-checksums     answer frames whose ICMP/UDP/TCP checksum is wrong\n"
"                            (peers that offload checksums); IPv4 header\n"
"                            checksums are always checked\n"
"  --promiscuous             answer frames sent to any destination MAC\n"
"                            [own, broadcast and 01:00:5e:00:00:01 only]\n"
"  --arp-dad                 tx: probe for --src-ip (RFC 5227) before starting;\n"
"                            refuse to start if another host has it\n"
"  --fragment-size N         tx: send IP datagrams as fragments of N payload\n"
"                            bytes (multiple of 8, 8..1480) [0 = never]\n"
"", f);
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

static int fail(const char *opt, const char *fmt, const char *val)
{
	fprintf(stderr, "wirelab-engine: --%s: ", opt);
	fprintf(stderr, fmt, val);
	fputc('\n', stderr);
	return 2;
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *e;
	if (!*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	unsigned long long v = strtoull(s, &e, 0);
	if (errno || *e)
		return -1;
	*out = v;
	return 0;
}
static int parse_dbl(const char *s, double *out)
{
	char *e;
	if (!*s)
		return -1;
	errno = 0;
	double v = strtod(s, &e);
	if (errno || *e || !isfinite(v))
		return -1;
	*out = v;
	return 0;
}

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
	switch (protocol) {
	case WL_P_TCP: return 8080;
	case WL_P_DNS: return 53;
	default: return 9000;
	}
}

enum {
	O_ROLE = 256, O_PROTO, O_MODE, O_PORT_ID, O_SRC_IP, O_DST_IP, O_SRC_MAC, O_DST_MAC, O_SRC_PORT,
	O_DST_PORT, O_FLOWS, O_SIZE, O_MESSAGE, O_DOMAIN, O_ETHERTYPE, O_IP, O_DNS_RECORD, O_UDP_ECHO,
	O_INTERVAL, O_BURST_SIZE, O_BURST_GAP, O_PPS, O_INIT_DELAY, O_FACTOR, O_MAX_DELAY, O_MAX_RETRIES,
	O_SEED, O_PHASE, O_DURATION, O_COUNT, O_STATS_INT, O_PCAP, O_TX_BURST, O_ARP_TIMEOUT, O_LINGER,
	O_TCP_LISTEN, O_TCP_ECHO, O_TCP_IDLE, O_TCP_CONNS,
	O_NO_VERIFY_CSUM, O_PROMISC, O_ARP_DAD, O_FRAG_SIZE, O_IP_VERSION,
};

static const struct option long_opts[] = {
	{ "role", required_argument, NULL, O_ROLE },
	{ "protocol", required_argument, NULL, O_PROTO },
	{ "mode", required_argument, NULL, O_MODE },
	{ "port-id", required_argument, NULL, O_PORT_ID },
	{ "src-ip", required_argument, NULL, O_SRC_IP },
	{ "dst-ip", required_argument, NULL, O_DST_IP },
	{ "src-mac", required_argument, NULL, O_SRC_MAC },
	{ "dst-mac", required_argument, NULL, O_DST_MAC },
	{ "src-port", required_argument, NULL, O_SRC_PORT },
	{ "dst-port", required_argument, NULL, O_DST_PORT },
	{ "flows", required_argument, NULL, O_FLOWS },
	{ "size", required_argument, NULL, O_SIZE },
	{ "message", required_argument, NULL, O_MESSAGE },
	{ "domain", required_argument, NULL, O_DOMAIN },
	{ "ethertype", required_argument, NULL, O_ETHERTYPE },
	{ "ip", required_argument, NULL, O_IP },
	{ "dns-record", required_argument, NULL, O_DNS_RECORD },
	{ "udp-echo", no_argument, NULL, O_UDP_ECHO },
	{ "interval", required_argument, NULL, O_INTERVAL },
	{ "burst-size", required_argument, NULL, O_BURST_SIZE },
	{ "burst-gap", required_argument, NULL, O_BURST_GAP },
	{ "pps", required_argument, NULL, O_PPS },
	{ "initial-delay", required_argument, NULL, O_INIT_DELAY },
	{ "factor", required_argument, NULL, O_FACTOR },
	{ "max-delay", required_argument, NULL, O_MAX_DELAY },
	{ "max-retries", required_argument, NULL, O_MAX_RETRIES },
	{ "seed", required_argument, NULL, O_SEED },
	{ "phase-duration", required_argument, NULL, O_PHASE },
	{ "duration", required_argument, NULL, O_DURATION },
	{ "count", required_argument, NULL, O_COUNT },
	{ "stats-interval", required_argument, NULL, O_STATS_INT },
	{ "pcap", required_argument, NULL, O_PCAP },
	{ "tx-burst", required_argument, NULL, O_TX_BURST },
	{ "arp-timeout", required_argument, NULL, O_ARP_TIMEOUT },
	{ "linger", required_argument, NULL, O_LINGER },
	{ "tcp-listen", required_argument, NULL, O_TCP_LISTEN },
	{ "tcp-echo", no_argument, NULL, O_TCP_ECHO },
	{ "tcp-idle-ms", required_argument, NULL, O_TCP_IDLE },
	{ "tcp-conns", required_argument, NULL, O_TCP_CONNS },
	{ "no-verify-checksums", no_argument, NULL, O_NO_VERIFY_CSUM },
	{ "promiscuous", no_argument, NULL, O_PROMISC },
	{ "arp-dad", no_argument, NULL, O_ARP_DAD },
	{ "fragment-size", required_argument, NULL, O_FRAG_SIZE },
	{ "ip-version", required_argument, NULL, O_IP_VERSION },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static const char *opt_name(int code)
{
	for (const struct option *o = long_opts; o->name; o++)
		if (o->val == code)
			return o->name;
	return "?";
}

static int num_range(const char *name, const char *arg, uint64_t lo, uint64_t hi, uint64_t *out)
{
	uint64_t v;
	if (parse_u64(arg, &v) < 0)
		return fail(name, "'%s' is not a non-negative integer", arg);
	if (v < lo || v > hi) {
		char m[96];
		snprintf(m, sizeof(m), "'%%s' is out of range (%llu..%llu)", (unsigned long long)lo,
			 (unsigned long long)hi);
		return fail(name, m, arg);
	}
	*out = v;
	return 0;
}

#define NUM_RANGE(var, lo, hi) do { \
		uint64_t v_; \
		if (num_range(name, optarg, (lo), (hi), &v_)) \
			return 2; \
		var = (__typeof__(var))v_; \
	} while (0)

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

/* IPv6: the family derived or checked against the addresses, and what
 * the generator can send over it so far. */
static int options_check_v6(struct wl_config *c)
{
	int v6 = c->has_src_ip6 || c->has_dst_ip6;
	if (c->ip_version == 4 && v6)
		return fail("ip-version", "'%s' contradicts an IPv6 --src-ip/--dst-ip", "4");
	if (!c->ip_version)
		c->ip_version = v6 ? 6 : 4;
	if (!c->has_ip6 && c->has_src_ip6) {
		memcpy(c->ip6, c->src_ip6, 16);
		c->has_ip6 = 1;
	}
	if (c->ip_version == 4 || c->role == WL_ROLE_RX)
		return 0;
	if (c->protocol != WL_P_ICMP && c->protocol != WL_P_UDP)
		return fail("protocol", "'%s' is not sent over IPv6 yet (icmp and udp are)",
			    c->protocol < 0 ? "random" : wl_proto_names[c->protocol]);
	if (!c->has_src_ip6 || !c->has_dst_ip6)
		return fail(c->has_src_ip6 ? "dst-ip" : "src-ip", "%s", "an IPv6 address is required with --ip-version 6 (tx, both)");
	if (c->arp_dad)
		return fail("arp-dad", "%s", "is IPv4 only (RFC 5227); not with --ip-version 6");
	if (c->fragment_size)
		return fail("fragment-size", "%s", "is IPv4 only; not with --ip-version 6");
	return 0;
}

static int is_ip_proto(int p) { return p != WL_P_ETH; }

int options_parse(struct wl_config *c, int argc, char **argv)
{
	memset(c, 0, sizeof(*c));
	c->role = WL_ROLE_TX;
	c->protocol = WL_P_UDP;
	c->mode = WL_MODE_CONTINUOUS;
	c->src_port = 10000;
	c->flows = 1;
	c->size = 64;
	c->ethertype = ETHERTYPE_WL_DEFAULT;
	c->burst_size = 32;
	c->burst_gap_us = 1000;
	c->pps = 1000;
	c->initial_delay_us = 100000;
	c->factor = 2.0;
	c->max_delay_us = 2000000;
	c->max_retries = 5;
	c->seed = 1;
	c->phase_duration_s = 5;
	c->stats_interval_s = 1;
	c->tx_burst = 32;
	c->arp_timeout_ms = 3000;
	c->linger_ms = 500;
	c->tcp_idle_ms = 60000;
	c->tcp_conns = 4096;
	c->verify_checksums = 1;
	int seen_mode = 0, seen_pps = 0;

	optind = 1;
	opterr = 0;
	int ch;
	while ((ch = getopt_long(argc, argv, ":h", long_opts, NULL)) != -1) {
		const char *name = opt_name(ch);
		switch (ch) {
		case 'h':
			options_usage(stdout);
			return 1;
		case ':':
			fprintf(stderr, "wirelab-engine: %s: needs a value (see --help)\n", argv[optind - 1]);
			return 2;
		case '?':
			fprintf(stderr, "wirelab-engine: %s: unknown option (see --help)\n", argv[optind - 1]);
			return 2;
		case O_ROLE: {
			int i;
			for (i = 0; i < 3 && strcmp(optarg, wl_role_names[i]); i++)
				;
			if (i == 3)
				return fail(name, "'%s' is not one of tx, rx, both", optarg);
			c->role = i;
			break;
		}
		case O_PROTO: {
			int p = proto_from_name(optarg);
			if (p == -2)
				return fail(name, "'%s' is not one of eth, arp, icmp, udp, tcp, dns, random", optarg);
			c->protocol = p;
			break;
		}
		case O_MODE: {
			int i;
			for (i = 0; i < 5 && strcmp(optarg, wl_mode_names[i]); i++)
				;
			if (i == 5)
				return fail(name, "'%s' is not one of continuous, burst, rate, backoff, random", optarg);
			c->mode = i;
			seen_mode = 1;
			break;
		}
		case O_PORT_ID: NUM_RANGE(c->port_id, 0, 1023); break;
		case O_SRC_IP:
		case O_DST_IP:
		case O_IP: {
			uint32_t a;
			if (strchr(optarg, ':')) {
				uint8_t a6[16];
				if (parse_ipv6(optarg, a6) < 0 || ipv6_is_unspecified(a6) || ipv6_bad_source(a6))
					return fail(name, "'%s' is not a unicast IPv6 address", optarg);
				memcpy(ch == O_SRC_IP ? c->src_ip6 : ch == O_DST_IP ? c->dst_ip6 : c->ip6, a6, 16);
				*(ch == O_SRC_IP ? &c->has_src_ip6 : ch == O_DST_IP ? &c->has_dst_ip6 : &c->has_ip6) = 1;
				break;
			}
			if (parse_ipv4(optarg, &a) < 0 || a == 0)
				return fail(name, "'%s' is not an IPv4 address", optarg);
			if (ch == O_SRC_IP) c->src_ip = a;
			else if (ch == O_DST_IP) c->dst_ip = a;
			else c->ip = a;
			break;
		}
		case O_SRC_MAC:
			if (parse_mac(optarg, c->src_mac) < 0)
				return fail(name, "'%s' is not a MAC address like 02:00:00:00:00:01", optarg);
			c->has_src_mac = 1;
			break;
		case O_DST_MAC:
			if (parse_mac(optarg, c->dst_mac) < 0)
				return fail(name, "'%s' is not a MAC address like 02:00:00:00:00:01", optarg);
			c->has_dst_mac = 1;
			break;
		case O_SRC_PORT: NUM_RANGE(c->src_port, 1, 65535); break;
		case O_DST_PORT: NUM_RANGE(c->dst_port, 1, 65535); break;
		case O_FLOWS: NUM_RANGE(c->flows, 1, 65535); break;
		case O_SIZE: NUM_RANGE(c->size, 60, 1514); break;
		case O_MESSAGE:
			c->message_len = strlen(optarg);
			if (c->message_len == 0 || c->message_len > WL_MAX_MESSAGE)
				return fail(name, "'%s' must be 1..1472 bytes", optarg);
			memcpy(c->message, optarg, c->message_len + 1);
			break;
		case O_DOMAIN: {
			uint8_t tmp[DNS_MAX_NAME + 2];
			if (c->n_domains >= WL_MAX_DOMAINS)
				return fail(name, "'%s': at most 64 domains", optarg);
			if (dns_encode_name(optarg, tmp, sizeof(tmp)) < 2)
				return fail(name, "'%s' is not a valid DNS name", optarg);
			snprintf(c->domains[c->n_domains++], DNS_MAX_NAME + 1, "%s", optarg);
			break;
		}
		case O_ETHERTYPE: {
			NUM_RANGE(c->ethertype, 0x0600, 0xffff);
			if (c->ethertype == ETHERTYPE_IPV4 || c->ethertype == ETHERTYPE_ARP ||
			    c->ethertype == ETHERTYPE_VLAN || c->ethertype == ETHERTYPE_QINQ)
				return fail(name, "'%s' is taken by IPv4/ARP/VLAN; use e.g. 0x88b5", optarg);
			break;
		}
		case O_DNS_RECORD: {
			char *eq = strchr(optarg, '=');
			uint8_t tmp[DNS_MAX_NAME + 2];
			uint32_t a;
			if (c->n_records >= WL_MAX_RECORDS)
				return fail(name, "'%s': at most 64 records", optarg);
			if (!eq || eq == optarg || parse_ipv4(eq + 1, &a) < 0 || a == 0)
				return fail(name, "'%s' is not NAME=IPv4", optarg);
			struct dns_record *r = &c->records[c->n_records];
			size_t nl = (size_t)(eq - optarg);
			if (nl > DNS_MAX_NAME)
				return fail(name, "'%s': name too long", optarg);
			memcpy(r->name, optarg, nl);
			r->name[nl] = 0;
			if (nl > 1 && r->name[nl - 1] == '.')
				r->name[nl - 1] = 0;
			if (dns_encode_name(r->name, tmp, sizeof(tmp)) < 2)
				return fail(name, "'%s': not a valid DNS name", optarg);
			r->addr = a;
			c->n_records++;
			break;
		}
		case O_UDP_ECHO: c->udp_echo = 1; break;
		case O_TCP_LISTEN:
			if (parse_port_list(optarg, c->tcp_listen, 16, &c->n_tcp_listen) < 0)
				return fail(name, "'%s' is not a comma-separated list of 1..16 ports (1..65535)", optarg);
			break;
		case O_TCP_ECHO: c->tcp_echo = 1; break;
		case O_TCP_IDLE: NUM_RANGE(c->tcp_idle_ms, 0, 86400000); break;
		case O_TCP_CONNS: NUM_RANGE(c->tcp_conns, 8, 1u << 20); break;
		case O_INTERVAL: NUM_RANGE(c->interval_us, 0, 3600000000ull); break;
		case O_BURST_SIZE: NUM_RANGE(c->burst_size, 1, 1000000); break;
		case O_BURST_GAP: NUM_RANGE(c->burst_gap_us, 0, 3600000000ull); break;
		case O_PPS:
			if (parse_dbl(optarg, &c->pps) < 0 || c->pps <= 0 || c->pps > 100e6)
				return fail(name, "'%s' must be a number in (0, 100000000]", optarg);
			seen_pps = 1;
			break;
		case O_INIT_DELAY: NUM_RANGE(c->initial_delay_us, 1, 3600000000ull); break;
		case O_FACTOR:
			if (parse_dbl(optarg, &c->factor) < 0 || c->factor < 1.0 || c->factor > 100)
				return fail(name, "'%s' must be a number in [1, 100]", optarg);
			break;
		case O_MAX_DELAY: NUM_RANGE(c->max_delay_us, 1, 3600000000ull); break;
		case O_MAX_RETRIES: NUM_RANGE(c->max_retries, 0, 1000); break;
		case O_SEED: NUM_RANGE(c->seed, 0, UINT64_MAX); break;
		case O_PHASE:
			if (parse_dbl(optarg, &c->phase_duration_s) < 0 || c->phase_duration_s < 0.1)
				return fail(name, "'%s' must be a number of seconds >= 0.1", optarg);
			break;
		case O_DURATION:
			if (parse_dbl(optarg, &c->duration_s) < 0 || c->duration_s < 0)
				return fail(name, "'%s' must be a number of seconds >= 0", optarg);
			break;
		case O_COUNT: NUM_RANGE(c->count, 0, UINT64_MAX); break;
		case O_STATS_INT:
			if (parse_dbl(optarg, &c->stats_interval_s) < 0 || c->stats_interval_s < 0.01)
				return fail(name, "'%s' must be a number of seconds >= 0.01", optarg);
			break;
		case O_PCAP:
			if (!*optarg || strlen(optarg) >= sizeof(c->pcap))
				return fail(name, "'%s' is not a usable file name", optarg);
			strcpy(c->pcap, optarg);
			break;
		case O_TX_BURST: NUM_RANGE(c->tx_burst, 1, 256); break;
		case O_ARP_TIMEOUT: NUM_RANGE(c->arp_timeout_ms, 1, 600000); break;
		case O_LINGER: NUM_RANGE(c->linger_ms, 0, 600000); break;
		case O_NO_VERIFY_CSUM: c->verify_checksums = 0; break;
		case O_PROMISC: c->promiscuous = 1; break;
		case O_ARP_DAD: c->arp_dad = 1; break;
		case O_IP_VERSION:
			if (strcmp(optarg, "4") && strcmp(optarg, "6"))
				return fail(name, "'%s' is not 4 or 6", optarg);
			c->ip_version = optarg[0] - '0';
			break;
		case O_FRAG_SIZE:
			NUM_RANGE(c->fragment_size, 8, 1480);
			if (c->fragment_size % 8)
				return fail(name, "'%s' must be a multiple of 8 (RFC 791 fragment offsets count 8-byte units)", optarg);
			break;
		default:
			fprintf(stderr, "wirelab-engine: unexpected option (see --help)\n");
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "wirelab-engine: '%s': unexpected argument (see --help)\n", argv[optind]);
		return 2;
	}
	(void)seen_mode;
	(void)seen_pps;

	/* cross-option checks */
	int rc = options_check_v6(c);
	if (rc)
		return rc;
	if (c->role != WL_ROLE_RX) {
		int p = c->protocol;
		int needs_ip = c->ip_version == 4 && (p == WL_PROTO_RANDOM || is_ip_proto(p));
		if (needs_ip && !c->src_ip)
			return fail("src-ip", "%s", "is required to send IP/ARP traffic (tx, both)");
		if (needs_ip && !c->dst_ip)
			return fail("dst-ip", "%s", "is required to send IP/ARP traffic (tx, both)");
		if (p == WL_P_ETH && !c->dst_ip && !c->has_dst_mac)
			memset(c->dst_mac, 0xff, ETH_ALEN), c->has_dst_mac = 1; /* broadcast */
		if (c->mode == WL_MODE_BACKOFF && p == WL_P_ETH)
			return fail("mode", "%s", "backoff needs a request/response protocol (arp, icmp, udp, tcp, dns)");
		if (c->mode == WL_MODE_BACKOFF && c->max_delay_us < c->initial_delay_us)
			return fail("max-delay", "%s", "must be >= --initial-delay");
		if ((uint32_t)c->src_port + c->flows - 1 > 65535)
			return fail("flows", "%s", "--src-port + --flows - 1 exceeds 65535");
	}
	if (c->arp_dad && c->role == WL_ROLE_RX)
		return fail("arp-dad", "%s", "probes for the generator's --src-ip: use it with --role tx or both");
	if (c->arp_dad && !c->src_ip)
		return fail("arp-dad", "%s", "needs --src-ip, the address to probe for");
	if (!c->ip)
		c->ip = c->src_ip;
	if (!c->n_tcp_listen) {
		c->tcp_listen[c->n_tcp_listen++] = options_dst_port(c, WL_P_TCP);
		if (c->tcp_listen[0] != DNS_PORT)
			c->tcp_listen[c->n_tcp_listen++] = DNS_PORT;
	}
	return 0;
}

void options_json(struct jbuf *j, const struct wl_config *c)
{
	char t[64];
	jb_obj_open(j);
	jb_kstr(j, "role", wl_role_names[c->role]);
	jb_kstr(j, "protocol", c->protocol == WL_PROTO_RANDOM ? "random" : wl_proto_names[c->protocol]);
	jb_kstr(j, "mode", wl_mode_names[c->mode]);
	jb_ku64(j, "port_id", c->port_id);
	if (c->src_ip) { fmt_ipv4(c->src_ip, t, sizeof(t)); jb_kstr(j, "src_ip", t); } else jb_knull(j, "src_ip");
	if (c->dst_ip) { fmt_ipv4(c->dst_ip, t, sizeof(t)); jb_kstr(j, "dst_ip", t); } else jb_knull(j, "dst_ip");
	if (c->ip) { fmt_ipv4(c->ip, t, sizeof(t)); jb_kstr(j, "ip", t); } else jb_knull(j, "ip");
	jb_ku64(j, "ip_version", (uint64_t)c->ip_version);
	if (c->has_src_ip6) { fmt_ipv6(c->src_ip6, t, sizeof(t)); jb_kstr(j, "src_ip6", t); }
	if (c->has_dst_ip6) { fmt_ipv6(c->dst_ip6, t, sizeof(t)); jb_kstr(j, "dst_ip6", t); }
	if (c->has_ip6) { fmt_ipv6(c->ip6, t, sizeof(t)); jb_kstr(j, "ip6", t); }
	fmt_mac(c->src_mac, t, sizeof(t));
	jb_kstr(j, "src_mac", t);
	if (c->has_dst_mac) { fmt_mac(c->dst_mac, t, sizeof(t)); jb_kstr(j, "dst_mac", t); } else jb_knull(j, "dst_mac");
	jb_ku64(j, "src_port", c->src_port);
	if (c->protocol >= 0)
		jb_ku64(j, "dst_port", options_dst_port(c, c->protocol));
	else if (c->dst_port)
		jb_ku64(j, "dst_port", c->dst_port);
	else
		jb_knull(j, "dst_port");
	jb_ku64(j, "flows", c->flows);
	jb_ku64(j, "size", c->size);
	if (c->message_len) jb_kstr(j, "message", c->message); else jb_knull(j, "message");
	jb_key(j, "domains");
	jb_arr_open(j);
	if (c->n_domains)
		for (unsigned i = 0; i < c->n_domains; i++) jb_str(j, c->domains[i]);
	else
		for (unsigned i = 0; i < wl_n_builtin_domains; i++) jb_str(j, wl_builtin_domains[i]);
	jb_arr_close(j);
	snprintf(t, sizeof(t), "0x%04x", c->ethertype);
	jb_kstr(j, "ethertype", t);
	jb_key(j, "dns_records");
	jb_obj_open(j);
	for (unsigned i = 0; i < c->n_records; i++) {
		fmt_ipv4(c->records[i].addr, t, sizeof(t));
		jb_kstr(j, c->records[i].name, t);
	}
	jb_obj_close(j);
	jb_kbool(j, "udp_echo", c->udp_echo);
	jb_key(j, "tcp_listen");
	jb_arr_open(j);
	for (unsigned i = 0; i < c->n_tcp_listen; i++)
		jb_u64(j, c->tcp_listen[i]);
	jb_arr_close(j);
	jb_kbool(j, "tcp_echo", c->tcp_echo);
	jb_ku64(j, "tcp_idle_ms", c->tcp_idle_ms);
	jb_ku64(j, "tcp_conns", c->tcp_conns);
	jb_ku64(j, "interval_us", c->interval_us);
	jb_ku64(j, "burst_size", c->burst_size);
	jb_ku64(j, "burst_gap_us", c->burst_gap_us);
	jb_kdbl(j, "pps", c->pps, 3);
	jb_ku64(j, "initial_delay_us", c->initial_delay_us);
	jb_kdbl(j, "factor", c->factor, 3);
	jb_ku64(j, "max_delay_us", c->max_delay_us);
	jb_ku64(j, "max_retries", c->max_retries);
	jb_ku64(j, "seed", c->seed);
	jb_kdbl(j, "phase_duration_s", c->phase_duration_s, 3);
	jb_kdbl(j, "duration_s", c->duration_s, 3);
	jb_ku64(j, "count", c->count);
	jb_kdbl(j, "stats_interval_s", c->stats_interval_s, 3);
	if (c->pcap[0]) jb_kstr(j, "pcap", c->pcap); else jb_knull(j, "pcap");
	jb_ku64(j, "tx_burst", c->tx_burst);
	jb_ku64(j, "arp_timeout_ms", c->arp_timeout_ms);
	jb_ku64(j, "linger_ms", c->linger_ms);
	jb_kbool(j, "verify_checksums", c->verify_checksums);
	jb_kbool(j, "promiscuous", c->promiscuous);
	jb_kbool(j, "arp_dad", c->arp_dad);
	jb_ku64(j, "fragment_size", c->fragment_size);
	jb_obj_close(j);
}
