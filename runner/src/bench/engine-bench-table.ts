// The engine bench's tx figures: the per-rep measurements it keeps, their
// medians per path and load, and the tables it prints. Pure, so that a unit
// test checks what a row says against the reps it comes from.
import type { BenchLoad, BenchPath } from "./engine-bench-args.ts";

export const SIZES = [64, 1500] as const;

export interface TxRep {
  path: BenchPath;
  load: BenchLoad;
  size: number;
  rep: number;
  engine_pps: number;
  testpmd_pps: number;
  ratio: number;
  engine_cpu_ns_per_pkt: number;
  testpmd_cpu_ns_per_pkt: number;
  /** Of the CPU time per packet, what was spent in user mode (the tool's own code and libraries). */
  engine_user_ns_per_pkt: number;
  testpmd_user_ns_per_pkt: number;
  engine_load1: number;
  testpmd_load1: number;
  engine_tx_dropped: number | null;
}

export interface WorkersRep {
  path: BenchPath;
  load: BenchLoad;
  rep: number;
  one_pps: number;
  two_pps: number;
  ratio: number;
  one_cpu_ns_per_pkt: number;
  two_cpu_ns_per_pkt: number;
}

export interface TxRow {
  path: BenchPath;
  load: BenchLoad;
  size: number;
  engine_pps_median: number;
  testpmd_pps_median: number;
  /** engine/testpmd of the medians. */
  ratio: number;
  paired_ratios: number[];
  engine_cpu_ns_per_pkt_median: number;
  testpmd_cpu_ns_per_pkt_median: number;
  engine_user_ns_per_pkt_median: number;
  testpmd_user_ns_per_pkt_median: number;
}

export interface WorkersRow {
  path: BenchPath;
  load: BenchLoad;
  one_pps_median: number;
  two_pps_median: number;
  /** 2 workers / 1 worker of the medians. */
  ratio: number;
  ratios: number[];
  one_cpu_ns_per_pkt_median: number;
  two_cpu_ns_per_pkt_median: number;
}

export function median(values: number[]): number {
  const s = [...values].sort((x, y) => x - y);
  if (s.length === 0) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

export const fmtPps = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "-");
export const fmtRatio = (n: number, digits = 3): string => (Number.isFinite(n) ? n.toFixed(digits) : "-");
export const fmtNs = (n: number): string => (Number.isFinite(n) ? n.toFixed(0) : "-");

export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join("  ").trimEnd();
  return [line(headers), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/** One row per path, load and size that has reps, in the order the paths and loads were measured. */
export function txRows(reps: readonly TxRep[], paths: readonly BenchPath[], loads: readonly BenchLoad[]): TxRow[] {
  return paths.flatMap((path) =>
    loads.flatMap((load) =>
      SIZES.flatMap((size) => {
        const rs = reps.filter((r) => r.path === path && r.load === load && r.size === size);
        if (rs.length === 0) return [];
        const e = median(rs.map((r) => r.engine_pps));
        const t = median(rs.map((r) => r.testpmd_pps));
        return [
          {
            path,
            load,
            size,
            engine_pps_median: e,
            testpmd_pps_median: t,
            ratio: e / t,
            paired_ratios: rs.map((r) => r.ratio),
            engine_cpu_ns_per_pkt_median: median(rs.map((r) => r.engine_cpu_ns_per_pkt)),
            testpmd_cpu_ns_per_pkt_median: median(rs.map((r) => r.testpmd_cpu_ns_per_pkt)),
            engine_user_ns_per_pkt_median: median(rs.map((r) => r.engine_user_ns_per_pkt)),
            testpmd_user_ns_per_pkt_median: median(rs.map((r) => r.testpmd_user_ns_per_pkt)),
          },
        ];
      }),
    ),
  );
}

export function workersRows(reps: readonly WorkersRep[], paths: readonly BenchPath[], loads: readonly BenchLoad[]): WorkersRow[] {
  return paths.flatMap((path) =>
    loads.flatMap((load) => {
      const rs = reps.filter((r) => r.path === path && r.load === load);
      if (rs.length === 0) return [];
      const one = median(rs.map((r) => r.one_pps));
      const two = median(rs.map((r) => r.two_pps));
      return [
        {
          path,
          load,
          one_pps_median: one,
          two_pps_median: two,
          ratio: two / one,
          ratios: rs.map((r) => r.ratio),
          one_cpu_ns_per_pkt_median: median(rs.map((r) => r.one_cpu_ns_per_pkt)),
          two_cpu_ns_per_pkt_median: median(rs.map((r) => r.two_cpu_ns_per_pkt)),
        },
      ];
    }),
  );
}

export function txTable(rows: readonly TxRow[], reps: number): string {
  return [
    `tx rate, UDP, pps at the receiver (median of ${reps}); ratio = engine/testpmd of the medians; per rep in brackets;`,
    `CPU ns/packet: each tool's CPU time (all threads, schedstat) over the window per frame received (median);`,
    `user: the part of it in user mode, the tool's own code and libraries (utime); the rest is the kernel's path both share`,
    table(
      ["path", "load", "size", "engine pps", "testpmd pps", "ratio", "per rep", "engine ns/pkt", "testpmd ns/pkt", "engine user", "testpmd user"],
      rows.map((r) => [
        r.path,
        r.load,
        `${r.size} B`,
        fmtPps(r.engine_pps_median),
        fmtPps(r.testpmd_pps_median),
        fmtRatio(r.ratio),
        `[${r.paired_ratios.map((x) => fmtRatio(x)).join(" ")}]`,
        fmtNs(r.engine_cpu_ns_per_pkt_median),
        fmtNs(r.testpmd_cpu_ns_per_pkt_median),
        fmtNs(r.engine_user_ns_per_pkt_median),
        fmtNs(r.testpmd_user_ns_per_pkt_median),
      ]),
    ),
  ].join("\n");
}

export function workersTable(rows: readonly WorkersRow[], reps: number, cpuCount: number): string {
  return [
    `engine, 1 vs 2 workers (one af_xdp vdev per queue), UDP 64 B, 64 flows, median of ${reps}; this machine has ${cpuCount} CPUs,`,
    cpuCount <= 2
      ? `so the second worker shares CPU 0 with the main lcore and the kernel's veth work: a correctness figure here, not a scaling one`
      : `each worker on a CPU of its own`,
    table(
      ["path", "load", "1 worker pps", "2 workers pps", "2/1", "per rep", "1w ns/pkt", "2w ns/pkt"],
      rows.map((r) => [r.path, r.load, fmtPps(r.one_pps_median), fmtPps(r.two_pps_median), fmtRatio(r.ratio), `[${r.ratios.map((x) => fmtRatio(x)).join(" ")}]`, fmtNs(r.one_cpu_ns_per_pkt_median), fmtNs(r.two_cpu_ns_per_pkt_median)]),
    ),
  ].join("\n");
}
