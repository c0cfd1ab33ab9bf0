/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * wl-blast - a small paced packet sender for xdp/tests (until the engine
 * exists): AF_PACKET + sendmmsg with PACKET_QDISC_BYPASS, fixed frames
 * built once, paced in batches to --pps (0 = as fast as it can).
 *
 *   wl-blast --dev eth1 --dst-mac M --src-ip A --dst-ip B [--pps N]
 *            [--duration S] [--size 64] [--proto udp|tcp|dns|icmp|arp|mix]
 *            [--dport N] [--count N] [--cpu N]
 *
 * Prints one JSON line at the end: {"type":"blast","sent":N,"secs":S,"pps":R,...}
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "wl_util.h"

#define BATCH 32
#define NTPL 6

static volatile sig_atomic_t stop;

static void on_sig(int s)
{
	(void)s;
	stop = 1;
}

static void die(const char *what)
{
	fprintf(stderr, "wl-blast: %s: %s\n", what, strerror(errno));
	exit(1);
}

static uint16_t csum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)(p[n - 1] << 8);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

struct tpl {
	uint8_t b[1600];
	size_t len;
};

/* proto: 'u' udp, 't' tcp, 'd' dns (udp/53), 'i' icmp echo, 'a' arp */
static void build(struct tpl *t, char proto, const uint8_t *dmac, const uint8_t *smac, struct in_addr src,
		  struct in_addr dst, uint16_t dport, size_t size)
{
	uint8_t *ip = t->b + 14, *l4 = ip + 20;
	size_t l4len, hl;
	uint8_t pr;

