// The RFC 2544 throughput section of a report: what a scenario's rfc2544 step
// wrote into its run directory (rfc2544_<step>.json), as a table per frame size
// and two charts (zero-loss rate; one-way latency at that rate).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Rfc2544Result } from "../scenario/rfc2544.ts";
import { escapeXml as esc, markdownTable, num } from "./format.ts";
import { barChart, type BarGroup } from "./svg-chart.ts";

export const RFC2544_FILE = (step: string) => `rfc2544_${step}.json`;

/** Every rfc2544 result in a run directory, in step-name order. */
export function findRfc2544(runDir: string): Rfc2544Result[] {
  if (!existsSync(runDir)) return [];
  return readdirSync(runDir)
    .filter((f) => /^rfc2544_.+\.json$/.test(f))
    .sort()
    .flatMap((f) => {
      try {
        const j = JSON.parse(readFileSync(join(runDir, f), "utf8")) as Rfc2544Result;
        return j.schema === "wirelab/rfc2544@1" && Array.isArray(j.sizes) ? [j] : [];
      } catch {
        return [];
      }
    });
}

const HEAD = ["frame size (B)", "rate (pps)", "Mbit/s", "% of max tried", "latency p50 (us)", "latency p99 (us)", "limited by", "trials"] as const;

const LIMIT = { loss: "DUT loss", tester: "tester rate", max_rate: "max tried" } as const;

function rows(r: Rfc2544Result): string[][] {
  return r.sizes.map((s) => [
    String(s.frameSize),
    s.error && !s.pps ? `none (${s.error})` : num(s.pps),
    num(s.mbps, 1),
    `${s.percentOfMax.toFixed(1)}%`,
    s.latency ? num(s.latency.p50_us, 1) : "-",
    s.latency ? num(s.latency.p99_us, 1) : "-",
    LIMIT[s.limitedBy] ?? s.limitedBy,
    String(s.trials.length),
  ]);
}

function charts(r: Rfc2544Result): string[] {
  const rate: BarGroup[] = r.sizes.map((s) => ({ label: `${s.frameSize} B`, bars: [{ name: "zero-loss rate", value: s.pps, color: "#2563eb" }] }));
  const lat: BarGroup[] = r.sizes.map((s) => ({
    label: `${s.frameSize} B`,
    bars: s.latency
      ? [
          { name: "p50", value: s.latency.p50_us, color: "#16a34a" },
          { name: "p99", value: s.latency.p99_us, color: "#d97706" },
        ]
      : [],
  }));
  return [
    barChart(`rfc2544-throughput-${r.step}`, `RFC 2544 throughput through ${r.dut}: highest zero-loss rate per frame size`, rate, "frames / s"),
    barChart(`rfc2544-latency-${r.step}`, `One-way latency at that rate (${r.tester} port 0 -> ${r.dut} -> port 1)`, lat, "microseconds"),
  ];
}

function note(r: Rfc2544Result): string {
  return `Step ${r.step}: binary search per frame size up to ${num(r.maxRate)} pps, ${r.trialDuration} s trials, stopping at ${(r.resolution * 100).toFixed(1)}% of the maximum; a trial passes when the tester reached the rate and its sequence numbers show no frame lost. "limited by tester rate": the tester could not offer more, so the DUT's throughput is at least this. Mbit/s counts frames with FCS, without preamble and gap.`;
}

export function rfc2544Html(results: readonly Rfc2544Result[]): string {
  return results
    .map((r) => {
      const th = HEAD.map((h, i) => `<th${i ? ' class="n"' : ""}>${esc(h)}</th>`).join("");
      const tr = rows(r).map((row) => `<tr>${row.map((c, i) => `<td${i ? ' class="n"' : ""}>${esc(c)}</td>`).join("")}</tr>`).join("");
      return `<section data-section="rfc2544"><h2>RFC 2544 throughput (${esc(r.step)})</h2><div class="charts">${charts(r).join("\n")}</div><table><thead><tr>${th}</tr></thead><tbody>${tr}</tbody></table><p class="note">${esc(note(r))}</p></section>`;
    })
    .join("\n");
}

export function rfc2544Markdown(results: readonly Rfc2544Result[]): string[] {
  return results.flatMap((r) => [`## RFC 2544 throughput (${r.step})`, "", note(r), "", markdownTable([...HEAD], rows(r)), ""]);
}
