// `scenario PRESET --server URL`: the server runs one of its scenario presets
// on its lab; this process follows the run's events and prints each step's
// verdicts when it ends (or JSON lines), with the local command's exit codes.
import type { CheckResult } from "../traffic/run-traffic.ts";
import { followRun, remoteExitCode } from "./follow-run.ts";
import type { RemoteClient } from "./remote-client.ts";

export interface RemoteScenarioOptions {
  readonly client: RemoteClient;
  readonly preset: string;
  readonly json: boolean;
  readonly interrupt: AbortSignal;
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  readonly stopGraceMs?: number;
  readonly pollMs?: number;
}

/** Verdicts are named `<step>[@<pps>]/<check>`: grouped back into steps, in the order they came. */
export function verdictsByStep(checks: readonly CheckResult[]): Map<string, CheckResult[]> {
  const steps = new Map<string, CheckResult[]>();
  for (const c of checks) {
    const slash = c.name.indexOf("/");
    const step = slash < 0 ? "(run)" : c.name.slice(0, slash);
    steps.set(step, [...(steps.get(step) ?? []), { ...c, name: slash < 0 ? c.name : c.name.slice(slash + 1) }]);
  }
  return steps;
}

export async function remoteScenario(o: RemoteScenarioOptions): Promise<number> {
  const { client } = o;
  const { id } = await client.startRun({ scenario: o.preset });
  if (!o.json) o.err(`scenario ${o.preset}: run ${id} started on ${client.base}`);
  const hostsSeen = new Set<string>();
  let samples = 0;
  const { outcome, stopAsked } = await followRun({
    client,
    id,
    interrupt: o.interrupt,
    progress: (line) => (o.json ? undefined : o.err(line)),
    problem: (line) => o.err(`wirelab scenario: ${line}`),
    onSample: (sample) => {
      samples++;
      hostsSeen.add(sample.host);
      if (o.json) o.out(JSON.stringify({ type: "sample", host: sample.host, role: sample.role, stats: sample.stats }));
    },
    ...(o.stopGraceMs !== undefined ? { stopGraceMs: o.stopGraceMs } : {}),
    ...(o.pollMs !== undefined ? { pollMs: o.pollMs } : {}),
  });
  const steps = verdictsByStep(outcome.checks);
  if (o.json) {
    for (const [name, checks] of steps) o.out(JSON.stringify({ type: "step", name, verdict: checks.every((c) => c.ok) ? "passed" : "failed", checks }));
    o.out(JSON.stringify({ type: "result", server: client.base, name: o.preset, verdict: outcome.state, ...outcome }));
  } else {
    for (const [name, checks] of steps) {
      o.out(`${checks.every((c) => c.ok) ? "ok  " : "FAIL"} ${name}`);
      for (const c of checks) o.out(`       ${c.ok ? "ok  " : "FAIL"} ${c.name}: ${c.detail}`);
    }
    o.out(`${outcome.state}: scenario ${o.preset} on ${client.base}${outcome.reason ? ` — ${outcome.reason}` : ""} (${samples} samples from ${[...hostsSeen].sort().join(", ") || "no host"})`);
    o.out(`run: ${id} (GET /runs/${id}; results in the server's results/${id}/)`);
  }
  return remoteExitCode(outcome, stopAsked);
}
