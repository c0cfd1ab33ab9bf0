/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * wirelab-sink - the userspace baseline for the XDP comparison: the same jobs
 * as the XDP programs (count per protocol, drop = read and discard), done
 * through the kernel.  See `wirelab-sink --help`.
 *
 *   --mode socket     UDP socket, recvmmsg() in batches: the full stack path
 *   --mode af-packet  AF_PACKET TPACKET_V3 ring on --dev: every frame, after
 *                     the driver, before (and beside) the IP stack
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "wl_parse.h"
#include "wl_util.h"

#define PROG_NAME "wirelab-sink"
const char *const wl_prog_name = PROG_NAME;
#define MAX_BATCH 1024
#define SNAP 2048

enum mode { MODE_SOCKET, MODE_AF_PACKET };
enum job { JOB_COUNT, JOB_DROP };

struct opts {
	enum mode mode;
	enum job job;
	const char *dev;
	const char *bind;
	unsigned long port;
	double interval;
	double duration;
	long cpu;
	unsigned long batch;
	unsigned long rcvbuf;
	unsigned long ring_mb;
};

struct counters {
	struct wl_ctr proto[WL_P_MAX];
	uint64_t kernel_drops;	/* socket: SO_RXQ_OVFL; af-packet: PACKET_STATISTICS */
	double mono, t, user, sys;
};

static volatile sig_atomic_t stop_sig;

static void on_signal(int sig)
{
	stop_sig = sig;
}

static void help(void)
{
	fputs(
"wirelab-sink - userspace baseline receiver (what XDP is compared against)\n"
"\n"
"Usage:\n"
"  wirelab-sink --mode socket    [--bind ADDR] --port N [--job count|drop] [options]\n"
"  wirelab-sink --mode af-packet --dev IF               [--job count|drop] [options]\n"
"\n"
"Modes:\n"
"  socket     a UDP socket bound to ADDR:N (IPv4 or IPv6; default 0.0.0.0)\n"
"             reading with recvmmsg() in batches: packets go through the whole\n"
"             kernel stack (IP, UDP lookup, socket queue, copy to user).\n"
"  af-packet  an AF_PACKET socket on IF with a TPACKET_V3 mmap ring: sees every\n"
"             frame (any protocol) as the driver hands it up. Note: the kernel\n"
"             stack still processes each frame as well (AF_PACKET is a tap).\n"
"Jobs:\n"
"  count      classify every packet like the XDP count program (eth, arp, ipv4,\n"
"             ipv6, icmp, udp, tcp, dns, other, the same split by family as\n"
"             icmp4..other4 and icmp6..other6, frag, vlan, qinq) and count\n"
"             packets/bytes\n"
"  drop       read and discard; counts only eth (packets, bytes)\n"
"  In socket mode a datagram counts as eth + ipv4|ipv6 + udp + udp4|udp6 (+ dns\n"
"  and dns4|dns6 if either port is 53), with frame-equivalent bytes\n"
"  (payload + UDP + IP + 14).\n"
"\n"
"Options:\n"
"  --interval SEC   seconds between stats lines (default 1)\n"
"  --duration SEC   stop after SEC seconds (default: until SIGINT/SIGTERM)\n"
"  --cpu N          pin this process to CPU N\n"
"  --batch N        messages per recvmmsg() (socket; default 64, max 1024)\n"
"  --rcvbuf BYTES   SO_RCVBUF(FORCE) for the socket (default 8 MiB)\n"
"  --ring-mb N      af-packet ring size in MiB (default 64)\n"
"  -h, --help       this text\n"
"\n"
"Output (stdout, one JSON object per line):\n"
"  {\"type\":\"ready\",\"mode\",\"job\",...} once the socket is bound\n"
"  {\"type\":\"stats\",\"t\",\"mode\",\"job\",\"dev\",\"bind\",\"port\",\"protocols\":{\"eth\":{\"packets\",\"bytes\"},...},\n"
"   \"kernel_drops\",\"cpu\":{\"user_s\",\"system_s\"},\"interval\":{\"secs\",\"packets\",\"pps\",\"user_s\",\"system_s\"}}\n"
"  {\"type\":\"summary\",...} the same over the whole run, plus \"duration_s\".\n"
"  Counters and cpu are cumulative; cpu is this process's getrusage() time\n"
"  (softirq work the kernel does for it on other threads is not in it).\n"
"Errors: one line on stderr; bad usage exits 2, failures exit 1.\n",
	      stdout);
}

