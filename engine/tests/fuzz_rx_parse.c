/* libFuzzer target: arbitrary bytes through the rx path the engine runs
 * on every received frame (classify, validate, reassemble IPv4 and IPv6 fragments (one
 * table across inputs, so fragments of different inputs meet), answer as
 * rx with the TCP state machine, react as the generator's TCP client),
 * through the DNS server
 * (the input as a DNS message), and, when the first byte is odd, through
 * a scripted TCP conversation: each step a segment whose sequence and
 * acknowledgment numbers are offsets from what the server last said, so
 * the fuzzer reaches every connection state; over IPv6 when the first
 * byte also has bit 1 set. A UDP payload goes through the --stamp reader
 * and the sequence tracker and latency histogram it feeds (one tracker
 * across inputs, so streams meet). An input that starts with a NUL and a
 * tag goes to one of fuzz_modes.h's targets instead: the stamped frame
 * the generator sends, sequence tracking split over workers, the impair
 * role's delay line, the command lines. Built with -Dfuzz=true. */
#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include "pkt_parse.h"
#include "responder.h"
#include "dns_answer.h"
#include "tcp_server.h"
#include "tcp_client.h"
#include "proto_tcp6.h"
#include "rx_validate.h"
#include "ipv4_reasm.h"
#include "ipv4_frag.h"
#include "ipv6_frag.h"
#include "csum.h"
#include "ipv6.h"
#include "vlan.h"
#include "stamp.h"
#include "latency.h"
#include "fuzz_modes.h"

static struct dns_record recs[3] = {
	{ "www.example.com", 0x0a000001, 0, { 0 } },
	{ "a.b", 0x0a000002, 0, { 0 } },
	{ "www.example.com", 0, 1, { 0x20, 0x01, 0, 2, [15] = 0x10 } },
};
static const uint8_t SRV_MAC[6] = { 2, 0, 0, 0, 0, 2 }, PEER_MAC[6] = { 2, 0, 0, 0, 0, 1 };
static const struct parse_cfg PC = { ETHERTYPE_WL_DEFAULT, 5353 };
static struct tcp_server srv;
static struct tcp_stats sst, cst;
static struct tcp_client cl;

static void setup(void)
{
	tcp_server_init(&srv, 16, &sst, SRV_MAC, 7);
	srv.listen[0] = 8080;
	srv.listen[1] = 53;
	srv.n_listen = 2;
	srv.dns_port = 53;
	srv.echo = 1;
	srv.records = recs;
	srv.n_records = 3;
	srv.idle_ms = 50;
	tcp_client_init(&cl, 16, &cst);
	memcpy(cl.mac, PEER_MAC, 6);
	cl.dport = 8080;
	cl.msg = (const uint8_t *)"hi";
	cl.msg_len = 2;
}

static void check_invariants(void)
{
	uint64_t live = 0, clive = 0;
	for (int i = 0; i < TCPS_COUNT; i++) {
		live += sst.in_state[i];
		clive += cst.in_state[i];
	}
	if (live > srv.tab.size || clive > cl.tab.size || sst.bad_transitions || cst.bad_transitions)
		__builtin_trap();
}

/* A server reply goes to the client side too; what we send must parse. */
static void to_client(const uint8_t *o, size_t n, int our_syn)
{
	static uint8_t outs[TCP_CLIENT_MAX_OUT][WL_MAX_FRAME];
	size_t lens[TCP_CLIENT_MAX_OUT];
	struct pkt_info po;
	if (pkt_parse(o, n, &PC, &po) != WL_C_TCP)
		__builtin_trap();
	int k = tcp_client_input(&cl, o, &po, our_syn, outs, lens);
	for (int i = 0; i < k; i++) {
		struct pkt_info p2;
		if (pkt_parse(outs[i], lens[i], &PC, &p2) != WL_C_TCP)
			__builtin_trap();
	}
}

