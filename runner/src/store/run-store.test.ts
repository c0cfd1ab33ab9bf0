import { afterEach, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { emptyCounters, PROTOCOLS, type EngineStats } from "../traffic/engine-output.ts";
import { hostTotals } from "../report/report-data.ts";
import { corruptHeader } from "./corrupt-store.ts";
import { runnerThatStored } from "./test-runner.ts";
import { METRICS_QUERIES, RunStore } from "./run-store.ts";
import { runSpec } from "../run/run-spec.ts";

const UDP_RATE = runSpec("traffic", { tx: "tx", rx: "rx", protocol: "udp", mode: "rate", pps: 1000 });

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Runs `fn` on the store's file through a connection of its own, as another program would. */
function rawDb(path: string, fn: (db: Database) => void): void {
  const db = new Database(path, { strict: true });
  try {
    db.exec("PRAGMA busy_timeout = 5000");
    fn(db);
  } finally {
    db.close();
  }
}

function tempDb(): string {
  const dir = mkdtempSync(join(tmpdir(), "wirelab-store-"));
  dirs.push(dir);
  return join(dir, "runs.sqlite");
}

function stats(t: number, udpTx: number): EngineStats {
  const protocols = Object.fromEntries(PROTOCOLS.map((p) => [p, emptyCounters()])) as EngineStats["protocols"];
  protocols.udp = { ...emptyCounters(), tx_packets: udpTx, tx_bytes: udpTx * 64 };
  return {
    type: "stats", t, role: "tx", protocols,
    totals: { tx_packets: udpTx, tx_bytes: udpTx * 64, rx_packets: 0, rx_bytes: 0, malformed: 0, unknown: 0, tx_dropped: 0, rx_missed: 0 },
    rates: { tx_pps: 1000, rx_pps: 0, tx_bps: 512000, rx_bps: 0 },
    rtt_us: null, pacing: null, tcp: { handshakes_completed: 0, resets: 0 }, backoff: null,
  };
}

describe("run store", () => {
  test("keeps a run, its samples (one row per protocol that moved) and its verdicts", () => {
    const store = RunStore.open(tempDb());
    store.startRun({ id: "r1", kind: "traffic", name: "udp/rate", dir: "/tmp/r1", lab: "two-host", spec: UDP_RATE, provenance: { kernel: "6.18" } });
    store.addSample("r1", { host: "tx", role: "tx", stats: stats(1, 1000) });
    store.addSample("r1", { host: "tx", role: "tx", stats: stats(2, 2000) });
    store.finishRun("r1", "passed", undefined, [{ name: "sent", ok: true, detail: "2000 sent" }]);
    const run = store.getRun("r1")!;
    expect(run).toMatchObject({ state: "passed", kind: "traffic", lab: "two-host", spec: UDP_RATE, provenance: { kernel: "6.18" } });
    expect(run.ended_at).not.toBeNull();
    expect(store.samples("r1").map((s) => [s.t, s.protocol, s.tx_packets])).toEqual([[1, "udp", 1000], [2, "udp", 2000]]);
    expect(store.verdicts("r1")).toEqual([{ name: "sent", ok: true, detail: "2000 sent" }]);
    store.close();
  });

  test("a run whose runner died is marked interrupted at the next open, its samples kept", async () => {
    const path = tempDb();
    const child = await runnerThatStored(path, [stats(1, 500)]);
    child.kill("SIGKILL");
    await child.exited;
    const store = RunStore.open(path);
    const run = store.getRun("crash")!;
    expect(run.state).toBe("interrupted");
    expect(run.reason).toContain(`pid ${child.pid}`);
    expect(store.samples("crash")).toHaveLength(1);
    store.close();
  });

  test("a run still going in a live process is left alone", () => {
    const path = tempDb();
    const a = RunStore.open(path);
    a.startRun({ id: "live", kind: "traffic", name: "x", dir: "/tmp/x", spec: {}, provenance: {} });
    const b = RunStore.open(path);
    expect(b.getRun("live")!.state).toBe("running");
    a.close();
    b.close();
  });

  test("a runner's PID taken over by a later process does not keep its run 'running': the start time tells them apart", async () => {
    const path = tempDb();
    const store = RunStore.open(path);
    // A live process standing in for "whoever has that PID now".
    const other = Bun.spawn(["sleep", "30"]);
    try {
      const stat = readFileSync(`/proc/${other.pid}/stat`, "utf8");
      const start = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]);
      for (const [id, pidStart] of [["same-process", start], ["reused-pid", start - 1]] as const) {
        store.startRun({ id, kind: "traffic", name: "x", dir: "/tmp/x", spec: {}, provenance: {} });
        rawDb(path, (db) => db.prepare("UPDATE runs SET pid = $pid, pid_start = $start WHERE id = $id").run({ pid: other.pid, start: pidStart, id }));
      }
      expect(store.recoverInterrupted()).toEqual(["reused-pid"]);
      expect(store.getRun("same-process")!.state).toBe("running");
    } finally {
      other.kill();
      store.close();
    }
  });

  test("a store from before runner start times gets the column; its old running rows are judged by PID alone", async () => {
    const path = tempDb();
    RunStore.open(path).close();
    const child = Bun.spawn(["true"]);
    await child.exited;
    rawDb(path, (db) => {
      db.exec("ALTER TABLE runs DROP COLUMN pid_start");
      db.prepare("INSERT INTO runs (id, kind, name, state, started_at, dir, pid, spec, provenance) VALUES ('old', 'traffic', 'x', 'running', '2026-01-01T00:00:00Z', '/tmp/x', $pid, '{}', '{}')").run({ pid: child.pid });
    });
    const store = RunStore.open(path);
    expect(store.getRun("old")).toMatchObject({ state: "interrupted", pid_start: null });
    store.startRun({ id: "new", kind: "traffic", name: "x", dir: "/tmp/x", spec: {}, provenance: {} });
    expect(store.getRun("new")!.pid_start).toBeGreaterThan(0);
    store.close();
  });

  test("run summaries for listings: the newest first, the same fields as the full rows but provenance", () => {
    const store = RunStore.open(tempDb());
    for (const [i, at] of ["2026-01-01T00:00:02.000Z", "2026-01-01T00:00:01.000Z", "2026-01-01T00:00:03.000Z"].entries()) {
      store.startRun({ id: `s${i}`, kind: "traffic", name: `run ${i}`, dir: `/tmp/s${i}`, spec: runSpec("traffic", { ...UDP_RATE.settings, pps: i }), provenance: { big: "x".repeat(1000) }, startedAt: at });
    }
    store.finishRun("s0", "failed", "answers 0/10", []);
    const summaries = store.listRunSummaries(2);
    expect(summaries.map((r) => r.id)).toEqual(["s2", "s0"]);
    const pick = ({ id, kind, name, state, reason, started_at, ended_at, lab, spec }: ReturnType<RunStore["listRuns"]>[number]) => ({ id, kind, name, state, reason, started_at, ended_at, lab, spec });
    expect(summaries).toEqual(store.listRuns(2).map(pick));
    expect(summaries[1]).toMatchObject({ state: "failed", reason: "answers 0/10", spec: { kind: "traffic", version: 1, settings: { pps: 0 } } });
    expect("provenance" in summaries[0]!).toBe(false);
    store.close();
  });

  test("a corrupt store's error is one line naming the file", () => {
    const path = tempDb();
    RunStore.open(path).close();
    corruptHeader(path);
    let message = "";
    try {
      RunStore.open(path).close();
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toBe(`run store ${path}: file is not a database (not a usable run store: move it aside and a new one is created)`);
  });

  test("runner processes opening one fresh store in the same second all store their runs, with ids of their own", async () => {
    for (let round = 0; round < 3; round++) {
      const path = tempDb();
      const go = Date.now() + 400;
      // Real processes, released at the same instant: the fresh file's WAL switch and schema race between them.
      const children = Array.from({ length: 4 }, () =>
        Bun.spawn([process.execPath, "-e", `
          const { RunStore } = await import(${JSON.stringify(join(import.meta.dir, "run-store.ts"))});
          const { newRunId } = await import(${JSON.stringify(join(import.meta.dir, "run-id.ts"))});
          await Bun.sleep(${go} - Date.now());
          const s = RunStore.open(${JSON.stringify(path)});
          const id = newRunId("udp-rate");
          s.startRun({ id, kind: "traffic", name: "x", dir: "/tmp/x", spec: {}, provenance: {} });
          for (let t = 1; t <= 20; t++) s.addSample(id, { host: "tx", role: "tx", stats: ${JSON.stringify(stats(1, 100))} });
          s.finishRun(id, "passed", undefined, []);
          s.close();
        `], { stderr: "pipe" }),
      );
      const codes = await Promise.all(children.map((c) => c.exited));
      const errors = await Promise.all(children.map((c) => new Response(c.stderr as ReadableStream).text()));
      expect({ codes, errors: errors.filter(Boolean) }).toEqual({ codes: [0, 0, 0, 0], errors: [] });
      const store = RunStore.open(path);
      const runs = store.listRuns(10);
      expect(runs.map((r) => r.state)).toEqual(["passed", "passed", "passed", "passed"]);
      expect(new Set(runs.map((r) => r.id.slice(0, 15))).size).toBeLessThanOrEqual(2);
      store.close();
    }
  }, 30000);

  test("the database is in WAL mode", () => {
    const path = tempDb();
    const store = RunStore.open(path);
    store.close();
    const { Database } = require("bun:sqlite") as typeof import("bun:sqlite");
    const db = new Database(path);
    expect(db.query<{ journal_mode: string }, []>("PRAGMA journal_mode").get()!.journal_mode).toBe("wal");
    db.close();
  });
});

