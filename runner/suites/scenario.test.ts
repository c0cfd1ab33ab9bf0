// Scenarios end to end on labs of this suite's own (scn: four hosts on one
// segment; scd: tx - dut - rx), with host monitoring beside the traffic.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLab, type LabFixture } from "../src/lab-fixture.ts";
import { LABS_DIR, labStateDir } from "../src/paths.ts";
import { monitoredHosts, startHostMonitor } from "../src/monitor/host-monitor.ts";
import { type StepRun } from "../src/scenario/run-scenario.ts";
import { runScenarioFile } from "../src/run/scenario-run.ts";
import type { SegmentSummary } from "../src/run/segment-summary.ts";
import { parseScenario, readScenario } from "../src/scenario/scenario-file.ts";
import { runTraffic } from "../src/traffic/run-traffic.ts";

const work = mkdtempSync(join(tmpdir(), "wirelab-scenario-suite-"));
const SCN_LAB = join(work, "scn.yaml");
const SCD_LAB = join(work, "scd.yaml");
writeFileSync(
  SCN_LAB,
  `name: scn
prefix: scn
networks:
  - name: seg
    subnet: 198.18.40.0/24
hosts:
  - { name: tx, role: tx }
  - { name: rx, role: rx }
  - { name: tx2, role: tx }
  - { name: rx2, role: rx }
`,
);
writeFileSync(SCD_LAB, readFileSync(join(LABS_DIR, "dut.yaml"), "utf8").replace(/^name: dut$/m, "name: scd\nprefix: scd").replace(/198\.18\.10\./g, "198.18.42.").replace(/198\.18\.11\./g, "198.18.43."));

let scn: LabFixture | undefined;
let scd: LabFixture | undefined;
beforeAll(async () => {
  [scn, scd] = await Promise.all([startLab(SCN_LAB, { ssh: false }), startLab(SCD_LAB, { ssh: false })]);
}, 60000);
afterAll(async () => {
  await Promise.all([scn?.down(), scd?.down()]);
  rmSync(work, { recursive: true, force: true });
  // lab down leaves the labs' state directories empty; they were this suite's.
  for (const name of ["scn", "scd"]) {
    try {
      rmdirSync(labStateDir(name));
    } catch {
      // Not empty (someone else's state) or already gone: left alone.
    }
  }
}, 60000);

function scenario(name: string, text: string): string {
  const file = join(work, `${name}.yaml`);
  writeFileSync(file, text);
  return file;
}
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const ifDelta = (run: StepRun, host: string, iface: string, key: string) => sum(run.hostSamples.filter((s) => s.host === host).map((s) => s.interfaces[iface]?.delta[key] ?? 0));

describe("host monitor", () => {
  test("CPU and interface counters move during traffic", async () => {
    const lab = scn!;
    const samples = startHostMonitor((h) => lab.transport(h), monitoredHosts(lab.inventory, ["tx", "rx"]), 0.5);
    const r = await runTraffic(lab.inventory, { tx: "tx", rx: "rx", protocol: "udp", mode: "rate", pps: 5000, duration: 2 }, { runId: "scnmon", transport: (h) => lab.transport(h) });
    const all = await samples.stop();
    expect(r.state).toBe("passed");
    const tx = all.filter((s) => s.host === "tx");
    const rx = all.filter((s) => s.host === "rx");
    expect(tx.length).toBeGreaterThanOrEqual(3);
    expect(sum(tx.map((s) => s.interfaces.eth1!.delta.tx_packets ?? 0))).toBeGreaterThanOrEqual(r.tx.udp.tx_packets * 0.9);
    expect(sum(rx.map((s) => s.interfaces.eth1!.delta.rx_packets ?? 0))).toBeGreaterThanOrEqual(r.rx.udp.rx_packets * 0.9);
    // The engines poll: some core is busy while they run.
    expect(Math.max(...tx.map((s) => s.cpu.cpu!.busy))).toBeGreaterThan(10);
    expect(Object.keys(tx[0]!.cpu).filter((c) => c !== "cpu").length).toBeGreaterThanOrEqual(1);
    expect(tx[0]!.memory.totalKb).toBeGreaterThan(0);
  }, 30000);
});

