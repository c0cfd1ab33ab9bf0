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
#include "worker.h"
#include "replay.h"

#define POOL_MBUFS 16383
#define POOL_CACHE 256

static struct wl_config cfg;
static struct worker wk;
static struct port_info pinfo;

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
	jb_ku64(&j, "lcores", rte_lcore_count());
	jb_kdbl(&j, "tsc_hz", (double)wk.hz, 0);
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
	int rc = replay ? replay_options_parse(&rcfg, eargc, eargv) : options_parse(&cfg, eargc, eargv);
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

	struct rte_mempool *pool = rte_pktmbuf_pool_create("wl_pool", POOL_MBUFS, POOL_CACHE, 0,
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
	if (port_init(cfg.port_id, pool, &pinfo) < 0) {
		rte_eal_cleanup();
		return 1;
	}
	if (replay) {
		rc = replay_run(&rcfg, &rframes, &pinfo);
		port_close(cfg.port_id);
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

	if (worker_init(&wk, &cfg, &pinfo, pool) < 0) {
		port_close(cfg.port_id);
		rte_eal_cleanup();
		return 1;
	}
	emit_start();

	unsigned wl = rte_get_next_lcore(-1, 1, 0);
	if (wl < RTE_MAX_LCORE) {
		/* data loop on a worker lcore; stats from here */
		if (rte_eal_remote_launch(worker_main, &wk, wl) != 0) {
			fprintf(stderr, "wirelab-engine: cannot launch on lcore %u\n", wl);
			wl = RTE_MAX_LCORE;
		}
	}
	if (wl < RTE_MAX_LCORE) {
		while (!__atomic_load_n(&wk.done, __ATOMIC_ACQUIRE)) {
			uint64_t now = rte_rdtsc();
			if (now >= wk.next_stats) {
				worker_emit_stats(&wk, now, NULL);
				wk.next_stats += wk.stats_step;
				if (wk.next_stats < now)
					wk.next_stats = now + wk.stats_step;
			}
			if (rte_eal_get_lcore_state(wl) != RUNNING)
				break;
			usleep(1000);
		}
		rte_eal_wait_lcore(wl);
	} else {
		wk.inline_stats = 1;
		worker_main(&wk);
	}
	const char *reason = wk.reason ? wk.reason : "error";
	uint64_t stop = wk.stop_tsc ? wk.stop_tsc : rte_rdtsc();
	worker_emit_stats(&wk, stop, reason);
	worker_fini(&wk);
	port_close(cfg.port_id);
	rte_eal_cleanup();
	free(eargv);
	free(ealv);
	return strcmp(reason, "error") == 0 ? 1 : 0;
}
