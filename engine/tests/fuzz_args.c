/* Fuzz mode "\0ARGV": the input's NUL-separated pieces as the engine's
 * arguments after "--", chosen between the generator's parser, the replay
 * role's and the impair role's as main.c chooses (--role replay, then
 * --role impair). A parse either refuses
 * (one line on stderr, kept out of the fuzzer's output here) or gives a
 * configuration that holds what later code takes for granted: ports
 * distinct and at most WL_MAX_PORTS, workers and tags within bounds, a
 * stamp only where it can be read, probabilities in [0, 1], a gap of at
 * least 1, --reorder only with --delay; for replay a capture named, one
 * pacing at most, workers within bounds and never with answer checks
 * (paired on one lcore), positive rates; and its JSON echo (the start
 * line) must be well formed, whatever the strings in it. Parsing twice in
 * one process must give the same answer (getopt's state is reset). */
#include <stdio.h>
#include <string.h>
#include "fuzz_modes.h"
#include "impair_opts.h"
#include "json_out.h"
#include "options.h"
#include "replay_opts.h"
#include "pkt_build.h"
#include "workers_max.h"

#define MAX_ARGS 48

/* Objects, arrays and strings balanced, no raw control character inside a string. */
static int json_ok(const struct jbuf *j)
{
	int depth = 0, in_str = 0;
	if (j->overflow || !j->len || j->buf[0] != '{')
		return 0;
	for (size_t i = 0; i < j->len; i++) {
		unsigned char ch = (unsigned char)j->buf[i];
		if (in_str) {
			if (ch < 0x20)
				return 0;
			if (ch == '\\') {
				if (++i >= j->len)
					return 0;
			} else if (ch == '"') {
				in_str = 0;
			}
			continue;
		}
		if (ch == '"')
			in_str = 1;
		else if (ch == '{' || ch == '[')
			depth++;
		else if (ch == '}' || ch == ']') {
			if (--depth < 0)
				return 0;
		}
	}
	return !in_str && depth == 0;
}

enum parser { P_GENERATOR, P_REPLAY, P_IMPAIR };

static int parse(enum parser which, int argc, char **argv, struct wl_config *c, struct impair_cfg *ic,
		 struct replay_cfg *rc)
{
	switch (which) {
	case P_REPLAY:
		return replay_options_parse(rc, argc, argv);
	case P_IMPAIR:
		return impair_options_parse(ic, argc, argv);
	default:
		return options_parse(c, argc, argv);
	}
}

static int replay_cfg_ok(const struct replay_cfg *r)
{
	if (!r->pcap[0] || r->paces > 1 || r->workers < 1 || r->workers > WL_MAX_WORKERS || r->tx_burst < 1 ||
	    r->tx_burst > 256 || (r->workers > 1 && replay_validates(r)))
		return 0;
	if ((r->pace == RP_PPS && !(r->pps > 0)) || (r->pace == RP_MBPS && !(r->mbps > 0)) ||
	    (r->pace == RP_SPEED && !(r->speed > 0)))
		return 0;
	return memchr(r->pcap, 0, sizeof(r->pcap)) && memchr(r->expect, 0, sizeof(r->expect));
}

void fuzz_args(const uint8_t *d, size_t n)
{
	static char text[4096];
	static struct wl_config c, c2;
	static struct impair_cfg ic, ic2;
	static struct replay_cfg rp, rp2;
	static struct jbuf j;
	char *argv[MAX_ARGS + 1];
	int argc = 0;
	if (n >= sizeof(text))
		n = sizeof(text) - 1;
	memcpy(text, d, n);
	text[n] = 0;
	argv[argc++] = (char *)"wirelab-engine";
	for (size_t i = 0; i < n && argc < MAX_ARGS;) {
		argv[argc++] = text + i;
		i += strlen(text + i) + 1;
	}
	argv[argc] = NULL;
	const enum parser which = replay_wanted(argc, argv) ? P_REPLAY : impair_wanted(argc, argv) ? P_IMPAIR : P_GENERATOR;

	/* the parsers' one-line errors and --help: not the fuzzer's output */
	static FILE *null_out;
	if (!null_out)
		null_out = fopen("/dev/null", "w");
	FILE *err = stderr, *out = stdout;
	stderr = null_out;
	stdout = null_out;
	int rc = parse(which, argc, argv, &c, &ic, &rp);
	int rc2 = parse(which, argc, argv, &c2, &ic2, &rp2);
	stderr = err;
	stdout = out;
	if (rc < 0 || rc > 2 || rc != rc2) {
		fprintf(stderr, "fuzz: parsing gave %d, then %d\n", rc, rc2);
		FUZZ_FAIL();
	}
	if (rc)
		return;
	jb_reset(&j);
	if (which == P_REPLAY) {
		if (!replay_cfg_ok(&rp) || memcmp(&rp, &rp2, sizeof(rp)))
			FUZZ_FAIL();
		replay_options_json(&j, &rp);
	} else if (which == P_IMPAIR) {
		if (ic.n_ports != 2 || ic.ports[0] == ic.ports[1] || ic.limit < 1 || ic.burst < 1)
			FUZZ_FAIL();
		for (int k = 0; k < 2; k++) {
			const struct imp_dir_cfg *dc = &ic.d[k];
			if (dc->gap < 1 || dc->dist < 0 || dc->dist > IMP_NORMAL || (dc->reorder > 0 && !dc->delay_ns))
				FUZZ_FAIL();
			const double p[4] = { dc->loss, dc->duplicate, dc->corrupt, dc->reorder };
			for (int q = 0; q < 4; q++)
				if (!(p[q] >= 0 && p[q] <= 1))
					FUZZ_FAIL();
		}
		if (memcmp(&ic, &ic2, sizeof(ic)))
			FUZZ_FAIL();
		impair_options_json(&j, &ic);
	} else {
		if (c.n_ports > WL_MAX_PORTS || c.workers < 1 || c.workers > WL_MAX_WORKERS || c.vlan.n > VLAN_MAX_TAGS ||
		    c.size < 60 || c.size > 1514 || c.message_len > WL_MAX_MESSAGE || c.n_tcp_listen < 1 ||
		    c.n_tcp_listen > sizeof(c.tcp_listen) / sizeof(c.tcp_listen[0]))
			FUZZ_FAIL();
		for (unsigned a = 0; a < c.n_ports; a++)
			for (unsigned b = a + 1; b < c.n_ports; b++)
				if (c.ports[a] == c.ports[b])
					FUZZ_FAIL();
		if (c.stamp && (c.protocol != WL_P_UDP || c.role == WL_ROLE_RX || c.fragment_size))
			FUZZ_FAIL();
		if (memcmp(&c, &c2, sizeof(c)))
			FUZZ_FAIL();
		options_json(&j, &c);
	}
	if (!json_ok(&j))
		FUZZ_FAIL();
}
