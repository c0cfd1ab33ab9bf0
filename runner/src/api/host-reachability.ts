// "Hosts reachable" for GET /status: one cheap command per host through the
// transport runs use (`true` in the namespace, or over SSH), each with a short
// timeout, remembered for a few seconds, at most one probe per host in flight.
// /status waits for a refresh only briefly and otherwise shows the last answer.
import { inventoryHost, type Inventory } from "../../../infra/src/inventory.ts";
import { transportFor, type TransportKind } from "../transport/index.ts";

/** Resolves when the host answered, rejects with the reason it did not. */
export type ProbeHost = (host: string, signal: AbortSignal) => Promise<void>;

export interface Reachability {
  /** null: never checked yet (the first probe is still running). */
  reachable: boolean | null;
  checkedAt: string | null;
  /** How long the last probe took. */
  ms?: number;
  error?: string;
}

export interface ReachabilityOptions {
  /** How long an answer is reused [5 s]. */
  readonly ttlMs?: number;
  /** A probe slower than this counts as unreachable [2 s]. */
  readonly timeoutMs?: number;
  /** How long status() waits for probes it started [300 ms]. */
  readonly waitMs?: number;
}

interface Entry {
  last: Reachability;
  at: number;
  inflight?: Promise<void>;
}

export class HostReachability {
  private readonly entries = new Map<string, Entry>();
  private readonly ttlMs: number;
  private readonly timeoutMs: number;
  private readonly waitMs: number;

  constructor(
    private readonly hosts: readonly string[],
    private readonly probe: ProbeHost,
    options: ReachabilityOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 5000;
    this.timeoutMs = options.timeoutMs ?? 2000;
    this.waitMs = options.waitMs ?? 300;
    for (const h of hosts) this.entries.set(h, { last: { reachable: null, checkedAt: null }, at: -Infinity });
  }

  private refresh(host: string, entry: Entry): Promise<void> {
    if (entry.inflight) return entry.inflight;
    const started = performance.now();
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort(new Error(`no answer within ${this.timeoutMs} ms`));
        reject(new Error(`no answer within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
    });
    const done = (last: Reachability) => {
      clearTimeout(timer);
      entry.last = last;
      entry.at = Date.now();
      entry.inflight = undefined;
    };
    entry.inflight = Promise.race([Promise.resolve().then(() => this.probe(host, controller.signal)), timeout]).then(
      () => done({ reachable: true, checkedAt: new Date().toISOString(), ms: Math.round(performance.now() - started) }),
      (err: unknown) =>
        done({
          reachable: false,
          checkedAt: new Date().toISOString(),
          ms: Math.round(performance.now() - started),
          error: String((err as Error)?.message ?? err).split("\n")[0]!.slice(0, 200),
        }),
    );
    return entry.inflight;
  }

  /** Every host's last answer, after refreshing stale ones for at most waitMs. */
  async status(): Promise<Record<string, Reachability>> {
    const now = Date.now();
    const waits: Promise<void>[] = [];
    for (const [host, entry] of this.entries) if (now - entry.at > this.ttlMs) waits.push(this.refresh(host, entry));
    if (waits.length > 0) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([Promise.all(waits), new Promise<void>((r) => (timer = setTimeout(r, this.waitMs)))]);
      clearTimeout(timer);
    }
    return Object.fromEntries(this.hosts.map((h) => [h, { ...this.entries.get(h)!.last }]));
  }
}

/** The real probe: `true` on the host through a fresh transport of the kind runs use, closed afterwards. */
export function transportProbe(inventory: Inventory, kind?: TransportKind): ProbeHost {
  return async (host, signal) => {
    const transport = transportFor(inventoryHost(inventory, host), kind);
    try {
      const r = await transport.exec(["true"], { signal, captureLimit: 4096 });
      if (r.code !== 0) throw new Error(`'true' exited ${r.code ?? r.signal}${r.stderr.trim() ? `: ${r.stderr.trim().split("\n")[0]}` : ""}`);
    } finally {
      void transport.close().catch(() => undefined);
    }
  };
}
