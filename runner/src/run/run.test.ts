import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { emptyCounters, PROTOCOLS, type EngineStats } from "../traffic/engine-output.ts";
import type { Sample } from "../traffic/run-traffic.ts";
import { RunStore } from "../store/run-store.ts";
import { Run, type SampleLine } from "./run.ts";
import { runSpec } from "./run-spec.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function workDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "wirelab-run-"));
  dirs.push(dir);
  return dir;
}

function stats(t: number, udp: { tx_packets?: number; rx_packets?: number }): EngineStats {
  const protocols = Object.fromEntries(PROTOCOLS.map((p) => [p, emptyCounters()])) as EngineStats["protocols"];
  protocols.udp = { ...emptyCounters(), ...udp };
  return {
    type: "stats", t, role: "tx", protocols,
    totals: { tx_packets: udp.tx_packets ?? 0, tx_bytes: 0, rx_packets: udp.rx_packets ?? 0, rx_bytes: 0, malformed: 0, unknown: 0, tx_dropped: 0, rx_missed: 0 },
    rates: { tx_pps: 1000, rx_pps: 1000, tx_bps: 0, rx_bps: 0 },
  } as EngineStats;
}

const SPEC = runSpec("traffic", { tx: "tx", rx: "rx", protocol: "udp", mode: "rate", pps: 1000 });

