// The live side of GET /runs/:id/events: one channel per run this server
// drives, fed by the run lifecycle as a sink (samples, host samples) and by the
// app (state changes, the final summary), so every subscriber sees what the
// store saw, in the same order.
import type { HostSample } from "../monitor/host-sample.ts";
import type { RunRow, RunStore, StoredState } from "../store/run-store.ts";
import type { CheckResult } from "../traffic/run-traffic.ts";
import type { RunSink, SampleLine } from "../run/run.ts";

export interface StateEvent {
  id: string;
  state: StoredState;
  reason?: string;
}

export interface SummaryEvent extends StateEvent {
  verdicts: CheckResult[];
  startedAt: string;
  endedAt: string | null;
}

/** One line of samples.jsonl: `{ host, role, segment?, step?, pps?, ...EngineStats }`. */
export type SampleEvent = SampleLine;

export type RunEvent =
  | { type: "state"; data: StateEvent }
  /** `json`: `data` serialised already (the samples.jsonl line), sent as it is. */
  | { type: "sample"; data: SampleEvent; json?: string }
  | { type: "host"; data: HostSample }
  | { type: "summary"; data: SummaryEvent };

export type Subscriber = (event: RunEvent) => void;

interface Channel {
  readonly subscribers: Set<Subscriber>;
  /** Called once when the channel closes (run finished, server stopping). */
  readonly enders: Set<() => void>;
}

export class RunEvents {
  private readonly channels = new Map<string, Channel>();

  open(runId: string): void {
    if (!this.channels.has(runId)) this.channels.set(runId, { subscribers: new Set(), enders: new Set() });
  }

  isLive(runId: string): boolean {
    return this.channels.has(runId);
  }

  /** Delivers to every subscriber now; a subscriber that throws is dropped, the others still get the event. */
  publish(runId: string, event: RunEvent): void {
    const ch = this.channels.get(runId);
    if (!ch) return;
    for (const fn of [...ch.subscribers]) {
      try {
        fn(event);
      } catch {
        ch.subscribers.delete(fn);
      }
    }
  }

  /** Undefined when the run has no live channel (finished, or driven by another process). Returns the unsubscribe. */
  subscribe(runId: string, fn: Subscriber, onEnd: () => void): (() => void) | undefined {
    const ch = this.channels.get(runId);
    if (!ch) return undefined;
    ch.subscribers.add(fn);
    ch.enders.add(onEnd);
    return () => {
      ch.subscribers.delete(fn);
      ch.enders.delete(onEnd);
    };
  }

  subscriberCount(runId: string): number {
    return this.channels.get(runId)?.subscribers.size ?? 0;
  }

  close(runId: string): void {
    const ch = this.channels.get(runId);
    if (!ch) return;
    this.channels.delete(runId);
    for (const end of ch.enders) end();
  }

  /** Ends every stream (server shutting down). */
  closeAll(): void {
    for (const id of [...this.channels.keys()]) this.close(id);
  }

  /**
   * Where a run sends its samples and host samples besides the store: published in the same synchronous call that
   * stored them (after the samples.jsonl line), so a subscriber that reads what is stored and subscribes in one tick
   * never misses or repeats a sample.
   */
  sink(runId: string): RunSink {
    return {
      sample: (line, _sample, json) => this.publish(runId, { type: "sample", data: line, json }),
      hostSample: (sample) => this.publish(runId, { type: "host", data: sample }),
    };
  }
}

export function stateEvent(run: RunRow): StateEvent {
  return { id: run.id, state: run.state, ...(run.reason ? { reason: run.reason } : {}) };
}

export function summaryEvent(store: RunStore, run: RunRow): SummaryEvent {
  return { ...stateEvent(run), verdicts: store.verdicts(run.id), startedAt: run.started_at, endedAt: run.ended_at };
}
