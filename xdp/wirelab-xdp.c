/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * wirelab-xdp - load, measure and unload wirelab's XDP programs (count, drop,
 * reflect) or any XDP object file.  See `wirelab-xdp --help`.
 *
 * Attachment uses libbpf only: a BPF link (bpf_link_create, BPF_XDP), or the
 * netlink path (bpf_xdp_attach) on kernels without XDP links.  libxdp's
 * dispatcher is not used: it fails with EPERM inside network namespaces.
 *
 * Objects pinned under --pin-dir (a directory on a bpffs mount):
 *   meta   array map, one struct wl_meta (dev, ifindex, prog id, mode, hash)
 *   prog   the program (its id gives the kernel's run_cnt / run_time_ns)
 *   stats  per-CPU counters (built-in programs, or objects with a matching
 *          wl_stats map)
 *   rules  drop rules (drop)
 *   link   the XDP link (load only; `run` keeps its link in the process so
 *          the program goes away with the process, even on SIGKILL)
 *   map.NAME  the maps of a user-supplied object
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <net/if.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/if_link.h>

#include "wirelab_xdp.h"
#include "wl_util.h"

/* Skeletons embed the BPF ELF as one long string literal. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverlength-strings"
#include "count.skel.h"
#include "drop.skel.h"
#include "reflect.skel.h"
#pragma GCC diagnostic pop

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif

#define PROG_NAME "wirelab-xdp"
const char *const wl_prog_name = PROG_NAME;
#define META_F_LINK_PINNED 1u
#define META_F_USER_OBJ 2u

enum kind { K_NONE = 0, K_COUNT, K_DROP, K_REFLECT, K_USER };
static const char *const kind_names[] = { "", "count", "drop", "reflect", "user" };
static const char *const kind_progs[] = { "", "wl_count", "wl_drop", "wl_reflect", "" };

enum mode { M_AUTO = 0, M_NATIVE, M_GENERIC };

struct opts {
	const char *cmd;
	const char *dev;
	const char *prog;
	const char *obj;
	const char *section;
	const char *prog_name;
	const char *pin_dir;
	enum kind kind;
	enum mode mode;
	bool json;
	bool force_netlink;
	double interval;
	double duration;
	struct wl_config cfg;
	struct wl_rule rules[WL_MAX_RULES];
	unsigned int nr_rules;
	bool have_interval;
	const struct xdp_cmd *run;	/* the command's row */
};

struct xdp_cmd;
static void cmd_check(struct opts *o);

/* Everything one loaded program owns; released by loaded_close(). */
struct loaded {
	enum kind kind;
	void *skel;
	struct bpf_object *obj;	/* user object (else skel's) */
	struct bpf_program *prog;
	int prog_fd;
	int link_fd;		/* -1 when attached through netlink */
	int stats_fd;
	int rules_fd;
	int meta_fd;
	__u32 xdp_flags;
	struct wl_meta meta;
	bool attached;
	bool pinned;		/* we pinned into the pin dir: ours to remove */
};

static volatile sig_atomic_t stop_sig;

static void on_signal(int sig)
{
	stop_sig = sig;
}

/* ------------------------------------------------------------------ */
/* errors: one line, naming the option and the problem                 */

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG || (level == LIBBPF_INFO && !getenv("WIRELAB_XDP_VERBOSE")))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static void help_usage(void);
static void help_commands(void);
static void help_options(void);

/* The command and option tables (below) write their parts: usage lines,
 * commands, options. */
static void help(void)
{
	fputs("wirelab-xdp - load, measure and unload XDP programs\n\nUsage:\n", stdout);
	help_usage();
	fputs("\n"
"Programs (built in, embedded in this binary):\n"
"  count    count every frame per protocol on each CPU, then XDP_PASS\n"
"  drop     XDP_DROP every frame, or with --rule only the frames a rule names\n"
"  reflect  XDP_TX IP frames back with MACs, IP addresses and UDP/TCP ports\n"
"           swapped (checksums stay valid); ICMP and ICMPv6 echo requests\n"
"           become replies. VLAN tags are kept. Non-IP, multicast/broadcast\n"
"           and neighbour discovery frames pass to the stack.\n"
"  All three keep per-CPU packets/bytes for eth, arp, ipv4, ipv6, icmp, udp,\n"
"  tcp, dns (port 53), other, the same split by family (icmp4 udp4 tcp4 dns4\n"
"  other4, icmp6 udp6 tcp6 dns6 other6), frag (IP fragments), vlan (tagged)\n"
"  and qinq (two tags), per verdict (pass, drop, tx, aborted, redirect).\n"
"  eth counts every frame; eth = arp + icmp + udp + tcp + other;\n"
"  ipv4 = icmp4 + udp4 + tcp4 + other4, ipv6 alike. Up to two VLAN tags and\n"
"  six IPv6 extension headers are walked; non-first fragments are other.\n"
"\n", stdout);
	fputs("Commands:\n", stdout);
	help_commands();
	fputs("\nOptions:\n", stdout);
	help_options();
	fputs(
"  -h, --help          this text\n"
"\n"
"Output (stdout, one JSON object per line):\n"
"  {\"type\":\"loaded\",\"dev\",\"ifindex\",\"prog\",\"mode\":\"native|generic\",\n"
"   \"attach\":\"libbpf\",\"attach_api\":\"bpf_link|netlink\",\"prog_id\",\"pin_dir\",\"obj_sha256\"}\n"
"  {\"type\":\"stats\",\"t\",\"dev\",\"prog\",\"mode\",\"protocols\":{\"eth\":{\"packets\",\"bytes\"},...},\n"
"   \"actions\":{\"pass\",\"drop\",\"tx\",\"aborted\",\"redirect\"},\"by_action\":{...},\n"
"   \"bpf\":{\"stats_enabled\",\"run_cnt\",\"run_time_ns\",\"ns_per_packet\"},\"iface\":{...},\n"
"   \"interval\":{\"secs\",\"packets\",\"pps\",\"run_cnt\",\"ns_per_packet\"}}\n"
"  Counters are cumulative since load. For an object without wl_stats,\n"
"  \"protocols\", \"actions\" and \"by_action\" are null.\n"
"  {\"type\":\"summary\",...} the same fields over the whole run, plus \"duration_s\".\n"
"Errors go to stderr as one line; bad usage exits 2, failures exit 1.\n",
	      stdout);
	fputs(
"\n"
"Example (namespace lab):\n"
"  mkdir -p /run/wirelab/bpf && mountpoint -q /run/wirelab/bpf || mount -t bpf bpf /run/wirelab/bpf\n"
"  ip netns exec lab-rx wirelab-xdp run --dev eth1 --prog drop --rule proto=udp --interval 1\n",
	      stdout);
}

/* ------------------------------------------------------------------ */
/* option parsing                                                      */

static enum kind parse_kind(const char *s)
{
	if (!strcmp(s, "count"))
		return K_COUNT;
	if (!strcmp(s, "drop"))
		return K_DROP;
	if (!strcmp(s, "reflect"))
		return K_REFLECT;
	usage_error("--prog: unknown program '%s' (count, drop, reflect; or --obj FILE)", s);
}

static int proto_index(const char *s)
{
	int i;

	for (i = 0; i < WL_P_MAX; i++)
		if (!strcmp(s, wl_proto_names[i]))
			return i;
	return -1;
}

