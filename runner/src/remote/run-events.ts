// The events GET /runs/:id/events sends, as the client reads them: state
// changes, engine samples, and the summary that ends the stream. Anything else
// (host samples, event types a newer server adds) is passed over, not an error;
// an `error` event ends the stream with the server's reason.
import { z } from "zod";
import type { EngineStats } from "../traffic/engine-output.ts";
import type { CheckResult, Sample } from "../traffic/run-traffic.ts";
import type { SseEvent } from "./sse-reader.ts";

const STATES = ["running", "passed", "failed", "interrupted"] as const;
export type RemoteState = (typeof STATES)[number];

const stateSchema = z.object({ id: z.string(), state: z.enum(STATES), reason: z.string().optional() });
const verdictSchema = z.object({ name: z.string(), ok: z.boolean(), detail: z.string() });
const summarySchema = stateSchema.extend({
  verdicts: z.array(verdictSchema),
  startedAt: z.string(),
  endedAt: z.string().nullable().optional(),
});
// The engine's stats object is checked only as far as the live view and the final counters read it.
const sampleSchema = z.looseObject({
  host: z.string(),
  // The engine's own role field comes after the host's in the data: "both" is an engine that sends and receives.
  role: z.enum(["tx", "rx", "both"]),
  t: z.number(),
  protocols: z.record(z.string(), z.looseObject({ tx_packets: z.number(), rx_packets: z.number() })),
  rates: z.looseObject({ tx_pps: z.number(), rx_pps: z.number() }),
});

export type RunEvent =
  | { type: "state"; id: string; state: RemoteState; reason?: string }
  | { type: "sample"; sample: Sample }
  | { type: "summary"; id: string; state: RemoteState; reason?: string; verdicts: CheckResult[]; startedAt: string; endedAt?: string | null };

/** One SSE event as a RunEvent; undefined for event types the client does not use. Malformed data of a known type throws. */
export function parseRunEvent(ev: SseEvent): RunEvent | undefined {
  // The server could not go on with this stream (its store failed): say its words, the caller falls back to polling.
  if (ev.event === "error") throw new Error(`the server ended the stream: ${errorText(ev.data)}`);
  if (ev.event !== "state" && ev.event !== "sample" && ev.event !== "summary") return undefined;
  let json: unknown;
  try {
    json = JSON.parse(ev.data);
  } catch {
    throw new Error(`the server sent a '${ev.event}' event that is not JSON: ${ev.data.slice(0, 80)}`);
  }
  const schema = ev.event === "state" ? stateSchema : ev.event === "summary" ? summarySchema : sampleSchema;
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`the server sent a '${ev.event}' event this client cannot read: ${issue.path.join(".") || "(data)"}: ${issue.message}`);
  }
  if (ev.event === "sample") {
    const { host, ...stats } = json as { host: string } & EngineStats;
    return { type: "sample", sample: { host, role: stats.role === "rx" ? "rx" : "tx", stats } };
  }
  return { type: ev.event, ...(parsed.data as z.infer<typeof summarySchema>) } as RunEvent;
}

function errorText(data: string): string {
  try {
    const v = JSON.parse(data) as { error?: unknown };
    if (typeof v?.error === "string") return v.error;
  } catch {
    // Not JSON: shown as sent.
  }
  return data.slice(0, 200);
}