describe("a run's lifecycle", () => {
  test("is stored from the moment it begins: its start, its typed spec, 'running'", () => {
    const dir = workDir();
    const store = RunStore.open(join(dir, "wirelab.sqlite"));
    const run = Run.begin({ store, resultsDir: dir, spec: SPEC, name: "udp/rate tx -> rx", what: "udp-rate", lab: "two-host", provenance: { via: "test" } });
    expect(run.id).toMatch(/^\d{8}-\d{6}-udp-rate-[0-9a-f]{8}$/);
    expect(run.dir).toBe(join(dir, run.id));
    expect(existsSync(run.dir)).toBe(true);
    expect(store.getRun(run.id)).toMatchObject({ state: "running", kind: "traffic", started_at: run.startedAt.toISOString(), lab: "two-host", spec: SPEC });
    run.finish({ state: "passed", checks: [{ name: "min-rx-ratio", ok: true, detail: "1 >= 0.99" }] });
    expect(store.getRun(run.id)).toMatchObject({ state: "passed", started_at: run.startedAt.toISOString() });
    expect(store.verdicts(run.id)).toEqual([{ name: "min-rx-ratio", ok: true, detail: "1 >= 0.99" }]);
    // Finishing is once: a second outcome does not overwrite the first.
    run.finish({ state: "failed", reason: "late" });
    expect(store.getRun(run.id)!.state).toBe("passed");
    store.close();
  });

  test("every sample reaches samples.jsonl, the store and each sink as the same line", () => {
    const dir = workDir();
    const store = RunStore.open(join(dir, "wirelab.sqlite"));
    const seen: SampleLine[] = [];
    const run = Run.begin({ store, resultsDir: dir, spec: SPEC, name: "x", what: "udp-rate", provenance: {}, reports: false, sinks: [{ sample: (line) => seen.push(line) }] });
    const segment = run.segment("udp/rate tx -> rx");
    run.sample({ host: "tx", role: "tx", engine: "e-tx", stats: stats(1, { tx_packets: 10 }) }, segment);
    run.sample({ host: "rx", role: "rx", engine: "e-rx", stats: stats(1, { rx_packets: 9 }) }, segment);
    const lines = readFileSync(join(run.dir, "samples.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as SampleLine);
    expect(lines).toEqual(seen);
    expect(lines.map((l) => [l.host, l.role, l.segment])).toEqual([["tx", "tx", 1], ["rx", "rx", 1]]);
    expect(store.samples(run.id).map((r) => [r.host, r.segment, r.tx_packets, r.rx_packets])).toEqual([["rx", 1, 0, 9], ["tx", 1, 10, 0]]);
    store.close();
  });

  test("a store that fails a write is said once; the run goes on and samples.jsonl keeps every sample", () => {
    const dir = workDir();
    const store = RunStore.open(join(dir, "wirelab.sqlite"));
    const warnings: string[] = [];
    const run = Run.begin({ store, resultsDir: dir, spec: SPEC, name: "x", what: "udp-rate", provenance: {}, reports: false, warn: (l) => warnings.push(l) });
    store.close();
    for (let t = 1; t <= 3; t++) run.sample({ host: "tx", role: "tx", stats: stats(t, { tx_packets: t * 10 }) });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`run ${run.id}: storing its samples failed, the run goes on`);
    expect(readFileSync(join(run.dir, "samples.jsonl"), "utf8").trim().split("\n")).toHaveLength(3);
  });

  test("a scenario's steps and sweep rates are segments, each with its own engines' totals, listed in results.json", async () => {
    const dir = workDir();
    const store = RunStore.open(join(dir, "wirelab.sqlite"));
    const run = Run.begin({ store, resultsDir: dir, spec: SPEC, name: "sweep", what: "scenario-sweep", provenance: {}, reports: false });
    // Step "icmp" once; step "sweep" at 1000 and 5000 pps, two flows each (two engine pairs in one segment).
    const parts = [{ name: "icmp", step: "icmp", flows: 1, sent: 100 }, { name: "sweep @ 1000 pps", step: "sweep", pps: 1000, flows: 2, sent: 1000 }, { name: "sweep @ 5000 pps", step: "sweep", pps: 5000, flows: 2, sent: 5000 }];
    for (const p of parts) {
      await run.inSegment(p.name, { step: p.step, ...(p.pps ? { pps: p.pps } : {}) }, async (segment) => {
        for (let f = 0; f < p.flows; f++) {
          const engine = `${run.engineId}-${segment.seq}${f}`;
          // Each engine counts from zero; its last row (the summary) holds its totals.
          for (const share of [0.5, 1]) {
            const s = (host: string, role: "tx" | "rx", c: { tx_packets?: number; rx_packets?: number }): Sample => ({ host, role, engine: `${engine}-${role}`, stats: stats(share * 2, c) });
            run.sample(s(`tx${f}`, "tx", { tx_packets: share * p.sent }), segment);
            run.sample(s(`rx${f}`, "rx", { rx_packets: share * (p.sent - 1) }), segment);
          }
        }
      });
    }
    run.finish({ state: "passed" }, { name: "sweep" });
    const results = JSON.parse(readFileSync(join(run.dir, "results.json"), "utf8")) as { name: string; segments: { seq: number; name: string; step: string; pps: number | null; sent: number; received: number; startedS: number; endedS: number }[] };
    expect(results.name).toBe("sweep");
    expect(results.segments.map((g) => [g.seq, g.name, g.step, g.pps, g.sent, g.received])).toEqual([
      [1, "icmp", "icmp", null, 100, 99],
      [2, "sweep @ 1000 pps", "sweep", 1000, 2000, 1998],
      [3, "sweep @ 5000 pps", "sweep", 5000, 10000, 9998],
    ]);
    for (const g of results.segments) expect(g.endedS).toBeGreaterThanOrEqual(g.startedS);
    // The run's totals are every segment's, summed.
    expect(store.finalCounters(run.id).filter((c) => c.role === "tx").reduce((a, c) => a + c.tx_packets, 0)).toBe(100 + 2000 + 10000);
    store.close();
  });
});

describe("a runner killed at a random point", () => {
  /** A real runner process: begins a run, then writes samples in segments until it is killed. */
  function runner(resultsDir: string) {
    return Bun.spawn([process.execPath, "-e", `
      const { RunStore } = await import(${JSON.stringify(join(import.meta.dir, "../store/run-store.ts"))});
      const { Run } = await import(${JSON.stringify(join(import.meta.dir, "run.ts"))});
      const { runSpec } = await import(${JSON.stringify(join(import.meta.dir, "run-spec.ts"))});
      const { emptyCounters, PROTOCOLS } = await import(${JSON.stringify(join(import.meta.dir, "../traffic/engine-output.ts"))});
      const store = RunStore.open(${JSON.stringify(join(resultsDir, "wirelab.sqlite"))});
      const run = Run.begin({ store, resultsDir: ${JSON.stringify(resultsDir)}, spec: runSpec("demo", { lab: "two-host", xdp: false }), name: "demo", what: "demo", provenance: {} });
      console.log(JSON.stringify({ id: run.id, startedAt: run.startedAt.toISOString() }));
      for (let seq = 0; ; seq++) {
        const segment = run.segment("step " + seq);
        for (let t = 1; t <= 20; t++) {
          const protocols = Object.fromEntries(PROTOCOLS.map((p) => [p, emptyCounters()]));
          protocols.udp = { ...emptyCounters(), tx_packets: t * 100 };
          run.sample({ host: "tx", role: "tx", engine: "e" + seq, stats: { type: "stats", t, role: "tx", protocols, rates: { tx_pps: 100, rx_pps: 0 } } }, segment);
          await Bun.sleep(2);
        }
        run.endSegment(segment);
      }
    `], { stdout: "pipe", stderr: "pipe" });
  }

  test("leaves a stored, interrupted run with started_at at its start and every sample written so far", async () => {
    for (let round = 0; round < 3; round++) {
      const dir = workDir();
      const child = runner(dir);
      const { value } = await child.stdout.getReader().read();
      const begun = JSON.parse(new TextDecoder().decode(value).trim().split("\n")[0]!) as { id: string; startedAt: string };
      await Bun.sleep(20 + Math.random() * 400);
      child.kill("SIGKILL");
      await child.exited;
      const store = RunStore.open(join(dir, "wirelab.sqlite"));
      const run = store.getRun(begun.id)!;
      expect(run).toMatchObject({ state: "interrupted", started_at: begun.startedAt, spec: { kind: "demo", version: 1 } });
      // The kill may land between the samples.jsonl line and its store row: at most that one sample is not stored.
      const lines = readFileSync(join(dir, begun.id, "samples.jsonl"), "utf8").split("\n").filter((l) => l.endsWith("}"));
      const stored = store.samples(begun.id);
      expect(lines.length).toBeGreaterThan(0);
      expect(stored.length === lines.length || stored.length === lines.length - 1).toBe(true);
      const segments = store.segments(begun.id);
      expect(segments.length).toBeGreaterThanOrEqual(1);
      // Each stored segment's total is its engine's last stored sample.
      for (const g of segments) {
        const last = stored.filter((r) => r.segment === g.seq).at(-1);
        if (last) expect(g.totals.map((c) => c.tx_packets)).toEqual([last.tx_packets]);
      }
      store.close();
    }
  }, 30_000);
});
