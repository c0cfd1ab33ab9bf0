#include <stdio.h>
#include <string.h>
#include <rte_ethdev.h>
#include "port.h"
#include "options.h"

int port_fast_free = 1;
int port_vlan_strip;

static void port_close_dev(uint16_t port);

#define RX_DESC 2048
#define TX_DESC 2048

/* Configure and start one ethdev with nq rx/tx queue pairs. */
static int setup_dev(uint16_t port, struct rte_mempool *pool, unsigned nq, struct port_info *out)
{
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;
	int rc;

	rc = rte_eth_dev_info_get(port, &info);
	if (rc) {
		fprintf(stderr, "wirelab-engine: port %u: cannot get device info: %s\n", port, rte_strerror(-rc));
		return rc;
	}
	memset(&conf, 0, sizeof(conf));
	if ((info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE) && port_fast_free)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE;
	/* several queues: spread received flows by RSS where the PMD has it
	 * (af_xdp on veth has none: the kernel keeps the sender's queue) */
	uint64_t rss = info.flow_type_rss_offloads & (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP);
	if (nq > 1 && rss) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf = rss;
	}
	if (port_vlan_strip) {
		if (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_VLAN_STRIP)
			conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_VLAN_STRIP;
		else
			fprintf(stderr, "wirelab-engine: port %u: --vlan-strip: %s does not strip tags; they stay in the frames\n",
				port, info.driver_name);
	}
	rc = rte_eth_dev_configure(port, (uint16_t)nq, (uint16_t)nq, &conf);
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
	struct rte_eth_txconf txc = info.default_txconf;
	txc.offloads = conf.txmode.offloads;
	for (uint16_t q = 0; q < nq; q++) {
		rc = rte_eth_rx_queue_setup(port, q, nrx, (unsigned)socket, NULL, pool);
		if (rc) {
			fprintf(stderr, "wirelab-engine: port %u: rx queue %u setup failed: %s\n", port, q, rte_strerror(-rc));
			return rc;
		}
		rc = rte_eth_tx_queue_setup(port, q, ntx, (unsigned)socket, &txc);
		if (rc) {
			fprintf(stderr, "wirelab-engine: port %u: tx queue %u setup failed: %s\n", port, q, rte_strerror(-rc));
			return rc;
		}
	}
	rc = rte_eth_dev_start(port);
	if (rc) {
		fprintf(stderr, "wirelab-engine: port %u: start failed: %s\n", port, rte_strerror(-rc));
		return rc;
	}
	/* receive everything on the wire: the rx side classifies what it sees */
	rte_eth_promiscuous_enable(port);

	out->nb_rxd = nrx;
	out->nb_txd = ntx;
	out->rss = conf.rxmode.mq_mode == RTE_ETH_MQ_RX_RSS;
	out->fast_free = (conf.txmode.offloads & RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE) != 0;
	return 0;
}

/* net_af_xdp in DPDK 22.11 takes its queue count from the interface's
 * combined channels, which a veth does not report: several queues of one
 * veth come as several vdevs (start_queue=0, 1, ...) on the same interface.
 * Those after `port` with the same interface index, in port order. */
static unsigned xdp_siblings(uint16_t port, unsigned want, uint16_t *ids)
{
	struct rte_eth_dev_info a, b;
	unsigned n = 0;
	if (rte_eth_dev_info_get(port, &a) || !a.driver_name || strcmp(a.driver_name, "net_af_xdp") || !a.if_index)
		return 0;
	uint16_t p;
	RTE_ETH_FOREACH_DEV(p) {
		if (n == want)
			break;
		if (p < port || rte_eth_dev_info_get(p, &b) || !b.driver_name || strcmp(b.driver_name, "net_af_xdp") ||
		    b.if_index != a.if_index)
			continue;
		ids[n++] = p;
	}
	return n;
}

int port_init(uint16_t port, struct rte_mempool *pool, unsigned nq, struct port_info *out)
{
	struct rte_eth_dev_info info;
	int rc;
	memset(out, 0, sizeof(*out));
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
	if (nq <= info.max_rx_queues && nq <= info.max_tx_queues) {
		out->n_dev = 1;
		out->dev[0] = port;
		for (unsigned i = 0; i < nq; i++) {
			out->qport[i] = port;
			out->qid[i] = (uint16_t)i;
		}
	} else if (xdp_siblings(port, nq, out->dev) == nq) {
		out->n_dev = nq;
		for (unsigned i = 0; i < nq; i++) {
			out->qport[i] = out->dev[i];
			out->qid[i] = 0;
		}
	} else {
		fprintf(stderr, "wirelab-engine: port %u (%s) has %u rx / %u tx queues, --workers %u needs %u: a device with "
			"as many queues, or for net_af_xdp on an interface without combined channels (veth) one vdev per "
			"queue, start_queue=0..%u\n", port, info.driver_name ? info.driver_name : "?", info.max_rx_queues,
			info.max_tx_queues, nq, nq, nq - 1);
		return -EINVAL;
	}
	for (unsigned d = 0; d < out->n_dev; d++) {
		rc = setup_dev(out->dev[d], pool, out->n_dev == 1 ? nq : 1, out);
		if (rc) {
			while (d--)
				port_close_dev(out->dev[d]);
			return rc;
		}
	}
	struct rte_ether_addr mac;
	rte_eth_macaddr_get(port, &mac);
	out->id = port;
	out->nb_queues = (uint16_t)nq;
	memcpy(out->mac, mac.addr_bytes, 6);
	if (rte_eth_dev_get_name_by_port(port, out->name))
		snprintf(out->name, sizeof(out->name), "port%u", port);
	snprintf(out->driver, sizeof(out->driver), "%s", info.driver_name ? info.driver_name : "unknown");
	return 0;
}

void port_stats(const struct port_info *pi, uint64_t *imissed, uint64_t *oerrors)
{
	struct rte_eth_stats es;
	*imissed = *oerrors = 0;
	for (unsigned d = 0; d < pi->n_dev; d++) {
		if (rte_eth_stats_get(pi->dev[d], &es) == 0) {
			*imissed += es.imissed;
			*oerrors += es.oerrors;
		}
	}
}

static void port_close_dev(uint16_t port)
{
	rte_eth_dev_stop(port);
	rte_eth_dev_close(port);
}

void port_close(const struct port_info *pi)
{
	for (unsigned d = 0; d < pi->n_dev; d++)
		port_close_dev(pi->dev[d]);
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
	jb_ku64(j, "queues", pi->nb_queues);
	jb_kbool(j, "rss", pi->rss);
	jb_obj_close(j);
}
