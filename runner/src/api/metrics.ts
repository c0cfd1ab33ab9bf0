// GET /metrics: Prometheus text exposition format 0.0.4, built from the run
// store (runs by state, run durations, per host/protocol counters from each
// run's latest samples) and from the runs this server is driving (rates).
import type { RunRow, RunStore, SampleRow } from "../store/run-store.ts";
import type { RunRegistry } from "./run-registry.ts";

export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
/** Runs the state gauges count, and runs whose samples feed the counters (most recent first). */
export const METRICS_RUN_WINDOW = 10_000;
export const METRICS_SAMPLE_RUNS = 200;
export const DURATION_BUCKETS = [1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600] as const;
const STATES = ["running", "passed", "failed", "interrupted"] as const;

type Labels = Record<string, string>;

function escapeLabel(value: string): string {
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
    const entries = Object.entries(labels);
    const l = entries.length ? `{${entries.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(",")}}` : "";
    this.lines.push(`${name}${l} ${formatValue(value)}`);
    return this;
  }

  render(): string {
    return this.lines.join("\n") + "\n";
  }
}

/** The last sample of each (host, role, protocol) in one run: the run's final counters so far. */
export function latestSamples(rows: readonly SampleRow[]): SampleRow[] {
  const last = new Map<string, SampleRow>();
  for (const r of rows) {
    const key = `${r.host}\u0000${r.role}\u0000${r.protocol}`;
    const seen = last.get(key);
    if (!seen || r.t >= seen.t) last.set(key, r);
  }
  return [...last.values()];
}

function durationSeconds(run: RunRow): number | undefined {
  if (!run.ended_at) return undefined;
  const d = (Date.parse(run.ended_at) - Date.parse(run.started_at)) / 1000;
  return Number.isFinite(d) && d >= 0 ? d : undefined;
}

export function renderMetrics(store: RunStore, registry: RunRegistry): string {
  const runs = store.listRuns(METRICS_RUN_WINDOW);
  const w = new MetricsWriter();

  const byState = new Map<string, number>(STATES.map((s) => [s, 0]));
  for (const r of runs) byState.set(r.state, (byState.get(r.state) ?? 0) + 1);
  w.family("wirelab_runs", "gauge", "Runs in the run store by state.");
  for (const [state, n] of byState) w.sample("wirelab_runs", { state }, n);

  w.family("wirelab_active_runs", "gauge", "Runs this server is driving now.");
  w.sample("wirelab_active_runs", {}, registry.size);

  // Per host and protocol, summed over the recent runs' latest samples.
  type Sums = { packets: Record<"tx" | "rx", number>; bytes: Record<"tx" | "rx", number>; answers: number; requests: number; errors: number };
  const sums = new Map<string, { host: string; protocol: string; s: Sums }>();
  const rates = new Map<string, { host: string; tx: number; rx: number }>();
  const active = new Set(registry.list().map((r) => r.id));
  for (const run of runs.slice(0, METRICS_SAMPLE_RUNS)) {
    const latest = latestSamples(store.samples(run.id));
    for (const row of latest) {
      const key = `${row.host}\u0000${row.protocol}`;
      let e = sums.get(key);
      if (!e) sums.set(key, (e = { host: row.host, protocol: row.protocol, s: { packets: { tx: 0, rx: 0 }, bytes: { tx: 0, rx: 0 }, answers: 0, requests: 0, errors: 0 } }));
      e.s.packets.tx += row.tx_packets;
      e.s.packets.rx += row.rx_packets;
      e.s.bytes.tx += row.tx_bytes;
      e.s.bytes.rx += row.rx_bytes;
      e.s.answers += row.answers_matched;
      e.s.requests += row.requests;
      e.s.errors += row.errors;
    }
    if (active.has(run.id) || run.state === "running") {
      for (const row of latest) {
        // tx_pps/rx_pps are per host (the engine's totals), repeated on each protocol row: take them once per host.
        const r = rates.get(row.host) ?? { host: row.host, tx: 0, rx: 0 };
        r.tx = Math.max(r.tx, row.tx_pps);
        r.rx = Math.max(r.rx, row.rx_pps);
        rates.set(row.host, r);
      }
    }
  }
  const ordered = [...sums.values()].sort((a, b) => a.host.localeCompare(b.host) || a.protocol.localeCompare(b.protocol));
  w.family("wirelab_packets_total", "counter", `Packets per host, protocol and direction, from the latest samples of the ${METRICS_SAMPLE_RUNS} most recent runs.`);
  for (const e of ordered) for (const dir of ["tx", "rx"] as const) w.sample("wirelab_packets_total", { host: e.host, protocol: e.protocol, direction: dir }, e.s.packets[dir]);
  w.family("wirelab_bytes_total", "counter", "Bytes per host, protocol and direction, from the same samples.");
  for (const e of ordered) for (const dir of ["tx", "rx"] as const) w.sample("wirelab_bytes_total", { host: e.host, protocol: e.protocol, direction: dir }, e.s.bytes[dir]);
  w.family("wirelab_requests_total", "counter", "Requests that expect an answer (icmp, dns, tcp, arp) per host and protocol.");
  for (const e of ordered) w.sample("wirelab_requests_total", { host: e.host, protocol: e.protocol }, e.s.requests);
  w.family("wirelab_answers_matched_total", "counter", "Answers matched to a request per host and protocol.");
  for (const e of ordered) w.sample("wirelab_answers_matched_total", { host: e.host, protocol: e.protocol }, e.s.answers);
  w.family("wirelab_errors_total", "counter", "Engine errors per host and protocol.");
  for (const e of ordered) w.sample("wirelab_errors_total", { host: e.host, protocol: e.protocol }, e.s.errors);

  w.family("wirelab_rate_pps", "gauge", "Current packet rate per host and direction in running runs.");
  for (const r of [...rates.values()].sort((a, b) => a.host.localeCompare(b.host))) {
    w.sample("wirelab_rate_pps", { host: r.host, direction: "tx" }, r.tx);
    w.sample("wirelab_rate_pps", { host: r.host, direction: "rx" }, r.rx);
  }

  const durations = runs.map(durationSeconds).filter((d): d is number => d !== undefined);
  w.family("wirelab_run_duration_seconds", "histogram", "Wall-clock duration of finished runs.");
  for (const le of DURATION_BUCKETS) w.sample("wirelab_run_duration_seconds_bucket", { le: String(le) }, durations.filter((d) => d <= le).length);
  w.sample("wirelab_run_duration_seconds_bucket", { le: "+Inf" }, durations.length);
  w.sample("wirelab_run_duration_seconds_sum", {}, durations.reduce((a, d) => a + d, 0));
  w.sample("wirelab_run_duration_seconds_count", {}, durations.length);
  return w.render();
}
