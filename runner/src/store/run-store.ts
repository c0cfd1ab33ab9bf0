// The run store: every run, its per-interval samples and its verdicts in
// SQLite (WAL). Each sample is committed as it arrives, so a crash loses
// nothing already seen; a run left 'running' by a process that is gone is
// marked 'interrupted' the next time the store is opened.
import { Database } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { PROTOCOLS, type ProtocolCounters } from "../traffic/engine-output.ts";
import type { HostSample } from "../monitor/host-sample.ts";
import { ownStart, runnerAlive } from "./runner-process.ts";
import type { CheckResult, RunState, Sample } from "../traffic/run-traffic.ts";
import type { Breakdown } from "../traffic/breakdown.ts";
import { BREAKDOWN_METRICS_QUERIES, BREAKDOWN_SCHEMA, BreakdownTables, type BreakdownRow, type BreakdownTotalsRow } from "./breakdown-tables.ts";
import { ExternalChanges } from "./external-changes.ts";
import { engineEnds, nameLegacyEngines } from "./engine-ends.ts";
import { readRunSpec, type StoredRunSpec } from "../run/run-spec.ts";

export type StoredState = RunState | "running";

export interface RunRow {
  id: string;
  kind: string;
  name: string;
  state: StoredState;
  reason: string | null;
  started_at: string;
  ended_at: string | null;
  dir: string;
  pid: number;
  /** The runner process's start time (see runner-process.ts); null for runs stored before it was kept. */
  pid_start: number | null;
  lab: string | null;
  spec: StoredRunSpec;
  provenance: unknown;
}

export type RunSummaryRow = Pick<RunRow, "id" | "kind" | "name" | "state" | "reason" | "started_at" | "ended_at" | "lab" | "spec">;

export interface SampleRow extends ProtocolCounters {
  t: number;
  host: string;
  role: string;
  protocol: string;
  tx_pps: number;
  rx_pps: number;
  rtt_p50_us: number | null;
  rtt_p99_us: number | null;
  /** The run segment (demo step, scenario step or sweep rate) the sample belongs to; null for rows from before segments. */
  segment: number | null;
  /** Seconds since the run started: the segment's start plus the engine's t (t alone counts from each engine's start). */
  run_t: number;
}

/** One part of a run with engines of its own: the traffic run, a demo step, a scenario step or one of its sweep rates. */
export interface SegmentRow {
  seq: number;
  name: string;
  step: string | null;
  pps: number | null;
  /** Seconds since the run started. */
  started_s: number;
  ended_s: number | null;
}