/* A.B.C.D[/LEN] or an IPv6 address[/LEN] into family 4|6 and masked words. */
static int parse_prefix(const char *v, __u32 *family, __u32 addr[4], __u32 mask[4])
{
	char buf[64], *slash;
	unsigned long len, bits, i;

	if (strlen(v) >= sizeof(buf))
		return -1;
	strcpy(buf, v);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	memset(addr, 0, 16);
	memset(mask, 0, 16);
	if (inet_pton(AF_INET, buf, addr) == 1)
		*family = 4;
	else if (inet_pton(AF_INET6, buf, addr) == 1)
		*family = 6;
	else
		return -1;
	bits = *family == 4 ? 32 : 128;
	len = bits;
	if (slash && wl_parse_uint(slash + 1, 0, bits, &len))
		return -1;
	for (i = 0; i < bits / 32; i++) {
		unsigned long in = len > i * 32 ? len - i * 32 : 0;

		mask[i] = in >= 32 ? ~0u : in ? htonl(~0u << (32 - in)) : 0;
		addr[i] &= mask[i];
	}
	return 0;
}

/* The family a class name implies: 4 (ipv4, *4), 6 (ipv6, *6) or 0. */
static __u32 proto_family(__u32 p)
{
	if (p == WL_P_IPV4 || (p >= WL_P_ICMP4 && p <= WL_P_OTHER4))
		return 4;
	if (p == WL_P_IPV6 || (p >= WL_P_ICMP6 && p <= WL_P_OTHER6))
		return 6;
	return 0;
}

static void parse_rule(struct opts *o, const char *spec)
{
	struct wl_rule *r;
	char buf[256], *tok, *save = NULL;

	if (o->nr_rules >= WL_MAX_RULES)
		usage_error("--rule: at most %d rules", WL_MAX_RULES);
	if (strlen(spec) >= sizeof(buf) || !*spec)
		usage_error("--rule: empty or too long '%s'", spec);
	r = &o->rules[o->nr_rules++];
	memset(r, 0, sizeof(*r));
	strcpy(buf, spec);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		const char *k = tok, *v;
		unsigned long n;

		if (!eq)
			usage_error("--rule '%s': '%s' is not key=value", spec, tok);
		*eq = '\0';
		v = eq + 1;
		if (!strcmp(k, "proto")) {
			int p = proto_index(v);

			if (p < 0)
				usage_error("--rule '%s': unknown proto '%s' (eth, arp, ipv4, ipv6, icmp, udp, tcp, dns, other; "
					    "per family icmp4 udp4 tcp4 dns4 other4 icmp6 udp6 tcp6 dns6 other6; frag, vlan, qinq)",
					    spec, v);
			r->fields |= WL_RULE_PROTO;
			r->proto = (__u32)p;
		} else if (!strcmp(k, "sport") || !strcmp(k, "dport") || !strcmp(k, "port")) {
			if (wl_parse_uint(v, 0, 65535, &n))
				usage_error("--rule '%s': %s must be 0..65535, got '%s'", spec, k, v);
			if (k[0] == 's') {
				r->fields |= WL_RULE_SPORT;
				r->sport = htons((__u16)n);
			} else {
				r->fields |= k[0] == 'd' ? WL_RULE_DPORT : WL_RULE_PORT;
				r->dport = htons((__u16)n);
			}
			if ((r->fields & WL_RULE_PORT) && (r->fields & WL_RULE_DPORT))
				usage_error("--rule '%s': use port= or dport=, not both", spec);
		} else if (!strcmp(k, "src") || !strcmp(k, "dst")) {
			__u32 fam, *a = k[0] == 's' ? r->src : r->dst, *m = k[0] == 's' ? r->src_mask : r->dst_mask;

			if (parse_prefix(v, &fam, a, m))
				usage_error("--rule '%s': %s must be an IPv4 or IPv6 address with an optional /LEN, got '%s'",
					    spec, k, v);
			if (r->family && r->family != fam)
				usage_error("--rule '%s': src and dst must be the same IP version", spec);
			r->family = fam;
			r->fields |= k[0] == 's' ? WL_RULE_SRC : WL_RULE_DST;
		} else {
			usage_error("--rule '%s': unknown key '%s' (proto, sport, dport, port, src, dst)", spec, k);
		}
	}
	if ((r->fields & WL_RULE_PROTO) && r->family && proto_family(r->proto) &&
	    proto_family(r->proto) != r->family)
		usage_error("--rule '%s': proto=%s never matches IPv%u addresses", spec, wl_proto_names[r->proto],
			    r->family);
}

/* One row per option: getopt's table, the setter and --help come from it. */
struct xdp_opt {
	const char *name;
	const char *arg;           /* metavar; NULL: no value */
	void (*set)(struct opts *o, const char *v);
	const char *help;          /* lines separated by '\n' */
};

static void set_dev(struct opts *o, const char *v)
{
	if (!*v || strlen(v) >= IF_NAMESIZE)
		usage_error("--dev: '%s' is not an interface name", v);
	o->dev = v;
}
static void set_prog(struct opts *o, const char *v)
{
	o->prog = v;
	o->kind = parse_kind(v);
}
static void set_obj(struct opts *o, const char *v) { o->obj = v; }
static void set_section(struct opts *o, const char *v) { o->section = v; }
static void set_prog_name(struct opts *o, const char *v) { o->prog_name = v; }
static void set_mode(struct opts *o, const char *v)
{
	if (!strcmp(v, "auto"))
		o->mode = M_AUTO;
	else if (!strcmp(v, "native") || !strcmp(v, "drv"))
		o->mode = M_NATIVE;
	else if (!strcmp(v, "generic") || !strcmp(v, "skb"))
		o->mode = M_GENERIC;
	else
		usage_error("--mode: expected native, generic or auto, got '%s'", v);
}
static void set_pin_dir(struct opts *o, const char *v)
{
	if (!*v)
		usage_error("--pin-dir: empty path");
	o->pin_dir = v;
}
static void set_rule(struct opts *o, const char *v) { parse_rule(o, v); }
static void set_non_ip(struct opts *o, const char *v) { (void)v; o->cfg.reflect_non_ip = 1; }
static void set_no_echo(struct opts *o, const char *v) { (void)v; o->cfg.reflect_icmp_echo = 0; }
static void set_netlink(struct opts *o, const char *v) { (void)v; o->force_netlink = true; }
static void set_interval(struct opts *o, const char *v)
{
	if (wl_parse_secs(v, &o->interval) || o->interval < 0.01)
		usage_error("--interval: expected seconds >= 0.01, got '%s'", v);
	o->have_interval = true;
}
static void set_duration(struct opts *o, const char *v)
{
	if (wl_parse_secs(v, &o->duration) || o->duration <= 0)
		usage_error("--duration: expected seconds > 0, got '%s'", v);
}
static void set_json(struct opts *o, const char *v) { (void)v; o->json = true; }

