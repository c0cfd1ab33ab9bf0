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

// Kept as UTF-8 bytes: a string body would be encoded again for every request.
const bodies = new WeakMap<RunStore, Map<number, { key: string; bytes: Uint8Array<ArrayBuffer> }>>();

export function runListBody(store: RunStore, registry: RunRegistry, limit: number): Uint8Array<ArrayBuffer> {
  const key = `${store.changeStamp()}:${registry.list().map((r) => r.id).join(",")}`;
  let byLimit = bodies.get(store);
  if (!byLimit) bodies.set(store, (byLimit = new Map()));
  const hit = byLimit.get(limit);
  if (hit?.key === key) return hit.bytes;
  const bytes = new TextEncoder().encode(JSON.stringify({ runs: store.listRunSummaries(limit).map((r) => runSummary(r, registry.get(r.id) !== undefined)) }));
  byLimit.set(limit, { key, bytes });
  return bytes;
}

/** What `c.json({ runs })` would be typed as: the body is sent as text, and hc<AppType> still knows its shape. */
export type RunListResponse = TypedResponse<{ runs: ReturnType<typeof runSummary>[] }, 200, "json">;
