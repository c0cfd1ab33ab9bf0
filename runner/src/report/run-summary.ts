// The pieces both results.md and report.html show: spec and provenance as
// key/value lists, and the totals table's rows.
import { num } from "./format.ts";
import type { HostTotals, ReportData } from "./report-data.ts";

export const TOTALS_HEAD = ["host", "role", "protocol", "tx packets", "tx bytes", "rx packets", "rx bytes", "requests", "answers matched", "errors", "mean tx pps", "mean rx pps"] as const;

export function totalsRow(t: HostTotals): string[] {
  return [t.host, t.role, t.protocol, num(t.tx_packets), num(t.tx_bytes), num(t.rx_packets), num(t.rx_bytes), num(t.requests), num(t.answers_matched), num(t.errors), num(t.mean_tx_pps), num(t.mean_rx_pps)];
}

/** Flat key/value pairs of an object; nested values as compact JSON. Undefined and empty values dropped. */
export function keyValues(value: unknown): [string, string][] {
  if (!value || typeof value !== "object") return [];
  return Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined && v !== null && v !== "")
    .map(([k, v]) => [k, typeof v === "object" ? JSON.stringify(v) : String(v)]);
}

export function durationOf(data: ReportData): string {
  const { started_at, ended_at } = data.run;
  if (!ended_at) return "still running or never finished";
  return `${((Date.parse(ended_at) - Date.parse(started_at)) / 1000).toFixed(1)} s`;
}

export function totalsSource(data: ReportData): string {
  return data.totals.some((t) => t.source === "samples")
    ? "Totals are from the last stored sample (no engine summary in results.json)."
    : "Totals are the engines' final summaries (results.json).";
}
