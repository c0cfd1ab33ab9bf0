// The live side of GET /runs/:id/events: one channel per run this server
// drives, fed by the run's own store writes (samples, host samples) and by the
// app (state changes, the final summary), so the runner core stays the one
// runTraffic and every subscriber sees what the store saw, in the same order.
import type { HostSample } from "../monitor/host-sample.ts";
import type { RunRow, RunStore, StoredState } from "../store/run-store.ts";
import type { CheckResult, Sample } from "../traffic/run-traffic.ts";

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

/** One line of samples.jsonl plus the role: `{ host, role, ...EngineStats }`. */
export type SampleEvent = { host: string; role: string } & Record<string, unknown>;

export type RunEvent =
  | { type: "state"; data: StateEvent }
  | { type: "sample"; data: SampleEvent }
  | { type: "host"; data: HostSample }
  | { type: "summary"; data: SummaryEvent };

export type Subscriber = (event: RunEvent) => void;

interface Channel {
  readonly subscribers: Set<Subscriber>;
  /** Called once when the channel closes (run finished, server stopping). */
  readonly enders: Set<() => void>;
}

export function sampleEvent(sample: Sample): SampleEvent {
  // The same object traffic-runner appends to samples.jsonl, with the role the runner knows (the engine's may be "both").
  const { role: _engineRole, ...stats } = sample.stats;
  return { host: sample.host, role: sample.role, ...stats };
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
   * The store a run is handed: the same store, whose addSample/addHostSample also publish. Publishing happens in the
   * same synchronous call that wrote the row (and, in traffic-runner, right after the samples.jsonl line), so a
   * subscriber that reads what is stored and subscribes in one tick never misses or repeats a sample.
   */
  publishingStore(store: RunStore, runId: string): RunStore {
    // A store that fails a write (disk full, corrupt) must not kill the run's engine reader or the server: the run
    // goes on, its samples.jsonl still has every sample, subscribers still get them; the failure is said once.
    let failed = false;
    const write = (fn: () => void) => {
      try {
        fn();
      } catch (err) {
        if (!failed) console.error(`wirelab serve: run ${runId}: storing its samples failed, the run goes on: ${(err as Error).message?.split("\n")[0]}`);
        failed = true;
      }
    };
    const addSample: RunStore["addSample"] = (id, sample) => {
      write(() => store.addSample(id, sample));
      if (id === runId) this.publish(runId, { type: "sample", data: sampleEvent(sample) });
    };
    const addHostSample: RunStore["addHostSample"] = (id, sample) => {
      write(() => store.addHostSample(id, sample));
      if (id === runId) this.publish(runId, { type: "host", data: sample });
    };
    return new Proxy(store, {
      get(target, prop) {
        if (prop === "addSample") return addSample;
        if (prop === "addHostSample") return addHostSample;
        const value = Reflect.get(target, prop, target) as unknown;
        return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  }
}

export function stateEvent(run: RunRow): StateEvent {
  return { id: run.id, state: run.state, ...(run.reason ? { reason: run.reason } : {}) };
}

export function summaryEvent(store: RunStore, run: RunRow): SummaryEvent {
  return { ...stateEvent(run), verdicts: store.verdicts(run.id), startedAt: run.started_at, endedAt: run.ended_at };
}