	memset(t, 0, sizeof(*t));
	if (size < 60)
		size = 60;
	memcpy(t->b, proto == 'a' ? (const uint8_t *)"\xff\xff\xff\xff\xff\xff" : dmac, 6);
	memcpy(t->b + 6, smac, 6);
	if (proto == 'a') {
		put16(t->b + 12, 0x0806);
		put16(ip, 1);
		put16(ip + 2, 0x0800);
		ip[4] = 6;
		ip[5] = 4;
		put16(ip + 6, 1);
		memcpy(ip + 8, smac, 6);
		memcpy(ip + 14, &src, 4);
		memcpy(ip + 24, &dst, 4);
		t->len = 60;
		return;
	}
	put16(t->b + 12, 0x0800);
	pr = proto == 't' ? 6 : proto == 'i' ? 1 : 17;
	hl = pr == 6 ? 20 : 8;
	if (size < 14 + 20 + hl)
		size = 14 + 20 + hl;
	l4len = size - 34;
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(20 + l4len));
	put16(ip + 6, 0x4000);
	ip[8] = 64;
	ip[9] = pr;
	memcpy(ip + 12, &src, 4);
	memcpy(ip + 16, &dst, 4);
	put16(ip + 10, csum(ip, 20));
	if (pr == 1) {
		l4[0] = 8;
		put16(l4 + 4, 0x4242);
		put16(l4 + 6, 1);
		put16(l4 + 2, csum(l4, l4len));
	} else {
		put16(l4, 40000);
		put16(l4 + 2, proto == 'd' ? 53 : dport);
		if (pr == 17) {
			put16(l4 + 4, (uint16_t)l4len); /* UDP checksum 0: none (IPv4) */
		} else {
			uint8_t ph[12 + 1600];

			l4[12] = 5 << 4;
			l4[13] = 0x10;
			put16(l4 + 14, 1024);
			memcpy(ph, ip + 12, 8);
			ph[8] = 0;
			ph[9] = 6;
			put16(ph + 10, (uint16_t)l4len);
			memcpy(ph + 12, l4, l4len);
			put16(l4 + 16, csum(ph, 12 + l4len));
		}
	}
	t->len = size;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "dev", 1, 0, 'd' },	  { "dst-mac", 1, 0, 'm' }, { "src-ip", 1, 0, 's' }, { "dst-ip", 1, 0, 'D' },
		{ "pps", 1, 0, 'r' },	  { "duration", 1, 0, 't' }, { "size", 1, 0, 'z' },  { "proto", 1, 0, 'p' },
		{ "dport", 1, 0, 'P' },	  { "count", 1, 0, 'n' },   { "cpu", 1, 0, 'c' },    { 0, 0, 0, 0 },
	};
	const char *dev = NULL, *proto = "udp";
	uint8_t dmac[6] = { 0 }, smac[6];
	struct in_addr src = { 0 }, dst = { 0 };
	unsigned long pps = 0, size = 64, dport = 9, count = 0, v;
	double duration = 5, t0, now, rate;
	struct tpl tpl[NTPL];
	int ntpl = 0, c, fd, one = 1, cpu = -1, i;
	struct sockaddr_ll sll;
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	struct ifreq ifr;
	uint64_t sent = 0, errors = 0;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'd': dev = optarg; break;
		case 'm':
			if (sscanf(optarg, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &dmac[0], &dmac[1], &dmac[2], &dmac[3],
				   &dmac[4], &dmac[5]) != 6) {
				fprintf(stderr, "wl-blast: --dst-mac: bad MAC '%s'\n", optarg);
				return 2;
			}
			break;
		case 's': if (inet_pton(AF_INET, optarg, &src) != 1) { fprintf(stderr, "wl-blast: --src-ip: bad\n"); return 2; } break;
		case 'D': if (inet_pton(AF_INET, optarg, &dst) != 1) { fprintf(stderr, "wl-blast: --dst-ip: bad\n"); return 2; } break;
		case 'r': if (wl_parse_uint(optarg, 0, 100000000, &pps)) { fprintf(stderr, "wl-blast: --pps: bad\n"); return 2; } break;
		case 't': if (wl_parse_secs(optarg, &duration)) { fprintf(stderr, "wl-blast: --duration: bad\n"); return 2; } break;
		case 'z': if (wl_parse_uint(optarg, 60, 1514, &size)) { fprintf(stderr, "wl-blast: --size: 60..1514\n"); return 2; } break;
		case 'p': proto = optarg; break;
		case 'P': if (wl_parse_uint(optarg, 1, 65535, &dport)) { fprintf(stderr, "wl-blast: --dport: bad\n"); return 2; } break;
		case 'n': if (wl_parse_uint(optarg, 1, ~0ul, &count)) { fprintf(stderr, "wl-blast: --count: bad\n"); return 2; } break;
		case 'c': if (wl_parse_uint(optarg, 0, 1023, &v)) { fprintf(stderr, "wl-blast: --cpu: bad\n"); return 2; } cpu = (int)v; break;
		default: fprintf(stderr, "wl-blast: bad option (see the comment at the top of wl-blast.c)\n"); return 2;
		}
	}
	if (!dev) {
		fprintf(stderr, "wl-blast: --dev: required\n");
		return 2;
	}
	if (cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		sched_setaffinity(0, sizeof(set), &set);
	}
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr))
		die("--dev");
	memcpy(smac, ifr.ifr_hwaddr.sa_data, 6);
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = (int)if_nametoindex(dev);
	sll.sll_protocol = htons(ETH_P_ALL);
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)))
		die("bind");

	if (!strcmp(proto, "mix")) {
		const char *m = "udtia";

		for (i = 0; m[i]; i++)
			build(&tpl[ntpl++], m[i], dmac, smac, src, dst, (uint16_t)dport, size);
	} else {
		char p = !strcmp(proto, "udp") ? 'u' : !strcmp(proto, "tcp") ? 't' : !strcmp(proto, "dns") ? 'd'
		       : !strcmp(proto, "icmp") ? 'i' : !strcmp(proto, "arp") ? 'a' : 0;

		if (!p) {
			fprintf(stderr, "wl-blast: --proto: udp, tcp, dns, icmp, arp or mix\n");
			return 2;
		}
		build(&tpl[ntpl++], p, dmac, smac, src, dst, (uint16_t)dport, size);
	}
	signal(SIGINT, on_sig);
	signal(SIGTERM, on_sig);

	t0 = wl_mono();
	for (;;) {
		unsigned int n = BATCH;
		int r;

		now = wl_mono();
		if (stop || (duration > 0 && now - t0 >= duration) || (count && sent >= count))
			break;
		if (pps) {
			double due = (now - t0) * (double)pps - (double)sent;

			if (due < 1) {
				struct timespec ts = { 0, 20000 };

				nanosleep(&ts, NULL);
				continue;
			}
			if (due < n)
				n = (unsigned int)due;
		}
		if (count && sent + n > count)
			n = (unsigned int)(count - sent);
		for (i = 0; i < (int)n; i++) {
			const struct tpl *t = &tpl[(sent + (uint64_t)i) % (uint64_t)ntpl];

			iov[i].iov_base = (void *)t->b;
			iov[i].iov_len = t->len;
			memset(&msgs[i].msg_hdr, 0, sizeof(msgs[i].msg_hdr));
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
		}
		r = sendmmsg(fd, msgs, n, 0);
		if (r < 0) {
			if (errno != ENOBUFS && errno != EAGAIN && errno != EINTR)
				die("sendmmsg");
			errors++;
			continue;
		}
		sent += (uint64_t)r;
	}
	now = wl_mono();
	rate = now > t0 ? (double)sent / (now - t0) : 0;
	printf("{\"type\":\"blast\",\"dev\":\"%s\",\"proto\":\"%s\",\"size\":%lu,\"target_pps\":%lu,\"sent\":%" PRIu64
	       ",\"secs\":%.3f,\"pps\":%.1f,\"send_errors\":%" PRIu64 "}\n",
	       dev, proto, size, pps, sent, now - t0, rate, errors);
	close(fd);
	return 0;
}
