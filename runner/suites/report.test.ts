// `report` on a real traffic run, on a lab of this test's own (rep, on
// 198.18.40.0/24) so it never meets another suite's lab: the regenerated
// files must agree with the engines' own counters in results.json.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { inventoryPath } from "../../infra/src/netns-lab.ts";
import { startLab, type LabFixture } from "../src/lab-fixture.ts";
import { labStateDir, REPO_ROOT } from "../src/paths.ts";
import { RunStore } from "../src/store/run-store.ts";
import type { TrafficResult } from "../src/traffic/run-traffic.ts";
import { num } from "../src/report/format.ts";
import { parseXml } from "../src/report/xml-check.ts";
import { ownTwoHostLab } from "./own-lab.ts";

const work = mkdtempSync(join(tmpdir(), "wirelab-report-run-"));
const LAB = ownTwoHostLab(work, "rep", 40, "report tests' own two-host lab");
const results = join(work, "results");
let lab: LabFixture | undefined;
const savedInventory = process.env.WIRELAB_INVENTORY;

beforeAll(async () => {
  // Our own lab even when the caller points suites at another one.
  delete process.env.WIRELAB_INVENTORY;
  lab = await startLab(LAB, { ssh: false });
}, 90_000);
afterAll(async () => {
  await lab?.down();
  if (savedInventory !== undefined) process.env.WIRELAB_INVENTORY = savedInventory;
  rmSync(work, { recursive: true, force: true });
}, 90_000);

async function cli(...args: string[]) {
  const p = Bun.spawn([process.execPath, join(REPO_ROOT, "runner/src/cli.ts"), ...args], { stdout: "pipe", stderr: "pipe", env: { ...process.env, WIRELAB_INVENTORY: "" } });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { out, err, code };
}

describe("report on a real traffic run", () => {
  test("files regenerated from the store agree with the engines' counters", async () => {
    const traffic = await cli("traffic", "--inventory", inventoryPath(labStateDir("rep")), "--tx", "tx", "--rx", "rx", "--protocol", "udp", "--mode", "rate", "--pps", "500", "--duration", "3", "--results", results, "--json");
    expect(traffic.err).toBe("");
    expect(traffic.code).toBe(0);
    const last = JSON.parse(traffic.out.trim().split("\n").at(-1)!) as { type: string; dir: string };
    expect(last.type).toBe("result");
    const runId = basename(last.dir);
    const jsonBefore = readFileSync(join(last.dir, "results.json"), "utf8");
    const result = JSON.parse(jsonBefore) as TrafficResult;
    const sent = result.hosts.find((h) => h.host === "tx")!.summary!.protocols.udp.tx_packets;
    const received = result.hosts.find((h) => h.host === "rx")!.summary!.protocols.udp.rx_packets;
    expect(sent).toBe(result.tx.udp.tx_packets);
    expect(sent).toBeGreaterThan(1000);

    const report = await cli("report", runId, "--results", results);
    expect([report.code, report.err]).toEqual([0, ""]);
    expect(report.out).toContain(`${runId} (passed)`);
    const read = (f: string) => readFileSync(join(last.dir, f), "utf8");
    // The traffic command's results.json is the contract: untouched.
    expect(read("results.json")).toBe(jsonBefore);

    const md = read("results.md");
    expect(md).toMatch(new RegExp(`\\| tx\\s+\\| tx\\s+\\| udp\\s+\\|\\s+${num(sent)} \\|`));
    expect(md).toMatch(new RegExp(`\\| rx\\s+\\| rx\\s+\\| udp\\s+\\|\\s+0 \\|\\s+0 \\|\\s+${num(received)} \\|`));
    expect(md).toContain("Totals are the engines' final summaries");

    const store = RunStore.open(join(results, "wirelab.sqlite"));
    const samples = store.samples(runId);
    store.close();
    const csv = read("results.csv").trim().split("\n");
    expect(csv.length - 1).toBe(samples.length);
    expect(new Set(csv.slice(1).map((l) => l.split(",")[2]))).toEqual(new Set(["tx", "rx"]));
    // Cumulative counters: the last sample is at most the final summary.
    const txRows = csv.slice(1).map((l) => l.split(",")).filter((c) => c[2] === "tx" && c[4] === "udp");
    expect(Number(txRows.at(-1)![5])).toBeLessThanOrEqual(sent);
    expect(Number(txRows.at(-1)![5])).toBeGreaterThan(0);

    const junit = parseXml(read("junit.xml"));
    const suite = junit.children[0]!;
    expect(Number(suite.attrs.tests)).toBe(result.checks.length + 1);
    expect(suite.attrs.failures).toBe("0");
    expect(suite.children.map((c) => c.attrs.name)).toEqual(["run", ...result.checks.map((c) => c.name)]);

    const html = read("report.html");
    const points = (chart: string, series: string) => Number(new RegExp(`data-chart="${chart}"[\\s\\S]*?data-series="${series}" data-points="(\\d+)"`).exec(html)?.[1]);
    const intervals = (host: string) => new Set(samples.filter((s) => s.host === host).map((s) => s.t)).size;
    expect(points("rate-tx", "tx pps")).toBe(intervals("tx"));
    expect(points("rate-rx", "rx pps")).toBe(intervals("rx"));
    expect(intervals("tx")).toBeGreaterThanOrEqual(2);

    // The run against itself: every ratio is 1.
    const diff = JSON.parse((await cli("report", "--diff", runId, runId, "--json", "--results", results)).out) as { rows: { ratio: number | null; a: number | null }[] };
    expect(diff.rows.filter((r) => r.a).every((r) => r.ratio === 1)).toBe(true);
  }, 120_000);
});
