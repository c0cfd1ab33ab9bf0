/* Engine arguments (after the EAL's "--"): parsing, validation, help,
 * and the effective configuration as JSON. */
#ifndef WL_OPTIONS_H
#define WL_OPTIONS_H
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include "net.h"
#include "proto_dns.h"
#include "json_out.h"
#include "vlan.h"
#include "ports.h"

enum wl_role { WL_ROLE_TX = 0, WL_ROLE_RX, WL_ROLE_BOTH };
enum wl_mode { WL_MODE_CONTINUOUS = 0, WL_MODE_BURST, WL_MODE_RATE, WL_MODE_BACKOFF, WL_MODE_RANDOM };
#define WL_PROTO_RANDOM (-1)
#define WL_MAX_DOMAINS 64
#define WL_MAX_RECORDS 64
#define WL_MAX_MESSAGE 1472

extern const char *const wl_role_names[];
extern const char *const wl_mode_names[];

struct wl_config {
	int role;
	int protocol;               /* enum wl_proto or WL_PROTO_RANDOM */
	int mode;
	uint16_t port_id;
	uint32_t workers;           /* data loops, one rx/tx queue pair each */
	uint16_t ports[WL_MAX_PORTS]; /* --port repeated: [0] generates, all receive; n_ports 0: port_id alone */
	unsigned n_ports;
	int stamp;                  /* --stamp: sequence + send time in each generated UDP payload (stamp.h) */

	uint32_t src_ip, dst_ip, ip; /* host order; 0 = unset */
	int ip_version;             /* 4 or 6 (derived from the addresses when not given) */
	uint8_t src_ip6[16], dst_ip6[16], ip6[16];
	int has_src_ip6, has_dst_ip6, has_ip6;
	int dual_stack;             /* tx: both families' --src-ip/--dst-ip given (random mode draws the family) */
	uint16_t dns_qtype;         /* --dns-type; 0: AAAA over IPv6, A over IPv4 */
	uint8_t src_mac[ETH_ALEN], dst_mac[ETH_ALEN];
	int has_src_mac, has_dst_mac;
	uint16_t src_port, dst_port; /* dst_port 0: protocol default */
	uint32_t flows;
	uint32_t size;
	char message[WL_MAX_MESSAGE + 1];
	size_t message_len;         /* 0: random messages */
	char domains[WL_MAX_DOMAINS][DNS_MAX_NAME + 1];
	unsigned n_domains;         /* 0: built-in list */
	uint16_t ethertype;

	struct dns_record records[WL_MAX_RECORDS];
	unsigned n_records;
	int udp_echo;
	uint16_t tcp_listen[16];    /* TCP ports answered; the rest get RST */
	unsigned n_tcp_listen;      /* 0 after parsing never: defaults filled in */
	int tcp_echo;
	uint32_t tcp_idle_ms;       /* close idle connections (0: never) */
	uint32_t tcp_conns;         /* connection blocks (bounded memory) */

	uint64_t interval_us;
	uint32_t burst_size;
	uint64_t burst_gap_us;
	double pps;
	uint64_t initial_delay_us;
	double factor;
	uint64_t max_delay_us;
	uint32_t max_retries;
	uint64_t seed;
	double phase_duration_s;

	double duration_s;          /* 0: no limit */
	uint64_t count;             /* 0: no limit */
	double stats_interval_s;
	char pcap[1024];            /* "" = off */

	uint32_t tx_burst;          /* packets per rte_eth_tx_burst */
	uint32_t arp_timeout_ms;
	uint32_t linger_ms;         /* after --count: wait for answers */
	/* receive validation and IPv4 fragments (rx_validate.h, ipv4_reasm.h) */
	int verify_checksums;       /* ICMP/UDP/TCP checksums checked [1] */
	int promiscuous;            /* answer frames to any destination MAC [0] */
	int arp_dad;                /* tx: RFC 5227 duplicate-address detection before starting */
	uint32_t fragment_size;     /* tx: IP payload bytes per fragment, 0 = never fragment */
	struct vlan_stack vlan;     /* --vlan: tags sent and required on receive */
	int vlan_strip;             /* --vlan-strip: the PMD strips tags on receive (RX offload) */
};

/* Parse engine args (argv[0] is a program name). On error prints one
 * line to stderr and returns 2; --help prints usage and returns 1;
 * success returns 0. */
int options_parse(struct wl_config *c, int argc, char **argv);
void options_usage(FILE *f);
/* Default destination port for a protocol. */
uint16_t options_dst_port(const struct wl_config *c, int protocol);
/* The effective configuration as a JSON object value (after jb_key). */
void options_json(struct jbuf *j, const struct wl_config *c);

int parse_ipv4(const char *s, uint32_t *out);
int parse_mac(const char *s, uint8_t out[ETH_ALEN]);
void fmt_ipv4(uint32_t ip, char *out, size_t cap);
void fmt_mac(const uint8_t *m, char *out, size_t cap);
int proto_from_name(const char *s); /* -1 random, -2 invalid */

extern const char *const wl_builtin_domains[];
extern const unsigned wl_n_builtin_domains;
#endif
