// report.html: one self-contained page (inline CSS and SVG, no script, no
// network) with rate-over-time per host, RTT percentiles, XDP-vs-baseline
// bars when a bench result is present, and the tables of results.md.
import { rfc2544Html } from "./rfc2544-report.ts";
import type { SampleRow } from "../store/run-store.ts";
import type { BenchPoint } from "../xdp/bench/bench-point.ts";
import { escapeXml as esc, num } from "./format.ts";
import type { ReportData } from "./report-data.ts";
import { breakdownTables } from "./breakdown-section.ts";
import { durationOf, keyValues, TOTALS_HEAD, totalsRow, totalsSource } from "./run-summary.ts";
import { barChart, lineChart, type BarGroup, type LineSeries } from "./svg-chart.ts";

const COLORS = { tx: "#2563eb", rx: "#16a34a", p50: "#9333ea", p99: "#ea580c" };
const MODE_COLORS: Record<string, string> = { "baseline-socket": "#64748b", "baseline-af-packet": "#94a3b8", "xdp-count": "#0ea5e9", "xdp-drop": "#2563eb" };
const HOST_DASH = [false, true];

/** One point per interval per host: the rates repeat on each protocol row. */
function perInterval(samples: readonly SampleRow[], host: string): SampleRow[] {
  const byT = new Map<number, SampleRow>();
  for (const s of samples) if (s.host === host) byT.set(s.run_t, s);
  return [...byT.values()].sort((a, b) => a.run_t - b.run_t);
}

export function rateCharts(data: ReportData): string[] {
  // Senders first: their chart is the one a reader looks for.
  const role = (h: string) => data.samples.find((s) => s.host === h)?.role ?? "";
  const hosts = [...new Set(data.samples.map((s) => s.host))].sort((a, b) => role(b).localeCompare(role(a)) || a.localeCompare(b));
  return hosts.map((host) => {
    const rows = perInterval(data.samples, host);
    const role = rows[0]?.role ?? "";
    const series: LineSeries[] = [
      { name: "tx pps", color: COLORS.tx, points: rows.map((r) => [r.run_t, r.tx_pps]) },
      { name: "rx pps", color: COLORS.rx, points: rows.map((r) => [r.run_t, r.rx_pps]) },
    ];
    return lineChart(`rate-${host}`, `${host} (${role}): packets per second`, series, { x: "seconds since the run started", y: "pps" });
  });
}

export function rttChart(data: ReportData): string | undefined {
  const hosts = [...new Set(data.samples.filter((s) => s.rtt_p50_us !== null).map((s) => s.host))].sort();
  if (!hosts.length) return undefined;
  const series: LineSeries[] = hosts.flatMap((host, i) => {
    const rows = perInterval(data.samples, host).filter((r) => r.rtt_p50_us !== null && r.rtt_p99_us !== null);
    const suffix = hosts.length > 1 ? ` ${host}` : "";
    return [
      { name: `p50${suffix}`, color: COLORS.p50, points: rows.map((r) => [r.run_t, r.rtt_p50_us!] as const), dashed: HOST_DASH[i % 2]! },
      { name: `p99${suffix}`, color: COLORS.p99, points: rows.map((r) => [r.run_t, r.rtt_p99_us!] as const), dashed: HOST_DASH[i % 2]! },
    ];
  });
  return lineChart("rtt", "RTT percentiles over time", series, { x: "seconds since the run started", y: "microseconds" });
}

export function rttBars(data: ReportData): string | undefined {
  if (!data.rtt) return undefined;
  const bars = [
    { name: "p50", value: data.rtt.p50, color: COLORS.p50 },
    { name: "p99", value: data.rtt.p99, color: COLORS.p99 },
    ...(data.rtt.max !== undefined ? [{ name: "max", value: data.rtt.max, color: "#dc2626" }] : []),
  ];
  return barChart("rtt-final", "RTT over the whole run", [{ label: "whole run", bars }], "microseconds");
}

export function xdpCharts(data: ReportData): string[] {
  const b = data.xdpBench;
  if (!b) return [];
  const points = b.points;
  const rates = [...new Set(points.map((p) => p.target_pps))].sort((x, y) => x - y);
  const modes = [...new Set(points.map((p) => p.mode))];
  const groups = (value: (p: BenchPoint) => number | null): BarGroup[] =>
    rates.map((rate) => ({
      label: rate === 0 ? "max" : `${num(rate)} pps`,
      bars: modes.flatMap((mode) => {
        const p = points.find((q) => q.mode === mode && q.target_pps === rate && !q.error?.startsWith("failed"));
        const v = p ? value(p) : null;
        return v === null ? [] : [{ name: mode, value: v, color: MODE_COLORS[mode] ?? "#475569" }];
      }),
    }));
  return [
    barChart("xdp-absorbed", "XDP vs baseline: packets absorbed per second", groups((p) => p.absorbed_pps), "pps"),
    barChart("xdp-cost", "XDP vs baseline: receive work, ms per Mpkt (lower: cheaper)", groups((p) => p.task_ms_per_mpkt), "ms / Mpkt"),
  ];
}

function table(head: readonly string[], rows: readonly (readonly string[])[], numericFrom = 3): string {
  const th = head.map((h, i) => `<th${i >= numericFrom ? ' class="n"' : ""}>${esc(h)}</th>`).join("");
  const tr = rows.map((r) => `<tr>${r.map((c, i) => `<td${i >= numericFrom ? ' class="n"' : ""}>${esc(c)}</td>`).join("")}</tr>`).join("");
  return `<table><thead><tr>${th}</tr></thead><tbody>${tr}</tbody></table>`;
}