/* --stamp's receiving side (worker.c stamp_arrival) on a datagram. */
static void stamped(const uint8_t *f, const struct pkt_info *pi)
{
	static struct seq_track tr;
	static struct seq_sums sums;
	static struct lat_stats lat;
	static int init;
	if (!init) {
		seq_init(&tr);
		lat_init(&lat);
		init = 1;
	}
	struct stamp st;
	if (stamp_parse(f + pi->pl_off, pi->pl_len, &st) < 0)
		return;
	/* what was read writes back to the same bytes */
	uint8_t again[STAMP_LEN];
	stamp_write(again, &st);
	if (memcmp(again, f + pi->pl_off, STAMP_LEN))
		__builtin_trap();
	uint64_t before = sums.received + sums.duplicates + sums.untracked;
	seq_add(&tr, &sums, st.stream, st.seq);
	lat_add(&lat, (int64_t)(st.tx_ns & 0xffffffffffull) - (int64_t)(st.seq & 0xffff));
	/* every arrival is counted exactly once, in one of three places */
	if (sums.received + sums.duplicates + sums.untracked != before + 1 || tr.n > SEQ_STREAMS)
		__builtin_trap();
	if (lat.h.count && (lat.min_ns > lat.h.max_ns))
		__builtin_trap();
}

