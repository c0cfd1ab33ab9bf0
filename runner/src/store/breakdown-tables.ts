// The run store's tables for the engines' breakdowns: one row per worker,
// port, IP family and VLAN of each sample (kind, key), the one-way latency and
// sequence figures of each sample that has them, and per host the totals of
// every finished run, folded in once like the protocol counters. A stored
// run's report and /metrics read them; old runs simply have no rows.
import type { Database } from "bun:sqlite";
import { breakdownOf, emptyBreakdown, type Breakdown } from "../traffic/breakdown.ts";
import type { Family } from "../traffic/engine-output.ts";
import type { Sample } from "../traffic/run-traffic.ts";
import { engineEnds } from "./engine-ends.ts";

export const BREAKDOWN_KINDS = ["worker", "port", "family", "vlan"] as const;
export type BreakdownKind = (typeof BREAKDOWN_KINDS)[number];

export const BREAKDOWN_SCHEMA = `
CREATE TABLE IF NOT EXISTS breakdown_samples (
  run_id TEXT NOT NULL REFERENCES runs(id),
  t REAL NOT NULL,
  host TEXT NOT NULL,
  role TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN (${BREAKDOWN_KINDS.map((k) => `'${k}'`).join(", ")})),
  key TEXT NOT NULL,
  -- worker: its lcore; port: its device name; family: where the split came from (engine, ip_version)
  label TEXT,
  tx_packets INTEGER NOT NULL, rx_packets INTEGER NOT NULL,
  -- workers and ports only: families and VLANs are counted in packets
  tx_bytes INTEGER, rx_bytes INTEGER, answers_matched INTEGER, rx_missed INTEGER, tx_dropped INTEGER, tx_pps REAL, rx_pps REAL,
  engine TEXT
);
CREATE INDEX IF NOT EXISTS breakdown_by_run ON breakdown_samples(run_id, host, t);
CREATE TABLE IF NOT EXISTS stamp_samples (
  run_id TEXT NOT NULL REFERENCES runs(id),
  t REAL NOT NULL,
  host TEXT NOT NULL,
  role TEXT NOT NULL,
  samples INTEGER, min_us REAL, mean_us REAL, p50_us REAL, p90_us REAL, p99_us REAL, p999_us REAL, max_us REAL,
  received INTEGER, lost INTEGER, reordered INTEGER, duplicates INTEGER
);
CREATE INDEX IF NOT EXISTS stamp_by_run ON stamp_samples(run_id, host, t);
CREATE TABLE IF NOT EXISTS breakdown_totals (
  host TEXT NOT NULL,
  kind TEXT NOT NULL,
  key TEXT NOT NULL,
  tx_packets INTEGER NOT NULL, rx_packets INTEGER NOT NULL, tx_bytes INTEGER, rx_bytes INTEGER,
  PRIMARY KEY (host, kind, key)
);
`;

export interface BreakdownRow {
  host: string;
  role: string;
  kind: BreakdownKind;
  key: string;
  label: string | null;
  tx_packets: number;
  rx_packets: number;
  tx_bytes: number | null;
  rx_bytes: number | null;
  answers_matched: number | null;
  rx_missed: number | null;
  tx_dropped: number | null;
  tx_pps: number | null;
  rx_pps: number | null;
}

export interface BreakdownTotalsRow {
  host: string;
  kind: BreakdownKind;
  key: string;
  tx_packets: number;
  rx_packets: number;
  tx_bytes: number | null;
  rx_bytes: number | null;
}

const SUMMED = ["tx_packets", "rx_packets", "tx_bytes", "rx_bytes", "answers_matched", "rx_missed", "tx_dropped"] as const;

// As the protocol counters: the last row of each engine, per host, role, kind and key, summed.
const ENGINE_ENDS = engineEnds("breakdown_samples", ["host", "role", "kind", "key"], `host, role, kind, key, label, ${SUMMED.join(", ")}`);

const FINALS = `
SELECT host, role, kind, key, MAX(label) AS label, ${SUMMED.map((c) => `SUM(${c}) AS ${c}`).join(", ")}, NULL AS tx_pps, NULL AS rx_pps
FROM (${ENGINE_ENDS})
GROUP BY host, role, kind, key`;

