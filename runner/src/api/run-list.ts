// GET /runs's body: between two changes to the store (or to the runs this server drives)
// every request gets the same text, so a poller costs one PRAGMA, not the query, 50
// JSON.parse of specs and the serialisation.
import type { TypedResponse } from "hono";
import type { RunStore, RunSummaryRow } from "../store/run-store.ts";
import type { RunRegistry } from "./run-registry.ts";

export function runSummary(run: RunSummaryRow, active: boolean) {
  return {
    id: run.id, kind: run.kind, name: run.name, state: run.state, reason: run.reason,
    startedAt: run.started_at, endedAt: run.ended_at, lab: run.lab, spec: run.spec, active,
  };
}

/** GET /runs without ?limit. */
export const DEFAULT_RUNS_LIMIT = 50;

// Kept as a Blob: a Response shares a Blob's bytes, where it would encode a string or copy an array for every request.
const bodies = new WeakMap<RunStore, Map<number, { key: string; blob: Blob }>>();

/** GET /runs?limit=N's response. */
export function runListResponse(store: RunStore, registry: RunRegistry, limit: number): Response {
  // Untyped Blob and the header set here: Bun.serve would send a Blob's type as "application/json;charset=utf-8".
  return new Response(runListBlob(store, registry, limit), { headers: { "Content-Type": "application/json" } });
}

function runListBlob(store: RunStore, registry: RunRegistry, limit: number): Blob {
  const key = `${store.changeStamp()}:${registry.list().map((r) => r.id).join(",")}`;
  let byLimit = bodies.get(store);
  if (!byLimit) bodies.set(store, (byLimit = new Map()));
  const hit = byLimit.get(limit);
  if (hit?.key === key) return hit.blob;
  const blob = new Blob([JSON.stringify({ runs: store.listRunSummaries(limit).map((r) => runSummary(r, registry.get(r.id) !== undefined)) })]);
  byLimit.set(limit, { key, blob });
  return blob;
}

/** What `c.json({ runs })` would be typed as: the body is sent as text, and hc<AppType> still knows its shape. */
export type RunListResponse = TypedResponse<{ runs: ReturnType<typeof runSummary>[] }, 200, "json">;
