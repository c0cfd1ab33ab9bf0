// results.csv: one row per stored sample (host, protocol, interval), for
// spreadsheets and pandas. Counters are cumulative as the engine reports them;
// rates are the host's over that interval.
import type { ReportData } from "./report-data.ts";

export const SAMPLE_COLUMNS = [
  "run", "t", "host", "role", "protocol", "tx_packets", "tx_bytes", "rx_packets", "rx_bytes", "requests", "answers_sent",
  "answers_matched", "errors", "tx_pps", "rx_pps", "rtt_p50_us", "rtt_p99_us",
] as const;

export function csvCell(v: unknown): string {
  if (v === null || v === undefined) return "";
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function renderCsv(data: ReportData): string {
  const rows = data.samples.map((s) => {
    const row: Record<(typeof SAMPLE_COLUMNS)[number], unknown> = { run: data.run.id, ...s };
    return SAMPLE_COLUMNS.map((c) => csvCell(row[c])).join(",");
  });
  return [SAMPLE_COLUMNS.join(","), ...rows].join("\n") + "\n";
}
