// Engine stdout lines for unit tests: one from today's engine (no breakdowns),
// and a two-worker, two-port run's lines written field by field from the
// output contract (workers, ports, families, vlans, latency, sequence).

const PROTOS = (udpTx: number, udpRx: number, icmpTx = 0, icmpRx = 0) =>
  `"protocols":{"eth":{"tx_packets":0,"tx_bytes":0,"rx_packets":0,"rx_bytes":0,"requests":0,"answers_sent":0,"answers_matched":0,"errors":0},` +
  `"arp":{"tx_packets":0,"tx_bytes":0,"rx_packets":0,"rx_bytes":0,"requests":0,"answers_sent":0,"answers_matched":0,"errors":0},` +
  `"icmp":{"tx_packets":${icmpTx},"tx_bytes":${icmpTx * 86},"rx_packets":${icmpRx},"rx_bytes":${icmpRx * 86},"requests":0,"answers_sent":0,"answers_matched":0,"errors":0},` +
  `"udp":{"tx_packets":${udpTx},"tx_bytes":${udpTx * 64},"rx_packets":${udpRx},"rx_bytes":${udpRx * 64},"requests":0,"answers_sent":0,"answers_matched":0,"errors":0},` +
  `"tcp":{"tx_packets":0,"tx_bytes":0,"rx_packets":0,"rx_bytes":0,"requests":0,"answers_sent":0,"answers_matched":0,"errors":0},` +
  `"dns":{"tx_packets":0,"tx_bytes":0,"rx_packets":0,"rx_bytes":0,"requests":0,"answers_sent":0,"answers_matched":0,"errors":0}}`;

const COMMON = (tx: number, rx: number) =>
  `"totals":{"tx_packets":${tx},"tx_bytes":${tx * 64},"rx_packets":${rx},"rx_bytes":${rx * 64},"malformed":0,"unknown":0,"tx_dropped":0,"rx_missed":0},` +
  `"rates":{"tx_pps":${tx},"rx_pps":${rx},"tx_bps":${tx * 544},"rx_bps":${rx * 544}},"rtt_us":null,"pacing":null,"tcp":{"handshakes_completed":0,"resets":0},"backoff":null`;

/** Today's engine: the totals only. */
export const OLD_STATS = `{"type":"stats","t":1.000412,"role":"tx",${PROTOS(1000, 0, 0, 2)},${COMMON(1000, 2)}}`;

/** Sender, 2 workers on lcores 1 and 2, one port, IPv6 UDP, QinQ 100.200. */
export const TX_STATS_2W = `{"type":"stats","t":1.000377,"role":"tx",${PROTOS(2000, 0, 2, 2)},${COMMON(2002, 2)},` +
  `"workers":[{"worker":0,"lcore":1,"tx_packets":1001,"tx_bytes":64064,"rx_packets":2,"rx_bytes":172,"answers_matched":0,"tx_pps":1001.2,"rx_pps":2.0},` +
  `{"worker":1,"lcore":2,"tx_packets":1001,"tx_bytes":64064,"rx_packets":0,"rx_bytes":0,"answers_matched":0,"tx_pps":1000.8,"rx_pps":0}],` +
  `"ports":[{"port":0,"name":"net_af_xdp0","tx_packets":2002,"tx_bytes":128128,"rx_packets":2,"rx_bytes":172,"rx_missed":0,"tx_dropped":0}],` +
  `"families":{"ipv4":{"tx_packets":0,"rx_packets":0},"ipv6":{"tx_packets":2002,"rx_packets":2}},` +
  `"vlans":{"100.200":{"tx_packets":2000,"rx_packets":0}}}`;

/** The same sender's summary: more packets, and the reason. */
export const TX_SUMMARY_2W = TX_STATS_2W.replace('"type":"stats","t":1.000377', '"type":"summary","t":2.5').replace(/\}$/, ',"duration_s":2.5,"reason":"duration"}')
  .replace('"worker":0,"lcore":1,"tx_packets":1001', '"worker":0,"lcore":1,"tx_packets":2501').replace('"worker":1,"lcore":2,"tx_packets":1001', '"worker":1,"lcore":2,"tx_packets":2499');

/** Receiver on two ports (the DUT shape): stamped frames give latency and sequence. */
export const RX_SUMMARY_2P = `{"type":"summary","t":2.6,"role":"rx",${PROTOS(0, 4998, 2, 2)},${COMMON(2, 5000)},` +
  `"workers":[{"worker":0,"lcore":1,"tx_packets":2,"tx_bytes":172,"rx_packets":2500,"rx_bytes":160000,"answers_matched":0,"tx_pps":0.8,"rx_pps":961.5},` +
  `{"worker":1,"lcore":2,"tx_packets":0,"tx_bytes":0,"rx_packets":2500,"rx_bytes":160000,"answers_matched":0,"tx_pps":0,"rx_pps":961.5}],` +
  `"ports":[{"port":0,"name":"net_af_xdp0","tx_packets":2,"tx_bytes":172,"rx_packets":1,"rx_bytes":86,"rx_missed":0,"tx_dropped":0},` +
  `{"port":1,"name":"net_af_xdp1","tx_packets":0,"tx_bytes":0,"rx_packets":4999,"rx_bytes":319914,"rx_missed":3,"tx_dropped":0}],` +
  `"families":{"ipv4":{"tx_packets":0,"rx_packets":0},"ipv6":{"tx_packets":2,"rx_packets":5000}},` +
  `"vlans":{"100.200":{"tx_packets":0,"rx_packets":4998}},` +
  `"latency":{"samples":4998,"min_us":11.2,"mean_us":23.9,"p50_us":21.0,"p90_us":30.5,"p99_us":48.1,"p999_us":77.0,"max_us":130.4},` +
  `"sequence":{"received":4998,"lost":2,"reordered":1,"duplicates":0},"duration_s":2.6,"reason":"signal"}`;