/** A segment with its final counters: per host, role and protocol, the last row of each of its engines summed. */
export interface SegmentTotals extends SegmentRow {
  totals: (CounterTotals & { role: string })[];
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS runs (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('running', 'passed', 'failed', 'interrupted')),
  reason TEXT,
  started_at TEXT NOT NULL,
  ended_at TEXT,
  dir TEXT NOT NULL,
  pid INTEGER NOT NULL,
  pid_start INTEGER,
  lab TEXT,
  spec TEXT NOT NULL,
  provenance TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS samples (
  run_id TEXT NOT NULL REFERENCES runs(id),
  t REAL NOT NULL,
  host TEXT NOT NULL,
  role TEXT NOT NULL,
  protocol TEXT NOT NULL,
  tx_packets INTEGER NOT NULL, tx_bytes INTEGER NOT NULL,
  rx_packets INTEGER NOT NULL, rx_bytes INTEGER NOT NULL,
  requests INTEGER NOT NULL, answers_sent INTEGER NOT NULL, answers_matched INTEGER NOT NULL, errors INTEGER NOT NULL,
  tx_pps REAL NOT NULL, rx_pps REAL NOT NULL,
  rtt_p50_us REAL, rtt_p99_us REAL,
  engine TEXT,
  segment INTEGER
);
CREATE INDEX IF NOT EXISTS samples_by_run ON samples(run_id, host, t);
-- The parts of a run that start engines of their own (a demo step, a scenario step or sweep rate), in order.
CREATE TABLE IF NOT EXISTS segments (
  run_id TEXT NOT NULL REFERENCES runs(id),
  seq INTEGER NOT NULL,
  name TEXT NOT NULL,
  step TEXT,
  pps REAL,
  started_s REAL NOT NULL,
  ended_s REAL,
  PRIMARY KEY (run_id, seq)
);
-- What each host spent per stats interval (runner/src/monitor): machine-wide CPU, memory, and per test
-- interface the interval's packet deltas; per-core figures and every counter stay in 'detail' (JSON).
CREATE TABLE IF NOT EXISTS host_samples (
  run_id TEXT NOT NULL REFERENCES runs(id),
  at TEXT NOT NULL,
  host TEXT NOT NULL,
  interval_s REAL NOT NULL,
  cpu_busy REAL NOT NULL, cpu_user REAL NOT NULL, cpu_system REAL NOT NULL, cpu_softirq REAL NOT NULL,
  mem_total_kb INTEGER NOT NULL, mem_available_kb INTEGER NOT NULL,
  rx_packets INTEGER NOT NULL, tx_packets INTEGER NOT NULL, rx_dropped INTEGER NOT NULL, tx_dropped INTEGER NOT NULL,
  detail TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS host_samples_by_run ON host_samples(run_id, host, at);
CREATE INDEX IF NOT EXISTS runs_by_state ON runs(state);
CREATE INDEX IF NOT EXISTS runs_by_started ON runs(started_at);
CREATE TABLE IF NOT EXISTS verdicts (
  run_id TEXT NOT NULL REFERENCES runs(id),
  name TEXT NOT NULL,
  ok INTEGER NOT NULL,
  detail TEXT NOT NULL
);
`;

// Totals over every finished run, folded in once when a run leaves 'running' (finished, or found interrupted), so
// /metrics reads a few rows instead of every run's samples, and its counters only ever grow.
const TOTALS_SCHEMA = `
CREATE TABLE IF NOT EXISTS counter_totals (
  host TEXT NOT NULL,
  protocol TEXT NOT NULL,
  tx_packets INTEGER NOT NULL, tx_bytes INTEGER NOT NULL,
  rx_packets INTEGER NOT NULL, rx_bytes INTEGER NOT NULL,
  requests INTEGER NOT NULL, answers_sent INTEGER NOT NULL, answers_matched INTEGER NOT NULL, errors INTEGER NOT NULL,
  PRIMARY KEY (host, protocol)
);
CREATE TABLE IF NOT EXISTS duration_totals (
  le TEXT PRIMARY KEY,
  runs INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS duration_sum (
  one INTEGER PRIMARY KEY CHECK (one = 1),
  seconds REAL NOT NULL,
  runs INTEGER NOT NULL
);
`;
/** Upper bounds (seconds) of the run duration histogram the store keeps; +Inf is the count. */
export const DURATION_BUCKETS = [1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600] as const;
/** 1: the totals tables (an older store is backfilled once); 2: every sample row names its engine. */
const TOTALS_VERSION = 1;
const STORE_VERSION = 2;
const COUNTERS = ["tx_packets", "tx_bytes", "rx_packets", "rx_bytes", "requests", "answers_sent", "answers_matched", "errors"] as const;

const ENGINE_ENDS = engineEnds("samples", ["host", "role", "protocol"], `host, role, protocol, segment, ${COUNTERS.join(", ")}`);
const FINAL_COUNTERS = `
SELECT host, role, protocol, ${COUNTERS.map((c) => `SUM(${c}) AS ${c}`).join(", ")}
FROM (${ENGINE_ENDS})
GROUP BY host, role, protocol
ORDER BY host, role, protocol`;

const SEGMENT_COUNTERS = `
SELECT segment, host, role, protocol, ${COUNTERS.map((c) => `SUM(${c}) AS ${c}`).join(", ")}
FROM (${ENGINE_ENDS})
WHERE segment IS NOT NULL
GROUP BY segment, host, role, protocol
ORDER BY segment, host, role, protocol`;

const FOLD_COUNTERS = `
INSERT INTO counter_totals (host, protocol, ${COUNTERS.join(", ")})
SELECT host, protocol, ${COUNTERS.map((c) => `SUM(${c})`).join(", ")}
FROM (${ENGINE_ENDS})
WHERE true
GROUP BY host, protocol
ON CONFLICT (host, protocol) DO UPDATE SET ${COUNTERS.map((c) => `${c} = ${c} + excluded.${c}`).join(", ")}`;

export interface CounterTotals extends Pick<ProtocolCounters, (typeof COUNTERS)[number]> {
  host: string;
  protocol: string;
}

/** What /metrics shows, read from a handful of rows whatever the number of runs stored. */
export interface MetricsSnapshot {
  runsByState: Record<StoredState, number>;
  /** Per host and protocol: the final counters of every finished run, summed. */
  totals: CounterTotals[];
  /** Finished runs' durations: runs at or under each bucket bound, their count and sum. */
  durations: { buckets: { le: number; runs: number }[]; count: number; sum: number };
  /** Runs still 'running', with each one's latest sample per host, role and protocol, and per worker, port, family, VLAN. */
  running: { id: string; latest: SampleRow[]; latestBreakdown: BreakdownRow[] }[];
  /** Per host, worker / port / family / VLAN: every finished run's final figures, summed. */
  breakdownTotals: BreakdownTotalsRow[];
}

function durationSeconds(startedAt: string, endedAt: string): number | undefined {
  const d = (Date.parse(endedAt) - Date.parse(startedAt)) / 1000;
  return Number.isFinite(d) && d >= 0 ? d : undefined;
}

const OWN_START = ownStart();

/** Writes by every RunStore of this process: a change stamp sees them without asking SQLite. */
let processWrites = 0;

/** How long a write waits for another process's write to end (runs commit each sample as it arrives). */
const BUSY_TIMEOUT_MS = 10_000;

function isBusy(err: unknown): boolean {
  return /^SQLITE_(BUSY|LOCKED)/.test((err as { code?: string }).code ?? "") || /database is locked/.test((err as Error)?.message ?? "");
}

function oneLine(err: unknown): string {
  return ((err as Error)?.message ?? String(err)).split("\n")[0]!;
}

export class RunStore {
  private readonly db: Database;
  private readonly insertSample;
  private readonly insertHostSample;
  private readonly sampleTransaction: (runId: string, sample: Sample, segment: number | null) => void;
  private readonly breakdowns!: BreakdownTables;
  private readonly dataVersion;
  private readonly changes = new ExternalChanges();

  private constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    const deadline = Date.now() + BUSY_TIMEOUT_MS;
    for (;;) {
      let db: Database | undefined;
      try {
        db = new Database(path, { create: true, strict: true });
        // The busy timeout first: switching a fresh file to WAL and creating the schema wait for another process
        // opening the same store at the same moment (two CLI runs started together) instead of failing 'locked'.
        db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;`);
        db.transaction(() => db!.exec(SCHEMA + BREAKDOWN_SCHEMA)).immediate();
        this.db = db;
        this.breakdowns = new BreakdownTables(db);
        this.ensureRunnerStart();
        this.ensureTotals();
        break;
      } catch (err) {
        db?.close();
        // The WAL switch of a fresh file can answer 'locked' at once, without the busy handler: open again.
        if (isBusy(err) && Date.now() < deadline) {
          Bun.sleepSync(5 + Math.random() * 20);
          continue;
        }
        const broken = /^SQLITE_(CORRUPT|NOTADB)/.test((err as { code?: string }).code ?? "");
        throw new Error(`run store ${path}: ${oneLine(err)}${broken ? " (not a usable run store: move it aside and a new one is created)" : ""}`);
      }
    }
    this.dataVersion = this.db.prepare<{ data_version: number }, []>("PRAGMA data_version");
    this.insertHostSample = this.db.prepare(
      `INSERT INTO host_samples (run_id, at, host, interval_s, cpu_busy, cpu_user, cpu_system, cpu_softirq, mem_total_kb, mem_available_kb,
         rx_packets, tx_packets, rx_dropped, tx_dropped, detail)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.insertSample = this.db.prepare(
      `INSERT INTO samples (run_id, t, host, role, protocol, tx_packets, tx_bytes, rx_packets, rx_bytes, requests, answers_sent,
         answers_matched, errors, tx_pps, rx_pps, rtt_p50_us, rtt_p99_us, engine, segment)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    // Made once: bun:sqlite builds a new wrapper (and its deferred/immediate variants) on every transaction() call.
    this.sampleTransaction = this.db.transaction((runId: string, sample: Sample, segment: number | null) => {
      const s = sample.stats;
      const { host, role } = sample;
      const { tx_pps, rx_pps } = s.rates;
      const p50 = s.rtt_us?.p50 ?? null;
      const p99 = s.rtt_us?.p99 ?? null;
      const engine = sample.engine ?? null;
      for (const p of PROTOCOLS) {
        const c = s.protocols[p];
        if (!c || c.tx_packets + c.rx_packets === 0) continue;
        this.insertSample.run(runId, s.t, host, role, p, c.tx_packets, c.tx_bytes, c.rx_packets, c.rx_bytes, c.requests, c.answers_sent, c.answers_matched, c.errors, tx_pps, rx_pps, p50, p99, engine, segment);
      }
      this.breakdowns.add(runId, sample);
    });
  }

  /** Opens (creating if needed) and marks runs whose process is gone as interrupted. */
  static open(path: string): RunStore {
    const store = new RunStore(path);
    store.recoverInterrupted();
    return store;
  }

  /** Runs left 'running' by a process that no longer exists: the runner crashed or was killed. */
  recoverInterrupted(): string[] {
    const stale = this.db
      .query<{ id: string; pid: number; pid_start: number | null }, []>("SELECT id, pid, pid_start FROM runs WHERE state = 'running'")
      .all()
      .filter((r) => !(r.pid === process.pid && (r.pid_start === null || r.pid_start === OWN_START)) && !runnerAlive(r.pid, r.pid_start));
    const marked: string[] = [];
    for (const r of stale) {
      if (this.leaveRunning(r.id, "interrupted", `the runner (pid ${r.pid}) ended before the run finished`)) marked.push(r.id);
    }
    return marked;
  }

  /**
   * Grows whenever runs or samples may have changed: at once for a write by any connection of this process, and for
   * another process's commit once the store's files were seen to change, or at the latest EXTERNAL_RECHECK_MS after it.
   */
  changeStamp(): number {
    return processWrites + this.changes.count(this.path, this.dataVersion);
  }

  startRun(run: { id: string; kind: string; name: string; dir: string; lab?: string; spec: unknown; provenance: unknown; startedAt?: string }): void {
    processWrites++;
    this.db
      .prepare(
        `INSERT INTO runs (id, kind, name, state, started_at, dir, pid, pid_start, lab, spec, provenance)
         VALUES ($id, $kind, $name, 'running', $started, $dir, $pid, $pidStart, $lab, $spec, $provenance)`,
      )
      .run({
        id: run.id,
        kind: run.kind,
        name: run.name,
        started: run.startedAt ?? new Date().toISOString(),
        dir: run.dir,
        pid: process.pid,
        pidStart: OWN_START,
        lab: run.lab ?? null,
        spec: JSON.stringify(run.spec),
        provenance: JSON.stringify(run.provenance),
      });
  }

  /** What a run learns once it is under way (a scenario's lab once it is up, its provenance). */
  updateRun(runId: string, update: { lab?: string; provenance?: unknown }): void {
    processWrites++;
    this.db
      .prepare("UPDATE runs SET lab = COALESCE($lab, lab), provenance = COALESCE($provenance, provenance) WHERE id = $id")
      .run({ id: runId, lab: update.lab ?? null, provenance: update.provenance === undefined ? null : JSON.stringify(update.provenance) });
  }

  /** A new segment of a run, numbered from 1 in the order they start. */
  startSegment(runId: string, segment: { name: string; step?: string; pps?: number; startedS: number }): number {
    processWrites++;
    return this.db.transaction(() => {
      const seq = this.db.query<{ n: number }, { id: string }>("SELECT COALESCE(MAX(seq), 0) + 1 AS n FROM segments WHERE run_id = $id").get({ id: runId })!.n;
      this.db
        .prepare("INSERT INTO segments (run_id, seq, name, step, pps, started_s) VALUES ($id, $seq, $name, $step, $pps, $started)")
        .run({ id: runId, seq, name: segment.name, step: segment.step ?? null, pps: segment.pps ?? null, started: segment.startedS });
      return seq;
    }).immediate();
  }

  endSegment(runId: string, seq: number, endedS: number): void {
    processWrites++;
    this.db.prepare("UPDATE segments SET ended_s = $ended WHERE run_id = $id AND seq = $seq").run({ id: runId, seq, ended: endedS });
  }

  /** The run's segments in order, each with its own final counters. */
  segments(runId: string): SegmentTotals[] {
    const rows = this.db.query<SegmentRow, { id: string }>("SELECT seq, name, step, pps, started_s, ended_s FROM segments WHERE run_id = $id ORDER BY seq").all({ id: runId });
    const counters = this.db.query<CounterTotals & { role: string; segment: number }, { id: string }>(SEGMENT_COUNTERS).all({ id: runId });
    return rows.map((r) => ({ ...r, totals: counters.filter((c) => c.segment === r.seq).map(({ segment: _, ...c }) => c) }));
  }

  /** One row per protocol that has moved anything, committed at once; `segment` is the run segment it belongs to. */
  addSample(runId: string, sample: Sample, segment?: number): void {
    processWrites++;
    this.sampleTransaction(runId, sample, segment ?? null);
  }

  /** One row per host per interval, committed at once; interface figures are summed over the host's test interfaces. */
  addHostSample(runId: string, sample: HostSample): void {
    const all = sample.cpu.cpu;
    let rx = 0;
    let tx = 0;
    let rxd = 0;
    let txd = 0;
    for (const name in sample.interfaces) {
      const d = sample.interfaces[name]!.delta;
      rx += d.rx_packets ?? 0;
      tx += d.tx_packets ?? 0;
      rxd += d.rx_dropped ?? 0;
      txd += d.tx_dropped ?? 0;
    }
    this.insertHostSample.run(
      runId, sample.at, sample.host, sample.intervalS, all?.busy ?? 0, all?.user ?? 0, all?.system ?? 0, all?.softirq ?? 0,
      sample.memory.totalKb, sample.memory.availableKb, rx, tx, rxd, txd, JSON.stringify({ cpu: sample.cpu, interfaces: sample.interfaces }),
    );
  }

  hostSamples(runId: string): HostSample[] {
    return this.db
      .query<{ at: string; host: string; interval_s: number; mem_total_kb: number; mem_available_kb: number; detail: string }, { id: string }>(
        "SELECT at, host, interval_s, mem_total_kb, mem_available_kb, detail FROM host_samples WHERE run_id = $id ORDER BY at, host",
      )
      .all({ id: runId })
      .map((r) => {
        const d = JSON.parse(r.detail) as Pick<HostSample, "cpu" | "interfaces">;
        const usedPct = r.mem_total_kb ? Math.round((10000 * (r.mem_total_kb - r.mem_available_kb)) / r.mem_total_kb) / 100 : 0;
        return { host: r.host, at: r.at, intervalS: r.interval_s, cpu: d.cpu, interfaces: d.interfaces, memory: { totalKb: r.mem_total_kb, availableKb: r.mem_available_kb, usedPct } };
      });
  }

  /**
   * Ends a run and, in the same transaction, adds its final counters and duration to the totals. Only a run still
   * 'running' is ended: another process may have found it interrupted meanwhile, and its totals count once.
   */
  private leaveRunning(runId: string, state: RunState, reason: string | undefined): boolean {
    processWrites++;
    return this.db.transaction(() => {
      const ended = new Date().toISOString();
      const changed = this.db
        .prepare("UPDATE runs SET state = $state, reason = $reason, ended_at = $ended WHERE id = $id AND state = 'running'")
        .run({ id: runId, state, reason: reason ?? null, ended }).changes;
      if (changed === 0) return false;
      this.foldTotals(runId);
      return true;
    }).immediate();
  }

  private foldTotals(runId: string): void {
    this.db.prepare(FOLD_COUNTERS).run({ id: runId });
    this.breakdowns.fold(runId);
    const run = this.db.query<{ started_at: string; ended_at: string | null }, { id: string }>("SELECT started_at, ended_at FROM runs WHERE id = $id").get({ id: runId });
    const d = run?.ended_at ? durationSeconds(run.started_at, run.ended_at) : undefined;
    if (d === undefined) return;
    const bump = this.db.prepare("INSERT INTO duration_totals (le, runs) VALUES ($le, 1) ON CONFLICT (le) DO UPDATE SET runs = runs + 1");
    for (const le of DURATION_BUCKETS) if (d <= le) bump.run({ le: String(le) });
    this.db.prepare("INSERT INTO duration_sum (one, seconds, runs) VALUES (1, $d, 1) ON CONFLICT (one) DO UPDATE SET seconds = seconds + $d, runs = runs + 1").run({ d });
  }

  /**
   * A store from before runner start times gets the column (its runs keep NULL: their PID alone is checked); one
   * from before samples named their engine or segment gets those columns (see ensureTotals for the engine names).
   */
  private ensureRunnerStart(): void {
    this.db.transaction(() => {
      const columns = this.db.query<{ name: string }, []>("PRAGMA table_info(runs)").all().map((c) => c.name);
      if (!columns.includes("pid_start")) this.db.exec("ALTER TABLE runs ADD COLUMN pid_start INTEGER");
      const sampleColumns = this.db.query<{ name: string }, []>("PRAGMA table_info(samples)").all().map((c) => c.name);
      if (!sampleColumns.includes("engine")) this.db.exec("ALTER TABLE samples ADD COLUMN engine TEXT");
      if (!sampleColumns.includes("segment")) this.db.exec("ALTER TABLE samples ADD COLUMN segment INTEGER");
    }).immediate();
  }

  /**
   * Brings an older store up to date, once: rows from before samples named their engine are given names (where t
   * starts again), then a store from before the totals tables gets every run it already finished folded in.
   */
  private ensureTotals(): void {
    this.db.transaction(() => {
      const version = this.db.query<{ user_version: number }, []>("PRAGMA user_version").get()!.user_version;
      if (version >= STORE_VERSION) return;
      nameLegacyEngines(this.db, "samples", ["host", "role", "protocol"]);
      nameLegacyEngines(this.db, "breakdown_samples", ["host", "role", "kind", "key"]);
      if (version < TOTALS_VERSION) {
        this.db.exec(TOTALS_SCHEMA);
        const finished = this.db.query<{ id: string }, []>("SELECT id FROM runs WHERE state != 'running'").all();
        for (const r of finished) this.foldTotals(r.id);
      }
      this.db.exec(`PRAGMA user_version = ${STORE_VERSION}`);
    }).immediate();
  }

  /** Runs by state, totals and running runs' latest samples: the few rows /metrics needs, from indexes and the totals tables. */
  metricsSnapshot(): MetricsSnapshot {
    const runsByState: Record<StoredState, number> = { running: 0, passed: 0, failed: 0, interrupted: 0 };
    for (const r of this.db.query<{ state: StoredState; n: number }, []>(METRICS_QUERIES.runsByState).all()) runsByState[r.state] = r.n;
    const totals = this.db.query<CounterTotals, []>(METRICS_QUERIES.totals).all();
    const byLe = new Map(this.db.query<{ le: string; runs: number }, []>(METRICS_QUERIES.durationBuckets).all().map((r) => [r.le, r.runs]));
    const sum = this.db.query<{ seconds: number; runs: number }, []>(METRICS_QUERIES.durationSum).get();
    const running = this.db
      .query<{ id: string }, []>(METRICS_QUERIES.running)
      .all()
      .map((r) => ({ id: r.id, latest: this.latestSamples(r.id), latestBreakdown: this.breakdowns.latest(r.id) }));
    return {
      runsByState,
      totals,
      durations: { buckets: DURATION_BUCKETS.map((le) => ({ le, runs: byLe.get(String(le)) ?? 0 })), count: sum?.runs ?? 0, sum: sum?.seconds ?? 0 },
      running,
      breakdownTotals: this.breakdowns.totals(),
    };
  }

  /** A run's counters so far: its last sample per host, role and protocol. */
  latestSamples(runId: string): SampleRow[] {
    return this.db
      .query<SampleRow & { last_t?: number }, { id: string }>(METRICS_QUERIES.latestSamples)
      .all({ id: runId })
      .map(({ last_t: _, ...row }) => row);
  }

  finishRun(runId: string, state: RunState, reason: string | undefined, checks: readonly CheckResult[]): void {
    processWrites++;
    this.db.transaction(() => {
      if (!this.leaveRunning(runId, state, reason)) {
        // Already ended (found interrupted by another process): the caller's outcome still wins, the totals count once.
        this.db
          .prepare("UPDATE runs SET state = $state, reason = $reason, ended_at = COALESCE(ended_at, $ended) WHERE id = $id")
          .run({ id: runId, state, reason: reason ?? null, ended: new Date().toISOString() });
      }
      const add = this.db.prepare("INSERT INTO verdicts (run_id, name, ok, detail) VALUES ($run, $name, $ok, $detail)");
      for (const c of checks) add.run({ run: runId, name: c.name, ok: c.ok ? 1 : 0, detail: c.detail });
    })();
  }

  getRun(id: string): RunRow | undefined {
    const row = this.db.query<Record<string, unknown>, { id: string }>("SELECT * FROM runs WHERE id = $id").get({ id });
    return row ? decode(row) : undefined;
  }

  listRuns(limit = 50): RunRow[] {
    return this.db.query<Record<string, unknown>, { limit: number }>("SELECT * FROM runs ORDER BY started_at DESC LIMIT $limit").all({ limit }).map(decode);
  }

  /** The newest runs without their provenance (the bulk of a row, and of decoding it): for listings. */
  listRunSummaries(limit = 50): RunSummaryRow[] {
    return this.db
      .query<Record<string, unknown>, { limit: number }>("SELECT id, kind, name, state, reason, started_at, ended_at, lab, spec FROM runs ORDER BY started_at DESC LIMIT $limit")
      .all({ limit })
      .map((row) => ({ ...(row as unknown as RunSummaryRow), spec: readRunSpec(row.kind as string, JSON.parse(row.spec as string)) }));
  }

  /** Per host, role and protocol: the run's final counters, every engine it started summed (see engine-ends.ts). */
  finalCounters(runId: string): (CounterTotals & { role: string })[] {
    return this.db.query<CounterTotals & { role: string }, { id: string }>(FINAL_COUNTERS).all({ id: runId });
  }

  /** Per host and role: the run's final breakdown by worker, port, family and VLAN, and its last latency/sequence figures. */
  finalBreakdowns(runId: string): { host: string; role: string; breakdown: Breakdown }[] {
    return this.breakdowns.finals(runId);
  }

  breakdownSamples(runId: string): (BreakdownRow & { t: number })[] {
    return this.breakdowns.samples(runId);
  }

  samples(runId: string): SampleRow[] {
    return this.db
      .query<SampleRow, { id: string }>(
        `SELECT s.*, s.t + COALESCE(g.started_s, 0) AS run_t FROM samples s LEFT JOIN segments g ON g.run_id = s.run_id AND g.seq = s.segment
         WHERE s.run_id = $id ORDER BY run_t, s.host, s.protocol`,
      )
      .all({ id: runId });
  }

  verdicts(runId: string): CheckResult[] {
    return this.db
      .query<{ name: string; ok: number; detail: string }, { id: string }>("SELECT name, ok, detail FROM verdicts WHERE run_id = $id")
      .all({ id: runId })
      .map((v) => ({ name: v.name, ok: v.ok === 1, detail: v.detail }));
  }

  close(): void {
    this.changes.stop();
    this.db.close();
  }
}

/** Every query metricsSnapshot() runs, named, so a test can check each one's plan stays off the per-run tables. */
export const METRICS_QUERIES = {
  runsByState: "SELECT state, COUNT(*) AS n FROM runs GROUP BY state",
  totals: `SELECT host, protocol, ${COUNTERS.join(", ")} FROM counter_totals ORDER BY host, protocol`,
  durationBuckets: "SELECT le, runs FROM duration_totals",
  durationSum: "SELECT seconds, runs FROM duration_sum WHERE one = 1",
  running: "SELECT id FROM runs WHERE state = 'running' ORDER BY started_at",
  latestSamples: "SELECT *, MAX(t) AS last_t FROM samples WHERE run_id = $id GROUP BY host, role, protocol ORDER BY host, role, protocol",
  ...BREAKDOWN_METRICS_QUERIES,
} as const;

function decode(row: Record<string, unknown>): RunRow {
  return { ...(row as unknown as RunRow), spec: readRunSpec(row.kind as string, JSON.parse(row.spec as string)), provenance: JSON.parse(row.provenance as string) };
}
