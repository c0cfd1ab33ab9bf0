// Following a run on a wirelab server to its end: its live events (samples,
// then the summary), or, from a server without events or after a broken
// stream, its record polled until it is no longer running. A first interrupt
// asks the server to stop the run (DELETE) and keeps following for the summary.
import type { CheckResult, Sample } from "../traffic/run-traffic.ts";
import { NoEventsRoute, type RemoteClient } from "./remote-client.ts";
import type { RemoteState } from "./run-events.ts";

export interface FollowOptions {
  readonly client: RemoteClient;
  readonly id: string;
  /** Fires on Ctrl-C. */
  readonly interrupt: AbortSignal;
  readonly onSample: (sample: Sample) => void;
  /** Progress for a person (callers drop it under --json). */
  readonly progress: (line: string) => void;
  /** What went wrong on the way (always shown). */
  readonly problem: (line: string) => void;
  /** How long to wait for the summary after asking the server to stop [30 s]: the server waits for the engines to end. */
  readonly stopGraceMs?: number;
  /** Between GET /runs/:id when the server sends no events [1 s]. */
  readonly pollMs?: number;
}

export interface RemoteOutcome {
  id: string;
  state: RemoteState;
  reason?: string;
  checks: CheckResult[];
  startedAt?: string;
  endedAt?: string | null;
}

export async function followRun(o: FollowOptions): Promise<{ outcome: RemoteOutcome; stopAsked: boolean }> {
  const { client, id } = o;
  // The stream stays open after Ctrl-C: the server ends the run gracefully and still sends its summary.
  const stream = new AbortController();
  let stopAsked = false;
  let graceTimer: ReturnType<typeof setTimeout> | undefined;
  const onInterrupt = () => {
    if (stopAsked) return;
    stopAsked = true;
    o.progress(`stopping run ${id} on the server`);
    client.stopRun(id).catch((e: Error) => o.problem(`could not stop run ${id}: ${e.message}`));
    graceTimer = setTimeout(() => stream.abort(new Error("no summary after stop")), o.stopGraceMs ?? 30_000);
  };
  if (o.interrupt.aborted) onInterrupt();
  else o.interrupt.addEventListener("abort", onInterrupt, { once: true });

  let outcome: RemoteOutcome | undefined;
  try {
    try {
      for await (const ev of client.events(id, stream.signal)) {
        if (ev.type === "sample") o.onSample(ev.sample);
        else if (ev.type === "summary") {
          outcome = { id: ev.id, state: ev.state, checks: ev.verdicts, startedAt: ev.startedAt, endedAt: ev.endedAt ?? null, ...(ev.reason ? { reason: ev.reason } : {}) };
          break;
        }
      }
    } catch (err) {
      if (err instanceof NoEventsRoute) o.problem(`${err.message}: no live view; waiting for the run to end`);
      else if (!stream.signal.aborted) o.problem(`the event stream broke (${(err as Error).message}); waiting for the run to end`);
    }
    // No summary (older server, dropped connection, stop taking too long): the run's record says how it ended.
    outcome ??= await pollUntilEnded(o);
  } finally {
    clearTimeout(graceTimer);
    o.interrupt.removeEventListener("abort", onInterrupt);
  }
  return { outcome, stopAsked };
}

async function pollUntilEnded(o: FollowOptions): Promise<RemoteOutcome> {
  for (;;) {
    const run = await o.client.getRun(o.id);
    if (run.state !== "running") return { id: o.id, state: run.state, checks: run.verdicts, startedAt: run.startedAt, endedAt: run.endedAt, ...(run.reason ? { reason: run.reason } : {}) };
    await Bun.sleep(o.pollMs ?? 1000);
  }
}

/** 130 (what a shell reports for Ctrl-C) for a run stopped by it; 0 passed; 1 otherwise. */
export function remoteExitCode(outcome: RemoteOutcome, stopAsked: boolean): number {
  if (stopAsked || outcome.state === "interrupted") return 130;
  return outcome.state === "passed" ? 0 : 1;
}
