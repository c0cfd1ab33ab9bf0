// GET /runs's body: between two changes to the store (or to the runs this server drives)
// every request gets the same text, so a poller costs a comparison of change counters
// (RunStore.changeStamp), not the query, 50 JSON.parse of specs and the serialisation.
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

interface CachedList {
  store: RunStore;
  stamp: number;
  active: number;
  response: Response;
}

// One Response per server (its registry) and limit, sent as clones: a clone shares its Blob's bytes and copies the header list, half
// the cost of a new Response from a header object (a Blob, since a Response would encode a string or copy an array).
const cached = new WeakMap<RunRegistry, Map<number, CachedList>>();

/** GET /runs?limit=N's response. */
export function runListResponse(store: RunStore, registry: RunRegistry, limit: number): Response {
  const stamp = store.changeStamp();
  let byLimit = cached.get(registry);
  if (!byLimit) cached.set(registry, (byLimit = new Map()));
  let hit = byLimit.get(limit);
  if (hit === undefined || hit.stamp !== stamp || hit.store !== store || hit.active !== registry.version) {
    const body = new Blob([JSON.stringify({ runs: store.listRunSummaries(limit).map((r) => runSummary(r, registry.get(r.id) !== undefined)) })]);
    // Untyped Blob and the header set here: Bun.serve would send a Blob's type as "application/json;charset=utf-8".
    hit = { store, stamp, active: registry.version, response: new Response(body, { headers: { "Content-Type": "application/json" } }) };
    byLimit.set(limit, hit);
  }
  // clone() is typed as undici's Response; at run time it is Bun's, like the original.
  return hit.response.clone() as Response;
}

/** What `c.json({ runs })` would be typed as: the body is sent as text, and hc<AppType> still knows its shape. */
export type RunListResponse = TypedResponse<{ runs: ReturnType<typeof runSummary>[] }, 200, "json">;
