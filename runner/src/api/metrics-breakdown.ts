// /metrics families for the engines' breakdowns: packets (and bytes where the
// engine counts them) per host and worker, port, IP family and VLAN, from the
// store's totals of finished runs plus running runs' latest figures, so no
// series ever goes down (as wirelab_packets_total).
import type { BreakdownKind, BreakdownTotalsRow as Sum } from "../store/breakdown-tables.ts";
import type { MetricsSnapshot } from "../store/run-store.ts";
import type { MetricsWriter } from "./metrics.ts";

/** The label each kind's key goes under. */
const LABEL: Record<BreakdownKind, string> = { worker: "worker", port: "port", family: "family", vlan: "vlan" };
const HELP: Record<BreakdownKind, string> = {
  worker: "per engine worker (lcore)",
  port: "per engine port",
  family: "per IP family (the engine's split, or the run's ip_version for engines without one)",
  vlan: "per VLAN (outer VID, then .inner for QinQ)",
};

export function writeBreakdownMetrics(w: MetricsWriter, snap: MetricsSnapshot): void {
  const sums = new Map<string, Sum>();
  const add = (r: Sum) => {
    const id = `${r.host}\u0000${r.kind}\u0000${r.key}`;
    const e = sums.get(id);
    if (!e) {
      sums.set(id, { ...r });
      return;
    }
    e.tx_packets += r.tx_packets;
    e.rx_packets += r.rx_packets;
    if (r.tx_bytes !== null) e.tx_bytes = (e.tx_bytes ?? 0) + r.tx_bytes;
    if (r.rx_bytes !== null) e.rx_bytes = (e.rx_bytes ?? 0) + r.rx_bytes;
  };
  for (const t of snap.breakdownTotals) add(t);
  for (const run of snap.running) for (const r of run.latestBreakdown) add(r);
  const ordered = [...sums.values()].sort((a, b) => a.host.localeCompare(b.host) || a.key.localeCompare(b.key, "en", { numeric: true }));
  for (const kind of ["worker", "port", "family", "vlan"] as const) {
    const rows = ordered.filter((r) => r.kind === kind);
    const name = `wirelab_${kind}_packets_total`;
    w.family(name, "counter", `Packets ${HELP[kind]}, per host and direction: every run's final counters, and running runs' latest.`);
    for (const r of rows) for (const dir of ["tx", "rx"] as const) w.sample(name, { host: r.host, [LABEL[kind]]: r.key, direction: dir }, r[`${dir}_packets`]);
    if (kind === "worker" || kind === "port") {
      const bytes = `wirelab_${kind}_bytes_total`;
      w.family(bytes, "counter", `Bytes ${HELP[kind]}, per host and direction, counted like the packets.`);
      for (const r of rows) for (const dir of ["tx", "rx"] as const) w.sample(bytes, { host: r.host, [LABEL[kind]]: r.key, direction: dir }, r[`${dir}_bytes`] ?? 0);
    }
  }
}