static void one_frame(uint8_t *f, size_t size)
{
	static uint8_t out[WL_MAX_FRAME];
	struct pkt_info pi;
	/* random bytes almost never carry a right IPv4 header checksum, which
	 * would keep everything behind it (reassembly above all) out of reach:
	 * fix it for unicast frames, leave it as is for group-addressed ones */
	size_t l3 = ETH_HLEN; /* through up to two VLAN tags, as the parser goes */
	for (int t = 0; t < 2 && l3 + 4 <= size && (rd16(f + l3 - 2) == ETHERTYPE_VLAN || rd16(f + l3 - 2) == ETHERTYPE_QINQ); t++)
		l3 += 4;
	if (size >= l3 + IPV4_HLEN && rd16(f + l3 - 2) == ETHERTYPE_IPV4 && !(f[0] & 1)) {
		size_t ihl = (size_t)(f[l3] & 0x0f) * 4;
		if (ihl >= IPV4_HLEN && l3 + ihl <= size)
			ipv4_set_csum(f + l3);
	}
	int cls = pkt_parse(f, size, &PC, &pi);
	if (cls == WL_C_MALFORMED || cls == WL_C_UNKNOWN)
		return;
	if (pi.vlan && pi.l3_off != l3)
		__builtin_trap();
	/* the frame's own tags, as a host on its VLAN has them configured (or,
	 * for odd sizes, an untagged host, which must refuse a tagged frame) */
	struct vlan_stack tags = { .n = pi.vlan };
	for (unsigned t = 0; t < pi.vlan; t++) {
		tags.tpid[t] = rd16(f + 12 + 4 * t);
		tags.tci[t] = pi.vlan_tci[t];
	}
	if (pi.vlan) {
		/* a PMD stripping the outer tag, and the tag put back: the same frame */
		static uint8_t strip[WL_MAX_FRAME + 8];
		struct vlan_stack outer = { 1, { tags.tpid[0] }, { tags.tci[0] } };
		memcpy(strip + 4, f, 12);
		memcpy(strip + 16, f + 16, size - 16);
		vlan_reinsert(&outer, strip);
		if (memcmp(strip, f, size))
			__builtin_trap();
	}
	static struct reasm *ra;
	static uint64_t clock;
	static uint8_t big[REASM_MAX_FRAME];
	if (!ra)
		ra = reasm_create(8, 64);
	/* IPv6: the address answered for is the frame's destination, or an NS's target */
	const uint8_t *me6 = pi.ip6 && pi.cls == WL_C_ICMP && pi.icmp_type == 135 && pi.l4_len >= 24 ?
			     f + pi.l4_off + 8 : pi.ip6_dst;
	struct rxv_cfg vc = { { 2, 0, 0, 0, 0, 2 }, 1, (uint8_t)(size & 1), pi.ip6, { 0 }, { 0 } };
	memcpy(vc.ip6, me6, 16);
	if (size & 2)
		vc.vlan = tags;
	int why = rxv_check(&vc, f, size, &pi);
	if (pi.vlan && !(size & 2) && vlan_key(pi.vlan, pi.vlan_tci) != (1u << 24) && why != RXV_VLAN)
		__builtin_trap();
	if (cls == WL_C_UDP && !pi.frag)
		stamped(f, &pi);
	if (pi.frag) {
		const uint8_t *whole;
		size_t wl = reasm_add(ra, f, size, &pi, clock++, &whole);
		if (!wl)
			return;
		/* a rebuilt datagram: its IP header must say what was rebuilt; what it
		 * carries is the fragments' bytes, so a bad checksum or an L4 header
		 * that disagrees with the whole (a UDP length from the first
		 * fragment) is the sender's, not the reassembler's */
		struct pkt_info pw;
		if (pkt_parse(whole, wl, &PC, &pw) == WL_C_MALFORMED && pw.why <= WL_M_IP_LEN)
			__builtin_trap();
		if (pw.frag)
			__builtin_trap();
		struct resp_cfg rw = { { 2, 0, 0, 0, 0, 2 }, pw.ip_dst, 0, 1, recs, 3, 7, &srv, pw.ip6, { 0 } };
		memcpy(rw.ip6, pw.ip6_dst, 16);
		unsigned ew;
		size_t bn = pw.cls < WL_C_MALFORMED ? respond(&rw, whole, wl, &pw, big, sizeof(big), &ew) : 0;
		uint8_t fr[ETH_MAX_FRAME];
		for (unsigned k = 0; bn > ETH_MAX_FRAME; k++) {
			size_t fl = pw.ip6 ? ipv6_fragment(big, bn, ETH_HLEN, IPV6_FRAG_PAYLOAD, 1, k, fr, sizeof(fr))
					   : ipv4_fragment(big, bn, ETH_HLEN, 1480, 0x1234, k, fr, sizeof(fr));
			struct pkt_info pf;
			if (!fl)
				break;
			/* every fragment of an answer fits the link and parses */
			if (fl > ETH_MAX_FRAME || pkt_parse(fr, fl, &PC, &pf) == WL_C_MALFORMED)
				__builtin_trap();
		}
		return;
	}
	/* answer for whatever address the frame is sent to */
	struct resp_cfg rc = { { 2, 0, 0, 0, 0, 2 }, cls == WL_C_ARP ? pi.arp_tpa : pi.ip_dst, 0, 1, recs, 3, 7, &srv,
			       pi.ip6, { 0 } };
	memcpy(rc.ip6, me6, 16);
	unsigned ev;
	size_t n = respond(&rc, f, size, &pi, out, sizeof(out), &ev);
	if (n) {
		struct pkt_info po;
		/* what we send must parse as what we meant to send */
		if (pkt_parse(out, n, &PC, &po) == WL_C_MALFORMED)
			__builtin_trap();
		/* and an IPv6 answer carries a checksum a receiver accepts */
		if (po.ip6 && !po.frag && !ipv6_l4_csum_ok(out + ETH_HLEN, out + po.l4_off, po.l4_len, po.ip_proto))
			__builtin_trap();
		/* sent with the request's tags, it parses the same, under the same VLAN */
		static uint8_t tagged[WL_MAX_FRAME + 8];
		struct pkt_info pt;
		if (n + vlan_hlen(&tags) <= sizeof(tagged)) {
			size_t tn = vlan_copy_tagged(&tags, tagged, out, n);
			if (pkt_parse(tagged, tn, &PC, &pt) != po.cls || pt.vlan != pi.vlan ||
			    vlan_key(pt.vlan, pt.vlan_tci) != vlan_key(pi.vlan, pi.vlan_tci))
				__builtin_trap();
		}
	}
	if (cls == WL_C_TCP)
		to_client(f, size, 1);
}

/* The scripted conversation: steps of {flags, seq offset, ack offset,
 * option bytes, payload length, ms to advance}. */