static const struct xdp_opt xdp_opts[] = {
	{ "dev", "IF", set_dev, "interface (in the current network namespace)" },
	{ "prog", "NAME", set_prog, "built-in program: count, drop or reflect" },
	{ "obj", "FILE", set_obj, "your own BPF object file (instead of --prog)" },
	{ "section", "SEC", set_section, "program in FILE by ELF section, e.g. xdp or xdp/foo" },
	{ "prog-name", "NAME", set_prog_name, "program in FILE by function name\n(neither: the object's only XDP program)" },
	{ "mode", "M", set_mode,
	  "native (driver), generic (skb) or auto (native, falling\nback to generic; default). The mode obtained is reported." },
	{ "pin-dir", "DIR", set_pin_dir,
	  "directory on a bpffs mount; created if missing. In lab\nnamespaces use /run/wirelab/bpf/<lab>-<host>-<dev>\n"
	  "(ip netns exec gives each command its own /sys/fs/bpf)." },
	{ "rule", "SPEC", set_rule,
	  "drop only matching frames (repeatable, rules are OR-ed,\nfields in one rule AND-ed). SPEC is comma-separated:\n"
	  "  proto=CLASS (any counter name below; icmp, udp, tcp, dns\n    are both families, icmp6/udp6/... one)\n"
	  "  sport=N  dport=N  port=N (either)  src=A[/LEN]  dst=A[/LEN]\n"
	  "  (A IPv4 or IPv6; the rule then names only that family)\n"
	  "e.g. --rule proto=udp,dport=53 --rule src=198.18.0.0/15\n     --rule proto=icmp6,src=2001:2::/64" },
	{ "reflect-non-ip", NULL, set_non_ip, "reflect: also bounce non-IP frames (MAC swap only)" },
	{ "no-icmp-echo", NULL, set_no_echo, "reflect: leave ICMP echo requests unchanged" },
	{ "netlink", NULL, set_netlink, "attach with bpf_xdp_attach (netlink) instead of a BPF link" },
	{ "interval", "SEC", set_interval, "seconds between stats lines (run: default 1)" },
	{ "duration", "SEC", set_duration, "stop after SEC seconds (run/stats; default: until signal)" },
	{ "json", NULL, set_json, "stats: one JSON line instead of a table" },
};
#define N_XDP_OPTS (sizeof(xdp_opts) / sizeof(xdp_opts[0]))

static void help_options(void)
{
	for (size_t i = 0; i < N_XDP_OPTS; i++) {
		const struct xdp_opt *d = &xdp_opts[i];
		char head[64];
		snprintf(head, sizeof(head), "  --%s%s%s", d->name, d->arg ? " " : "", d->arg ? d->arg : "");
		const char *line = d->help;
		for (int first = 1; *line; first = 0) {
			const char *nl = strchr(line, '\n');
			int len = nl ? (int)(nl - line) : (int)strlen(line);
			printf("%-22s%.*s\n", first ? head : "", len, line);
			line = nl ? nl + 1 : line + len;
		}
	}
}

static const struct xdp_cmd *find_cmd(const char *name);

static void parse_args(int argc, char **argv, struct opts *o)
{
	struct option lo[N_XDP_OPTS + 2];
	int c;

	for (size_t i = 0; i < N_XDP_OPTS; i++)
		lo[i] = (struct option){ xdp_opts[i].name, xdp_opts[i].arg ? required_argument : no_argument, NULL,
					 256 + (int)i };
	lo[N_XDP_OPTS] = (struct option){ "help", no_argument, NULL, 'h' };
	lo[N_XDP_OPTS + 1] = (struct option){ 0, 0, 0, 0 };

	memset(o, 0, sizeof(*o));
	o->cfg.reflect_icmp_echo = 1;
	o->interval = 1.0;

	if (argc < 2)
		usage_error("missing command (load, unload, stats, run)");
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		help();
		exit(0);
	}
	o->cmd = argv[1];
	o->run = find_cmd(o->cmd);
	if (!o->run)
		usage_error("unknown command '%s' (load, unload, stats, run)", o->cmd);

	opterr = 0;
	optind = 2;
	while ((c = getopt_long(argc, argv, ":h", lo, NULL)) != -1) {
		if (c >= 256 && c < 256 + (int)N_XDP_OPTS) {
			xdp_opts[c - 256].set(o, optarg);
			continue;
		}
		if (c == 'h') {
			help();
			exit(0);
		}
		if (c == ':')
			usage_error("%s: missing value", argv[optind - 1]);
		usage_error("%s: unknown option for '%s'", argv[optind - 1], o->cmd);
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	cmd_check(o);
}

/* ------------------------------------------------------------------ */
/* pin directory                                                       */

static int path_join(char *out, size_t n, const char *dir, const char *name)
{
	int r = snprintf(out, n, "%s/%s", dir, name);

	return r < 0 || (size_t)r >= n ? -ENAMETOOLONG : 0;
}

static bool on_bpffs(const char *path)
{
	struct statfs st;

	return !statfs(path, &st) && (unsigned long)st.f_type == BPF_FS_MAGIC;
}

/* Create DIR (and missing parents) on bpffs; refuse anything not on bpffs. */
static int ensure_pin_dir(const char *dir)
{
	char buf[PATH_MAX], *p;
	struct stat st;

	if (strlen(dir) >= sizeof(buf)) {
		err("--pin-dir: path too long");
		return -1;
	}
	if (!stat(dir, &st)) {
		if (!S_ISDIR(st.st_mode)) {
			err("--pin-dir: %s exists and is not a directory", dir);
			return -1;
		}
		if (!on_bpffs(dir)) {
			err("--pin-dir: %s is not on a bpf filesystem (mount -t bpf bpf /run/wirelab/bpf)", dir);
			return -1;
		}
		return 0;
	}
	/* Find the deepest existing ancestor; it must be on bpffs. */
	strcpy(buf, dir);
	for (;;) {
		p = strrchr(buf, '/');
		if (!p || p == buf) {
			strcpy(buf, "/");
			break;
		}
		*p = '\0';
		if (!stat(buf, &st))
			break;
	}
	if (!on_bpffs(buf)) {
		err("--pin-dir: %s is not on a bpf filesystem (%s is not bpffs; mount -t bpf bpf /run/wirelab/bpf)",
		    dir, buf);
		return -1;
	}
	strcpy(buf, dir);
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) && errno != EEXIST) {
			err("--pin-dir: mkdir %s: %s", buf, strerror(errno));
			return -1;
		}
		*p = '/';
	}
	if (mkdir(buf, 0700) && errno != EEXIST) {
		err("--pin-dir: mkdir %s: %s", buf, strerror(errno));
		return -1;
	}
	return 0;
}

static int pin_fd(int fd, const char *dir, const char *name)
{
	char path[PATH_MAX];
	int r;

	if (path_join(path, sizeof(path), dir, name))
		return -ENAMETOOLONG;
	unlink(path);
	r = bpf_obj_pin(fd, path);
	if (r) {
		r = -errno;
		err("pin %s: %s", path, strerror(errno));
	}
	return r;
}

static int open_pin(const char *dir, const char *name)
{
	char path[PATH_MAX];

	if (path_join(path, sizeof(path), dir, name))
		return -1;
	return bpf_obj_get(path);
}

/* Remove our pins from DIR, then DIR itself if empty.  Returns pins removed. */
static int remove_pins(const char *dir)
{
	static const char *const names[] = { "link", "prog", "stats", "rules", "meta" };
	char path[PATH_MAX];
	int n = 0;
	size_t i;
	DIR *d;
	struct dirent *e;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!path_join(path, sizeof(path), dir, names[i]) && !unlink(path))
			n++;
	}
	d = opendir(dir);
	if (d) {
		while ((e = readdir(d))) {
			if (strncmp(e->d_name, "map.", 4))
				continue;
			if (!path_join(path, sizeof(path), dir, e->d_name) && !unlink(path))
				n++;
		}
		closedir(d);
	}
	rmdir(dir);
	return n;
}

/* ------------------------------------------------------------------ */
/* program info and XDP queries                                        */

static int prog_info(int fd, struct bpf_prog_info *info)
{
	__u32 len = sizeof(*info);

	memset(info, 0, sizeof(*info));
	return bpf_obj_get_info_by_fd(fd, info, &len);
}

