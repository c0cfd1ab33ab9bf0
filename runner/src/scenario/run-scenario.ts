// Runs a scenario file: brings its lab up (or uses one given), then each step
// in order — concurrent flows once per swept rate, or a PCAP replay — with the
// hosts monitored throughout, and a verdict per step. A failing check is a
// failed verdict, never an exception; only a bad file or lab throws.
import { existsSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { loadLab } from "../lab-files.ts";
import { startLab, type ReachedLab } from "../lab-fixture.ts";
import type { HostSample } from "../monitor/host-sample.ts";
import { monitoredHosts } from "../monitor/host-monitor.ts";
import type { CheckResult, TrafficResult } from "../traffic/run-traffic.ts";
import type { TrafficSpec } from "../traffic/traffic-spec.ts";
import { fromYaml } from "../traffic/spec-schema.ts";
import type { AppliedPoint } from "../../../infra/src/netns-impair.ts";
import { lossOnPath, setStepImpairments, type StepImpairments } from "./impair-step.ts";
import { replayPcap, type ReplayResult } from "./pcap-replay.ts";
import { answerChecks } from "./engine-replay.ts";
import { RFC2544_FILE } from "../report/rfc2544-report.ts";
import { runRfc2544, type Rfc2544Result } from "./rfc2544.ts";
import { checkHosts, readScenario } from "./scenario-file.ts";
import type { Flow, Scenario, Step } from "./scenario-schema.ts";
import { flowCounts, lossCheck, lossWithinCheck, rxRatioCheck, trafficChecks } from "./step-checks.ts";
import { provenance } from "../provenance.ts";
import type { Run, Segment } from "../run/run.ts";
import type { ScenarioRunSpec } from "../run/run-spec.ts";
import { runEngines } from "../run/traffic-segment.ts";

export type Verdict = "passed" | "failed" | "interrupted";

export interface FlowOutcome {
  readonly tx: string;
  readonly rx: string;
  readonly protocol: string;
  readonly sent: number;
  readonly received: number;
  readonly verdict: Verdict;
  readonly reason?: string;
  readonly checks: CheckResult[];
  readonly traffic: TrafficResult;
}

export interface StepRun {
  /** The swept rate this run used, if the step sweeps. */
  readonly pps?: number;
  readonly verdict: Verdict;
  readonly reason?: string;
  readonly flows: FlowOutcome[];
  readonly replay?: ReplayResult & { readonly checks: CheckResult[] };
  /** The throughput search of an rfc2544 step, and its checks (a rate found per frame size). */
  readonly rfc2544?: Rfc2544Result & { readonly checks: CheckResult[] };
  /** What every host of the lab spent during this run. */
  readonly hostSamples: HostSample[];
}

export interface StepResult {
  readonly name: string;
  readonly verdict: Verdict;
  readonly reason?: string;
  readonly runs: StepRun[];
  /** The step's link impairments: asked, and what the kernel held. */
  readonly impairments?: AppliedPoint[];
}

export interface ScenarioResult {
  readonly name: string;
  readonly file: string;
  readonly lab: string;
  readonly verdict: Verdict;
  readonly reason?: string;
  readonly dir: string;
  readonly steps: StepResult[];
}

export interface RunScenarioOptions {
  /** A lab already up (its name must be the scenario's); otherwise the scenario's lab is brought up and, if this made it, torn down. */
  readonly lab?: ReachedLab;
  readonly signal?: AbortSignal;
  readonly onStep?: (step: StepResult) => void;
  /** lcores for the engines; on a two-core machine every engine shares them. */
  readonly lcores?: { tx: number; rx: number };
}

/** The lab a scenario names: a path relative to the scenario file, or an example lab's name. */
/** Every check of every step and sweep rate, named `<step>[@<pps>]/<check>`: a scenario run's verdicts. */
export function scenarioChecks(result: ScenarioResult): CheckResult[] {
  return result.steps.flatMap((s) =>
    s.runs.flatMap((r) => [...r.flows.flatMap((f) => f.checks), ...(r.replay?.checks ?? []), ...(r.rfc2544?.checks ?? [])].map((c) => ({ ...c, name: `${s.name}${r.pps !== undefined ? `@${r.pps}` : ""}/${c.name}` }))),
  );
}

export function scenarioLabArg(file: string, lab: string): string {
  const local = resolve(dirname(file), lab);
  return existsSync(local) ? local : lab;
}

/**
 * Runs the scenario of `run` (its spec's file) as segments of that run: one per step, or per swept rate of a step.
 * The caller finishes the run with the result.
 */
export async function runScenario(run: Run<ScenarioRunSpec>, options: RunScenarioOptions = {}): Promise<ScenarioResult> {
  const file = run.spec.settings.file;
  const parsed = readScenario(file);
  const s = parsed.scenario;
  const dir = run.dir;
  const started = options.lab ? undefined : await startLab(scenarioLabArg(file, s.lab), { ssh: false });
  const fixture = options.lab ?? started!;
  try {
    const inv = fixture.inventory;
    run.update({ lab: inv.lab.name, provenance: provenance(inv) });
    checkHosts(parsed, inv.hosts.map((h) => h.name), inv.hosts.filter((h) => h.interfaces[0]?.ipv6).map((h) => h.name));
    const captures = new Map<string, string>();
    const steps: StepResult[] = [];
    for (const [i, step] of s.steps.entries()) {
      if (options.signal?.aborted) break;
      const r = await runStep(s, step, i);
      steps.push(r);
      options.onStep?.(r);
    }
    const failed = steps.filter((r) => r.verdict !== "passed");
    const verdict: Verdict = options.signal?.aborted ? "interrupted" : failed.length ? "failed" : "passed";
    const reason = verdict === "interrupted" ? "stopped by signal" : failed.length ? failed.map((r) => `${r.name}: ${r.reason}`).join("; ") : undefined;
    return { name: s.name, file, lab: inv.lab.name, verdict, ...(reason ? { reason } : {}), dir, steps };

    async function runStep(sc: Scenario, step: Step, index: number): Promise<StepResult> {
      let impaired: StepImpairments | undefined;
      if (step.impair) {
        try {
          impaired = await setStepImpairments(scenarioLabArg(file, sc.lab), inv, step.impair, index);
        } catch (err) {
          return { name: step.name, verdict: "failed", reason: `impair: ${(err as Error).message}`, runs: [] };
        }
      }
      // What loss_within_ci judges against: the step's impairments, or the lab file's alone.
      const onPath = step.checks.loss_within_ci === undefined ? undefined : impaired ? impaired : (() => {
        const { lab } = loadLab(scenarioLabArg(file, sc.lab));
        return { lab, effective: lab.impairments };
      })();
      try {
        return { ...(await stepRuns(sc, step, index, onPath)), ...(impaired ? { impairments: impaired.points } : {}) };
      } finally {
        await impaired?.restore();
      }
    }

    async function stepRuns(sc: Scenario, step: Step, index: number, onPath?: Pick<StepImpairments, "lab" | "effective">): Promise<StepResult> {
      const rates: (number | undefined)[] = step.sweep ? step.sweep.pps : [undefined];
      const runs: StepRun[] = [];
      for (const pps of rates) {
        if (options.signal?.aborted) break;
        run.log(`step ${step.name}${pps !== undefined ? ` at ${pps} pps` : ""}`);
        const name = pps !== undefined ? `${step.name} @ ${pps} pps` : step.name;
        runs.push(
          await run.inSegment(name, { step: step.name, ...(pps !== undefined ? { pps } : {}) }, async (segment) => {
            const mon = sc.monitor ? run.monitor(fixture.transport, monitoredHosts(inv), sc.stats_interval, segment) : undefined;
            const engines = `${run.engineId}-${segment.seq}`;
            let done: Omit<StepRun, "hostSamples">;
            try {
              done = step.rfc2544 ? await rfc2544Run(step, engines) : step.replay ? await replayRun(sc, step, engines) : await flowsRun(sc, step, segment, pps, onPath);
            } catch (err) {
              await mon?.stop();
              throw err;
            }
            return { ...done, hostSamples: (await mon?.stop()) ?? [] };
          }),
        );
      }
      const bad = runs.filter((r) => r.verdict !== "passed");
      const verdict: Verdict = runs.some((r) => r.verdict === "interrupted") ? "interrupted" : bad.length || runs.length === 0 ? "failed" : "passed";
      const reason = bad.map((r) => `${r.pps !== undefined ? `${r.pps} pps: ` : ""}${r.reason}`).join("; ") || (runs.length === 0 ? "not run" : undefined);
      return { name: step.name, verdict, ...(verdict !== "passed" && reason ? { reason } : {}), runs };
    }

    async function flowsRun(sc: Scenario, step: Step, segment: Segment, pps: number | undefined, onPath?: Pick<StepImpairments, "lab" | "effective">): Promise<Omit<StepRun, "hostSamples">> {
      const flows = await Promise.all(
        step.flows!.map(async (f, k): Promise<FlowOutcome> => {
          const spec = flowSpec(sc, f, step, pps);
          const traffic = await runEngines(run, segment, inv, spec, (h) => fixture.transport(h), {
            flow: k,
            tag: step.name,
            ...(options.signal ? { signal: options.signal } : {}),
            ...(options.lcores ? { lcores: options.lcores } : {}),
            pcapPath: (host) => {
              // One file per swept rate; a replay step sends the last one.
              const path = join(dir, `${step.name}${pps !== undefined ? `_${pps}pps` : ""}_${host}.pcap`);
              captures.set(`${step.name}/${host}`, path);
              return path;
            },
          });
          const { sent, received } = flowCounts(traffic);
          const checks = [...traffic.checks];
          if (step.checks.max_loss !== undefined) checks.push(lossCheck(step.checks.max_loss, sent, received));
          if (step.checks.loss_within_ci !== undefined && onPath) checks.push(lossWithinCheck(step.checks.loss_within_ci, sent, received, lossOnPath(onPath.lab, onPath.effective, f.tx, f.rx)));
          let verdict: Verdict = traffic.state;
          let reason = traffic.reason;
          const failedChecks = checks.filter((c) => !c.ok);
          if (verdict === "passed" && failedChecks.length) {
            verdict = "failed";
            reason = failedChecks.map((c) => `${c.name}: ${c.detail}`).join("; ");
          }
          return { tx: f.tx, rx: f.rx, protocol: f.protocol, sent, received, verdict, ...(reason ? { reason } : {}), checks, traffic };
        }),
      );
      const bad = flows.filter((f) => f.verdict !== "passed");
      const verdict: Verdict = flows.some((f) => f.verdict === "interrupted") ? "interrupted" : bad.length ? "failed" : "passed";
      return { ...(pps !== undefined ? { pps } : {}), verdict, ...(bad.length ? { reason: bad.map((f) => `${f.tx}->${f.rx} ${f.protocol}: ${f.reason}`).join("; ") } : {}), flows };
    }

    async function rfc2544Run(step: Step, runId: string): Promise<Omit<StepRun, "hostSamples">> {
      const r = await runRfc2544(inv, step.rfc2544!, {
        step: step.name,
        runId,
        transport: (h) => fixture.transport(h),
        ...(options.signal ? { signal: options.signal } : {}),
        log: (line) => run.log(line, step.name),
      });
      writeFileSync(join(dir, RFC2544_FILE(step.name)), JSON.stringify(r, null, 2) + "\n");
      const checks: CheckResult[] = r.sizes.map((s) => ({
        name: `throughput ${s.frameSize} B`,
        ok: s.pps > 0,
        detail: s.pps > 0 ? `${Math.round(s.pps)} pps (${s.mbps.toFixed(1)} Mbit/s) with no loss, ${s.trials.length} trials` : `no rate without loss${s.error ? `: ${s.error}` : ` in ${s.trials.length} trials`}`,
      }));
      const bad = checks.filter((c) => !c.ok);
      return { verdict: options.signal?.aborted ? "interrupted" : bad.length ? "failed" : "passed", ...(bad.length ? { reason: bad.map((c) => `${c.name}: ${c.detail}`).join("; ") } : {}), flows: [], rfc2544: { ...r, checks } };
    }

    async function replayRun(sc: Scenario, step: Step, runId: string): Promise<Omit<StepRun, "hostSamples">> {
      const rp = step.replay!;
      const where = (from: typeof rp.pcap) => (typeof from === "string" ? resolve(dirname(file), from) : captures.get(`${from.step}/${from.host}`));
      const named = (from: typeof rp.pcap, path: string | undefined) => (typeof from === "string" ? `'${path}'` : `of step '${from.step}' on '${from.host}'`);
      const pcap = where(rp.pcap);
      const expect = rp.expect !== undefined ? where(rp.expect) : undefined;
      const absent = !pcap || !existsSync(pcap) ? named(rp.pcap, pcap) : rp.expect !== undefined && (!expect || !existsSync(expect)) ? named(rp.expect, expect) : undefined;
      const opt = <K extends string, V>(key: K, value: V | undefined) => (value === undefined ? {} : ({ [key]: value } as Record<K, V>));
      const replay: ReplayResult = absent
        ? { ok: false, reason: `no capture ${absent}`, sender: rp.sender, sent: 0, received: 0, rx: {} as ReplayResult["rx"] }
        : await replayPcap(
            inv,
            {
              tx: rp.tx,
              rx: rp.rx,
              pcap: pcap!,
              loop: rp.loop,
              statsInterval: sc.stats_interval,
              sender: rp.sender,
              server: rp.server,
              autoMap: rp.map === "auto",
              ...opt("pps", rp.pps),
              ...opt("expect", expect),
              ...opt("expectSplit", rp.expect_split),
              ...opt("expectRules", rp.expect_rules),
              ...opt("expectFields", rp.expect_fields),
              ...opt("expectWait", rp.expect_wait),
              ...opt("domains", rp.domains),
            },
            (h) => fixture.transport(h),
            runId,
            options.signal,
          );
      const rate = rp.pps !== undefined ? `at ${rp.pps} pps` : "at full speed";
      const checks: CheckResult[] = [{ name: "replayed", ok: replay.ok, detail: replay.ok ? `${replay.sent} packets replayed ${rate} by ${replay.sender}${replay.pps ? ` (${Math.round(replay.pps)} pps achieved)` : ""}` : replay.reason ?? "failed" }];
      if (step.checks.min_rx_ratio !== undefined) checks.push(rxRatioCheck(step.checks.min_rx_ratio, replay.sent, replay.received));
      if (step.checks.max_loss !== undefined) checks.push(lossCheck(step.checks.max_loss, replay.sent, replay.received));
      if (replay.validation) checks.push(...answerChecks(replay.validation, step.checks));
      else if (replay.ok && (rp.expect || rp.expect_split || rp.expect_rules)) checks.push({ name: "answers_matched", ok: false, detail: "the replay engine reported no validation" });
      const bad = checks.filter((c) => !c.ok);
      return { verdict: bad.length ? "failed" : "passed", ...(bad.length ? { reason: bad.map((c) => `${c.name}: ${c.detail}`).join("; ") } : {}), flows: [], replay: { ...replay, checks } };
    }
  } finally {
    await started?.down();
  }
}

/** A flow of a step as runTraffic's spec: YAML names to the spec's (one mapping, spec-schema.ts), the swept rate applied. */
export function flowSpec(sc: Scenario, f: Flow, step: Step, pps: number | undefined): TrafficSpec {
  const rate = pps ?? f.pps;
  return {
    ...fromYaml(f),
    statsInterval: sc.stats_interval,
    ...(rate !== undefined ? { pps: rate } : {}),
    checks: trafficChecks(step.checks),
  };
}
