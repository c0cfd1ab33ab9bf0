// `traffic --server URL`: the run goes to a wirelab server (POST /runs) and
// this process follows its events, showing what local mode shows (live view
// or JSON lines, the summary, the exit code). Ctrl-C stops the run on the
// server first (DELETE /runs/:id) and then waits for its summary.
import type { RunRequest } from "../api/run-request.ts";
import { emptyCounters, PROTOCOLS, type EngineStats, type Protocol, type ProtocolCounters } from "../traffic/engine-output.ts";
import type { Sample } from "../traffic/run-traffic.ts";
import type { RemoteClient } from "./remote-client.ts";
import { followRun, remoteExitCode } from "./follow-run.ts";

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

function countersFrom(stats: EngineStats | undefined): Record<Protocol, ProtocolCounters> {
  return Object.fromEntries(PROTOCOLS.map((p) => [p, { ...emptyCounters(), ...stats?.protocols?.[p] }])) as Record<Protocol, ProtocolCounters>;
}

export async function remoteTraffic(o: RemoteTrafficOptions): Promise<number> {
  const { client } = o;
  const { id } = await client.startRun(o.body);
  if (!o.json) o.err(`run ${id} started on ${client.base}`);
  const last = new Map<string, Sample>();
  const { outcome, stopAsked } = await followRun({
    client,
    id,
    interrupt: o.interrupt,
    progress: (line) => (o.json ? undefined : o.err(line)),
    problem: (line) => o.err(`wirelab traffic: ${line}`),
    onSample: (sample) => {
      last.set(sample.host, sample);
      if (o.json) o.out(JSON.stringify({ type: "sample", host: sample.host, role: sample.role, stats: sample.stats }));
      else o.view?.update(sample);
    },
    ...(o.stopGraceMs !== undefined ? { stopGraceMs: o.stopGraceMs } : {}),
    ...(o.pollMs !== undefined ? { pollMs: o.pollMs } : {}),
  });

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
  return remoteExitCode(outcome, stopAsked);
}