/* Program currently attached to ifindex: id and mode (0 if none). */
static int xdp_attached(int ifindex, __u32 *prog_id, const char **mode)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	int r = bpf_xdp_query(ifindex, 0, &q);

	*prog_id = 0;
	*mode = "none";
	if (r)
		return r;
	switch (q.attach_mode) {
	case XDP_ATTACHED_DRV:
		*prog_id = q.drv_prog_id;
		*mode = "native";
		break;
	case XDP_ATTACHED_SKB:
		*prog_id = q.skb_prog_id;
		*mode = "generic";
		break;
	case XDP_ATTACHED_HW:
		*prog_id = q.hw_prog_id;
		*mode = "hw";
		break;
	case XDP_ATTACHED_MULTI:
		*prog_id = q.drv_prog_id ? q.drv_prog_id : q.skb_prog_id;
		*mode = "multi";
		break;
	default:
		break;
	}
	return 0;
}

/* Find the XDP link that holds prog_id on ifindex; returns an fd or -1. */
static int find_xdp_link(int ifindex, __u32 prog_id)
{
	__u32 id = 0;

	while (!bpf_link_get_next_id(id, &id)) {
		struct bpf_link_info info;
		__u32 len = sizeof(info);
		int fd = bpf_link_get_fd_by_id(id);

		if (fd < 0)
			continue;
		memset(&info, 0, sizeof(info));
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) && info.type == BPF_LINK_TYPE_XDP &&
		    (int)info.xdp.ifindex == ifindex && info.prog_id == prog_id)
			return fd;
		close(fd);
	}
	return -1;
}

static bool g_stats_held; /* this process holds a BPF_ENABLE_STATS fd */

/*
 * Are kernel BPF run-time stats being collected?  The sysctl only shows
 * kernel.bpf_stats_enabled=1, not BPF_ENABLE_STATS fds, so also count our
 * own fd and a live `run` process that owns the program (it holds one).
 */
static bool stats_enabled(const struct wl_meta *m)
{
	FILE *f = fopen("/proc/sys/kernel/bpf_stats_enabled", "r");
	int v = 0;

	if (!f)
		return g_stats_held;
	if (fscanf(f, "%d", &v) != 1)
		v = 0;
	fclose(f);
	if (v || g_stats_held)
		return true;
	return m && m->owner_pid && (kill((pid_t)m->owner_pid, 0) == 0 || errno == EPERM);
}

/* ------------------------------------------------------------------ */
/* load                                                                */

static void loaded_init(struct loaded *l)
{
	memset(l, 0, sizeof(*l));
	l->prog_fd = l->link_fd = l->stats_fd = l->rules_fd = l->meta_fd = -1;
}

static void skel_destroy(enum kind k, void *skel)
{
	if (!skel)
		return;
	switch (k) {
	case K_COUNT:
		count_bpf__destroy(skel);
		break;
	case K_DROP:
		drop_bpf__destroy(skel);
		break;
	case K_REFLECT:
		reflect_bpf__destroy(skel);
		break;
	default:
		break;
	}
}

static void loaded_close(struct loaded *l)
{
	if (l->meta_fd >= 0)
		close(l->meta_fd);
	if (l->link_fd >= 0)
		close(l->link_fd);
	skel_destroy(l->kind, l->skel);
	if (l->kind == K_USER && l->obj)
		bpf_object__close(l->obj);
	loaded_init(l);
}

/* Open a built-in skeleton, write the configuration into .rodata, load. */
static int open_builtin(const struct opts *o, struct loaded *l)
{
	const void *elf = NULL;
	size_t elf_sz = 0;

	switch (o->kind) {
	case K_COUNT: {
		struct count_bpf *s = count_bpf__open();

		if (!s)
			return -errno;
		s->rodata->wl_cfg = o->cfg;
		l->skel = s;
		l->obj = s->obj;
		elf = count_bpf__elf_bytes(&elf_sz);
		break;
	}
	case K_DROP: {
		struct drop_bpf *s = drop_bpf__open();

		if (!s)
			return -errno;
		s->rodata->wl_cfg = o->cfg;
		l->skel = s;
		l->obj = s->obj;
		elf = drop_bpf__elf_bytes(&elf_sz);
		break;
	}
	case K_REFLECT: {
		struct reflect_bpf *s = reflect_bpf__open();

		if (!s)
			return -errno;
		s->rodata->wl_cfg = o->cfg;
		l->skel = s;
		l->obj = s->obj;
		elf = reflect_bpf__elf_bytes(&elf_sz);
		break;
	}
	default:
		return -EINVAL;
	}
	wl_sha256_hex(elf, elf_sz, l->meta.obj_sha256);
	l->prog = bpf_object__find_program_by_name(l->obj, kind_progs[o->kind]);
	snprintf(l->meta.prog, sizeof(l->meta.prog), "%s", kind_names[o->kind]);
	return l->prog ? 0 : -ENOENT;
}

static int open_user(const struct opts *o, struct loaded *l)
{
	struct bpf_program *p, *found = NULL;
	int n = 0, r;

	r = wl_sha256_file(o->obj, l->meta.obj_sha256);
	if (r) {
		err("--obj: %s: %s", o->obj, strerror(-r));
		return r;
	}
	l->obj = bpf_object__open_file(o->obj, NULL);
	if (!l->obj) {
		r = -errno;
		err("--obj: %s: not a loadable BPF object (%s)", o->obj, strerror(errno));
		return r;
	}
	bpf_object__for_each_program(p, l->obj) {
		const char *sec = bpf_program__section_name(p);
		bool match;

		if (o->section)
			match = !strcmp(sec, o->section);
		else if (o->prog_name)
			match = !strcmp(bpf_program__name(p), o->prog_name);
		else
			match = !strncmp(sec, "xdp", 3);
		if (match) {
			if (!found)
				found = p;
			n++;
		}
	}
	if (!found || (n > 1 && !o->section && !o->prog_name)) {
		fprintf(stderr, PROG_NAME ": %s: %s; programs in %s:", o->section ? "--section" : o->prog_name ? "--prog-name" : "--obj",
			!found ? "no such XDP program" : "more than one XDP program, pick one with --section or --prog-name",
			o->obj);
		bpf_object__for_each_program(p, l->obj)
			fprintf(stderr, " %s (section %s)", bpf_program__name(p), bpf_program__section_name(p));
		fputc('\n', stderr);
		return -ENOENT;
	}
	bpf_object__for_each_program(p, l->obj)
		bpf_program__set_autoload(p, p == found);
	bpf_program__set_type(found, BPF_PROG_TYPE_XDP);
	bpf_program__set_expected_attach_type(found, BPF_XDP);
	l->prog = found;
	snprintf(l->meta.prog, sizeof(l->meta.prog), "%s", bpf_program__name(found));
	l->meta.flags |= META_F_USER_OBJ;
	return 0;
}

static int attach_once(struct loaded *l, int ifindex, __u32 mode_flag, bool netlink)
{
	if (!netlink) {
		LIBBPF_OPTS(bpf_link_create_opts, lo, .flags = mode_flag);
		int fd = bpf_link_create(l->prog_fd, ifindex, BPF_XDP, &lo);

		if (fd >= 0) {
			l->link_fd = fd;
			l->xdp_flags = mode_flag;
			return 0;
		}
		return -errno;
	}
	if (bpf_xdp_attach(ifindex, l->prog_fd, mode_flag | XDP_FLAGS_UPDATE_IF_NOEXIST, NULL))
		return -errno;
	l->xdp_flags = mode_flag;
	return 0;
}