const FOLD = `
INSERT INTO breakdown_totals (host, kind, key, tx_packets, rx_packets, tx_bytes, rx_bytes)
SELECT host, kind, key, SUM(tx_packets), SUM(rx_packets), SUM(tx_bytes), SUM(rx_bytes)
FROM (${ENGINE_ENDS})
WHERE true
GROUP BY host, kind, key
ON CONFLICT (host, kind, key) DO UPDATE SET tx_packets = tx_packets + excluded.tx_packets, rx_packets = rx_packets + excluded.rx_packets,
  tx_bytes = CASE WHEN excluded.tx_bytes IS NULL THEN tx_bytes ELSE COALESCE(tx_bytes, 0) + excluded.tx_bytes END,
  rx_bytes = CASE WHEN excluded.rx_bytes IS NULL THEN rx_bytes ELSE COALESCE(rx_bytes, 0) + excluded.rx_bytes END`;

/** The queries /metrics runs here, named for the store test that checks their plans. */
export const BREAKDOWN_METRICS_QUERIES = {
  breakdownTotals: "SELECT host, kind, key, tx_packets, rx_packets, tx_bytes, rx_bytes FROM breakdown_totals ORDER BY host, kind, key",
  latestBreakdown: "SELECT *, MAX(t) AS last_t FROM breakdown_samples WHERE run_id = $id GROUP BY host, role, kind, key ORDER BY host, role, kind, key",
} as const;

/** Rows of one host (and role) back into a breakdown; latency and sequence come from the stamp rows. */
export function breakdownFromRows(rows: readonly Omit<BreakdownRow, "host" | "role">[], stamp?: StampRow): Breakdown {
  const b = emptyBreakdown();
  const z = (v: number | null) => v ?? 0;
  for (const r of rows) {
    if (r.kind === "worker") {
      b.workers.push({ worker: Number(r.key), lcore: Number(r.label ?? 0), tx_packets: r.tx_packets, tx_bytes: z(r.tx_bytes), rx_packets: r.rx_packets, rx_bytes: z(r.rx_bytes), answers_matched: z(r.answers_matched), tx_pps: z(r.tx_pps), rx_pps: z(r.rx_pps) });
    } else if (r.kind === "port") {
      b.ports.push({ port: Number(r.key), name: r.label ?? "", tx_packets: r.tx_packets, tx_bytes: z(r.tx_bytes), rx_packets: r.rx_packets, rx_bytes: z(r.rx_bytes), rx_missed: z(r.rx_missed), tx_dropped: z(r.tx_dropped) });
    } else if (r.kind === "family") {
      b.families[r.key as Family] = { tx_packets: r.tx_packets, rx_packets: r.rx_packets };
      b.familiesFrom = r.label === "engine" ? "engine" : "ip_version";
    } else {
      b.vlans[r.key] = { tx_packets: r.tx_packets, rx_packets: r.rx_packets };
    }
  }
  b.workers.sort((x, y) => x.worker - y.worker);
  b.ports.sort((x, y) => x.port - y.port);
  if (stamp?.samples) b.latency = { samples: stamp.samples, min_us: z(stamp.min_us), mean_us: z(stamp.mean_us), p50_us: z(stamp.p50_us), p90_us: z(stamp.p90_us), p99_us: z(stamp.p99_us), p999_us: z(stamp.p999_us), max_us: z(stamp.max_us) };
  if (stamp && stamp.received !== null) b.sequence = { received: stamp.received, lost: z(stamp.lost), reordered: z(stamp.reordered), duplicates: z(stamp.duplicates) };
  return b;
}

export interface StampRow {
  host: string;
  role: string;
  samples: number | null;
  min_us: number | null;
  mean_us: number | null;
  p50_us: number | null;
  p90_us: number | null;
  p99_us: number | null;
  p999_us: number | null;
  max_us: number | null;
  received: number | null;
  lost: number | null;
  reordered: number | null;
  duplicates: number | null;
}

export class BreakdownTables {
  private readonly insertRow;
  private readonly insertStamp;