static void parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "mode", required_argument, NULL, 'm' },  { "job", required_argument, NULL, 'j' },
		{ "dev", required_argument, NULL, 'd' },   { "bind", required_argument, NULL, 'b' },
		{ "port", required_argument, NULL, 'p' },  { "interval", required_argument, NULL, 'i' },
		{ "duration", required_argument, NULL, 't' }, { "cpu", required_argument, NULL, 'c' },
		{ "batch", required_argument, NULL, 'B' }, { "rcvbuf", required_argument, NULL, 'r' },
		{ "ring-mb", required_argument, NULL, 'R' }, { "help", no_argument, NULL, 'h' },
		{ 0, 0, 0, 0 },
	};
	bool have_mode = false;
	unsigned long v;
	int c;

	memset(o, 0, sizeof(*o));
	o->interval = 1.0;
	o->cpu = -1;
	o->batch = 64;
	o->rcvbuf = 8u << 20;
	o->ring_mb = 64;
	o->bind = "0.0.0.0";
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", lo, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (!strcmp(optarg, "socket"))
				o->mode = MODE_SOCKET;
			else if (!strcmp(optarg, "af-packet") || !strcmp(optarg, "af_packet"))
				o->mode = MODE_AF_PACKET;
			else
				usage_error("--mode: expected socket or af-packet, got '%s'", optarg);
			have_mode = true;
			break;
		case 'j':
			if (!strcmp(optarg, "count"))
				o->job = JOB_COUNT;
			else if (!strcmp(optarg, "drop"))
				o->job = JOB_DROP;
			else
				usage_error("--job: expected count or drop, got '%s'", optarg);
			break;
		case 'd':
			if (!*optarg || strlen(optarg) >= IF_NAMESIZE)
				usage_error("--dev: '%s' is not an interface name", optarg);
			o->dev = optarg;
			break;
		case 'b':
			o->bind = optarg;
			break;
		case 'p':
			if (wl_parse_uint(optarg, 1, 65535, &o->port))
				usage_error("--port: expected 1..65535, got '%s'", optarg);
			break;
		case 'i':
			if (wl_parse_secs(optarg, &o->interval) || o->interval < 0.01)
				usage_error("--interval: expected seconds >= 0.01, got '%s'", optarg);
			break;
		case 't':
			if (wl_parse_secs(optarg, &o->duration) || o->duration <= 0)
				usage_error("--duration: expected seconds > 0, got '%s'", optarg);
			break;
		case 'c':
			if (wl_parse_uint(optarg, 0, CPU_SETSIZE - 1, &v))
				usage_error("--cpu: expected a CPU number, got '%s'", optarg);
			o->cpu = (long)v;
			break;
		case 'B':
			if (wl_parse_uint(optarg, 1, MAX_BATCH, &o->batch))
				usage_error("--batch: expected 1..%d, got '%s'", MAX_BATCH, optarg);
			break;
		case 'r':
			if (wl_parse_uint(optarg, 4096, 1ul << 30, &o->rcvbuf))
				usage_error("--rcvbuf: expected 4096..1073741824 bytes, got '%s'", optarg);
			break;
		case 'R':
			if (wl_parse_uint(optarg, 1, 4096, &o->ring_mb))
				usage_error("--ring-mb: expected 1..4096, got '%s'", optarg);
			break;
		case 'h':
			help();
			exit(0);
		case ':':
			usage_error("%s: missing value", argv[optind - 1]);
		default:
			usage_error("%s: unknown option", argv[optind - 1]);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (!have_mode)
		usage_error("--mode: required (socket or af-packet)");
	if (o->mode == MODE_SOCKET && !o->port)
		usage_error("--port: required for --mode socket");
	if (o->mode == MODE_AF_PACKET && !o->dev)
		usage_error("--dev: required for --mode af-packet");
	if (o->mode == MODE_AF_PACKET && o->port)
		usage_error("--port: only for --mode socket (af-packet sees every frame on --dev)");
}

/* ------------------------------------------------------------------ */

static void snap_cpu(struct counters *c)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	c->user = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
	c->sys = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	c->mono = wl_mono();
	c->t = wl_now();
}