static int do_attach(const struct opts *o, struct loaded *l, int ifindex)
{
	bool netlink = o->force_netlink;
	int r = -EINVAL;
	int tries[2], n = 0, i;
	__u32 id;
	const char *mode;

	if (o->mode == M_AUTO || o->mode == M_NATIVE)
		tries[n++] = XDP_FLAGS_DRV_MODE;
	if (o->mode == M_AUTO || o->mode == M_GENERIC)
		tries[n++] = XDP_FLAGS_SKB_MODE;

	if (!xdp_attached(ifindex, &id, &mode) && id) {
		err("%s already has an XDP program attached (prog id %u, %s); unload it first", o->dev, id, mode);
		return -EBUSY;
	}
	for (i = 0; i < n; i++) {
		r = attach_once(l, ifindex, (__u32)tries[i], netlink);
		/* Kernels without XDP links: fall back to netlink once. */
		if (r == -EINVAL && !netlink && !o->force_netlink) {
			int r2 = attach_once(l, ifindex, (__u32)tries[i], true);

			if (!r2) {
				netlink = true;
				r = 0;
			}
		}
		if (!r)
			break;
		if (r == -EBUSY || r == -EEXIST)
			break;
	}
	if (r) {
		err("attach %s to %s (%s mode%s): %s", l->meta.prog, o->dev,
		    o->mode == M_GENERIC ? "generic" : o->mode == M_NATIVE ? "native" : "native, then generic",
		    netlink ? ", netlink" : ", bpf_link", strerror(-r));
		return r;
	}
	l->attached = true;
	snprintf(l->meta.mode, sizeof(l->meta.mode), "%s",
		 l->xdp_flags == XDP_FLAGS_DRV_MODE ? "native" : "generic");
	snprintf(l->meta.attach, sizeof(l->meta.attach), "libbpf");
	if (l->link_fd >= 0) {
		struct bpf_link_info li;
		__u32 len = sizeof(li);

		memset(&li, 0, sizeof(li));
		if (!bpf_obj_get_info_by_fd(l->link_fd, &li, &len))
			l->meta.link_id = li.id;
	}
	/* Report what the kernel says is attached. */
	if (!xdp_attached(ifindex, &id, &mode) && id == l->meta.prog_id && strcmp(mode, "none"))
		snprintf(l->meta.mode, sizeof(l->meta.mode), "%s", mode);
	return 0;
}

static void detach_loaded(struct loaded *l)
{
	if (!l->attached)
		return;
	if (l->link_fd >= 0) {
		bpf_link_detach(l->link_fd);
		close(l->link_fd);
		l->link_fd = -1;
	} else {
		LIBBPF_OPTS(bpf_xdp_attach_opts, ao, .old_prog_fd = l->prog_fd);
		bpf_xdp_detach((int)l->meta.ifindex, l->xdp_flags | XDP_FLAGS_REPLACE, &ao);
	}
	l->attached = false;
}

/*
 * Open, configure, load, attach and (with a pin dir) pin.  pin_link: pin the
 * link too (load), so the program outlives this process.
 */
static int load_and_attach(const struct opts *o, struct loaded *l, bool pin_link)
{
	struct bpf_prog_info info;
	struct bpf_map *map;
	int ifindex, r, fd;
	unsigned int i;

	ifindex = (int)if_nametoindex(o->dev);
	if (!ifindex) {
		err("--dev: no interface '%s' in this network namespace", o->dev);
		return -ENODEV;
	}
	if (o->pin_dir && ensure_pin_dir(o->pin_dir))
		return -EINVAL;
	if (o->pin_dir) {
		fd = open_pin(o->pin_dir, "meta");
		if (fd >= 0) {
			struct wl_meta m;
			__u32 key = 0, id;
			const char *mode;

			if (!bpf_map_lookup_elem(fd, &key, &m) && m.magic == WL_META_MAGIC &&
			    !xdp_attached((int)m.ifindex, &id, &mode) && id == m.prog_id && id) {
				err("--pin-dir: %s already holds %s attached to %s (prog id %u); unload it first",
				    o->pin_dir, m.prog, m.dev, id);
				close(fd);
				return -EBUSY;
			}
			close(fd);
			remove_pins(o->pin_dir); /* stale */
			if (ensure_pin_dir(o->pin_dir))
				return -EINVAL;
		}
	}

	r = o->kind == K_USER ? open_user(o, l) : open_builtin(o, l);
	if (r) {
		if (o->kind != K_USER)
			err("open built-in %s: %s", kind_names[o->kind], strerror(-r));
		return r;
	}
	l->kind = o->kind;
	if (bpf_object__load(l->obj)) {
		r = -errno;
		err("load %s: %s (the verifier log is above; WIRELAB_XDP_VERBOSE=1 for more)", l->meta.prog,
		    strerror(errno));
		return r;
	}
	l->prog_fd = bpf_program__fd(l->prog);
	if (prog_info(l->prog_fd, &info))
		return -errno;
	l->meta.prog_id = info.id;
	l->meta.ifindex = (__u32)ifindex;
	snprintf(l->meta.dev, sizeof(l->meta.dev), "%s", o->dev);
	l->meta.magic = WL_META_MAGIC;
	l->meta.loaded_ns = (__u64)(wl_now() * 1e9);
	l->meta.owner_pid = pin_link ? 0 : (__u32)getpid();

	map = bpf_object__find_map_by_name(l->obj, "wl_stats");
	if (map && bpf_map__value_size(map) == sizeof(struct wl_stats) &&
	    bpf_map__type(map) == BPF_MAP_TYPE_PERCPU_ARRAY)
		l->stats_fd = bpf_map__fd(map);
	map = bpf_object__find_map_by_name(l->obj, "wl_rules");
	if (map && bpf_map__value_size(map) == sizeof(struct wl_rule))
		l->rules_fd = bpf_map__fd(map);
	for (i = 0; i < o->nr_rules && l->rules_fd >= 0; i++) {
		__u32 key = i;

		if (bpf_map_update_elem(l->rules_fd, &key, &o->rules[i], BPF_ANY)) {
			r = -errno;
			err("write rule %u: %s", i, strerror(errno));
			return r;
		}
	}

	r = do_attach(o, l, ifindex);
	if (r)
		return r;

	if (pin_link && l->link_fd >= 0)
		l->meta.flags |= META_F_LINK_PINNED;
	l->meta_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "wl_meta", sizeof(__u32), sizeof(struct wl_meta), 1, NULL);
	if (l->meta_fd < 0) {
		r = -errno;
		err("create meta map: %s", strerror(errno));
		return r;
	}
	{
		__u32 key = 0;

		if (bpf_map_update_elem(l->meta_fd, &key, &l->meta, BPF_ANY))
			return -errno;
	}
	if (!o->pin_dir)
		return 0;

	l->pinned = true;
	if ((r = pin_fd(l->meta_fd, o->pin_dir, "meta")) || (r = pin_fd(l->prog_fd, o->pin_dir, "prog")))
		return r;
	if (l->stats_fd >= 0 && (r = pin_fd(l->stats_fd, o->pin_dir, "stats")))
		return r;
	if (l->rules_fd >= 0 && (r = pin_fd(l->rules_fd, o->pin_dir, "rules")))
		return r;
	if (l->kind == K_USER) {
		bpf_object__for_each_map(map, l->obj) {
			char name[64];

			if (strchr(bpf_map__name(map), '.') || !strcmp(bpf_map__name(map), "wl_stats"))
				continue;
			snprintf(name, sizeof(name), "map.%s", bpf_map__name(map));
			if ((r = pin_fd(bpf_map__fd(map), o->pin_dir, name)))
				return r;
		}
	}
	if (pin_link && l->link_fd >= 0 && (r = pin_fd(l->link_fd, o->pin_dir, "link")))
		return r;
	return 0;
}

