// Everything a report shows, gathered once from the run store and the run
// directory. The store is the source for the run, its samples and verdicts;
// the run dir's results.json (the engine's own final summaries) is preferred
// for totals, because the last 1 s sample misses what was counted after it.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { PROTOCOLS, type Protocol } from "../traffic/engine-output.ts";
import type { CheckResult, TrafficResult } from "../traffic/run-traffic.ts";
import type { CounterTotals, RunRow, RunStore, SampleRow } from "../store/run-store.ts";
import { findXdpBench, type XdpBench } from "./xdp-bench-source.ts";
import { breakdownOf, hasBreakdown, type IpVersion } from "../traffic/breakdown.ts";
import type { HostBreakdown } from "./breakdown-section.ts";
import { findRfc2544 } from "./rfc2544-report.ts";
import type { Rfc2544Result } from "../scenario/rfc2544.ts";
import { segmentSummaries, type SegmentSummary } from "../run/segment-summary.ts";

export interface HostTotals {
  host: string;
  role: string;
  protocol: Protocol;
  tx_packets: number;
  tx_bytes: number;
  rx_packets: number;
  rx_bytes: number;
  requests: number;
  answers_matched: number;
  errors: number;
  /** Mean of the per-interval host rates (the engine reports rates per host, not per protocol). */
  mean_tx_pps: number;
  mean_rx_pps: number;
  /** Where the counters come from: the engine's final summary, or the last stored sample. */
  source: "summary" | "samples";
}

export interface ReportData {
  run: RunRow;
  samples: SampleRow[];
  verdicts: CheckResult[];
  totals: HostTotals[];
  rtt: { p50: number; p99: number; max?: number } | null;
  traffic: TrafficResult | null;
  xdpBench: XdpBench | null;
  /** Per host: workers, ports, families, VLANs, one-way latency (only hosts with something to show). */
  breakdowns: HostBreakdown[];
  /** RFC 2544 throughput searches of a scenario run (rfc2544_<step>.json in its directory). */
  rfc2544: Rfc2544Result[];
  /** The run's parts with engines of their own (demo steps, scenario steps and sweep rates), each with its totals. */
  segments: SegmentSummary[];
}

export class UnknownRunError extends Error {
  override name = "UnknownRunError";
}

export function readTrafficResult(runDir: string): TrafficResult | null {
  const file = join(runDir, "results.json");
  if (!existsSync(file)) return null;
  try {
    const json = JSON.parse(readFileSync(file, "utf8")) as Partial<TrafficResult> & { schema?: string };
    // An xdp-bench results.json has a schema tag and no hosts: not a traffic result.
    return Array.isArray(json.hosts) && json.tx && json.rx ? (json as TrafficResult) : null;
  } catch {
    return null;
  }
}

/** One row per (host, protocol) that moved anything. */
/**
 * `finals`: the store's final counters per host, role and protocol (every engine of a scenario summed), used
 * where no engine summary is at hand; without them, the last sample of each host and protocol.
 */
