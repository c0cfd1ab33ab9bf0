// `traffic --server URL`: the run goes to a wirelab server (POST /runs) and
// this process follows its events, showing what local mode shows (live view
// or JSON lines, the summary, the exit code). Ctrl-C stops the run on the
// server first (DELETE /runs/:id) and then waits for its summary.
import type { RunRequest } from "../api/run-request.ts";
import { emptyCounters, PROTOCOLS, type EngineStats, type Protocol, type ProtocolCounters } from "../traffic/engine-output.ts";
import type { CheckResult, Sample } from "../traffic/run-traffic.ts";
import { NoEventsRoute, type RemoteClient } from "./remote-client.ts";
import type { RemoteState } from "./run-events.ts";

export interface RemoteTrafficOptions {
  readonly client: RemoteClient;
  readonly body: RunRequest;
  readonly json: boolean;
  /** Fires on Ctrl-C. */
  readonly interrupt: AbortSignal;
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  readonly view?: { update(sample: Sample): void };
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

function countersFrom(stats: EngineStats | undefined): Record<Protocol, ProtocolCounters> {
  return Object.fromEntries(PROTOCOLS.map((p) => [p, { ...emptyCounters(), ...stats?.protocols?.[p] }])) as Record<Protocol, ProtocolCounters>;
}

export async function remoteTraffic(o: RemoteTrafficOptions): Promise<number> {
  const { client } = o;
  const { id } = await client.startRun(o.body);
  if (!o.json) o.err(`run ${id} started on ${client.base}`);

  // The stream stays open after Ctrl-C: the server ends the run gracefully and still sends its summary.
  const stream = new AbortController();
  let stopAsked = false;
  let graceTimer: ReturnType<typeof setTimeout> | undefined;
  const onInterrupt = () => {
    if (stopAsked) return;
    stopAsked = true;
    if (!o.json) o.err(`stopping run ${id} on the server`);
    client.stopRun(id).catch((e: Error) => o.err(`wirelab traffic: could not stop run ${id}: ${e.message}`));
    graceTimer = setTimeout(() => stream.abort(new Error("no summary after stop")), o.stopGraceMs ?? 30_000);
  };
  if (o.interrupt.aborted) onInterrupt();
  else o.interrupt.addEventListener("abort", onInterrupt, { once: true });

  const last = new Map<string, Sample>();
  let outcome: RemoteOutcome | undefined;
  try {
    try {
      for await (const ev of client.events(id, stream.signal)) {
        if (ev.type === "sample") {
          last.set(ev.sample.host, ev.sample);
          if (o.json) o.out(JSON.stringify({ type: "sample", host: ev.sample.host, role: ev.sample.role, stats: ev.sample.stats }));
          else o.view?.update(ev.sample);
        } else if (ev.type === "summary") {
          outcome = { id: ev.id, state: ev.state, checks: ev.verdicts, startedAt: ev.startedAt, endedAt: ev.endedAt ?? null, ...(ev.reason ? { reason: ev.reason } : {}) };
          break;
        }
      }
    } catch (err) {
      if (err instanceof NoEventsRoute) o.err(`wirelab traffic: ${err.message}: no live view; waiting for the run to end`);
      else if (!stream.signal.aborted) o.err(`wirelab traffic: the event stream broke (${(err as Error).message}); waiting for the run to end`);
    }
    // No summary (older server, dropped connection, stop taking too long): the run's record says how it ended.
    outcome ??= await pollUntilEnded(o, id);
  } finally {
    clearTimeout(graceTimer);
    o.interrupt.removeEventListener("abort", onInterrupt);
  }

  const tx = [...last.values()].find((s) => s.role === "tx");
  const rx = [...last.values()].find((s) => s.role === "rx");
  const txC = countersFrom(tx?.stats);
  const rxC = countersFrom(rx?.stats);
  const rtt = tx?.stats.rtt_us ?? null;
  if (o.json) {
    o.out(JSON.stringify({ type: "result", server: client.base, ...outcome, tx: txC, rx: rxC, rtt }));
  } else {
    const p = o.body.protocol && o.body.protocol !== "random" ? o.body.protocol : undefined;
    const sum = (c: Record<Protocol, ProtocolCounters>, k: keyof ProtocolCounters) => (p ? c[p][k] : Object.values(c).reduce((a, x) => a + x[k], 0));
    o.out(
      `${outcome.state}: ${o.body.protocol ?? "udp"}/${o.body.mode ?? "continuous"} ${o.body.tx} -> ${o.body.rx}: sent ${sum(txC, "tx_packets")}, received ${sum(rxC, "rx_packets")}, answers matched ${sum(txC, "answers_matched")}` +
        (rtt ? `, rtt p50/p99 ${rtt.p50.toFixed(0)}/${rtt.p99.toFixed(0)} us` : "") +
        (last.size ? " (last samples)" : ""),
    );
    for (const c of outcome.checks) o.out(`  ${c.ok ? "ok  " : "FAIL"} ${c.name}: ${c.detail}`);
    o.out(`run: ${id} on ${client.base} (GET /runs/${id}; results in the server's results/${id}/)`);
    if (outcome.state !== "passed") o.err(`wirelab traffic: ${outcome.reason ?? outcome.state}`);
  }
  // 130: what a shell reports for a run ended by Ctrl-C.
  if (stopAsked || outcome.state === "interrupted") return 130;
  return outcome.state === "passed" ? 0 : 1;
}

async function pollUntilEnded(o: RemoteTrafficOptions, id: string): Promise<RemoteOutcome> {
  for (;;) {
    const run = await o.client.getRun(id);
    if (run.state !== "running") return { id, state: run.state, checks: run.verdicts, startedAt: run.startedAt, endedAt: run.endedAt, ...(run.reason ? { reason: run.reason } : {}) };
    await Bun.sleep(o.pollMs ?? 1000);
  }
}