static void print_loaded(const struct opts *o, const struct loaded *l)
{
	printf("{\"type\":\"loaded\",\"t\":%.3f,\"dev\":", wl_now());
	wl_json_str(stdout, l->meta.dev);
	printf(",\"ifindex\":%u,\"prog\":", l->meta.ifindex);
	wl_json_str(stdout, l->meta.prog);
	printf(",\"mode\":\"%s\",\"attach\":\"%s\",\"attach_api\":\"%s\",\"prog_id\":%u,\"link_id\":%u,\"pin_dir\":",
	       l->meta.mode, l->meta.attach, l->link_fd >= 0 ? "bpf_link" : "netlink", l->meta.prog_id,
	       l->meta.link_id);
	if (o->pin_dir)
		wl_json_str(stdout, o->pin_dir);
	else
		fputs("null", stdout);
	printf(",\"obj\":");
	wl_json_str(stdout, o->obj ? o->obj : "builtin");
	printf(",\"obj_sha256\":\"%s\",\"rules\":%u,\"pid\":%d}\n", l->meta.obj_sha256, o->nr_rules, (int)getpid());
	fflush(stdout);
}

/* ------------------------------------------------------------------ */
/* stats                                                               */

struct snap {
	double t, mono;
	bool have_ctr;
	struct wl_ctr proto[WL_P_MAX];
	struct wl_ctr by_action[WL_A_MAX][WL_P_MAX];
	bool have_prog;
	__u64 run_cnt, run_time_ns;
	struct wl_ifstats ifs;
};

static int take_snap(int stats_fd, int prog_fd, const struct wl_meta *m, struct snap *s)
{
	struct bpf_prog_info info;
	int ncpu, c, a, p;

	memset(s, 0, sizeof(*s));
	s->t = wl_now();
	s->mono = wl_mono();
	if (stats_fd >= 0) {
		struct wl_stats *vals;
		__u32 key = 0;

		ncpu = libbpf_num_possible_cpus();
		if (ncpu < 1)
			return -EINVAL;
		vals = calloc((size_t)ncpu, sizeof(*vals));
		if (!vals)
			return -ENOMEM;
		if (bpf_map_lookup_elem(stats_fd, &key, vals)) {
			free(vals);
			return -errno;
		}
		for (c = 0; c < ncpu; c++)
			for (a = 0; a < WL_A_MAX; a++)
				for (p = 0; p < WL_P_MAX; p++) {
					s->by_action[a][p].packets += vals[c].ctr[a][p].packets;
					s->by_action[a][p].bytes += vals[c].ctr[a][p].bytes;
				}
		for (a = 0; a < WL_A_MAX; a++)
			for (p = 0; p < WL_P_MAX; p++) {
				s->proto[p].packets += s->by_action[a][p].packets;
				s->proto[p].bytes += s->by_action[a][p].bytes;
			}
		free(vals);
		s->have_ctr = true;
	}
	if (prog_fd >= 0 && !prog_info(prog_fd, &info)) {
		s->have_prog = true;
		s->run_cnt = info.run_cnt;
		s->run_time_ns = info.run_time_ns;
	}
	wl_read_ifstats(m->dev, m->ifindex, &s->ifs);
	return 0;
}

static void json_ns_per_packet(__u64 ns, __u64 cnt)
{
	if (cnt)
		printf("%.2f", (double)ns / (double)cnt);
	else
		fputs("null", stdout);
}

/* type: "stats" or "summary"; prev: start of interval (or NULL). */
static void print_snap(const char *type, const struct wl_meta *m, const struct snap *s, const struct snap *prev,
		       const struct snap *first)
{
	int a;

	printf("{\"type\":\"%s\",\"t\":%.3f,\"dev\":", type, s->t);
	wl_json_str(stdout, m->dev);
	printf(",\"ifindex\":%u,\"prog\":", m->ifindex);
	wl_json_str(stdout, m->prog);
	printf(",\"prog_id\":%u,\"mode\":\"%s\",\"attach\":\"%s\",\"obj_sha256\":\"%s\"", m->prog_id, m->mode, m->attach,
	       m->obj_sha256);
	if (first)
		printf(",\"duration_s\":%.3f", s->mono - first->mono);
	printf(",\"protocols\":");
	if (s->have_ctr)
		wl_json_protocols(stdout, s->proto);
	else
		fputs("null", stdout);
	printf(",\"actions\":");
	if (s->have_ctr) {
		for (a = 0; a < WL_A_MAX; a++)
			printf("%s\"%s\":%" PRIu64, a ? "," : "{", wl_action_names[a],
			       (uint64_t)s->by_action[a][WL_P_FRAMES].packets);
		printf("},\"by_action\":{");
		for (a = 0; a < WL_A_MAX; a++) {
			printf("%s\"%s\":", a ? "," : "", wl_action_names[a]);
			wl_json_protocols(stdout, s->by_action[a]);
		}
		putchar('}');
	} else {
		printf("null,\"by_action\":null");
	}
	printf(",\"bpf\":{\"stats_enabled\":%s,\"run_cnt\":", stats_enabled(m) ? "true" : "false");
	if (s->have_prog) {
		printf("%" PRIu64 ",\"run_time_ns\":%" PRIu64 ",\"ns_per_packet\":", (uint64_t)s->run_cnt,
		       (uint64_t)s->run_time_ns);
		json_ns_per_packet(s->run_time_ns, s->run_cnt);
	} else {
		printf("null,\"run_time_ns\":null,\"ns_per_packet\":null");
	}
	printf("},\"iface\":");
	wl_json_ifstats(stdout, &s->ifs);
	if (prev) {
		double dt = s->mono - prev->mono;
		__u64 pk = s->proto[WL_P_FRAMES].packets - prev->proto[WL_P_FRAMES].packets;
		__u64 rc = s->run_cnt - prev->run_cnt, rt = s->run_time_ns - prev->run_time_ns;

		if (!s->have_ctr)
			pk = rc; /* user object: the program's run count is its packet count */
		printf(",\"interval\":{\"secs\":%.3f,\"packets\":%" PRIu64 ",\"pps\":%.1f,\"run_cnt\":%" PRIu64
		       ",\"run_time_ns\":%" PRIu64 ",\"ns_per_packet\":",
		       dt, (uint64_t)pk, dt > 0 ? (double)pk / dt : 0.0, (uint64_t)rc, (uint64_t)rt);
		json_ns_per_packet(rt, rc);
		if (s->ifs.ok && prev->ifs.ok)
			printf(",\"iface_rx_packets\":%" PRIu64 ",\"iface_rx_dropped\":%" PRIu64,
			       s->ifs.rx_packets - prev->ifs.rx_packets, s->ifs.rx_dropped - prev->ifs.rx_dropped);
		putchar('}');
	}
	printf("}\n");
	fflush(stdout);
}

