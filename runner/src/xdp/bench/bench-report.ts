// results.json, results.csv and results.md of an `xdp bench` run, and the
// table printed at the end. The reading paragraph states what was measured,
// including where XDP did not win.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { BenchConfig } from "./bench-config.ts";
import { CSV_COLUMNS, type BenchPoint } from "./bench-point.ts";
import { rateLabel, type ReceiverMode } from "./presets.ts";
import type { Provenance } from "./provenance.ts";
import { markdownTable } from "../../report/format.ts";

export interface BenchResults {
  schema: "wirelab/xdp-bench@1";
  started_at: string;
  ended_at: string;
  state: "complete" | "interrupted" | "failed";
  reason?: string;
  lab: string;
  preset: string;
  config: BenchConfig;
  provenance: Provenance;
  points: BenchPoint[];
  notes: string[];
}

const fmt = (v: number | null | undefined, digits = 0) => (v === null || v === undefined ? "-" : v.toFixed(digits));

export function pointTable(points: readonly BenchPoint[]): string {
  const head = ["mode", "target", "offered/s", "absorbed/s", "loss", "ring_drop", "task_ms", "t_usr", "t_sys", "cpu_usr", "cpu_sys", "cpu_si", "bg", "insn/pkt", "xdp_ns"];
  const rows = points.map((p) => [
    p.mode, rateLabel(p.target_pps), fmt(p.offered_pps), fmt(p.absorbed_pps), `${(p.loss * 100).toFixed(2)}%`, fmt(p.ring_dropped),
    fmt(p.task_ms_per_mpkt, 1), fmt(p.task_user_ms_per_mpkt, 1), fmt(p.task_system_ms_per_mpkt, 1),
    fmt(p.cpu_user_ms_per_mpkt, 1), fmt(p.cpu_system_ms_per_mpkt, 1), fmt(p.cpu_softirq_ms_per_mpkt, 1),
    p.rx_cpu_background_busy === null ? "-" : `${Math.round(p.rx_cpu_background_busy * 100)}%`,
    p.instructions_per_packet === null ? "n/a" : String(p.instructions_per_packet), fmt(p.xdp_ns_per_packet, 1),
  ]);
  return markdownTable(head, rows);
}


function find(points: readonly BenchPoint[], mode: ReceiverMode, rate: number) {
  return points.find((p) => p.mode === mode && p.target_pps === rate && !p.error?.startsWith("failed"));
}

/** Baseline cost ÷ XDP cost per rate, on both CPU measures: > 1 means XDP spent less per packet. */
export function ratioTable(points: readonly BenchPoint[], rates: readonly number[]): string {
  const pairs: [ReceiverMode, ReceiverMode][] = [["baseline-socket", "xdp-drop"], ["baseline-af-packet", "xdp-drop"], ["baseline-socket", "xdp-count"]];
  const head = ["target", ...pairs.flatMap(([b, x]) => [`${short(b)}/${short(x)} task`, `${short(b)}/${short(x)} cpu`])];
  const ratio = (a: number | null | undefined, b: number | null | undefined) => (a && b ? `${(a / b).toFixed(2)}x` : "-");
  const rows = rates.map((rate) => [
    rateLabel(rate),
    ...pairs.flatMap(([b, x]) => {
      const pb = find(points, b, rate);
      const px = find(points, x, rate);
      return [ratio(pb?.task_ms_per_mpkt, px?.task_ms_per_mpkt), ratio(pb?.cpu_busy_ms_per_mpkt, px?.cpu_busy_ms_per_mpkt)];
    }),
  ]);
  return markdownTable(head, rows);
}

function short(mode: ReceiverMode): string {
  return ({ "baseline-socket": "socket", "baseline-af-packet": "af_packet", "xdp-count": "count", "xdp-drop": "drop" } as const)[mode];
}

