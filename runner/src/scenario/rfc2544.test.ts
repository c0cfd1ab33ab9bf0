// The RFC 2544 search against simulated DUTs (capacity known, so the answer
// is checked), the tester's engine command from the dut-tester lab, the
// reading of an engine summary, the scenario rules and the report section.
import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseLab } from "../../../infra/src/lab-model.ts";
import { netnsInventory } from "../../../infra/src/netns-lab.ts";
import { REPO_ROOT } from "../paths.ts";
import { findRfc2544, RFC2544_FILE, rfc2544Html, rfc2544Markdown } from "../report/rfc2544-report.ts";
import { limitOf, mbps, readTrial, rfc2544Schema, searchThroughput, trialCommand, trialPassed, type Rfc2544Result, type Trial } from "./rfc2544.ts";
import { parseScenario, readScenario } from "./scenario-file.ts";

const LAT = { samples: 10, min_us: 5, mean_us: 9, p50_us: 8, p90_us: 12, p99_us: 20, p999_us: 25, max_us: 30 };

/** A DUT forwarding up to `capacity` pps; beyond it, it drops the excess. The tester reaches `testerMax`. */
function dut(capacity: number, testerMax = Infinity) {
  const tried: number[] = [];
  const trial = async (pps: number): Promise<Trial> => {
    tried.push(pps);
    const sent = pps * 2;
    const achieved = Math.min(pps, testerMax);
    const lost = pps > capacity ? Math.ceil((pps - capacity) * 2) : 0;
    return { pps, sent, received: sent - lost, lost, reordered: 0, duplicates: 0, achievedPps: achieved, latency: LAT };
  };
  return { trial, tried };
}

const opts = { maxRate: 100000, resolution: 0.01, lossTolerance: 0, maxTrials: 20 };

describe("throughput search", () => {
  test("finds the DUT's capacity to the resolution, from below", async () => {
    for (const capacity of [1234, 37000, 50000, 99000]) {
      const d = dut(capacity);
      const r = await searchThroughput(d.trial, opts);
      expect(r.pps).toBeLessThanOrEqual(capacity);
      expect(capacity - r.pps).toBeLessThanOrEqual(opts.resolution * opts.maxRate);
      expect(d.tried[0]).toBe(opts.maxRate);
      expect(r.trials.length).toBeLessThanOrEqual(9); // log2(1/0.01) + 1
      expect(r.best!.pps).toBe(r.pps);
    }
  });

  test("a DUT that keeps up at the maximum is done in one trial", async () => {
    const d = dut(1e9);
    const r = await searchThroughput(d.trial, opts);
    expect(r.pps).toBe(opts.maxRate);
    expect(d.tried).toEqual([opts.maxRate]);
  });

  test("a rate the tester could not reach does not pass, whatever the DUT did, and the result says so", async () => {
    const d = dut(1e9, 30000);
    const r = await searchThroughput(d.trial, opts);
    expect(r.pps).toBeLessThanOrEqual(30000 / 0.98);
    expect(r.pps).toBeGreaterThan(29000);
    expect(limitOf(r.pps, r.trials, opts.maxRate)).toBe("tester");
    const lossy = dut(20000, 30000);
    const l = await searchThroughput(lossy.trial, opts);
    expect(limitOf(l.pps, l.trials, opts.maxRate)).toBe("loss");
    expect(limitOf(opts.maxRate, [], opts.maxRate)).toBe("max_rate");
  });

  test("a DUT that forwards nothing: no rate, trials bounded", async () => {
    const d = dut(0);
    const r = await searchThroughput(d.trial, { ...opts, maxTrials: 6 });
    expect(r.pps).toBe(0);
    expect(r.best).toBeNull();
    expect(r.trials.length).toBe(6);
  });

  test("a tolerance lets a small loss pass", () => {
    const t: Trial = { pps: 1000, sent: 1000, received: 999, lost: 1, reordered: 0, duplicates: 0, achievedPps: 1000, latency: null };
    expect(trialPassed(t, 0)).toBe(false);
    expect(trialPassed(t, 0.001)).toBe(true);
  });

  test("an engine that cannot run stops the search at once", async () => {
    let calls = 0;
    const r = await searchThroughput(async (pps) => (calls++, readTrial(pps, "", "engine exited 1: EAL init failed")), opts);
    expect(calls).toBe(1);
    expect(r.pps).toBe(0);
    expect(r.trials[0]!.error).toContain("EAL");
  });

  test("Mbit/s counts the frame with its FCS", () => {
    expect(mbps(14880952, 64)).toBeCloseTo(7619.05, 1); // 10GbE line rate at 64 B: 7.62 Gbit/s of frames
  });
});

