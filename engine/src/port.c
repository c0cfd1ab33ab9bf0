#include <stdio.h>
#include <string.h>
#include <rte_ethdev.h>
#include "port.h"
#include "options.h"

int port_fast_free = 1;
int port_vlan_strip;

#define RX_DESC 2048
#define TX_DESC 2048

int port_init(uint16_t port, struct rte_mempool *pool, struct port_info *out)
{
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;
	int rc;

	if (!rte_eth_dev_is_valid_port(port)) {
		fprintf(stderr, "wirelab-engine: port %u does not exist (%u ports; give one with --vdev or a PCI device)\n",
			port, rte_eth_dev_count_avail());
		return -ENODEV;
	}
	rc = rte_eth_dev_info_get(port, &info);
	if (rc) {
		fprintf(stderr, "wirelab-engine: port %u: cannot get device info: %s\n", port, rte_strerror(-rc));
		return rc;
	}
	memset(&conf, 0, sizeof(conf));
	if ((info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE) && port_fast_free)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE;
	if (port_vlan_strip) {
		if (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_VLAN_STRIP)
			conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_VLAN_STRIP;
		else
			fprintf(stderr, "wirelab-engine: port %u: --vlan-strip: %s does not strip tags; they stay in the frames\n",
				port, info.driver_name);
	}
	rc = rte_eth_dev_configure(port, 1, 1, &conf);
	if (rc) {
		fprintf(stderr, "wirelab-engine: port %u: configure failed: %s\n", port, rte_strerror(-rc));
		return rc;
	}
	uint16_t nrx = RX_DESC, ntx = TX_DESC;
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(port, &nrx, &ntx);
	if (rc) {
		fprintf(stderr, "wirelab-engine: port %u: descriptor counts rejected: %s\n", port, rte_strerror(-rc));
		return rc;
	}
	int socket = rte_eth_dev_socket_id(port);
	if (socket < 0)
		socket = (int)rte_socket_id();
	rc = rte_eth_rx_queue_setup(port, 0, nrx, (unsigned)socket, NULL, pool);
	if (rc) {
		fprintf(stderr, "wirelab-engine: port %u: rx queue setup failed: %s\n", port, rte_strerror(-rc));
		return rc;
	}
	struct rte_eth_txconf txc = info.default_txconf;
	txc.offloads = conf.txmode.offloads;
	rc = rte_eth_tx_queue_setup(port, 0, ntx, (unsigned)socket, &txc);
	if (rc) {
		fprintf(stderr, "wirelab-engine: port %u: tx queue setup failed: %s\n", port, rte_strerror(-rc));
		return rc;
	}
	rc = rte_eth_dev_start(port);
	if (rc) {
		fprintf(stderr, "wirelab-engine: port %u: start failed: %s\n", port, rte_strerror(-rc));
		return rc;
	}
	/* receive everything on the wire: the rx side classifies what it sees */
	rte_eth_promiscuous_enable(port);

	struct rte_ether_addr mac;
	rte_eth_macaddr_get(port, &mac);
	out->id = port;
	memcpy(out->mac, mac.addr_bytes, 6);
	if (rte_eth_dev_get_name_by_port(port, out->name))
		snprintf(out->name, sizeof(out->name), "port%u", port);
	snprintf(out->driver, sizeof(out->driver), "%s", info.driver_name ? info.driver_name : "unknown");
	out->nb_rxd = nrx;
	out->nb_txd = ntx;
	return 0;
}

void port_close(uint16_t port)
{
	rte_eth_dev_stop(port);
	rte_eth_dev_close(port);
}

void port_json(struct jbuf *j, const struct port_info *pi)
{
	char mac[32];
	jb_key(j, "port");
	jb_obj_open(j);
	jb_ku64(j, "id", pi->id);
	jb_kstr(j, "name", pi->name);
	jb_kstr(j, "driver", pi->driver);
	fmt_mac(pi->mac, mac, sizeof(mac));
	jb_kstr(j, "mac", mac);
	jb_ku64(j, "rx_desc", pi->nb_rxd);
	jb_ku64(j, "tx_desc", pi->nb_txd);
	jb_obj_close(j);
}