static void conversation(const uint8_t *d, size_t size, int v6)
{
	static uint8_t in[WL_MAX_FRAME], out[WL_MAX_FRAME], pl[256];
	static const uint8_t peer6[16] = { 0x20, 0x01, 0, 2, 0, 0, 2, 0, [15] = 1 };
	static const uint8_t srv6[16] = { 0x20, 0x01, 0, 2, 0, 0, 2, 0, [15] = 2 };
	uint8_t peer[16], me[16];
	if (v6) {
		memcpy(peer, peer6, 16);
		memcpy(me, srv6, 16);
	} else {
		ip16_from_v4(0xC6120001, peer);
		ip16_from_v4(0xC6120002, me);
	}
	uint32_t said_seq = 1000, said_ack = 5000;   /* the server's last seq / ack */
	size_t i = 0;
	while (i + 8 <= size) {
		uint8_t flags = d[i] & 0x3f;
		uint16_t dport = (d[i] & 0x40) ? 53 : ((d[i] & 0x80) ? 9 : 8080);
		int16_t so = (int16_t)((d[i + 1] << 8) | d[i + 2]), ao = (int16_t)((d[i + 3] << 8) | d[i + 4]);
		size_t ol = (size_t)(d[i + 5] & 0x0f) * 4;
		size_t plen = d[i + 6];
		uint8_t adv = d[i + 7];
		i += 8;
		if (ol > TCP_OPT_MAX)
			ol = TCP_OPT_MAX;
		if (i + ol + plen > size)
			break;
		const uint8_t *opts = d + i;
		memcpy(pl, d + i + ol, plen);
		i += ol + plen;
		struct tcp_seg g = { 40000, dport, said_ack + (uint32_t)(int32_t)so, said_seq + (uint32_t)(int32_t)ao, flags,
				     1024, opts, ol, pl, plen };
		size_t n = tcp_build_seg16(in, sizeof(in), PEER_MAC, SRV_MAC, peer, me, &g);
		if (!n)
			continue;
		struct pkt_info pi;
		if (pkt_parse(in, n, &PC, &pi) != WL_C_TCP)
			continue;
		unsigned ev;
		size_t o = tcp_server_input(&srv, in, &pi, out, sizeof(out), &ev);
		if (o) {
			struct pkt_info po;
			if (pkt_parse(out, o, &PC, &po) != WL_C_TCP || po.ip6 != v6)
				__builtin_trap();
			if (v6 && !ipv6_l4_csum_ok(out + ETH_HLEN, out + po.l4_off, po.l4_len, IPPROTO_TCP_))
				__builtin_trap();
			said_seq = po.tcp_seq + ((po.tcp_flags & TCP_SYN) ? 1u : 0u) + po.pl_len;
			if (po.tcp_flags & TCP_ACK)
				said_ack = po.tcp_ack;
			to_client(out, o, (po.tcp_flags & (TCP_SYN | TCP_ACK)) == (TCP_SYN | TCP_ACK));
		}
		srv.now_ms += adv;
		cl.now_ms = srv.now_ms;
		while ((o = tcp_server_tick(&srv, out, sizeof(out))) != 0)
			to_client(out, o, 0);
		tcp_client_tick(&cl);
		check_invariants();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	static uint8_t msg[600];
	if (!ready) {
		setup();
		ready = 1;
	}
	if (size > WL_MAX_FRAME)
		size = WL_MAX_FRAME;
	/* copy so ASan sees the exact bounds */
	uint8_t *f = (uint8_t *)__builtin_alloca(size ? size : 1);
	memcpy(f, data, size);

	static const struct {
		char tag[FUZZ_TAG_LEN + 1];
		void (*run)(const uint8_t *, size_t);
	} modes[] = {
		{ "\0STMP", fuzz_tx_stamp },
		{ "\0SPLT", fuzz_seq_split },
		{ "\0IMPR", fuzz_impair },
		{ "\0ARGV", fuzz_args },
	};
	for (size_t m = 0; size >= FUZZ_TAG_LEN && m < sizeof(modes) / sizeof(modes[0]); m++)
		if (!memcmp(f, modes[m].tag, FUZZ_TAG_LEN)) {
			modes[m].run(f + FUZZ_TAG_LEN, size - FUZZ_TAG_LEN);
			return 0;
		}

	/* the DNS server on the input as a message: a response it builds must carry a decodable question */
	uint16_t rcode;
	int bad;
	int n = dns_answer(recs, 3, f, size, msg, sizeof(msg), &rcode, &bad);
	if (n > DNS_HLEN) {
		struct dns_name q;
		if (dns_name_decode(msg, (size_t)n, DNS_HLEN, &q) < 0)
			__builtin_trap();
	}
	if (size && (f[0] & 1))
		conversation(f + 1, size - 1, (f[0] & 2) != 0);
	else
		one_frame(f, size);
	check_invariants();
	return 0;
}
