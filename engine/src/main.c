/* wirelab-engine: EAL args, then "--", then engine args (see --help). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>
#include <time.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_cycles.h>
#include "options.h"
#include "port.h"
#include "workers.h"
#include "replay.h"
#include "impair.h"

#define POOL_MBUFS 16383
#define POOL_CACHE 256
#define POOL_PER_WORKER 8192

static struct wl_config cfg;
static struct engine eng;
static struct port_info pinfo;
static struct port_info more_ports[WL_MAX_PORTS]; /* --port 2nd, 3rd, ... */

/* The ports after the first (--port repeated); all closed again on failure. */
static int open_more_ports(struct rte_mempool *pool)
{
	for (unsigned i = 1; i < cfg.n_ports; i++) {
		/* a queue pair per worker on every port, as on the first */
		int opened = port_init(cfg.ports[i], pool, cfg.workers, &more_ports[i]) == 0, rc = opened ? 0 : -1;
		for (unsigned k = 0; rc == 0 && k < eng.n; k++)
			rc = worker_add_port(&eng.w[k], &more_ports[i]);
		if (rc < 0) {
			for (unsigned k = 1; k < i + (unsigned)opened; k++)
				port_close(&more_ports[k]);
			return -1;
		}
	}
	return 0;
}

static void close_more_ports(void)
{
	for (unsigned i = 1; i < cfg.n_ports; i++)
		port_close(&more_ports[i]);
}

static void on_signal(int sig)
{
	(void)sig;
	wl_force_quit = 1;
}

static void emit_start(void)
{
	static struct jbuf j;
	jb_reset(&j);
	jb_obj_open(&j);
	jb_kstr(&j, "type", "start");
	jb_kstr(&j, "version", WL_VERSION);
	jb_kstr(&j, "role", wl_role_names[cfg.role]);
	port_json(&j, &pinfo);
	if (cfg.n_ports > 1) {
		/* "port" stays the generator's; "ports": [{"port":{...}}, ...] by index */
		jb_key(&j, "ports");
		jb_arr_open(&j);
		for (unsigned i = 0; i < cfg.n_ports; i++) {
			jb_obj_open(&j);
			port_json(&j, i ? &more_ports[i] : &pinfo);
			jb_obj_close(&j);
		}
		jb_arr_close(&j);
	}
	jb_ku64(&j, "lcores", rte_lcore_count());
	jb_kdbl(&j, "tsc_hz", (double)eng.hz, 0);
	jb_key(&j, "config");
	options_json(&j, &cfg);
	jb_obj_close(&j);
	jb_emit(&j);
}

int main(int argc, char **argv)
{
	int dd = -1;
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--")) {
			dd = i;
			break;
		}
	if (dd < 0) {
		for (int i = 1; i < argc; i++)
			if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
				options_usage(stdout);
				return 0;
			}
	}
	/* engine args first, so a bad value fails fast without EAL noise */
	int eargc = dd < 0 ? 1 : argc - dd;
	char **eargv = calloc((size_t)eargc + 1, sizeof(char *));
	if (!eargv)
		return 1;
	eargv[0] = argv[0];
	for (int i = 1; i < eargc; i++)
		eargv[i] = argv[dd + i];
	/* replay has its own options and loop (replay.c) */
	static struct replay_cfg rcfg;
	static struct replay_frames rframes;
	int replay = replay_wanted(eargc, eargv);
	/* impair too (impair.c): a wire between two ports */
	static struct impair_cfg icfg;
	int impair = !replay && impair_wanted(eargc, eargv);
	int rc = replay   ? replay_options_parse(&rcfg, eargc, eargv)
		 : impair ? impair_options_parse(&icfg, eargc, eargv)
			  : options_parse(&cfg, eargc, eargv);
	if (rc == 0 && replay && replay_prepare(&rcfg, &rframes))
		return 1;
	if (replay)
		cfg.port_id = rcfg.port_id;
	if (rc == 1)
		return 0;
	if (rc)
		return 2;
	if (dd < 0 && cfg.role != WL_ROLE_RX && argc > 1) {
		/* no "--": all arguments went to EAL; that is fine, engine defaults */
	}

	int ealc = dd < 0 ? argc : dd;
	char **ealv = calloc((size_t)ealc + 1, sizeof(char *));
	if (!ealv)
		return 1;
	for (int i = 0; i < ealc; i++)
		ealv[i] = argv[i];
	if (rte_eal_init(ealc, ealv) < 0) {
		fprintf(stderr, "wirelab-engine: EAL init failed: %s (check the EAL arguments before '--')\n",
			rte_strerror(rte_errno));
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (impair) {
		rc = impair_run(&icfg);
		rte_eal_cleanup();
		return rc;
	}

	/* each further worker, or port, fills another rx ring and keeps another tx ring busy */
	unsigned nq = replay ? rcfg.workers : cfg.workers;
	unsigned more = nq * (replay || cfg.n_ports < 2 ? 1 : cfg.n_ports) - 1;
	struct rte_mempool *pool = rte_pktmbuf_pool_create("wl_pool", POOL_MBUFS + more * POOL_PER_WORKER, POOL_CACHE, 0,
							   RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (!pool) {
		fprintf(stderr, "wirelab-engine: cannot create the mbuf pool: %s (raise -m)\n", rte_strerror(rte_errno));
		rte_eal_cleanup();
		return 1;
	}
	if (replay)
		port_fast_free = 0;
	else
		port_vlan_strip = cfg.vlan_strip;
	if (port_init(cfg.port_id, pool, nq, &pinfo) < 0) {
		rte_eal_cleanup();
		return 1;
	}
	if (replay) {
		rc = replay_run(&rcfg, &rframes, &pinfo);
		port_close(&pinfo);
		rte_eal_cleanup();
		return rc;
	}
	if (!cfg.has_src_mac)
		memcpy(cfg.src_mac, pinfo.mac, 6);
	if (!cfg.verify_checksums)
		fprintf(stderr, "wirelab-engine: --no-verify-checksums: frames with a wrong ICMP/UDP/TCP checksum are answered\n");
	if (cfg.promiscuous)
		fprintf(stderr, "wirelab-engine: --promiscuous: frames to any destination MAC are answered\n");
	if (cfg.role == WL_ROLE_RX && !cfg.ip)
		fprintf(stderr, "wirelab-engine: rx without --ip: counting only, nothing is answered\n");

	if (engine_init(&eng, &cfg, &pinfo, pool) < 0 || open_more_ports(pool) < 0) {
		engine_fini(&eng);
		port_close(&pinfo);
		rte_eal_cleanup();
		return 1;
	}
	emit_start();
	engine_run(&eng);
	const char *reason = eng.reason;
	engine_fini(&eng);
	close_more_ports();
	port_close(&pinfo);
	rte_eal_cleanup();
	free(eargv);
	free(ealv);
	return strcmp(reason, "error") == 0 ? 1 : 0;
}
