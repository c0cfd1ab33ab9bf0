// The report's tables beyond the totals, for results.md and report.html alike:
// per worker, per port, per IP family, per VLAN, and one-way latency with the
// sequence figures of stamped frames, one row per host (and worker, port...).
import type { Breakdown } from "../traffic/breakdown.ts";
import { num } from "./format.ts";

export interface HostBreakdown {
  host: string;
  role: string;
  breakdown: Breakdown;
}

export interface BreakdownTable {
  title: string;
  head: string[];
  rows: string[][];
  note?: string;
}

export function breakdownTables(list: readonly HostBreakdown[]): BreakdownTable[] {
  const tables: BreakdownTable[] = [];
  const workers = list.flatMap(({ host, role, breakdown: b }) =>
    b.workers.map((w) => [host, role, String(w.worker), String(w.lcore), num(w.tx_packets), num(w.tx_bytes), num(w.rx_packets), num(w.rx_bytes), num(w.answers_matched), num(w.tx_pps), num(w.rx_pps)]),
  );
  if (workers.length) {
    tables.push({ title: "Per worker", head: ["host", "role", "worker", "lcore", "tx packets", "tx bytes", "rx packets", "rx bytes", "answers matched", "tx pps", "rx pps"], rows: workers, note: "Each worker owns a queue pair on every port; the workers of a host add up to its totals." });
  }
  const ports = list.flatMap(({ host, role, breakdown: b }) =>
    b.ports.map((p) => [host, role, String(p.port), p.name, num(p.tx_packets), num(p.tx_bytes), num(p.rx_packets), num(p.rx_bytes), num(p.rx_missed), num(p.tx_dropped)]),
  );
  if (ports.length) tables.push({ title: "Per port", head: ["host", "role", "port", "device", "tx packets", "tx bytes", "rx packets", "rx bytes", "rx missed", "tx dropped"], rows: ports });
  const families = list.flatMap(({ host, role, breakdown: b }) =>
    Object.entries(b.families).map(([f, c]) => [host, role, f, num(c.tx_packets), num(c.rx_packets), b.familiesFrom === "engine" ? "engine" : "run's ip_version"]),
  );
  if (families.length) {
    tables.push({
      title: "Per IP family", head: ["host", "role", "family", "tx packets", "rx packets", "split by"], rows: families,
      note: list.some((h) => h.breakdown.familiesFrom === "ip_version") ? "'run's ip_version': an engine without a per-family split; its ICMP, UDP, TCP and DNS packets are all of the run's family." : undefined,
    });
  }
  const vlans = list.flatMap(({ host, role, breakdown: b }) => Object.entries(b.vlans).map(([k, c]) => [host, role, k, num(c.tx_packets), num(c.rx_packets)]));
  if (vlans.length) tables.push({ title: "Per VLAN", head: ["host", "role", "vlan (outer.inner)", "tx packets", "rx packets"], rows: vlans });
  const stamped = list.filter((h) => h.breakdown.latency || h.breakdown.sequence);
  if (stamped.length) {
    tables.push({
      title: "One-way latency and sequence (stamped frames)",
      head: ["host", "role", "samples", "min us", "mean us", "p50 us", "p90 us", "p99 us", "p99.9 us", "max us", "received", "lost", "reordered", "duplicates"],
      rows: stamped.map(({ host, role, breakdown: { latency: l, sequence: s } }) => [
        host, role, num(l?.samples), num(l?.min_us, 1), num(l?.mean_us, 1), num(l?.p50_us, 1), num(l?.p90_us, 1), num(l?.p99_us, 1), num(l?.p999_us, 1), num(l?.max_us, 1),
        num(s?.received), num(s?.lost), num(s?.reordered), num(s?.duplicates),
      ]),
    });
  }
  return tables;
}
