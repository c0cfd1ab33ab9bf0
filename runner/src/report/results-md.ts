// results.md: the summary a person reads first.
import { markdownTable, num } from "./format.ts";
import { rfc2544Markdown } from "./rfc2544-report.ts";
import type { ReportData } from "./report-data.ts";
import { breakdownTables } from "./breakdown-section.ts";
import { durationOf, keyValues, TOTALS_HEAD, totalsRow, totalsSource } from "./run-summary.ts";

export function renderMarkdown(data: ReportData): string {
  const { run } = data;
  const failed = data.verdicts.filter((v) => !v.ok).length;
  const out = [
    `# ${run.name}`,
    "",
    `Run \`${run.id}\` (${run.kind}${run.lab ? ` on lab ${run.lab}` : ""}): **${run.state}**${run.reason ? ` — ${run.reason}` : ""}.`,
    `${run.started_at} → ${run.ended_at ?? "?"} (${durationOf(data)}). ${data.verdicts.length} checks, ${failed} failed.`,
    "",
    "## Totals per host and protocol",
    "",
    data.totals.length ? markdownTable(TOTALS_HEAD, data.totals.map(totalsRow)) : "No packets counted.",
    "",
    totalsSource(data),
    data.rtt ? `RTT p50 ${num(data.rtt.p50)} us, p99 ${num(data.rtt.p99)} us${data.rtt.max !== undefined ? `, max ${num(data.rtt.max)} us` : ""}.` : "No RTT measured (no answered requests).",
    "",
    ...breakdownTables(data.breakdowns).flatMap((t) => [`## ${t.title}`, "", markdownTable(t.head, t.rows), "", ...(t.note ? [t.note, ""] : [])]),
    "## Verdicts",
    "",
    data.verdicts.length ? markdownTable(["check", "result", "detail"], data.verdicts.map((v) => [v.name, v.ok ? "ok" : "FAIL", v.detail])) : "No checks recorded.",
    "",
  ];
  if (data.xdpBench) {
    const b = data.xdpBench;
    out.push("## XDP vs baseline", "", `From ${b.source} (${b.preset}, ${b.state}).`, "",
      markdownTable(["mode", "target pps", "absorbed pps", "loss", "task ms/Mpkt"], b.points.map((p) => [p.mode, num(p.target_pps), num(p.absorbed_pps), `${(p.loss * 100).toFixed(2)}%`, num(p.task_ms_per_mpkt, 1)])), "");
  }
  out.push(...rfc2544Markdown(data.rfc2544));
  out.push("## Spec", "", ...keyValues(run.spec).map(([k, v]) => `- ${k}: \`${v}\``), "", "## Provenance", "", ...keyValues(run.provenance).map(([k, v]) => `- ${k}: \`${v}\``), "");
  out.push("Files: results.json (engine summaries), results.csv (one row per sample), breakdown.csv (per worker, port, IP family and VLAN, per sample), junit.xml, report.html (charts), samples.jsonl, run.log.", "");
  return out.join("\n");
}