static void print_table(const struct wl_meta *m, const struct snap *s)
{
	int p;

	printf("%s on %s (ifindex %u), prog id %u, %s mode, attached by %s\n", m->prog, m->dev, m->ifindex,
	       m->prog_id, m->mode, m->attach);
	if (s->have_ctr) {
		printf("%-8s %14s %16s %14s %14s %14s\n", "proto", "packets", "bytes", "pass", "drop", "tx");
		for (p = 0; p < WL_P_MAX; p++)
			printf("%-8s %14" PRIu64 " %16" PRIu64 " %14" PRIu64 " %14" PRIu64 " %14" PRIu64 "\n",
			       wl_proto_names[p], (uint64_t)s->proto[p].packets, (uint64_t)s->proto[p].bytes,
			       (uint64_t)s->by_action[WL_A_PASS][p].packets, (uint64_t)s->by_action[WL_A_DROP][p].packets,
			       (uint64_t)s->by_action[WL_A_TX][p].packets);
		printf("aborted %" PRIu64 ", redirect %" PRIu64 "\n", (uint64_t)s->by_action[WL_A_ABORTED][WL_P_FRAMES].packets,
		       (uint64_t)s->by_action[WL_A_REDIRECT][WL_P_FRAMES].packets);
	} else {
		printf("(no wl_stats map: counters from BPF run stats and the interface only)\n");
	}
	if (s->have_prog)
		printf("bpf: run_cnt %" PRIu64 ", run_time_ns %" PRIu64 ", %.1f ns/packet%s\n", (uint64_t)s->run_cnt,
		       (uint64_t)s->run_time_ns, s->run_cnt ? (double)s->run_time_ns / (double)s->run_cnt : 0.0,
		       stats_enabled(m) ? "" : " (kernel BPF stats are off now)");
	if (s->ifs.ok)
		printf("iface: rx %" PRIu64 " packets (%" PRIu64 " dropped), tx %" PRIu64 " packets\n",
		       s->ifs.rx_packets, s->ifs.rx_dropped, s->ifs.tx_packets);
}

/* Sleep until mono time `until` or a signal. */
static void sleep_until(double until)
{
	struct timespec ts;
	double now = wl_mono();

	if (until <= now)
		return;
	ts.tv_sec = (time_t)(until - now);
	ts.tv_nsec = (long)((until - now - (double)ts.tv_sec) * 1e9);
	nanosleep(&ts, NULL);
}

static void install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* The stats loop of `run` and `stats --interval`. */
static void stats_loop(const struct opts *o, int stats_fd, int prog_fd, const struct wl_meta *m, struct snap *first,
		       struct snap *last)
{
	struct snap prev = *first, cur;
	double next = first->mono + o->interval;
	double end = o->duration > 0 ? first->mono + o->duration : 0;

	for (;;) {
		sleep_until(end && end < next ? end : next);
		if (stop_sig)
			break;
		if (take_snap(stats_fd, prog_fd, m, &cur))
			break;
		if (wl_mono() + 1e-3 >= next || (end && cur.mono >= end)) {
			print_snap("stats", m, &cur, &prev, NULL);
			prev = cur;
			next += o->interval;
			if (next < cur.mono)
				next = cur.mono + o->interval;
		}
		if (ferror(stdout) || (end && cur.mono + 1e-3 >= end))
			break;
	}
	if (take_snap(stats_fd, prog_fd, m, last))
		*last = prev;
}

static int cmd_stats(const struct opts *o)
{
	struct wl_meta m;
	struct snap s, last;
	__u32 key = 0;
	int meta_fd, stats_fd, prog_fd, stats_on = -1, ret = 1;

	meta_fd = open_pin(o->pin_dir, "meta");
	if (meta_fd < 0) {
		err("--pin-dir: nothing loaded under %s (%s)", o->pin_dir, strerror(errno));
		return 1;
	}
	if (bpf_map_lookup_elem(meta_fd, &key, &m) || m.magic != WL_META_MAGIC) {
		err("--pin-dir: %s/meta is not a wirelab-xdp meta map", o->pin_dir);
		goto out_meta;
	}
	stats_fd = open_pin(o->pin_dir, "stats");
	prog_fd = open_pin(o->pin_dir, "prog");
	if (o->interval > 0) {
		install_signals();
		stats_on = bpf_enable_stats(BPF_STATS_RUN_TIME);
		if (stats_on < 0)
			err("cannot enable BPF run-time stats (%s); run_cnt/run_time_ns will not grow", strerror(errno));
		g_stats_held = stats_on >= 0;
	}
	if (take_snap(stats_fd, prog_fd, &m, &s)) {
		err("read %s/stats: %s", o->pin_dir, strerror(errno));
		goto out;
	}
	if (!o->json && o->interval <= 0)
		print_table(&m, &s);
	else
		print_snap("stats", &m, &s, NULL, NULL);
	if (o->interval > 0) {
		stats_loop(o, stats_fd, prog_fd, &m, &s, &last);
		print_snap("summary", &m, &last, &s, &s);
	}
	ret = 0;
out:
	if (stats_on >= 0)
		close(stats_on);
	if (prog_fd >= 0)
		close(prog_fd);
	if (stats_fd >= 0)
		close(stats_fd);
out_meta:
	close(meta_fd);
	return ret;
}

static int cmd_load(const struct opts *o)
{
	struct loaded l;
	int ret = 1;

	loaded_init(&l);
	if (load_and_attach(o, &l, true))
		goto fail;
	print_loaded(o, &l);
	ret = 0;
	/* The pinned link keeps the program attached after we exit. */
	goto out;
fail:
	detach_loaded(&l);
	if (l.pinned)
		remove_pins(o->pin_dir);
out:
	loaded_close(&l);
	return ret;
}

static int cmd_run(const struct opts *o)
{
	struct loaded l;
	struct snap first, last;
	int stats_on, ret = 1;

	install_signals();
	loaded_init(&l);
	stats_on = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (stats_on < 0)
		err("cannot enable BPF run-time stats (%s); run_cnt/run_time_ns stay 0", strerror(errno));
	g_stats_held = stats_on >= 0;
	if (load_and_attach(o, &l, false))
		goto cleanup;
	print_loaded(o, &l);
	if (take_snap(l.stats_fd, l.prog_fd, &l.meta, &first)) {
		err("read counters: %s", strerror(errno));
		goto cleanup;
	}
	print_snap("stats", &l.meta, &first, NULL, NULL);
	stats_loop(o, l.stats_fd, l.prog_fd, &l.meta, &first, &last);
	detach_loaded(&l);
	print_snap("summary", &l.meta, &last, &first, &first);
	if (stop_sig)
		fprintf(stderr, PROG_NAME ": %s: detached from %s, stopping\n", strsignal(stop_sig), l.meta.dev);
	ret = 0;
cleanup:
	detach_loaded(&l);
	if (l.pinned)
		remove_pins(o->pin_dir);
	loaded_close(&l);
	if (stats_on >= 0)
		close(stats_on);
	return ret;
}

