// `bun run xdp bench` end to end on the xdp-pair lab: the dry run plans the
// matrix asked for, --check-only passes on this machine, and a tiny real run
// (2 modes x 1 low rate x 2 s) writes results.json/csv/md with offered ≈
// absorbed and CPU fields present, leaving nothing attached or pinned.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inventoryHost, toolsOf } from "../../infra/src/inventory.ts";
import { startLab, type LabFixture } from "../src/lab-fixture.ts";
import { BUN, REPO_ROOT } from "../src/paths.ts";
import type { BenchResults } from "../src/xdp/bench/bench-report.ts";
import { pinDirFor } from "../src/xdp/xdp-session.ts";

let lab: LabFixture;
const resultsDir = mkdtempSync(join(tmpdir(), "wl-xdp-bench-"));

beforeAll(async () => {
  // Up for the whole file, so the command finds it up and neither brings it up nor takes it down.
  lab = await startLab("xdp-pair", { ssh: false });
}, 30000);
afterAll(async () => {
  await lab?.down();
  rmSync(resultsDir, { recursive: true, force: true });
}, 30000);

/** Whether this machine's PMU counts instructions (many shared VMs have none): what the bench can report depends on it. */
const PMU = (() => {
  try {
    const err = Bun.spawnSync(["perf", "stat", "-x,", "-e", "instructions", "true"]).stderr.toString();
    return /^\d+,/m.test(err.split("\n").find((l) => l.includes("instructions")) ?? "");
  } catch {
    return false; // no perf binary
  }
})();

function xdp(...args: string[]) {
  const r = Bun.spawnSync([BUN, join(REPO_ROOT, "runner/src/cli.ts"), "xdp", ...args], { cwd: REPO_ROOT });
  return { code: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString() };
}

describe("xdp bench", () => {
  test("--dry-run plans modes x rates and runs nothing", () => {
    const r = xdp("bench", "--dry-run", "--preset", "performance", "--modes", "baseline-socket,xdp-drop");
    expect(r.code).toBe(0);
    expect(r.out).toContain("2 modes x 5 rates = 10 points x 5 s");
    const points = r.out.split("\n").filter((l) => /^\s+\d+\. /.test(l));
    expect(points).toHaveLength(10);
    expect(points.filter((l) => l.includes("baseline-socket"))).toHaveLength(5);
    expect(points.at(-1)).toContain("max");
    expect(r.out).toContain("--mode socket");
    // Nothing ran: no program on the receiver.
    expect(Bun.spawnSync(["ip", "netns", "exec", "xdp-pair-dst", "ip", "link", "show", "dev", "eth1"]).stdout.toString()).not.toContain("prog/xdp");
  });

  test("bad options fail with one line", () => {
    const r = xdp("bench", "--modes", "xdp-bogus", "--dry-run");
    expect(r.code).toBe(2);
    expect(r.err.trim().split("\n")).toHaveLength(1);
    expect(r.err).toContain("--modes");
  });

  test("--check-only passes here", () => {
    const r = xdp("bench", "--check-only", "--json");
    const line = JSON.parse(r.out.trim().split("\n").at(-1)!) as { ok: boolean; checks: { name: string; ok: boolean }[] };
    expect(line.ok).toBe(true);
    expect(r.code).toBe(0);
    expect(line.checks.find((c) => c.name === "native XDP")?.ok).toBe(true);
    expect(line.checks.find((c) => c.name === "threaded NAPI")?.ok).toBe(true);
    // Optional: its outcome follows the machine, and a missing PMU does not fail the check.
    expect(line.checks.find((c) => c.name === "perf instructions")?.ok).toBe(PMU);
  }, 30000);

  test(`a tiny run writes results with offered ≈ absorbed and leaves nothing behind (${PMU ? "with" : "no"} PMU: instructions ${PMU ? "counted" : "n/a"})`, () => {
    const r = xdp("bench", "--modes", "baseline-socket,xdp-drop", "--rates", "5k", "--duration", "2", "--results", resultsDir, "--json");
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const [run] = readdirSync(resultsDir).filter((d) => d.endsWith("_xdp-bench"));
    expect(run).toBeDefined();
    const dir = join(resultsDir, run!);
    for (const f of ["results.json", "results.csv", "results.md"]) expect(existsSync(join(dir, f))).toBe(true);
    const res = JSON.parse(readFileSync(join(dir, "results.json"), "utf8")) as BenchResults;
    expect(res.state).toBe("complete");
    expect(res.provenance.kernel).not.toBe("");
    expect(res.provenance.engine_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(Object.keys(res.provenance.program_obj_sha256).sort()).toEqual(["count", "drop"]);
    expect(res.points.map((p) => p.mode)).toEqual(["baseline-socket", "xdp-drop"]);
    for (const p of res.points) {
      expect(p.offered).toBeGreaterThan(8000);
      // A low rate: everything offered is absorbed (a little slack for a starved CPU on a shared machine).
      expect(p.absorbed / p.offered).toBeGreaterThan(0.98);
      expect(p.task_ms_per_mpkt).toBeGreaterThan(0);
      expect(p.cpu_busy_ms_per_mpkt).not.toBeNull();
      expect(p.xdp_ns_per_packet).toBeGreaterThan(0);
      expect(p.napi_threads.length).toBeGreaterThan(0);
      if (PMU) expect(p.instructions_per_packet).toBeGreaterThan(0);
      else expect(p.instructions_per_packet).toBeNull();
      expect(p.error).toBeUndefined();
    }
    expect(readFileSync(join(dir, "results.csv"), "utf8").split("\n")[0]).toContain("task_ms_per_mpkt");
    const md = readFileSync(join(dir, "results.md"), "utf8");
    expect(md).toContain("## Reading");
    if (PMU) expect(md).toContain("Instructions per packet come from perf");
    else expect(md).toContain("perf cannot count instructions here");
    // Nothing left: no program, no pins, threaded NAPI back off.
    const ns = (...argv: string[]) => Bun.spawnSync(["ip", "netns", "exec", "xdp-pair-dst", ...argv]).stdout.toString();
    expect(ns("ip", "link", "show", "dev", "eth1")).not.toContain("prog/xdp");
    expect(existsSync(pinDirFor(toolsOf(inventoryHost(lab.inventory, "dst")).bpfPinRoot, lab.inventory.lab.prefix, "dst", "eth1"))).toBe(false);
    expect(ns("cat", "/sys/class/net/eth1/threaded").trim()).toBe("0");
    expect(ps()).not.toMatch(/wirelab-(sink|xdp)|wl-xb/);
  }, 60000);
});

/** Our tools still running from this run (the file prefix of its engines is wl-xb...). */
function ps(): string {
  return Bun.spawnSync(["ps", "-eo", "args"]).stdout.toString().split("\n").filter((l) => /xdp-pair-dst-eth1|wl-xb/.test(l)).join("\n");
}
