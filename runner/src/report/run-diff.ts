// `report --diff A B`: two runs side by side per host and protocol, with the
// change (B - A) and the ratio (B / A) of every figure, and their verdicts.
import { markdownTable, num } from "./format.ts";
import type { HostTotals, ReportData } from "./report-data.ts";

export const DIFF_METRICS = ["tx_packets", "rx_packets", "tx_bytes", "rx_bytes", "answers_matched", "errors", "mean_tx_pps", "mean_rx_pps"] as const;
type Metric = (typeof DIFF_METRICS)[number] | "rtt_p50_us" | "rtt_p99_us";

export interface DiffRow {
  /** host/protocol, or "rtt" for the run's RTT. Hosts are matched by name (tx, rx) across runs. */
  key: string;
  metric: Metric;
  a: number | null;
  b: number | null;
  delta: number | null;
  ratio: number | null;
}

export interface VerdictDiff {
  name: string;
  a: boolean | null;
  b: boolean | null;
}

export interface RunDiff {
  a: { id: string; name: string; state: string };
  b: { id: string; name: string; state: string };
  rows: DiffRow[];
  verdicts: VerdictDiff[];
}

function row(key: string, metric: Metric, a: number | null, b: number | null): DiffRow {
  return { key, metric, a, b, delta: a !== null && b !== null ? b - a : null, ratio: a !== null && b !== null && a !== 0 ? b / a : null };
}

export function diffRuns(A: ReportData, B: ReportData): RunDiff {
  const key = (t: HostTotals) => `${t.host}/${t.protocol}`;
  const keys = [...new Set([...A.totals.map(key), ...B.totals.map(key)])].sort();
  const rows: DiffRow[] = [];
  for (const k of keys) {
    const ta = A.totals.find((t) => key(t) === k);
    const tb = B.totals.find((t) => key(t) === k);
    for (const m of DIFF_METRICS) rows.push(row(k, m, ta ? ta[m] : null, tb ? tb[m] : null));
  }
  if (A.rtt || B.rtt) {
    rows.push(row("rtt", "rtt_p50_us", A.rtt?.p50 ?? null, B.rtt?.p50 ?? null));
    rows.push(row("rtt", "rtt_p99_us", A.rtt?.p99 ?? null, B.rtt?.p99 ?? null));
  }
  const names = [...new Set([...A.verdicts.map((v) => v.name), ...B.verdicts.map((v) => v.name)])];
  const verdicts = names.map((name) => ({ name, a: A.verdicts.find((v) => v.name === name)?.ok ?? null, b: B.verdicts.find((v) => v.name === name)?.ok ?? null }));
  const head = (d: ReportData) => ({ id: d.run.id, name: d.run.name, state: d.run.state });
  return { a: head(A), b: head(B), rows, verdicts };
}

const signed = (v: number | null, digits: number) => (v === null ? "-" : `${v > 0 ? "+" : ""}${num(v, digits)}`);

export function renderDiff(d: RunDiff): string {
  const digits = (m: Metric) => (m.startsWith("mean") || m.startsWith("rtt") ? 1 : 0);
  const table = markdownTable(
    ["host/protocol", "metric", "A", "B", "B-A", "B/A"],
    d.rows.map((r) => [r.key, r.metric, num(r.a, digits(r.metric)), num(r.b, digits(r.metric)), signed(r.delta, digits(r.metric)), r.ratio === null ? "-" : `${r.ratio.toFixed(3)}x`]),
  );
  const mark = (ok: boolean | null) => (ok === null ? "-" : ok ? "ok" : "FAIL");
  const verdicts = markdownTable(["check", "A", "B", ""], d.verdicts.map((v) => [v.name, mark(v.a), mark(v.b), v.a === v.b ? "" : "changed"]));
  return [`A: ${d.a.id} (${d.a.name}, ${d.a.state})`, `B: ${d.b.id} (${d.b.name}, ${d.b.state})`, "", table, "", verdicts].join("\n");
}