describe("run store totals (what /metrics reads)", () => {
  test("a finished run's final counters (last sample per host and protocol) and duration join the totals once", () => {
    const store = RunStore.open(tempDb());
    store.startRun({ id: "a", kind: "traffic", name: "x", dir: "/tmp/x", spec: {}, provenance: {}, startedAt: new Date(Date.now() - 4000).toISOString() });
    store.addSample("a", { host: "tx", role: "tx", stats: stats(1, 100) });
    store.addSample("a", { host: "tx", role: "tx", stats: stats(2, 250) });
    store.finishRun("a", "passed", undefined, []);
    store.finishRun("a", "passed", undefined, []);
    const snap = store.metricsSnapshot();
    expect(snap.totals).toEqual([{ host: "tx", protocol: "udp", tx_packets: 250, tx_bytes: 16000, rx_packets: 0, rx_bytes: 0, requests: 0, answers_sent: 0, answers_matched: 0, errors: 0 }]);
    expect(snap.runsByState).toEqual({ running: 0, passed: 1, failed: 0, interrupted: 0 });
    expect(snap.durations.count).toBe(1);
    expect(snap.durations.sum).toBeGreaterThanOrEqual(4);
    expect(snap.durations.buckets.find((b) => b.le === 1)!.runs).toBe(0);
    expect(snap.durations.buckets.find((b) => b.le === 5)!.runs).toBe(1);
    expect(snap.running).toEqual([]);
    store.close();
  });

  test("a scenario's engines (one per step and rate, each counting from zero) all join the totals", () => {
    const store = RunStore.open(tempDb());
    store.startRun({ id: "sc", kind: "scenario", name: "quick", dir: "/tmp/sc", spec: {}, provenance: {} });
    // Step 1: an engine for 3 s, its summary last (t 3.0); step 2: a new engine; step 3: a 1 s one. Each a segment.
    const steps = [[[1, 100], [2, 200], [3, 300], [3, 310]], [[1, 50], [2, 120]], [[1, 40], [1.02, 45]]] as const;
    for (const [i, rows] of steps.entries()) {
      const seq = store.startSegment("sc", { name: `step${i}`, step: `step${i}`, startedS: 4 * i });
      for (const [t, n] of rows) store.addSample("sc", { host: "tx", role: "tx", stats: stats(t, n), engine: `e${i}-tx` }, seq);
      store.endSegment("sc", seq, 4 * i + 3);
    }
    expect(store.segments("sc").map((g) => [g.seq, g.name, g.started_s, g.ended_s, g.totals.map((c) => c.tx_packets)])).toEqual([
      [1, "step0", 0, 3, [310]], [2, "step1", 4, 7, [120]], [3, "step2", 8, 11, [45]],
    ]);
    // The run's timeline: each segment's samples after the one before.
    expect(store.samples("sc").map((r) => r.run_t)).toEqual([1, 2, 3, 3, 5, 6, 9, 9.02]);
    store.finishRun("sc", "passed", undefined, []);
    expect(store.metricsSnapshot().totals.map((r) => [r.host, r.protocol, r.tx_packets])).toEqual([["tx", "udp", 310 + 120 + 45]]);
    // The same sum is what the run's report shows as its totals.
    expect(store.finalCounters("sc").map((r) => [r.host, r.role, r.protocol, r.tx_packets, r.tx_bytes])).toEqual([["tx", "tx", "udp", 475, 475 * 64]]);
    expect(hostTotals(store.samples("sc"), null, store.finalCounters("sc")).map((r) => [r.host, r.protocol, r.tx_packets])).toEqual([["tx", "udp", 475]]);
    store.close();
  });

  test("a run found interrupted at the next open joins the totals, once, whoever opens the store", async () => {
    const path = tempDb();
    const child = await runnerThatStored(path, [stats(1, 500), stats(2, 900)]);
    // While its runner lives, the run is 'running' and its latest counters are the running part.
    const watcher = RunStore.open(path);
    expect(watcher.metricsSnapshot().running.map((r) => [r.id, r.latest.map((s) => s.tx_packets)])).toEqual([["crash", [900]]]);
    child.kill("SIGKILL");
    await child.exited;
    const a = RunStore.open(path);
    const b = RunStore.open(path);
    for (const s of [a, b, watcher]) {
      const snap = s.metricsSnapshot();
      expect(snap.runsByState.interrupted).toBe(1);
      expect(snap.running).toEqual([]);
      expect(snap.totals.map((t) => [t.host, t.protocol, t.tx_packets])).toEqual([["tx", "udp", 900]]);
    }
    // The runner's own late finishRun (had it survived) keeps its outcome but does not count the run again.
    watcher.finishRun("crash", "failed", "late", []);
    expect(a.getRun("crash")!.state).toBe("failed");
    expect(a.metricsSnapshot().totals[0]!.tx_packets).toBe(900);
    for (const s of [a, b, watcher]) s.close();
  });

  test("rows from before engines were named get names where t starts again, once; the totals stay the same", () => {
    const path = tempDb();
    const old = RunStore.open(path);
    old.startRun({ id: "sc", kind: "scenario", name: "quick", dir: "/tmp/sc", spec: { name: "quick", steps: [] }, provenance: {} });
    for (const [t, n] of [[1, 100], [2, 200], [3, 300], [3, 310], [1, 50], [2, 120], [1, 40], [1.02, 45]] as const) old.addSample("sc", { host: "tx", role: "tx", stats: stats(t, n) });
    old.close();
    // What an older wirelab left: no engine names, the store at version 1.
    rawDb(path, (db) => db.exec("UPDATE samples SET engine = NULL; UPDATE breakdown_samples SET engine = NULL; PRAGMA user_version = 1;"));
    const reopened = RunStore.open(path);
    expect(reopened.finalCounters("sc").map((r) => r.tx_packets)).toEqual([310 + 120 + 45]);
    // Its spec, from before the versioned document, is read as version 0 with what it held.
    expect(reopened.getRun("sc")!.spec).toEqual({ kind: "scenario", version: 0, settings: { name: "quick", steps: [] } });
    reopened.finishRun("sc", "passed", undefined, []);
    expect(reopened.metricsSnapshot().totals.map((r) => r.tx_packets)).toEqual([475]);
    reopened.close();
  });

  test("a store from before the totals is backfilled once from the runs it already finished", () => {
    const path = tempDb();
    const old = RunStore.open(path);
    for (const id of ["o1", "o2"]) {
      old.startRun({ id, kind: "traffic", name: id, dir: "/tmp/x", spec: {}, provenance: {} });
      old.addSample(id, { host: "tx", role: "tx", stats: stats(1, 40) });
      old.finishRun(id, "passed", undefined, []);
    }
    old.close();
    // What an older wirelab left: no totals tables, user_version 0.
    const { Database } = require("bun:sqlite") as typeof import("bun:sqlite");
    const db = new Database(path);
    db.exec("DROP TABLE counter_totals; DROP TABLE duration_totals; DROP TABLE duration_sum; PRAGMA user_version = 0;");
    db.close();
    const reopened = RunStore.open(path);
    expect(reopened.metricsSnapshot().totals.map((t) => t.tx_packets)).toEqual([80]);
    reopened.close();
    const again = RunStore.open(path);
    expect(again.metricsSnapshot().totals.map((t) => t.tx_packets)).toEqual([80]);
    expect(again.metricsSnapshot().durations.count).toBe(2);
    again.close();
  });

  test("no metrics query reads the runs' rows or all samples: only indexes and the totals tables", () => {
    const path = tempDb();
    RunStore.open(path).close();
    const { Database } = require("bun:sqlite") as typeof import("bun:sqlite");
    const db = new Database(path, { readonly: true });
    for (const [name, sql] of Object.entries(METRICS_QUERIES)) {
      const plan = db.query<{ detail: string }, Record<string, string>>(`EXPLAIN QUERY PLAN ${sql}`).all(sql.includes("$id") ? { id: "x" } : {}).map((r) => r.detail);
      expect(plan.length, name).toBeGreaterThan(0);
      for (const step of plan) {
        // A full SCAN is fine only on an index (covering) or on a totals table, whose size is hosts × protocols.
        if (/^SCAN (runs|samples|breakdown_samples)\b/.test(step)) expect(step, `${name}: ${plan.join(" / ")}`).toContain("COVERING INDEX");
      }
      if (/FROM (runs|samples)/.test(sql)) expect(plan.join(" / "), name).toMatch(/INDEX (runs_by_state|samples_by_run)/);
      if (/FROM breakdown_samples/.test(sql)) expect(plan.join(" / "), name).toMatch(/INDEX breakdown_by_run/);
    }
    db.close();
  });
});