/** One honest paragraph: what absorbed what, the CPU ratio measured, and how far to trust it. */
export function reading(r: BenchResults): string {
  const parts: string[] = [];
  const rates = r.config.rates;
  const drop = r.points.filter((p) => p.mode === "xdp-drop");
  const sock = r.points.filter((p) => p.mode === "baseline-socket");
  if (drop.length) {
    const worst = drop.reduce((a, p) => (p.loss > a.loss ? p : a));
    parts.push(
      worst.loss <= 0.01
        ? `xdp-drop absorbed at least 99% of what was offered at every rate measured (up to ${fmt(Math.max(...drop.map((p) => p.offered_pps)))} pps offered).`
        : `xdp-drop lost ${(worst.loss * 100).toFixed(1)}% at ${rateLabel(worst.target_pps)} (${fmt(worst.offered_pps)} pps offered, ${fmt(worst.absorbed_pps)} absorbed)` +
            (worst.ring_dropped && worst.ring_dropped >= 0.9 * (worst.offered - worst.absorbed)
              ? `, all of it refused at the full veth ring: the napi thread did not get the CPU often enough (that CPU was ${Math.round((worst.rx_cpu_background_busy ?? 0) * 100)}% busy before the point with no traffic).`
              : "."),
    );
  }
  if (sock.length) {
    const lossy = sock.filter((p) => p.loss > 0.01);
    parts.push(
      lossy.length
        ? `baseline-socket fell behind from ${rateLabel(lossy[0]!.target_pps)} (${(lossy[0]!.loss * 100).toFixed(1)}% lost at ${fmt(lossy[0]!.offered_pps)} pps offered).`
        : `baseline-socket kept up at every rate measured.`,
    );
  }
  const short = r.points.filter((p) => p.target_pps > 0 && p.offered_pps > 0 && p.offered_pps < 0.9 * p.target_pps);
  if (short.length) {
    parts.push(
      `The generator did not reach its target at ${short.length} point(s) (e.g. ${fmt(short[0]!.offered_pps)} of ${rateLabel(short[0]!.target_pps)} pps for ${short[0]!.mode}): its CPU was shared with other tenants, so compare modes at the pps each actually got.`,
    );
  }
  const ratios = rates
    .map((rate) => {
      const b = find(r.points, "baseline-socket", rate)?.task_ms_per_mpkt;
      const x = find(r.points, "xdp-drop", rate)?.task_ms_per_mpkt;
      return b && x ? b / x : undefined;
    })
    .filter((v): v is number => v !== undefined);
  if (ratios.length) {
    const lo = Math.min(...ratios);
    const hi = Math.max(...ratios);
    parts.push(
      `Per million delivered packets, the receive work (napi thread + receiver, schedstat) of baseline-socket cost ${lo.toFixed(1)}x` +
        (hi - lo >= 0.05 ? `–${hi.toFixed(1)}x` : "") +
        ` that of xdp-drop${lo >= 3 ? ", meeting the 3x goal at every rate" : hi >= 3 ? ", meeting the 3x goal only at some rates" : ", short of the 3x goal"}.`,
    );
  }
  const bg = r.points.map((p) => p.rx_cpu_background_busy).filter((v): v is number => v !== null);
  const bgMax = bg.length ? Math.max(...bg) : 0;
  parts.push(
    r.points.some((p) => p.instructions_per_packet !== null)
      ? "Instructions per packet come from perf on the receive CPU and are the steadiest figure."
      : `perf cannot count instructions here (${r.provenance.perf}), so cost is CPU time: the task column is the receive work itself; the /proc/stat columns include other tenants` +
          (bgMax > 0.2 ? ` (the receive CPU was up to ${Math.round(bgMax * 100)}% busy with no traffic)` : "") +
          ", and on these shared machines CPU figures swing up to 2x between identical runs, so read ratios within one run, not absolute values.",
  );
  if (r.points.some((p) => p.mode.startsWith("baseline"))) {
    parts.push("The baselines also carry an XDP_PASS counting program (its cost is their xdp_ns), because a veth runs threaded NAPI only with XDP attached.");
  }
  if (r.state !== "complete") parts.push(`This run is ${r.state}${r.reason ? ` (${r.reason})` : ""}: only the points above were measured.`);
  return parts.join(" ");
}

const LEGEND = `Columns: offered/s = frames the generator sent per second; absorbed/s = frames the receiver counted (socket datagrams read, AF_PACKET frames read, XDP verdicts); loss = 1 - absorbed/offered; ring_drop = frames refused because the receiver's veth ring was full (it fell behind).
CPU columns are ms per million packets delivered to the receiver's veth ring:
  task_ms (t_usr/t_sys) = on-CPU time (schedstat) of the receiving veth's threaded-NAPI kthread plus the receiver process (wirelab-sink; none for XDP modes, whose work is all in NAPI): the receive work itself;
  cpu_usr/cpu_sys/cpu_si = /proc/stat user, system, softirq+irq of the receiving CPU over the window, raw, other tenants included; bg = that CPU's busy share in the second before the point with no traffic.
insn/pkt = perf stat instructions on the receiving CPU per delivered packet (n/a: no PMU); xdp_ns = BPF run_time_ns / run_cnt of the attached program.`;

export function renderMarkdown(r: BenchResults): string {
  const p = r.provenance;
  return [
    `# xdp bench: ${r.preset} on ${r.lab}`,
    "",
    `${r.started_at} → ${r.ended_at}, ${r.state}. Kernel ${p.kernel}, ${p.cpu_model} (${p.cpus} CPUs). Generator: ${p.generator}.`,
    `Receiver on CPU ${r.config.rxCpu} (threaded NAPI pinned there${r.config.rt ? "; napi thread and sink SCHED_FIFO 50" : ""}), generator on CPU ${r.config.txCpu}; ${r.config.size}-byte UDP frames, ${r.config.duration} s per point.`,
    "",
    pointTable(r.points),
    "",
    "## XDP vs baseline (baseline cost ÷ XDP cost per delivered packet; > 1: XDP cheaper)",
    "",
    ratioTable(r.points, r.config.rates),
    "",
    "## Reading",
    "",
    reading(r),
    "",
    "## Columns",
    "",
    LEGEND,
    "",
    ...(r.notes.length ? ["## Notes", "", ...r.notes.map((n) => `- ${n}`), ""] : []),
    "## Provenance",
    "",
    `- engine sha256 ${p.engine_sha256 ?? "-"}`,
    `- wirelab-xdp sha256 ${p.xdp_tool_sha256 ?? "-"}, wirelab-sink sha256 ${p.sink_sha256 ?? "-"}`,
    ...Object.entries(p.program_obj_sha256).map(([prog, sha]) => `- program ${prog} object sha256 ${sha}`),
    `- perf: ${p.perf}`,
    "",
  ].join("\n");
}

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return "";
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function writeResults(dir: string, r: BenchResults): void {
  writeFileSync(join(dir, "results.json"), JSON.stringify(r, null, 2) + "\n");
  const csv = [CSV_COLUMNS.join(","), ...r.points.map((p) => CSV_COLUMNS.map((c) => csvCell(p[c])).join(","))].join("\n") + "\n";
  writeFileSync(join(dir, "results.csv"), csv);
  writeFileSync(join(dir, "results.md"), renderMarkdown(r));
}