  constructor(private readonly db: Database) {
    this.insertRow = db.prepare(
      `INSERT INTO breakdown_samples (run_id, t, host, role, kind, key, label, tx_packets, rx_packets, tx_bytes, rx_bytes, answers_matched, rx_missed, tx_dropped, tx_pps, rx_pps, engine)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.insertStamp = db.prepare(
      `INSERT INTO stamp_samples (run_id, t, host, role, samples, min_us, mean_us, p50_us, p90_us, p99_us, p999_us, max_us, received, lost, reordered, duplicates)
       VALUES ($run, $t, $host, $role, $samples, $min, $mean, $p50, $p90, $p99, $p999, $max, $received, $lost, $reordered, $duplicates)`,
    );
  }

  /**
   * Inside the caller's transaction: the sample's rows, workers, ports, families, then VLANs. Runs for every engine
   * every interval, too rarely to be JIT-compiled: positional binds, no row objects spread together.
   */
  add(runId: string, sample: Sample): void {
    const b = breakdownOf(sample.stats, sample.ipVersion);
    const { t } = sample.stats;
    const { host, role } = sample;
    const engine = sample.engine ?? null;
    const row = this.insertRow;
    for (const w of b.workers) row.run(runId, t, host, role, "worker", String(w.worker), String(w.lcore), w.tx_packets, w.rx_packets, w.tx_bytes, w.rx_bytes, w.answers_matched, null, null, w.tx_pps, w.rx_pps, engine);
    for (const p of b.ports) row.run(runId, t, host, role, "port", String(p.port), p.name, p.tx_packets, p.rx_packets, p.tx_bytes, p.rx_bytes, null, p.rx_missed, p.tx_dropped, null, null, engine);
    for (const f in b.families) {
      const c = b.families[f as Family]!;
      row.run(runId, t, host, role, "family", f, b.familiesFrom, c.tx_packets, c.rx_packets, null, null, null, null, null, null, null, engine);
    }
    for (const k in b.vlans) {
      const c = b.vlans[k]!;
      row.run(runId, t, host, role, "vlan", k, null, c.tx_packets, c.rx_packets, null, null, null, null, null, null, null, engine);
    }
    if (b.latency || b.sequence) {
      const l = b.latency;
      const s = b.sequence;
      this.insertStamp.run({
        run: runId, t, host, role, samples: l?.samples ?? null, min: l?.min_us ?? null, mean: l?.mean_us ?? null, p50: l?.p50_us ?? null, p90: l?.p90_us ?? null,
        p99: l?.p99_us ?? null, p999: l?.p999_us ?? null, max: l?.max_us ?? null,
        received: s?.received ?? null, lost: s?.lost ?? null, reordered: s?.reordered ?? null, duplicates: s?.duplicates ?? null,
      });
    }
  }

  /** Inside the transaction that ends a run. */
  fold(runId: string): void {
    this.db.prepare(FOLD).run({ id: runId });
  }

  /** Per host and role: the run's final breakdown (every engine a scenario started on it summed). */
  finals(runId: string): { host: string; role: string; breakdown: Breakdown }[] {
    const rows = this.db.query<BreakdownRow, { id: string }>(FINALS).all({ id: runId });
    // Latency and sequence: each host's last stamped sample (percentiles do not add up across engines).
    const stamps = this.db
      .query<StampRow & { last_t: number }, { id: string }>("SELECT *, MAX(t) AS last_t FROM stamp_samples WHERE run_id = $id GROUP BY host, role")
      .all({ id: runId });
    const keys = new Map<string, { host: string; role: string }>();
    for (const r of [...rows, ...stamps]) keys.set(`${r.host}\u0000${r.role}`, { host: r.host, role: r.role });
    return [...keys.values()]
      .sort((a, b) => b.role.localeCompare(a.role) || a.host.localeCompare(b.host))
      .map((k) => ({ ...k, breakdown: breakdownFromRows(rows.filter((r) => r.host === k.host && r.role === k.role), stamps.find((s) => s.host === k.host && s.role === k.role)) }));
  }

  totals(): BreakdownTotalsRow[] {
    return this.db.query<BreakdownTotalsRow, []>(BREAKDOWN_METRICS_QUERIES.breakdownTotals).all();
  }

  /** A running run's figures so far: its last row per host, role, kind and key. */
  latest(runId: string): BreakdownRow[] {
    return this.db
      .query<BreakdownRow & { last_t?: number; run_id?: string; t?: number; engine?: string }, { id: string }>(BREAKDOWN_METRICS_QUERIES.latestBreakdown)
      .all({ id: runId })
      .map(({ last_t: _l, run_id: _r, t: _t, engine: _e, ...row }) => row);
  }

  /** Every breakdown row of a run, for the CSV. */
  samples(runId: string): (BreakdownRow & { t: number })[] {
    return this.db
      .query<BreakdownRow & { t: number; run_id?: string; engine?: string }, { id: string }>("SELECT * FROM breakdown_samples WHERE run_id = $id ORDER BY t, host, kind, key")
      .all({ id: runId })
      .map(({ run_id: _, engine: _e, ...row }) => row);
  }
}
