// GET /runs's body: between two changes to the store (or to the runs this server drives)
// every request gets the same text, so a poller costs a comparison of change counters
// (RunStore.changeStamp), not the query, 50 JSON.parse of specs and the serialisation.
import type { TypedResponse } from "hono";
import type { RunStore, RunSummaryRow } from "../store/run-store.ts";
import type { RunRegistry } from "./run-registry.ts";
import { ResponseCache } from "./cached-response.ts";

export function runSummary(run: RunSummaryRow, active: boolean) {
  return {
    id: run.id, kind: run.kind, name: run.name, state: run.state, reason: run.reason,
    startedAt: run.started_at, endedAt: run.ended_at, lab: run.lab, spec: run.spec, active,
  };
}

/** GET /runs without ?limit. */
export const DEFAULT_RUNS_LIMIT = 50;

const lists = new ResponseCache<number>("application/json", (store, registry, limit) =>
  JSON.stringify({ runs: store.listRunSummaries(limit).map((r) => runSummary(r, registry.get(r.id) !== undefined)) }),
);

/** GET /runs?limit=N's response. */
export function runListResponse(store: RunStore, registry: RunRegistry, limit: number): Response {
  return lists.response(store, registry, limit);
}

/** What `c.json({ runs })` would be typed as: the body is sent as text, and hc<AppType> still knows its shape. */
export type RunListResponse = TypedResponse<{ runs: ReturnType<typeof runSummary>[] }, 200, "json">;
