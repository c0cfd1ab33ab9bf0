// results.json: the traffic command writes it with the engines' summaries and
// that file is left as it is (its shape is a contract). Only a run that never
// got that far (runner killed) gets one rebuilt from the store, in the same
// shape with `reconstructed: true`, so tools reading results.json still work.
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { emptyCounters, PROTOCOLS, type Protocol, type ProtocolCounters } from "../traffic/engine-output.ts";
import type { ReportData } from "./report-data.ts";
import { sumBreakdowns } from "../traffic/breakdown.ts";

export function rebuildResults(data: ReportData): Record<string, unknown> {
  const side = (role: "tx" | "rx") => {
    const out = Object.fromEntries(PROTOCOLS.map((p) => [p, emptyCounters()])) as Record<Protocol, ProtocolCounters>;
    for (const t of data.totals.filter((t) => t.role === role)) {
      const last = data.samples.filter((s) => s.host === t.host && s.protocol === t.protocol).at(-1);
      out[t.protocol] = { ...emptyCounters(), ...(last ? { tx_packets: last.tx_packets, tx_bytes: last.tx_bytes, rx_packets: last.rx_packets, rx_bytes: last.rx_bytes, requests: last.requests, answers_sent: last.answers_sent, answers_matched: last.answers_matched, errors: last.errors } : {}) };
    }
    return out;
  };
  const hosts = [...new Set(data.samples.map((s) => s.host))].map((host) => ({ host, role: data.samples.find((s) => s.host === host)!.role, samples: [], exitCode: null, stderrTail: "" }));
  return {
    runId: data.run.id, spec: data.run.spec.settings, startedAt: data.run.started_at, endedAt: data.run.ended_at ?? data.run.started_at,
    state: data.run.state, ...(data.run.reason ? { reason: data.run.reason } : {}), hosts, tx: side("tx"), rx: side("rx"),
    rtt: data.rtt, checks: data.verdicts, reconstructed: true, segments: data.segments,
    breakdown: Object.fromEntries((["tx", "rx"] as const).map((role) => [role, sumBreakdowns(data.breakdowns.filter((b) => b.role === role).map((b) => b.breakdown))])),
  };
}

/** Returns whether it wrote a file. */
export function writeResultsJson(runDir: string, data: ReportData): boolean {
  const file = join(runDir, "results.json");
  if (existsSync(file)) return false;
  writeFileSync(file, JSON.stringify(rebuildResults(data), null, 2) + "\n");
  return true;
}