static void print_stats(const char *type, const struct opts *o, const struct counters *c,
			const struct counters *prev, const struct counters *first)
{
	static const char *const modes[] = { "socket", "af-packet" };
	static const char *const jobs[] = { "count", "drop" };

	printf("{\"type\":\"%s\",\"t\":%.3f,\"mode\":\"%s\",\"job\":\"%s\",\"dev\":", type, c->t, modes[o->mode],
	       jobs[o->job]);
	if (o->dev)
		wl_json_str(stdout, o->dev);
	else
		fputs("null", stdout);
	if (o->mode == MODE_SOCKET) {
		printf(",\"bind\":");
		wl_json_str(stdout, o->bind);
		printf(",\"port\":%lu", o->port);
	} else {
		printf(",\"bind\":null,\"port\":null");
	}
	printf(",\"cpu_pin\":");
	if (o->cpu >= 0)
		printf("%ld", o->cpu);
	else
		fputs("null", stdout);
	if (first)
		printf(",\"duration_s\":%.3f", c->mono - first->mono);
	printf(",\"protocols\":");
	wl_json_protocols(stdout, c->proto);
	printf(",\"kernel_drops\":%" PRIu64 ",\"cpu\":{\"user_s\":%.3f,\"system_s\":%.3f}", c->kernel_drops, c->user,
	       c->sys);
	if (prev) {
		double dt = c->mono - prev->mono;
		uint64_t pk = c->proto[WL_P_FRAMES].packets - prev->proto[WL_P_FRAMES].packets;

		printf(",\"interval\":{\"secs\":%.3f,\"packets\":%" PRIu64 ",\"pps\":%.1f,\"kernel_drops\":%" PRIu64
		       ",\"user_s\":%.3f,\"system_s\":%.3f}",
		       dt, pk, dt > 0 ? (double)pk / dt : 0.0, c->kernel_drops - prev->kernel_drops, c->user - prev->user,
		       c->sys - prev->sys);
	}
	printf("}\n");
	fflush(stdout);
}

static inline void count_mask(struct counters *c, uint32_t mask, uint64_t len)
{
	int i;

	for (i = 0; i < WL_P_MAX; i++) {
		if (mask & WL_M(i)) {
			c->proto[i].packets++;
			c->proto[i].bytes += len;
		}
	}
}

/* ---- socket mode ---- */

struct sock_state {
	int fd;
	bool v6;
	struct mmsghdr msgs[MAX_BATCH];
	struct iovec iov[MAX_BATCH];
	struct sockaddr_storage addr[MAX_BATCH];
	char ctrl[MAX_BATCH][CMSG_SPACE(sizeof(uint32_t))];
	uint8_t *bufs;
};

static int sock_open(const struct opts *o, struct sock_state *s)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int one = 1, buf = (int)o->rcvbuf;
	struct timeval tv = { 0, 100000 };
	unsigned long i;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, o->bind, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)o->port);
		sl = sizeof(*a);
	} else if (inet_pton(AF_INET6, o->bind, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)o->port);
		sl = sizeof(*a);
		s->v6 = true;
	} else {
		usage_error("--bind: '%s' is not an IPv4 or IPv6 address", o->bind);
	}
	s->fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		err("socket: %s", strerror(errno));
		return -1;
	}
	setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (setsockopt(s->fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf)))
		setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	setsockopt(s->fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof(one));
	setsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (bind(s->fd, (struct sockaddr *)&ss, sl)) {
		err("--bind %s --port %lu: %s", o->bind, o->port, strerror(errno));
		return -1;
	}
	s->bufs = malloc(o->batch * SNAP);
	if (!s->bufs) {
		err("out of memory");
		return -1;
	}
	for (i = 0; i < o->batch; i++) {
		s->iov[i].iov_base = s->bufs + i * SNAP;
		s->iov[i].iov_len = SNAP;
	}
	return 0;
}