describe("scenarios", () => {
  test("concurrent flows, a two-rate sweep and a replay of the capture, with checks", async () => {
    const file = scenario(
      "small",
      `name: small
lab: ./scn.yaml
steps:
  - name: two-pairs
    flows:
      - { tx: tx, rx: rx, protocol: udp, mode: rate, pps: 800, duration: 1.5, capture: true }
      - { tx: tx2, rx: rx2, protocol: icmp, mode: rate, pps: 300, count: 300 }
    checks: { max_loss: 0.02 }
  - name: sweep
    flows:
      - { tx: tx, rx: rx, protocol: udp, mode: rate, duration: 1.5 }
    sweep: { pps: [500, 2000] }
    checks: { min_rx_ratio: 0.98, max_loss: 0.02 }
  - name: replay
    replay: { tx: tx, rx: rx, pcap: { step: two-pairs, host: tx }, pps: 1000 }
    checks: { min_rx_ratio: 0.95 }
`,
    );
    const r = await runScenarioFile(file, { lab: scn!, resultsDir: join(work, "small-run") });
    expect(r.steps.map((s) => s.name)).toEqual(["two-pairs", "sweep", "replay"]);
    expect(r.steps[0]!.reason).toBeUndefined();
    expect(r.steps[0]!.runs[0]!.flows.map((f) => f.verdict)).toEqual(["passed", "passed"]);
    expect(r.steps[0]!.runs[0]!.flows[1]!.received).toBeGreaterThan(250);
    const sweep = r.steps[1]!;
    expect(sweep.runs.map((x) => x.pps)).toEqual([500, 2000]);
    expect(sweep.verdict).toBe("passed");
    expect(sweep.runs[1]!.flows[0]!.sent).toBeGreaterThan(sweep.runs[0]!.flows[0]!.sent * 2);
    expect(sweep.runs[0]!.flows[0]!.checks.map((c) => c.name)).toContain("max_loss");
    const replay = r.steps[2]!.runs[0]!.replay!;
    expect(replay.sent).toBeGreaterThan(1000);
    expect(r.steps[2]!.reason).toBeUndefined();
    expect(r.verdict).toBe("passed");
    expect(readFileSync(join(r.dir, "host-samples.jsonl"), "utf8").split("\n").length).toBeGreaterThan(4);
    // results.json lists each step and sweep rate as a segment of the run, with that segment's engines' totals.
    const saved = JSON.parse(readFileSync(join(r.dir, "results.json"), "utf8")) as { segments: SegmentSummary[] };
    expect(saved.segments.map((g) => [g.seq, g.name, g.step, g.pps])).toEqual([
      [1, "two-pairs", "two-pairs", null], [2, "sweep @ 500 pps", "sweep", 500], [3, "sweep @ 2000 pps", "sweep", 2000], [4, "replay", "replay", null],
    ]);
    const runs = r.steps.flatMap((s) => s.runs);
    for (const [i, run] of runs.entries()) {
      for (const f of run.flows) {
        const count = (host: string, role: string) => saved.segments[i]!.totals.find((c) => c.host === host && c.role === role && c.protocol === f.protocol);
        expect([count(f.tx, "tx")?.tx_packets, count(f.rx, "rx")?.rx_packets], `${saved.segments[i]!.name}: ${f.tx} -> ${f.rx} ${f.protocol}`).toEqual([f.sent, f.received]);
      }
    }
    for (const [a, b] of saved.segments.slice(1).map((g, i) => [saved.segments[i]!, g] as const)) expect(b.startedS).toBeGreaterThanOrEqual(a.endedS!);
  }, 60000);

  test("a DUT forwards tx's frames to rx, and its interface counters show it", async () => {
    const file = scenario(
      "dut",
      `name: dut-step
lab: ./scd.yaml
steps:
  - name: through-dut
    flows:
      - { tx: tx, rx: rx, protocol: udp, mode: rate, pps: 2000, count: 3000 }
    checks: { min_rx_ratio: 0.99, max_loss: 0.01 }
`,
    );
    const r = await runScenarioFile(file, { lab: scd!, resultsDir: join(work, "dut-run") });
    const run = r.steps[0]!.runs[0]!;
    expect(r.steps[0]!.reason).toBeUndefined();
    expect(r.verdict).toBe("passed");
    const flow = run.flows[0]!;
    expect(flow.sent).toBe(3000);
    expect(flow.received).toBeGreaterThanOrEqual(2970);
    expect(flow.received).toBeLessThanOrEqual(3000);
    // In on seg-a (eth1), out on seg-b (eth2): the dut's kernel routed them.
    expect(ifDelta(run, "dut", "eth1", "rx_packets")).toBeGreaterThanOrEqual(2970);
    expect(ifDelta(run, "dut", "eth2", "tx_packets")).toBeGreaterThanOrEqual(2970);
  }, 40000);

  test("a check the run cannot meet is a failed verdict, not an exception", async () => {
    const file = scenario(
      "failing",
      `name: failing
lab: ./scn.yaml
steps:
  - name: impossible-rtt
    flows:
      - { tx: tx, rx: rx, protocol: icmp, mode: rate, pps: 200, count: 100 }
    checks: { max_rtt_p99_us: 0.001 }
`,
    );
    const r = await runScenarioFile(file, { lab: scn!, resultsDir: join(work, "failing-run") });
    expect(r.verdict).toBe("failed");
    expect(r.steps[0]!.verdict).toBe("failed");
    expect(r.reason).toMatch(/^impossible-rtt: tx->rx icmp: max_rtt_p99_us: p99 .* us \(at most 0.001\)/);
  }, 30000);
});

