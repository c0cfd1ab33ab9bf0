/* libFuzzer target: arbitrary bytes through the rx path the engine runs
 * on every received frame: classify, validate, reassemble fragments (one
 * table across inputs, so fragments of different inputs meet), then answer
 * as rx and react as the tx side's TCP client. Built with -Dfuzz=true
 * (clang). */
#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include "pkt_parse.h"
#include "responder.h"
#include "rx_validate.h"
#include "ipv4_reasm.h"
#include "ipv4_frag.h"
#include "csum.h"

static struct dns_record recs[2] = { { "www.example.com", 0x0a000001 }, { "a.b", 0x0a000002 } };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[WL_MAX_FRAME];
	static uint8_t outs[TCP_CLIENT_MAX_OUT][WL_MAX_FRAME];
	size_t lens[TCP_CLIENT_MAX_OUT];
	struct parse_cfg pc = { ETHERTYPE_WL_DEFAULT, 5353 };
	struct pkt_info pi;
	if (size > WL_MAX_FRAME)
		size = WL_MAX_FRAME;
	/* copy so ASan sees the exact bounds of the frame */
	uint8_t *f = (uint8_t *)__builtin_alloca(size ? size : 1);
	memcpy(f, data, size);
	/* random bytes almost never carry a right IPv4 header checksum, which
	 * would keep everything behind it (reassembly above all) out of reach:
	 * fix it for unicast frames, leave it as is for group-addressed ones */
	if (size >= ETH_HLEN + IPV4_HLEN && rd16(f + 12) == ETHERTYPE_IPV4 && !(f[0] & 1)) {
		size_t ihl = (size_t)(f[ETH_HLEN] & 0x0f) * 4;
		if (ihl >= IPV4_HLEN && ETH_HLEN + ihl <= size)
			ipv4_set_csum(f + ETH_HLEN);
	}
	int cls = pkt_parse(f, size, &pc, &pi);
	if (cls == WL_C_MALFORMED || cls == WL_C_UNKNOWN)
		return 0;
	static struct reasm *ra;
	static uint64_t clock;
	static uint8_t big[REASM_MAX_FRAME];
	if (!ra)
		ra = reasm_create(8, 64);
	struct rxv_cfg vc = { { 2, 0, 0, 0, 0, 2 }, 1, (uint8_t)(size & 1) };
	(void)rxv_check(&vc, f, size, &pi);
	if (pi.frag) {
		const uint8_t *whole;
		size_t wl = reasm_add(ra, f, size, &pi, clock++, &whole);
		if (!wl)
			return 0;
		/* a rebuilt datagram: its header must say what was rebuilt */
		struct pkt_info pw;
		if (pkt_parse(whole, wl, &pc, &pw) == WL_C_MALFORMED && pw.why != WL_M_IP_CSUM)
			__builtin_trap();
		if (pw.frag)
			__builtin_trap();
		struct resp_cfg rw = { { 2, 0, 0, 0, 0, 2 }, pw.ip_dst, 0, 1, recs, 2, 7 };
		unsigned ew;
		size_t bn = pw.cls < WL_C_MALFORMED ? respond(&rw, whole, wl, &pw, big, sizeof(big), &ew) : 0;
		uint8_t fr[ETH_MAX_FRAME];
		for (unsigned k = 0; bn > ETH_MAX_FRAME && ipv4_fragment(big, bn, ETH_HLEN, 1480, k, fr, sizeof(fr)); k++)
			;
		return 0;
	}
	/* answer for whatever address the frame is sent to */
	struct resp_cfg rc = { { 2, 0, 0, 0, 0, 2 }, cls == WL_C_ARP ? pi.arp_tpa : pi.ip_dst, 0, 1, recs, 2, 7 };
	unsigned ev;
	size_t n = respond(&rc, f, size, &pi, out, sizeof(out), &ev);
	if (n) {
		struct pkt_info po;
		int c2 = pkt_parse(out, n, &pc, &po);
		/* what we send must parse as what we meant to send */
		if (c2 == WL_C_MALFORMED)
			__builtin_trap();
	}
	if (cls == WL_C_TCP) {
		struct tcp_client_cfg cc = { { 2, 0, 0, 0, 0, 1 }, pi.ip_dst, pi.sport, (const uint8_t *)"hi", 2 };
		int k = tcp_client_react(&cc, f, &pi, outs, lens);
		for (int i = 0; i < k; i++) {
			struct pkt_info po;
			if (pkt_parse(outs[i], lens[i], &pc, &po) != WL_C_TCP)
				__builtin_trap();
		}
	}
	return 0;
}