static int cmd_unload(const struct opts *o)
{
	struct wl_meta m;
	bool have_meta = false, detached = false;
	const char *mode;
	__u32 key = 0, id = 0, target = 0;
	int ifindex = 0, fd, pins = 0;

	memset(&m, 0, sizeof(m));
	if (o->pin_dir) {
		fd = open_pin(o->pin_dir, "meta");
		if (fd >= 0) {
			have_meta = !bpf_map_lookup_elem(fd, &key, &m) && m.magic == WL_META_MAGIC;
			close(fd);
		}
	}
	if (o->dev) {
		ifindex = (int)if_nametoindex(o->dev);
		if (!ifindex && !have_meta) {
			err("--dev: no interface '%s' in this network namespace (nothing to detach)", o->dev);
			return 1;
		}
		if (have_meta && ifindex && (__u32)ifindex != m.ifindex) {
			err("--pin-dir: %s belongs to %s (ifindex %u), not %s (ifindex %d)", o->pin_dir, m.dev, m.ifindex,
			    o->dev, ifindex);
			return 1;
		}
	} else if (have_meta) {
		ifindex = (int)if_nametoindex(m.dev);
		if ((__u32)ifindex != m.ifindex)
			ifindex = 0;
	}

	if (ifindex && !xdp_attached(ifindex, &id, &mode) && id) {
		if (have_meta) {
			if (id == m.prog_id)
				target = id;
			else
				err("%s: attached prog id %u is not ours (we loaded %u); leaving it", o->dev ? o->dev : m.dev,
				    id, m.prog_id);
		} else {
			struct bpf_prog_info info;
			int pfd = bpf_prog_get_fd_by_id(id);

			if (pfd >= 0 && !prog_info(pfd, &info) && !strncmp(info.name, "wl_", 3))
				target = id;
			else
				err("%s: attached prog id %u (%s) was not loaded by wirelab-xdp; leaving it", o->dev, id,
				    pfd >= 0 ? info.name : "?");
			if (pfd >= 0)
				close(pfd);
		}
	}
	if (target) {
		fd = o->pin_dir ? open_pin(o->pin_dir, "link") : -1;
		if (fd < 0)
			fd = find_xdp_link(ifindex, target);
		if (fd >= 0) {
			detached = !bpf_link_detach(fd);
			close(fd);
		} else {
			int pfd = bpf_prog_get_fd_by_id(target);
			LIBBPF_OPTS(bpf_xdp_attach_opts, ao, .old_prog_fd = pfd);
			__u32 flags = XDP_FLAGS_REPLACE |
				      (!strcmp(mode, "generic") ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE);

			detached = pfd >= 0 && !bpf_xdp_detach(ifindex, flags, &ao);
			if (pfd >= 0)
				close(pfd);
		}
		if (!detached) {
			err("detach prog id %u from %s: %s", target, o->dev ? o->dev : m.dev, strerror(errno));
			return 1;
		}
	} else if (!id) {
		fprintf(stderr, PROG_NAME ": nothing attached to %s\n", o->dev ? o->dev : m.dev[0] ? m.dev : "(unknown)");
	}
	if (o->pin_dir)
		pins = remove_pins(o->pin_dir);
	printf("{\"type\":\"unloaded\",\"dev\":");
	wl_json_str(stdout, o->dev ? o->dev : m.dev);
	printf(",\"prog_id\":%u,\"detached\":%s,\"pins_removed\":%d}\n", target, detached ? "true" : "false", pins);
	return (id && !target) ? 1 : 0;
}

/* One row per command: dispatch, its checks of the options, --help. */
struct xdp_cmd {
	const char *name;
	int (*run)(const struct opts *o);
	void (*check)(struct opts *o);
	const char *usage;         /* after "wirelab-xdp NAME " */
	const char *help;          /* lines separated by '\n' */
};

static void check_load_run(struct opts *o)
{
	if (!o->dev)
		usage_error("--dev: required for %s", o->cmd);
	if (o->obj && o->prog)
		usage_error("--obj: use either --prog (built-in) or --obj (your object), not both");
	if (!o->obj && !o->prog)
		usage_error("--prog: required for %s (count, drop, reflect; or --obj FILE)", o->cmd);
	if ((o->section || o->prog_name) && !o->obj)
		usage_error("%s: only with --obj", o->section ? "--section" : "--prog-name");
	if (o->section && o->prog_name)
		usage_error("--section: use --section or --prog-name, not both");
	if (o->obj)
		o->kind = K_USER;
	if (o->nr_rules && o->kind != K_DROP)
		usage_error("--rule: only with --prog drop");
	if (!strcmp(o->cmd, "load") && !o->pin_dir)
		usage_error("--pin-dir: required for load (the program outlives this process)");
	o->cfg.nr_rules = o->nr_rules;
}

static void check_unload(struct opts *o)
{
	if (!o->dev && !o->pin_dir)
		usage_error("--dev: required for unload");
}

static void check_stats(struct opts *o)
{
	if (!o->pin_dir)
		usage_error("--pin-dir: required for stats");
	if (!o->have_interval)
		o->interval = 0;
	if (o->duration && !o->interval)
		usage_error("--duration: only with --interval");
}

static const struct xdp_cmd xdp_cmds[] = {
	{ "load", cmd_load, check_load_run,
	  "--dev IF (--prog count|drop|reflect | --obj FILE [--section SEC|--prog-name NAME])\n"
	  "--pin-dir DIR [--mode native|generic|auto] [--rule SPEC]... [program options]",
	  "attach and pin (program, maps, link) under DIR, print one JSON line\n"
	  "{\"type\":\"loaded\",...} and exit; the program stays attached." },
	{ "unload", cmd_unload, check_unload, "--dev IF [--pin-dir DIR]",
	  "detach the program we attached (checked by program id) and remove\n"
	  "the pins. Without --pin-dir only a wirelab program (wl_*) is\n"
	  "detached. Idempotent: nothing attached is not an error." },
	{ "stats", cmd_stats, check_stats, "--pin-dir DIR [--json] [--interval SEC [--duration SEC]]",
	  "read pinned counters, summed over CPUs, and the kernel's run_cnt /\n"
	  "run_time_ns. Kernel BPF run-time stats are only collected while some\n"
	  "process holds them on: with --interval this command does, for its\n"
	  "lifetime; `run` does for its whole run; otherwise \"stats_enabled\"\n"
	  "says whether anyone else (e.g. sysctl kernel.bpf_stats_enabled=1) does." },
	{ "run", cmd_run, check_load_run, "--dev IF (--prog ...|--obj ...) [--interval SEC] [--duration SEC] [--pin-dir DIR]",
	  "load, print a stats JSON line every --interval, and on --duration,\n"
	  "SIGINT, SIGTERM or SIGHUP print {\"type\":\"summary\",...}, detach and\n"
	  "unpin. The link lives in this process: if it is killed, the kernel\n"
	  "detaches the program by itself." },
};
#define N_XDP_CMDS (sizeof(xdp_cmds) / sizeof(xdp_cmds[0]))

static const struct xdp_cmd *find_cmd(const char *name)
{
	for (size_t i = 0; i < N_XDP_CMDS; i++)
		if (!strcmp(name, xdp_cmds[i].name))
			return &xdp_cmds[i];
	return NULL;
}

static void cmd_check(struct opts *o)
{
	o->run->check(o);
}

static void help_usage(void)
{
	for (size_t i = 0; i < N_XDP_CMDS; i++) {
		const char *u = xdp_cmds[i].usage, *nl = strchr(u, '\n');
		printf("  %s %-6s %.*s\n", PROG_NAME, xdp_cmds[i].name, nl ? (int)(nl - u) : (int)strlen(u), u);
		for (; nl; nl = strchr(u, '\n')) {
			u = nl + 1;
			const char *e = strchr(u, '\n');
			printf("%21s%.*s\n", "", e ? (int)(e - u) : (int)strlen(u), u);
			if (!e)
				break;
		}
	}
}

static void help_commands(void)
{
	for (size_t i = 0; i < N_XDP_CMDS; i++) {
		const char *line = xdp_cmds[i].help;
		for (int first = 1; *line; first = 0) {
			const char *nl = strchr(line, '\n');
			int len = nl ? (int)(nl - line) : (int)strlen(line);
			printf("  %-8s%.*s\n", first ? xdp_cmds[i].name : "", len, line);
			line = nl ? nl + 1 : line + len;
		}
	}
}

int main(int argc, char **argv)
{
	struct opts o;

	parse_args(argc, argv, &o);
	libbpf_set_print(libbpf_quiet);
	if (geteuid() != 0)
		fprintf(stderr, PROG_NAME ": warning: not root; loading BPF needs CAP_BPF, CAP_NET_ADMIN, CAP_PERFMON\n");
	return o.run->run(&o);
}