describe("bad scenario files give one-line errors", () => {
  const bad: [string, string, RegExp][] = [
    ["not YAML", "name: x\nsteps: [\n", /^bad\.yaml:\d+: not valid YAML: /],
    ["missing lab", "name: x\nsteps:\n  - name: a\n    flows: [{ tx: tx, rx: rx }]\n", /^bad\.yaml:1: lab: is required$/],
    ["unknown field", "name: x\nlab: two-host\nsteps:\n  - name: a\n    flows:\n      - { tx: tx, rx: rx, ppss: 5 }\n", /^bad\.yaml:6: steps\[0\]\.flows\[0\]\.ppss: unknown field 'ppss'$/],
    ["bad protocol", "name: x\nlab: two-host\nsteps:\n  - name: a\n    flows:\n      - tx: tx\n        rx: rx\n        protocol: sctp\n", /^bad\.yaml:8: steps\[0\]\.flows\[0\]\.protocol: /],
    ["host in two flows", "name: x\nlab: two-host\nsteps:\n  - name: a\n    flows:\n      - { tx: tx, rx: rx }\n      - { tx: tx, rx: rx2 }\n", /^bad\.yaml:7: steps\[0\]\.flows\[1\]\.tx: host 'tx' is already in flow 0 .*protocol: random$/],
    ["sweep over a continuous flow", "name: x\nlab: two-host\nsteps:\n  - name: a\n    flows:\n      - { tx: tx, rx: rx, mode: continuous }\n    sweep: { pps: [1, 2] }\n", /^bad\.yaml:6: steps\[0\]\.flows\[0\]\.mode: a sweep sets pps/],
    ["no flows, replay or rfc2544", "name: x\nlab: two-host\nsteps:\n  - name: a\n", /^bad\.yaml:4: steps\[0\]: a step has one of 'flows', 'replay' or 'rfc2544'$/],
    ["replay of nothing", "name: x\nlab: two-host\nsteps:\n  - name: a\n    replay: { tx: tx, rx: rx, pcap: { step: b, host: tx }, pps: 10 }\n", /^bad\.yaml:5: steps\[0\]\.replay\.pcap\.step: no earlier step 'b'$/],
    ["negative ratio", "name: x\nlab: two-host\nsteps:\n  - name: a\n    flows: [{ tx: tx, rx: rx }]\n    checks:\n      max_loss: -1\n", /^bad\.yaml:7: steps\[0\]\.checks\.max_loss: /],
  ];
  for (const [what, text, want] of bad) {
    test(what, () => {
      let message = "";
      try {
        parseScenario(text, "bad.yaml");
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toMatch(want);
      expect(message).not.toContain("\n");
    });
  }

  test("a host the lab does not have, at run time, before any traffic", async () => {
    const file = scenario("nohost", "name: nohost\nlab: ./scn.yaml\nsteps:\n  - name: a\n    flows:\n      - { tx: tx, rx: rx9, duration: 1 }\n");
    await expect(runScenarioFile(file, { lab: scn!, resultsDir: work })).rejects.toThrow(/nohost\.yaml:6: steps\[0\]\.flows\[0\]\.rx: no host 'rx9' in lab '\.\/scn\.yaml'/);
  });

  test("the shipped presets parse", () => {
    for (const name of ["quick", "performance", "stress", "dut-forwarding"]) expect(readScenario(join(LABS_DIR, "..", "..", "scenarios", `${name}.yaml`)).scenario.name).toBe(name);
  });
});