export function hostTotals(samples: readonly SampleRow[], traffic: TrafficResult | null, finals?: readonly (CounterTotals & { role: string })[]): HostTotals[] {
  const byHost = new Map<string, SampleRow[]>();
  for (const s of samples) byHost.set(s.host, [...(byHost.get(s.host) ?? []), s]);
  const hosts = new Set<string>([...byHost.keys(), ...(traffic?.hosts.map((h) => h.host) ?? [])]);
  const rows: HostTotals[] = [];
  for (const host of [...hosts].sort()) {
    const hs = byHost.get(host) ?? [];
    // Rates are per host per interval, repeated on each protocol row: one value per t.
    const perT = new Map<number, SampleRow>();
    for (const s of hs) perT.set(s.t, s);
    const mean = (k: "tx_pps" | "rx_pps") => (perT.size ? [...perT.values()].reduce((a, s) => a + s[k], 0) / perT.size : 0);
    const outcome = traffic?.hosts.find((h) => h.host === host);
    const summary = outcome?.summary;
    for (const protocol of PROTOCOLS) {
      const last = hs.filter((s) => s.protocol === protocol).at(-1);
      const c = summary?.protocols?.[protocol];
      const final = finals?.filter((f) => f.host === host && f.protocol === protocol) ?? [];
      const counters = c ?? (final.length > 0 ? sumCounters(final) : last);
      if (!counters || counters.tx_packets + counters.rx_packets === 0) continue;
      rows.push({
        host, role: outcome?.role ?? last?.role ?? "?", protocol,
        tx_packets: counters.tx_packets, tx_bytes: counters.tx_bytes, rx_packets: counters.rx_packets, rx_bytes: counters.rx_bytes,
        requests: counters.requests, answers_matched: counters.answers_matched, errors: counters.errors,
        mean_tx_pps: mean("tx_pps"), mean_rx_pps: mean("rx_pps"), source: c ? "summary" : "samples",
      });
    }
  }
  // Senders first, as a reader follows the packets.
  return rows.sort((a, b) => b.role.localeCompare(a.role) || a.host.localeCompare(b.host));
}

type Counted = Pick<CounterTotals, "tx_packets" | "tx_bytes" | "rx_packets" | "rx_bytes" | "requests" | "answers_matched" | "errors">;

/** A host's counters for one protocol over the roles it had (a scenario may send from it in one step, receive in another). */
function sumCounters(rows: readonly Counted[]): Counted {
  const keys = ["tx_packets", "tx_bytes", "rx_packets", "rx_bytes", "requests", "answers_matched", "errors"] as const;
  return Object.fromEntries(keys.map((k) => [k, rows.reduce((a, r) => a + r[k], 0)])) as Counted;
}

/** Final RTT: the engine's summary when there is one, else the last sampled percentiles. */
function finalRtt(samples: readonly SampleRow[], traffic: TrafficResult | null): ReportData["rtt"] {
  if (traffic) return traffic.rtt ? { p50: traffic.rtt.p50, p99: traffic.rtt.p99, max: traffic.rtt.max } : null;
  const last = samples.filter((s) => s.rtt_p50_us !== null && s.rtt_p99_us !== null).at(-1);
  return last ? { p50: last.rtt_p50_us!, p99: last.rtt_p99_us! } : null;
}

export function loadReportData(runDir: string, store: RunStore, runId: string, options: { xdpBench?: string } = {}): ReportData {
  const run = store.getRun(runId);
  if (!run) throw new UnknownRunError(`no run '${runId}' in ${store.path} (see 'bun run report --list')`);
  const samples = store.samples(runId);
  const traffic = readTrafficResult(runDir);
  return {
    run,
    samples,
    verdicts: store.verdicts(runId),
    totals: hostTotals(samples, traffic, store.finalCounters(runId)),
    rtt: finalRtt(samples, traffic),
    traffic,
    xdpBench: findXdpBench(runDir, options.xdpBench),
    breakdowns: hostBreakdowns(traffic, store.finalBreakdowns(runId)),
    rfc2544: findRfc2544(runDir),
    segments: segmentSummaries(store, runId),
  };
}

/** The engines' own summaries when results.json has them (a run's final figures), else the store's final rows. */
export function hostBreakdowns(traffic: TrafficResult | null, stored: readonly HostBreakdown[]): HostBreakdown[] {
  const ipVersion = (traffic?.spec.ipVersion ?? 4) as IpVersion;
  const fromSummaries = (traffic?.hosts ?? []).filter((h) => h.summary).map((h) => ({ host: h.host, role: h.role, breakdown: breakdownOf(h.summary, ipVersion) }));
  const list = fromSummaries.length ? fromSummaries : [...stored];
  return list.filter((h) => hasBreakdown(h.breakdown)).sort((a, b) => b.role.localeCompare(a.role) || a.host.localeCompare(b.host));
}