static int sock_poll(const struct opts *o, struct sock_state *s, struct counters *c)
{
	uint64_t hdr = 8 + (s->v6 ? 40 : 20) + 14;
	unsigned long i;
	int n, k;

	for (i = 0; i < o->batch; i++) {
		memset(&s->msgs[i].msg_hdr, 0, sizeof(s->msgs[i].msg_hdr));
		s->msgs[i].msg_hdr.msg_iov = &s->iov[i];
		s->msgs[i].msg_hdr.msg_iovlen = 1;
		if (o->job == JOB_COUNT) {
			s->msgs[i].msg_hdr.msg_name = &s->addr[i];
			s->msgs[i].msg_hdr.msg_namelen = sizeof(s->addr[i]);
		}
		s->msgs[i].msg_hdr.msg_control = s->ctrl[i];
		s->msgs[i].msg_hdr.msg_controllen = sizeof(s->ctrl[i]);
	}
	n = recvmmsg(s->fd, s->msgs, (unsigned int)o->batch, MSG_WAITFORONE, NULL);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -1;
	for (k = 0; k < n; k++) {
		uint64_t len = s->msgs[k].msg_len + hdr;

		if (o->job == JOB_DROP) {
			c->proto[WL_P_FRAMES].packets++;
			c->proto[WL_P_FRAMES].bytes += len;
		} else {
			struct wl_pkt p = { .mask = WL_M(WL_P_FRAMES) | WL_M(s->v6 ? WL_P_IPV6 : WL_P_IPV4),
					    .ipver = s->v6 ? 6 : 4 };
			uint16_t sport = s->v6 ? ((struct sockaddr_in6 *)&s->addr[k])->sin6_port
					       : ((struct sockaddr_in *)&s->addr[k])->sin_port;

			wl_mark(&p, o->port == WL_DNS_PORT || sport == htons(WL_DNS_PORT) ? WL_P_DNS : WL_P_UDP);
			count_mask(c, p.mask, len);
		}
	}
	if (n > 0) {
		struct msghdr *mh = &s->msgs[n - 1].msg_hdr;
		struct cmsghdr *cm;

		for (cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm))
			if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SO_RXQ_OVFL) {
				uint32_t d;

				memcpy(&d, CMSG_DATA(cm), sizeof(d));
				c->kernel_drops = d; /* the socket's cumulative drop count */
			}
	}
	return n;
}

/* ---- af-packet mode (TPACKET_V3) ---- */

struct ring_state {
	int fd;
	uint8_t *map;
	size_t map_len;
	unsigned int nblocks, block_size, cur;
	uint64_t drops;
};

static int ring_open(const struct opts *o, struct ring_state *r)
{
	struct tpacket_req3 req;
	struct sockaddr_ll sll;
	int v = TPACKET_V3, one = 1;
	unsigned int ifindex = if_nametoindex(o->dev);

	if (!ifindex) {
		err("--dev: no interface '%s' in this network namespace", o->dev);
		return -1;
	}
	r->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	if (r->fd < 0) {
		err("AF_PACKET socket: %s (needs CAP_NET_RAW)", strerror(errno));
		return -1;
	}
	if (setsockopt(r->fd, SOL_PACKET, PACKET_VERSION, &v, sizeof(v))) {
		err("PACKET_VERSION TPACKET_V3: %s", strerror(errno));
		return -1;
	}
	setsockopt(r->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
	memset(&req, 0, sizeof(req));
	r->block_size = 1u << 20;
	r->nblocks = (unsigned int)o->ring_mb;
	req.tp_block_size = r->block_size;
	req.tp_block_nr = r->nblocks;
	req.tp_frame_size = SNAP;
	req.tp_frame_nr = (r->block_size / SNAP) * r->nblocks;
	req.tp_retire_blk_tov = 10; /* ms: hand over partly filled blocks */
	if (setsockopt(r->fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req))) {
		err("PACKET_RX_RING (%lu MiB): %s", o->ring_mb, strerror(errno));
		return -1;
	}
	r->map_len = (size_t)r->block_size * r->nblocks;
	r->map = mmap(NULL, r->map_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_LOCKED, r->fd, 0);
	if (r->map == MAP_FAILED)
		r->map = mmap(NULL, r->map_len, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, 0);
	if (r->map == MAP_FAILED) {
		r->map = NULL;
		err("mmap ring: %s", strerror(errno));
		return -1;
	}
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = (int)ifindex;
	if (bind(r->fd, (struct sockaddr *)&sll, sizeof(sll))) {
		err("bind AF_PACKET to %s: %s", o->dev, strerror(errno));
		return -1;
	}
	return 0;
}

static void ring_drops(struct ring_state *r, struct counters *c)
{
	struct tpacket_stats_v3 st;
	socklen_t l = sizeof(st);

	/* Reading PACKET_STATISTICS resets it: accumulate. */
	if (!getsockopt(r->fd, SOL_PACKET, PACKET_STATISTICS, &st, &l))
		r->drops += st.tp_drops;
	c->kernel_drops = r->drops;
}

/*
 * The frame as it was on the wire.  The stack moves the outer VLAN tag into
 * metadata before AF_PACKET sees the frame; put it back, so tagged frames
 * count (classes and bytes) exactly as the XDP program counted them.
 */
