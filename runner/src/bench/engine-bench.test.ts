// `bench engine`'s command line, its summary rows and tables, and the lab file
// of its own, without bringing a lab up or timing anything.
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseLab } from "../../../infra/src/lab-model.ts";
import { REPO_ROOT, UsageError } from "../paths.ts";
import { benchLabYaml, ENGINE_BENCH_LAB } from "./bench-lab.ts";
import { parseEngineBenchArgs } from "./engine-bench-args.ts";
import { txRows, txTable, workersRows, workersTable, type TxRep, type WorkersRep } from "./engine-bench-table.ts";

describe("bench engine's arguments", () => {
  test("defaults: 5 reps of 5 s, tx and rate, both paths (direct first), quiet and busy", () => {
    expect(parseEngineBenchArgs([])).toEqual({ reps: 5, seconds: 5, only: undefined, json: undefined, paths: ["direct", "bridge"], loads: ["quiet", "busy"] });
  });

  test("--path both|direct|bridge, --load, --reps, --seconds, --only, --json", () => {
    expect(parseEngineBenchArgs(["--path", "both"])).toMatchObject({ paths: ["direct", "bridge"] });
    expect(parseEngineBenchArgs(["--path", "direct"])).toMatchObject({ paths: ["direct"] });
    expect(parseEngineBenchArgs(["--path", "bridge", "--load", "busy", "--reps", "5", "--seconds", "2.5", "--only", "tx", "--json", "/tmp/x.json"])).toEqual({
      reps: 5,
      seconds: 2.5,
      only: "tx",
      json: "/tmp/x.json",
      paths: ["bridge"],
      loads: ["busy"],
    });
    expect(parseEngineBenchArgs(["--reps", "1", "-h"])).toBe("help");
  });

  test.each([
    [["--path", "veth"], "--path: want direct, bridge or both, not 'veth'"],
    [["--path"], "--path: needs a value"],
    [["--reps", "0"], "--reps: '0' is not a whole number between 1 and 50"],
    [["--reps", "2.5"], "--reps: '2.5' is not a whole number between 1 and 50"],
    [["--seconds", "0.5"], "--seconds: '0.5' is not a number between 1 and 600"],
    [["--load", "idle"], "--load: want quiet, busy or both, not 'idle'"],
    [["--only", "rx"], "--only: want tx or rate, not 'rx'"],
    [["--fast"], "unknown argument '--fast' (see --help)"],
  ])("%j is refused in one line: %s", (argv, message) => {
    expect(() => parseEngineBenchArgs(argv)).toThrow(new UsageError(message));
  });
});

const tx = (path: "direct" | "bridge", size: number, rep: number, engine: number, testpmd: number): TxRep => ({
  path,
  load: "quiet",
  size,
  rep,
  engine_pps: engine,
  testpmd_pps: testpmd,
  ratio: engine / testpmd,
  engine_cpu_ns_per_pkt: 1e9 / engine,
  testpmd_cpu_ns_per_pkt: 1e9 / testpmd,
  engine_user_ns_per_pkt: 0.04e9 / engine,
  testpmd_user_ns_per_pkt: 0.05e9 / testpmd,
  engine_load1: 1,
  testpmd_load1: 1,
  engine_tx_dropped: 0,
});

const workers = (path: "direct" | "bridge", rep: number, one: number, two: number): WorkersRep => ({
  path,
  load: "quiet",
  rep,
  one_pps: one,
  two_pps: two,
  ratio: two / one,
  one_cpu_ns_per_pkt: 500,
  two_cpu_ns_per_pkt: 520,
});

