/* DPDK port bring-up: an rx and a tx queue per worker on any ethdev (af_xdp,
 * af_packet vdevs, PCI devices bound to vfio-pci/uio_pci_generic). */
#ifndef WL_PORT_H
#define WL_PORT_H
#include <stdint.h>
#include <rte_ethdev.h>
#include <rte_mempool.h>
#include "json_out.h"
#include "workers_max.h"

struct port_info {
	uint16_t id;
	char name[RTE_ETH_NAME_MAX_LEN];
	char driver[64];
	uint8_t mac[6];
	uint16_t nb_rxd, nb_txd;
	uint16_t nb_queues;        /* rx and tx queues: one pair per worker */
	uint8_t rss;               /* received flows spread by RSS */
	uint8_t fast_free;         /* RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE is on */
	/* worker i's queue: (qport[i], qid[i]); one device with N queues, or N
	 * single-queue af_xdp vdevs on one interface (dev[]) */
	uint16_t qport[WL_MAX_WORKERS], qid[WL_MAX_WORKERS];
	uint16_t dev[WL_MAX_WORKERS];
	unsigned n_dev;
};

/* 0 before port_init when mbufs are sent with refcnt > 1 (replay):
 * fast free assumes every mbuf sent is freed outright. [1] */
extern int port_fast_free;
/* 1: ask the PMD to strip VLAN tags on receive where it offers it (the
 * worker puts them back from the mbuf). [0] */
extern int port_vlan_strip;
/* Returns 0, or a negative errno after logging to stderr. */
int port_init(uint16_t port, struct rte_mempool *pool, unsigned nq, struct port_info *out);
void port_close(const struct port_info *pi);
/* The PMD counters (imissed, oerrors) summed over the port's devices. */
void port_stats(const struct port_info *pi, uint64_t *imissed, uint64_t *oerrors);
/* "port": {...} of the start line. */
void port_json(struct jbuf *j, const struct port_info *pi);
#endif
