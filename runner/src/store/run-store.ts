// The run store: every run, its per-interval samples and its verdicts in
// SQLite (WAL). Each sample is committed as it arrives, so a crash loses
// nothing already seen; a run left 'running' by a process that is gone is
// marked 'interrupted' the next time the store is opened.
import { Database } from "bun:sqlite";
import { mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { PROTOCOLS, type ProtocolCounters } from "../traffic/engine-output.ts";
import type { HostSample } from "../monitor/host-sample.ts";
import type { CheckResult, RunState, Sample } from "../traffic/run-traffic.ts";

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
  lab: string | null;
  spec: unknown;
  provenance: unknown;
}

export interface SampleRow extends ProtocolCounters {
  t: number;
  host: string;
  role: string;
  protocol: string;
  tx_pps: number;
  rx_pps: number;
  rtt_p50_us: number | null;
  rtt_p99_us: number | null;
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
  rtt_p50_us REAL, rtt_p99_us REAL
);
CREATE INDEX IF NOT EXISTS samples_by_run ON samples(run_id, host, t);
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
CREATE TABLE IF NOT EXISTS verdicts (
  run_id TEXT NOT NULL REFERENCES runs(id),
  name TEXT NOT NULL,
  ok INTEGER NOT NULL,
  detail TEXT NOT NULL
);
`;

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

export class RunStore {
  private readonly db: Database;
  private readonly insertSample;

  private constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path, { create: true, strict: true });
    this.db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;");
    this.db.exec(SCHEMA);
    this.insertSample = this.db.prepare(
      `INSERT INTO samples (run_id, t, host, role, protocol, tx_packets, tx_bytes, rx_packets, rx_bytes, requests, answers_sent,
         answers_matched, errors, tx_pps, rx_pps, rtt_p50_us, rtt_p99_us)
       VALUES ($run, $t, $host, $role, $protocol, $tx_packets, $tx_bytes, $rx_packets, $rx_bytes, $requests, $answers_sent,
         $answers_matched, $errors, $tx_pps, $rx_pps, $p50, $p99)`,
    );
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
      .query<{ id: string; pid: number }, []>("SELECT id, pid FROM runs WHERE state = 'running'")
      .all()
      .filter((r) => r.pid !== process.pid && !alive(r.pid));
    const mark = this.db.prepare("UPDATE runs SET state = 'interrupted', reason = $reason, ended_at = $ended WHERE id = $id");
    for (const r of stale) mark.run({ id: r.id, reason: `the runner (pid ${r.pid}) ended before the run finished`, ended: new Date().toISOString() });
    return stale.map((r) => r.id);
  }

  startRun(run: { id: string; kind: string; name: string; dir: string; lab?: string; spec: unknown; provenance: unknown; startedAt?: string }): void {
    this.db
      .prepare(
        `INSERT INTO runs (id, kind, name, state, started_at, dir, pid, lab, spec, provenance)
         VALUES ($id, $kind, $name, 'running', $started, $dir, $pid, $lab, $spec, $provenance)`,
      )
      .run({
        id: run.id,
        kind: run.kind,
        name: run.name,
        started: run.startedAt ?? new Date().toISOString(),
        dir: run.dir,
        pid: process.pid,
        lab: run.lab ?? null,
        spec: JSON.stringify(run.spec),
        provenance: JSON.stringify(run.provenance),
      });
  }

  /** One row per protocol that has moved anything, committed at once. */
  addSample(runId: string, sample: Sample): void {
    const s = sample.stats;
    const insert = this.db.transaction(() => {
      for (const p of PROTOCOLS) {
        const c = s.protocols[p];
        if (!c || c.tx_packets + c.rx_packets === 0) continue;
        this.insertSample.run({
          run: runId, t: s.t, host: sample.host, role: sample.role, protocol: p,
          tx_packets: c.tx_packets, tx_bytes: c.tx_bytes, rx_packets: c.rx_packets, rx_bytes: c.rx_bytes,
          requests: c.requests, answers_sent: c.answers_sent, answers_matched: c.answers_matched, errors: c.errors,
          tx_pps: s.rates.tx_pps, rx_pps: s.rates.rx_pps, p50: s.rtt_us?.p50 ?? null, p99: s.rtt_us?.p99 ?? null,
        });
      }
    });
    insert();
  }

  /** One row per host per interval, committed at once; interface figures are summed over the host's test interfaces. */
  addHostSample(runId: string, sample: HostSample): void {
    const all = sample.cpu.cpu;
    const sum = (key: string) => Object.values(sample.interfaces).reduce((a, i) => a + (i.delta[key] ?? 0), 0);
    this.db
      .prepare(
        `INSERT INTO host_samples (run_id, at, host, interval_s, cpu_busy, cpu_user, cpu_system, cpu_softirq, mem_total_kb, mem_available_kb,
           rx_packets, tx_packets, rx_dropped, tx_dropped, detail)
         VALUES ($run, $at, $host, $interval, $busy, $user, $system, $softirq, $total, $available, $rx, $tx, $rxd, $txd, $detail)`,
      )
      .run({
        run: runId, at: sample.at, host: sample.host, interval: sample.intervalS,
        busy: all?.busy ?? 0, user: all?.user ?? 0, system: all?.system ?? 0, softirq: all?.softirq ?? 0,
        total: sample.memory.totalKb, available: sample.memory.availableKb,
        rx: sum("rx_packets"), tx: sum("tx_packets"), rxd: sum("rx_dropped"), txd: sum("tx_dropped"),
        detail: JSON.stringify({ cpu: sample.cpu, interfaces: sample.interfaces }),
      });
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

  finishRun(runId: string, state: RunState, reason: string | undefined, checks: readonly CheckResult[]): void {
    this.db.transaction(() => {
      this.db
        .prepare("UPDATE runs SET state = $state, reason = $reason, ended_at = $ended WHERE id = $id")
        .run({ id: runId, state, reason: reason ?? null, ended: new Date().toISOString() });
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

  samples(runId: string): SampleRow[] {
    return this.db.query<SampleRow, { id: string }>("SELECT * FROM samples WHERE run_id = $id ORDER BY t, host, protocol").all({ id: runId });
  }

  verdicts(runId: string): CheckResult[] {
    return this.db
      .query<{ name: string; ok: number; detail: string }, { id: string }>("SELECT name, ok, detail FROM verdicts WHERE run_id = $id")
      .all({ id: runId })
      .map((v) => ({ name: v.name, ok: v.ok === 1, detail: v.detail }));
  }

  close(): void {
    this.db.close();
  }
}

function decode(row: Record<string, unknown>): RunRow {
  return { ...(row as unknown as RunRow), spec: JSON.parse(row.spec as string), provenance: JSON.parse(row.provenance as string) };
}
