// breakdown.csv: one row per stored breakdown figure (interval, host, kind:
// worker|port|family|vlan, key), the per-worker, per-port, per-family and
// per-VLAN counterpart of results.csv. Counters are cumulative, as the engine
// reports them; families and VLANs are counted in packets only.
import type { BreakdownRow } from "../store/breakdown-tables.ts";
import { csvCell } from "./results-csv.ts";

export const BREAKDOWN_COLUMNS = [
  "run", "t", "host", "role", "kind", "key", "label", "tx_packets", "tx_bytes", "rx_packets", "rx_bytes", "answers_matched", "rx_missed", "tx_dropped", "tx_pps", "rx_pps",
] as const;

export function renderBreakdownCsv(runId: string, rows: readonly (BreakdownRow & { t: number })[]): string {
  const lines = rows.map((r) => {
    const row: Record<(typeof BREAKDOWN_COLUMNS)[number], unknown> = { run: runId, ...r };
    return BREAKDOWN_COLUMNS.map((c) => csvCell(row[c])).join(",");
  });
  return [BREAKDOWN_COLUMNS.join(","), ...lines].join("\n") + "\n";
}
