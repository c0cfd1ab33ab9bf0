// GET /metrics: Prometheus text exposition format 0.0.4, built from the run
// store's aggregates (runs by state, totals of every finished run's final
// counters and durations, running runs' latest samples) and from the runs this
// server is driving. Its cost does not grow with the number of runs stored.
import { DURATION_BUCKETS, type CounterTotals, type RunStore } from "../store/run-store.ts";
import type { RunRegistry } from "./run-registry.ts";
import { writeBreakdownMetrics } from "./metrics-breakdown.ts";
import { ResponseCache } from "./cached-response.ts";

export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
export { DURATION_BUCKETS };
const STATES = ["running", "passed", "failed", "interrupted"] as const;

type Labels = Record<string, string>;

const NEEDS_ESCAPE = /[\\\n"]/;

function escapeLabel(value: string): string {
  // Host and protocol names almost never need escaping: one test instead of three replaces per label per scrape.
  if (!NEEDS_ESCAPE.test(value)) return value;
  return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return String(v);
}

/** Accumulates metric families and renders them with HELP and TYPE once each. */
export class MetricsWriter {
  private readonly lines: string[] = [];

  family(name: string, type: "counter" | "gauge" | "histogram", help: string): this {
    this.lines.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`);
    return this;
  }

  sample(name: string, labels: Labels, value: number): this {
    let l = "";
    for (const k in labels) l += `${l ? "," : "{"}${k}="${escapeLabel(labels[k]!)}"`;
    this.lines.push(`${name}${l ? l + "}" : ""} ${formatValue(value)}`);
    return this;
  }

  render(): string {
    return this.lines.join("\n") + "\n";
  }
}

type Sums = Omit<CounterTotals, "host" | "protocol">;

// Scrapes between two changes get the same text: under load the page costs a comparison of change counters, not the
// queries and the writer.
const pages = new ResponseCache<"metrics">(METRICS_CONTENT_TYPE, render);

export function renderMetrics(store: RunStore, registry: RunRegistry): string {
  return pages.get(store, registry, "metrics").text;
}

/** GET /metrics' response: renderMetrics' text. */
export function metricsResponse(store: RunStore, registry: RunRegistry): Response {
  return pages.response(store, registry, "metrics");
}

function render(store: RunStore, registry: RunRegistry): string {
  const snap = store.metricsSnapshot();
  const w = new MetricsWriter();

  w.family("wirelab_runs", "gauge", "Runs in the run store by state.");
  for (const state of STATES) w.sample("wirelab_runs", { state }, snap.runsByState[state]);

  w.family("wirelab_active_runs", "gauge", "Runs this server is driving now.");
  w.sample("wirelab_active_runs", {}, registry.size);

  // Finished runs come from the store's totals; a running run adds its counters so far. When it finishes, its final
  // counters (never below the last sample's) move into the totals, so no series ever goes down.
  const sums = new Map<string, { host: string; protocol: string; s: Sums }>();
  const add = (host: string, protocol: string, c: Sums) => {
    const key = `${host}\u0000${protocol}`;
    let e = sums.get(key);
    if (!e) sums.set(key, (e = { host, protocol, s: { tx_packets: 0, tx_bytes: 0, rx_packets: 0, rx_bytes: 0, requests: 0, answers_sent: 0, answers_matched: 0, errors: 0 } }));
    for (const k of Object.keys(e.s) as (keyof Sums)[]) e.s[k] += c[k];
  };
  for (const t of snap.totals) add(t.host, t.protocol, t);
  const rates = new Map<string, { host: string; tx: number; rx: number }>();
  for (const run of snap.running) {
    for (const row of run.latest) {
      add(row.host, row.protocol, row);
      // tx_pps/rx_pps are per host (the engine's totals), repeated on each protocol row: take them once per host.
      const r = rates.get(row.host) ?? { host: row.host, tx: 0, rx: 0 };
      r.tx = Math.max(r.tx, row.tx_pps);
      r.rx = Math.max(r.rx, row.rx_pps);
      rates.set(row.host, r);
    }
  }
  const ordered = [...sums.values()].sort((a, b) => a.host.localeCompare(b.host) || a.protocol.localeCompare(b.protocol));
  w.family("wirelab_packets_total", "counter", "Packets per host, protocol and direction: every run's final counters, and running runs' latest.");
  for (const e of ordered) for (const dir of ["tx", "rx"] as const) w.sample("wirelab_packets_total", { host: e.host, protocol: e.protocol, direction: dir }, e.s[`${dir}_packets`]);
  w.family("wirelab_bytes_total", "counter", "Bytes per host, protocol and direction, counted like the packets.");
  for (const e of ordered) for (const dir of ["tx", "rx"] as const) w.sample("wirelab_bytes_total", { host: e.host, protocol: e.protocol, direction: dir }, e.s[`${dir}_bytes`]);
  w.family("wirelab_requests_total", "counter", "Requests that expect an answer (icmp, dns, tcp, arp) per host and protocol.");
  for (const e of ordered) w.sample("wirelab_requests_total", { host: e.host, protocol: e.protocol }, e.s.requests);
  w.family("wirelab_answers_matched_total", "counter", "Answers matched to a request per host and protocol.");
  for (const e of ordered) w.sample("wirelab_answers_matched_total", { host: e.host, protocol: e.protocol }, e.s.answers_matched);
  w.family("wirelab_errors_total", "counter", "Engine errors per host and protocol.");
  for (const e of ordered) w.sample("wirelab_errors_total", { host: e.host, protocol: e.protocol }, e.s.errors);

  w.family("wirelab_rate_pps", "gauge", "Current packet rate per host and direction in running runs.");
  for (const r of [...rates.values()].sort((a, b) => a.host.localeCompare(b.host))) {
    w.sample("wirelab_rate_pps", { host: r.host, direction: "tx" }, r.tx);
    w.sample("wirelab_rate_pps", { host: r.host, direction: "rx" }, r.rx);
  }

  writeBreakdownMetrics(w, snap);

  const d = snap.durations;
  w.family("wirelab_run_duration_seconds", "histogram", "Wall-clock duration of finished runs.");
  for (const b of d.buckets) w.sample("wirelab_run_duration_seconds_bucket", { le: String(b.le) }, b.runs);
  w.sample("wirelab_run_duration_seconds_bucket", { le: "+Inf" }, d.count);
  w.sample("wirelab_run_duration_seconds_sum", {}, d.sum);
  w.sample("wirelab_run_duration_seconds_count", {}, d.count);
  return w.render();
}
