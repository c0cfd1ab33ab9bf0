/* DPDK port bring-up: one rx and one tx queue on any ethdev (af_xdp,
 * af_packet vdevs, PCI devices bound to vfio-pci/uio_pci_generic). */
#ifndef WL_PORT_H
#define WL_PORT_H
#include <stdint.h>
#include <rte_ethdev.h>
#include <rte_mempool.h>
#include "json_out.h"

struct port_info {
	uint16_t id;
	char name[RTE_ETH_NAME_MAX_LEN];
	char driver[64];
	uint8_t mac[6];
	uint16_t nb_rxd, nb_txd;
};

/* 0 before port_init when mbufs are sent with refcnt > 1 (replay):
 * fast free assumes every mbuf sent is freed outright. [1] */
extern int port_fast_free;
/* 1: ask the PMD to strip VLAN tags on receive where it offers it (the
 * worker puts them back from the mbuf). [0] */
extern int port_vlan_strip;
/* Returns 0, or a negative errno after logging to stderr. */
int port_init(uint16_t port, struct rte_mempool *pool, struct port_info *out);
void port_close(uint16_t port);
/* "port": {...} of the start line. */
void port_json(struct jbuf *j, const struct port_info *pi);
#endif
