// Where one engine's counters end. Every sample row names the engine process
// it came from (the run lifecycle names one per engine started), and an
// engine's counters only grow, so its last row holds its totals: a run's final
// figures are the last row of each engine, summed.
import type { Database } from "bun:sqlite";

/** Rows of `table` for run $id that end an engine: the last one per engine and per `by` (host, role, protocol…). */
export function engineEnds(table: string, by: readonly string[], columns: string): string {
  return `SELECT ${columns} FROM ${table} WHERE rowid IN (SELECT MAX(rowid) FROM ${table} WHERE run_id = $id GROUP BY ${[...by, "engine"].join(", ")})`;
}

/**
 * Rows stored before samples named their engine get a name, once: a new engine wherever t starts again (each
 * engine counts from its own start), per run and `by`. After this, every row of those runs names its engine.
 */
export function nameLegacyEngines(db: Database, table: string, by: readonly string[]): void {
  const part = ["run_id", ...by].join(", ");
  db.exec(`
    WITH ordered AS (
      SELECT rowid AS rid, ${part}, t, LAG(t) OVER (PARTITION BY ${part} ORDER BY rowid) AS prev_t FROM ${table} WHERE engine IS NULL
    ), numbered AS (
      SELECT rid, SUM(CASE WHEN prev_t IS NULL OR t < prev_t THEN 1 ELSE 0 END) OVER (PARTITION BY ${part} ORDER BY rid) AS n FROM ordered
    )
    UPDATE ${table} SET engine = 'stored-' || numbered.n FROM numbered WHERE numbered.rid = ${table}.rowid`);
}