function kvTable(pairs: [string, string][]): string {
  return `<table class="kv"><tbody>${pairs.map(([k, v]) => `<tr><th>${esc(k)}</th><td><code>${esc(v)}</code></td></tr>`).join("")}</tbody></table>`;
}

const CSS = `
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:#0f172a;background:#f1f5f9}
main{max-width:1220px;margin:0 auto;padding:24px}
header{background:#0f172a;color:#f8fafc;padding:20px 24px;border-radius:10px;margin-bottom:18px}
header h1{margin:0 0 6px;font-size:22px}header .meta{color:#cbd5e1;font-size:13px}
.badge{display:inline-block;padding:2px 10px;border-radius:999px;font-weight:600;font-size:12px;text-transform:uppercase;letter-spacing:.04em;margin-left:8px;vertical-align:middle}
.passed{background:#16a34a;color:#fff}.failed{background:#dc2626;color:#fff}.interrupted{background:#d97706;color:#fff}.running{background:#2563eb;color:#fff}
section{background:#fff;border-radius:10px;padding:16px 20px;margin-bottom:18px;box-shadow:0 1px 2px rgba(15,23,42,.08)}
h2{font-size:16px;margin:0 0 12px;color:#1e293b}
.charts{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:14px}@media (max-width:900px){.charts{grid-template-columns:1fr}}
.charts svg{width:100%;height:auto;background:#fff;border:1px solid #e2e8f0;border-radius:8px}
svg .grid{stroke:#e2e8f0;stroke-width:1}svg .axisline{stroke:#94a3b8;stroke-width:1}
svg .tick{font-size:11px;fill:#475569}svg .axis{font-size:11px;fill:#64748b}svg .title{font-size:13px;font-weight:600;fill:#0f172a}svg .value{font-size:10px;fill:#334155}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{padding:5px 8px;border-bottom:1px solid #e2e8f0;text-align:left;vertical-align:top}
thead th{background:#f8fafc;color:#334155;font-weight:600}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
table.kv th{width:180px;color:#475569;font-weight:500}code{font-size:12px;word-break:break-all}
.ok{color:#16a34a;font-weight:600}.fail{color:#dc2626;font-weight:600}.note{color:#64748b;font-size:12.5px;margin:8px 0 0}
.cols{display:grid;grid-template-columns:1fr 1fr;gap:18px}.cols section{margin-bottom:0}
`;

export function renderHtml(data: ReportData): string {
  const { run } = data;
  const rtt = rttChart(data);
  const bars = rttBars(data);
  const charts = [...rateCharts(data), ...(rtt ? [rtt] : []), ...(bars ? [bars] : [])];
  const xdp = xdpCharts(data);
  const verdictRows = data.verdicts
    .map((v) => `<tr><td>${esc(v.name)}</td><td class="${v.ok ? "ok" : "fail"}">${v.ok ? "ok" : "FAIL"}</td><td>${esc(v.detail)}</td></tr>`)
    .join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>wirelab report: ${esc(run.name)}</title><style>${CSS}</style></head>
<body><main>
<header><h1>${esc(run.name)}<span class="badge ${esc(run.state)}">${esc(run.state)}</span></h1>
<div class="meta">run <code>${esc(run.id)}</code> · ${esc(run.kind)}${run.lab ? ` · lab ${esc(run.lab)}` : ""} · ${esc(run.started_at)} · ${esc(durationOf(data))}${run.reason ? ` · ${esc(run.reason)}` : ""}</div></header>
<section><h2>Rates and RTT</h2>${charts.length ? `<div class="charts">${charts.join("\n")}</div>` : `<p class="note">No samples were stored for this run.</p>`}
${rtt ? "" : `<p class="note">No RTT measured: this protocol got no answers to time (e.g. UDP without --udp-echo).</p>`}</section>
${xdp.length ? `<section><h2>XDP vs baseline</h2><div class="charts">${xdp.join("\n")}</div><p class="note">From ${esc(data.xdpBench!.source)} (${esc(data.xdpBench!.preset)}, ${esc(data.xdpBench!.state)}).</p></section>` : ""}
${rfc2544Html(data.rfc2544)}
<section><h2>Totals per host and protocol</h2>${data.totals.length ? table(TOTALS_HEAD, data.totals.map(totalsRow)) : `<p class="note">No packets counted.</p>`}
<p class="note">${esc(totalsSource(data))}${data.rtt ? ` RTT p50 ${esc(num(data.rtt.p50))} us, p99 ${esc(num(data.rtt.p99))} us.` : ""}</p></section>
${breakdownTables(data.breakdowns).map((t) => `<section><h2>${esc(t.title)}</h2>${table(t.head, t.rows, 2)}${t.note ? `<p class="note">${esc(t.note)}</p>` : ""}</section>`).join("\n")}
<section><h2>Verdicts</h2>${data.verdicts.length ? `<table><thead><tr><th>check</th><th>result</th><th>detail</th></tr></thead><tbody>${verdictRows}</tbody></table>` : `<p class="note">No checks recorded.</p>`}</section>
<div class="cols"><section><h2>Spec</h2>${kvTable(keyValues(run.spec))}</section><section><h2>Provenance</h2>${kvTable(keyValues(run.provenance))}</section></div>
</main></body></html>
`;
}