static const uint8_t *wire_frame(const struct tpacket3_hdr *h, uint32_t *snap, uint32_t *len)
{
	static uint8_t retag[65536 + 4];
	const uint8_t *f = (const uint8_t *)h + h->tp_mac;
	uint16_t tpid, tci;

	*snap = h->tp_snaplen;
	*len = h->tp_len;
	if (!(h->tp_status & TP_STATUS_VLAN_VALID) || *snap < 12 || *snap > sizeof(retag) - 4)
		return f;
	tpid = htons((h->tp_status & TP_STATUS_VLAN_TPID_VALID) ? h->hv1.tp_vlan_tpid : ETH_P_8021Q);
	tci = htons(h->hv1.tp_vlan_tci);
	memcpy(retag, f, 12);
	memcpy(retag + 12, &tpid, 2);
	memcpy(retag + 14, &tci, 2);
	memcpy(retag + 16, f + 12, *snap - 12);
	*snap += 4;
	*len += 4;
	return retag;
}

static int ring_poll(const struct opts *o, struct ring_state *r, struct counters *c)
{
	struct tpacket_block_desc *bd = (struct tpacket_block_desc *)(r->map + (size_t)r->cur * r->block_size);
	struct pollfd pfd = { .fd = r->fd, .events = POLLIN | POLLERR };
	struct tpacket3_hdr *h;
	unsigned int i, n;
	int got = 0;

	if (!(__atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER)) {
		int pr = poll(&pfd, 1, 100);

		if (pr < 0 && errno != EINTR)
			return -1;
		return 0;
	}
	n = bd->hdr.bh1.num_pkts;
	h = (struct tpacket3_hdr *)((uint8_t *)bd + bd->hdr.bh1.offset_to_first_pkt);
	for (i = 0; i < n; i++) {
		uint32_t snap, len;
		const uint8_t *f = wire_frame(h, &snap, &len);

		if (o->job == JOB_DROP) {
			c->proto[WL_P_FRAMES].packets++;
			c->proto[WL_P_FRAMES].bytes += len;
		} else {
			struct wl_pkt p;

			wl_parse(f, f + snap, &p);
			count_mask(c, p.mask, len);
		}
		got++;
		h = (struct tpacket3_hdr *)((uint8_t *)h + h->tp_next_offset);
	}
	__atomic_store_n(&bd->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
	r->cur = (r->cur + 1) % r->nblocks;
	return got;
}

int main(int argc, char **argv)
{
	struct opts o;
	struct sock_state *ss = NULL;
	struct ring_state rs = { .fd = -1 };
	struct counters cur, prev, first;
	struct sigaction sa;
	double next, end;
	int ret = 1;

	parse_args(argc, argv, &o);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (o.cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET((int)o.cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set)) {
			err("--cpu %ld: %s", o.cpu, strerror(errno));
			return 1;
		}
	}
	if (o.mode == MODE_SOCKET) {
		ss = calloc(1, sizeof(*ss));
		if (!ss) {
			err("out of memory");
			return 1;
		}
		ss->fd = -1;
		if (sock_open(&o, ss))
			goto cleanup;
	} else if (ring_open(&o, &rs)) {
		goto cleanup;
	}

	memset(&cur, 0, sizeof(cur));
	snap_cpu(&cur);
	first = prev = cur;
	printf("{\"type\":\"ready\",\"t\":%.3f,\"mode\":\"%s\",\"job\":\"%s\",\"pid\":%d}\n", cur.t,
	       o.mode == MODE_SOCKET ? "socket" : "af-packet", o.job == JOB_COUNT ? "count" : "drop", (int)getpid());
	fflush(stdout);
	next = cur.mono + o.interval;
	end = o.duration > 0 ? cur.mono + o.duration : 0;

	while (!stop_sig) {
		int n = o.mode == MODE_SOCKET ? sock_poll(&o, ss, &cur) : ring_poll(&o, &rs, &cur);
		double now;

		if (n < 0) {
			err("receive: %s", strerror(errno));
			goto cleanup;
		}
		now = wl_mono();
		if (now >= next || (end && now >= end)) {
			if (o.mode == MODE_AF_PACKET)
				ring_drops(&rs, &cur);
			snap_cpu(&cur);
			print_stats("stats", &o, &cur, &prev, NULL);
			prev = cur;
			next += o.interval;
			if (next < now)
				next = now + o.interval;
			if (ferror(stdout) || (end && now >= end))
				break;
		}
	}
	if (o.mode == MODE_AF_PACKET)
		ring_drops(&rs, &cur);
	snap_cpu(&cur);
	print_stats("summary", &o, &cur, &first, &first);
	ret = 0;
cleanup:
	if (rs.map)
		munmap(rs.map, rs.map_len);
	if (rs.fd >= 0)
		close(rs.fd);
	if (ss) {
		if (ss->fd >= 0)
			close(ss->fd);
		free(ss->bufs);
		free(ss);
	}
	return ret;
}