describe("the tester's engine command", () => {
  const lab = parseLab(readFileSync(join(REPO_ROOT, "infra", "labs", "dut-tester.yaml"), "utf8"), "dut-tester.yaml");
  const inv = netnsInventory(lab, {});
  const spec = rfc2544Schema.parse({ tester: "tester", max_rate: 50000, trial_duration: 2 });

  test("both ports of the tester, stamped UDP of the frame size without FCS, to the DUT's MAC", () => {
    const plan = trialCommand(inv, spec, 64, 20000, "r1");
    const a = plan.argv;
    const at = (k: string) => a[a.indexOf(k) + 1];
    expect(a.filter((x) => x === "--vdev")).toHaveLength(2);
    expect(a[a.indexOf("--vdev") + 1]).toBe("net_af_xdp0,iface=eth1");
    expect(a[a.lastIndexOf("--vdev") + 1]).toBe("net_af_xdp1,iface=eth2");
    expect(a.slice(a.indexOf("--") + 1).join(" ")).toContain("--port 0 --port 1 --stamp");
    expect(at("--size")).toBe("60");
    expect(at("--pps")).toBe("20000");
    expect(at("--count")).toBe("40000");
    expect(at("--src-ip")).toBe("198.18.20.1");
    expect(at("--dst-ip")).toBe("198.18.21.1");
    const dutHost = inv.hosts.find((h) => h.name === "dut")!;
    expect(at("--dst-mac")).toBe(dutHost.interfaces.find((i) => i.segment === "seg-a")!.mac);
    expect(plan.dut).toBe("dut");
    expect(at("--file-prefix")).toBe(plan.filePrefix);
    expect(trialCommand(inv, spec, 1518, 1000, "r1").argv).toContain("1514");
  });

  test("a tester with one interface, or no DUT on its segment, is refused with the reason", () => {
    const apart = parseLab(
      "name: apart\nnetworks:\n  - name: a\n  - name: b\n  - name: c\nhosts:\n  - name: t\n    role: both\n    interfaces: [{network: c}, {network: b}]\n  - name: d\n    role: dut\n    interfaces: [{network: a}, {network: b}]\n",
      "apart.yaml",
    );
    expect(() => trialCommand(netnsInventory(apart, {}), { ...spec, tester: "t" }, 64, 1, "r")).toThrow(/no dut host on t's segment c/);
    const one = parseLab("name: one\nhosts:\n  - name: t\n    role: both\n  - name: d\n    role: dut\n", "one.yaml");
    expect(() => trialCommand(netnsInventory(one, {}), { ...spec, tester: "t" }, 64, 1, "r")).toThrow(/needs two test interfaces/);
  });
});

describe("reading a trial", () => {
  const summary = (extra: object) => JSON.stringify({ type: "summary", pacing: { achieved_pps: 9990 }, ...extra });
  test("sent = received + lost from the sequence numbers; latency taken along", () => {
    const out = [JSON.stringify({ type: "start" }), JSON.stringify({ type: "stats" }), summary({ sequence: { received: 19990, lost: 10, reordered: 1, duplicates: 2 }, latency: LAT }), ""].join("\n");
    const t = readTrial(10000, out);
    expect(t).toMatchObject({ pps: 10000, sent: 20000, received: 19990, lost: 10, reordered: 1, duplicates: 2, achievedPps: 9990, latency: LAT });
    expect(t.error).toBeUndefined();
  });
  test("no summary: an error, never a pass", () => {
    const t = readTrial(10, `{"type":"start"}\n{"type":"summ`);
    expect(t.error).toMatch(/no summary/);
    expect(trialPassed(t, 1)).toBe(false);
  });
});

describe("scenario files", () => {
  test("the rfc2544 preset parses with RFC 2544's frame sizes", () => {
    const { scenario } = readScenario(join(REPO_ROOT, "scenarios", "rfc2544.yaml"));
    expect(scenario.lab).toBe("dut-tester");
    expect(scenario.steps[0]!.rfc2544!.frame_sizes).toEqual([64, 128, 256, 512, 1024, 1280, 1518]);
  });
  test("a step is one of flows, replay or rfc2544; no sweep on a search", () => {
    const head = "name: s\nlab: dut-tester\nsteps:\n  - name: a\n";
    expect(() => parseScenario(head + "    rfc2544: {tester: tester, max_rate: 1000}\n    flows: [{tx: a, rx: b}]\n", "s.yaml")).toThrow(/one of 'flows', 'replay' or 'rfc2544'/);
    expect(() => parseScenario(head + "    rfc2544: {tester: tester, max_rate: 1000}\n    sweep: {pps: [1]}\n", "s.yaml")).toThrow(/searches its own rates/);
    expect(() => parseScenario(head + "    rfc2544: {tester: tester}\n", "s.yaml")).toThrow(/max_rate/);
    expect(() => parseScenario(head + "    rfc2544: {tester: tester, max_rate: 1000, frame_sizes: [32]}\n", "s.yaml")).toThrow(/frame_sizes/);
  });
});

describe("report section", () => {
  const result: Rfc2544Result = {
    schema: "wirelab/rfc2544@1", step: "throughput", tester: "tester", dut: "dut", maxRate: 100000, trialDuration: 2, resolution: 0.02,
    sizes: [
      { frameSize: 64, pps: 50000, mbps: mbps(50000, 64), percentOfMax: 50, latency: LAT, limitedBy: "loss", trials: [] },
      { frameSize: 1518, pps: 0, mbps: 0, percentOfMax: 0, latency: null, limitedBy: "loss", trials: [], error: "engine exited 1" },
    ],
  };
  test("a table row per frame size and two charts, found in the run directory", () => {
    const dir = mkdtempSync(join(tmpdir(), "wl-rfc2544-"));
    try {
      writeFileSync(join(dir, RFC2544_FILE("throughput")), JSON.stringify(result));
      writeFileSync(join(dir, "rfc2544_other.json"), "{not json");
      const found = findRfc2544(dir);
      expect(found).toHaveLength(1);
      const html = rfc2544Html(found);
      expect(html).toContain('data-chart="rfc2544-throughput-throughput"');
      expect(html).toContain('data-chart="rfc2544-latency-throughput"');
      expect(html).toContain('data-group="64 B" data-value="50000"');
      expect(html).toContain("<td class=\"n\">25.6</td>"); // 50 kpps x 64 B
      expect(html).toContain("none (engine exited 1)");
      const row = rfc2544Markdown(found).find((l) => l.includes("\n| 64 "))!.split("\n").find((l) => l.startsWith("| 64 "))!;
      expect(row.split("|").map((c) => c.trim()).slice(1, 8)).toEqual(["64", "50,000", "25.6", "50.0%", "8.0", "20.0", "DUT loss"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