describe("bench engine's rows and tables", () => {
  const reps = [
    tx("direct", 64, 1, 1_100_000, 1_000_000),
    tx("direct", 64, 2, 900_000, 1_000_000),
    tx("direct", 64, 3, 1_000_000, 800_000),
    tx("direct", 1500, 1, 500_000, 500_000),
    tx("bridge", 64, 1, 800_000, 1_000_000),
  ];

  test("one row per path and size measured, in the order asked; ratio of the medians, per-rep ratios in rep order", () => {
    const rows = txRows(reps, ["direct", "bridge"], ["quiet", "busy"]);
    expect(rows.map((r) => `${r.path} ${r.load} ${r.size}`)).toEqual(["direct quiet 64", "direct quiet 1500", "bridge quiet 64"]);
    // medians 1.0 M / 1.0 M: not the median of the per-rep ratios (1.1, 0.9, 1.25 -> 1.1)
    expect(rows[0]).toMatchObject({ engine_pps_median: 1_000_000, testpmd_pps_median: 1_000_000, ratio: 1, paired_ratios: [1.1, 0.9, 1.25] });
    expect(rows[2]!.ratio).toBeCloseTo(0.8, 10);
  });

  test("the tx table names the path of each row and prints the per-rep ratios", () => {
    const text = txTable(txRows(reps, ["direct", "bridge"], ["quiet"]), 3);
    const lines = text.split("\n");
    expect(lines[3]).toMatch(/^path\s+load\s+size\s+engine pps\s+testpmd pps\s+ratio\s+per rep\s+engine ns\/pkt\s+testpmd ns\/pkt\s+engine user\s+testpmd user$/);
    // user ns: 40 and 50 ns per packet at 1 M pps in every rep
    expect(lines[5]).toMatch(/^direct\s+quiet\s+64 B\s+1,000,000\s+1,000,000\s+1\.000\s+\[1\.100 0\.900 1\.250\]\s+1000\s+1000\s+40\s+50$/);
    expect(lines[7]).toMatch(/^bridge\s+quiet\s+64 B\s+800,000\s+1,000,000\s+0\.800\s+\[0\.800\]/);
  });

  test("the workers rows: 2/1 of the medians per path, and the table says what two CPUs make of it", () => {
    const rows = workersRows([workers("direct", 1, 1_000_000, 1_950_000), workers("direct", 2, 1_000_000, 2_070_000), workers("bridge", 1, 800_000, 1_600_000)], ["direct", "bridge"], ["quiet"]);
    expect(rows.map((r) => [r.path, r.ratio])).toEqual([
      ["direct", 2.01],
      ["bridge", 2],
    ]);
    const text = workersTable(rows, 2, 2);
    expect(text).toContain("a correctness figure here, not a scaling one");
    expect(text).toMatch(/\ndirect\s+quiet\s+1,000,000\s+2,010,000\s+2\.010\s+\[1\.950 2\.070\]\s+500\s+520\n/);
    expect(workersTable(rows, 2, 8)).toContain("each worker on a CPU of its own");
  });
});

describe("bench engine's own lab", () => {
  test("its file parses: tx and rx with two queues each on 198.18.86.0/24, named and prefixed wlbe", () => {
    const lab = parseLab(benchLabYaml(ENGINE_BENCH_LAB), "wlbe.yaml");
    expect(lab.name).toBe("wlbe");
    expect(lab.prefix).toBe("wlbe");
    expect(lab.hosts.map((h) => [h.name, h.role, h.interfaces.map((i) => [i.queues, i.ip])])).toEqual([
      ["tx", "tx", [[2, expect.stringMatching(/^198\.18\.86\.\d+$/)]]],
      ["rx", "rx", [[2, expect.stringMatching(/^198\.18\.86\.\d+$/)]]],
    ]);
  });

  test("its subnet and prefix are no suite's", () => {
    const dir = join(REPO_ROOT, "runner", "suites");
    const text = readdirSync(dir)
      .filter((f) => f.endsWith(".ts"))
      .map((f) => readFileSync(join(dir, f), "utf8"))
      .join("\n");
    expect(text).not.toContain(`198.18.${ENGINE_BENCH_LAB.octet}.`);
    // own-lab suites give the octet as an argument: ownTwoHostLab(work, "name", 73, ...)
    const octets = [...text.matchAll(/(?:ownTwoHostLab|ownLab|startConformanceLab)\([^,]*?,?\s*"[^"]+",\s*(\d+)/g)].map((m) => Number(m[1]));
    expect(octets.length).toBeGreaterThan(5);
    expect(octets).not.toContain(ENGINE_BENCH_LAB.octet);
    expect(text).not.toMatch(new RegExp(`prefix: ${ENGINE_BENCH_LAB.name}\\b|"${ENGINE_BENCH_LAB.name}"`));
  });
});
