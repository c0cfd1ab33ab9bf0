// A scenario file as one run: begun before its lab comes up (a crash from
// then on leaves a stored run), each step and sweep rate a segment, finished
// with the scenario's verdicts and its results.json.
import { join } from "node:path";
import type { ReachedLab } from "../lab-fixture.ts";
import { runScenario, scenarioChecks, type ScenarioResult, type StepResult } from "../scenario/run-scenario.ts";
import { readScenario } from "../scenario/scenario-file.ts";
import { RunStore } from "../store/run-store.ts";
import { Run, type RunOutcome, type RunSink } from "./run.ts";
import { runSpec } from "./run-spec.ts";

/** How a scenario's result ends its run. */
export function scenarioOutcome(result: ScenarioResult): RunOutcome & { results: ScenarioResult } {
  return { state: result.verdict, ...(result.reason ? { reason: result.reason } : {}), checks: scenarioChecks(result), results: result };
}

export interface ScenarioRunOptions {
  /** Where the run directory and (unless `store` is given) the run store go. */
  readonly resultsDir: string;
  readonly store?: RunStore;
  /** A lab already up; otherwise the scenario's lab is brought up and torn down. */
  readonly lab?: ReachedLab;
  readonly preset?: string;
  readonly signal?: AbortSignal;
  readonly onStep?: (step: StepResult) => void;
  readonly sinks?: readonly RunSink[];
  readonly warn?: (line: string) => void;
}

export async function runScenarioFile(file: string, options: ScenarioRunOptions): Promise<ScenarioResult & { runId: string }> {
  const { scenario } = readScenario(file);
  const store = options.store ?? RunStore.open(join(options.resultsDir, "wirelab.sqlite"));
  try {
    const run = Run.begin({
      store, resultsDir: options.resultsDir, spec: runSpec("scenario", { file, ...(options.preset ? { preset: options.preset } : {}), scenario }),
      name: scenario.name, what: `scenario-${scenario.name}`, provenance: {},
      ...(options.sinks ? { sinks: options.sinks } : {}), ...(options.warn ? { warn: options.warn } : {}),
    });
    try {
      const outcome = scenarioOutcome(
        await runScenario(run, { ...(options.lab ? { lab: options.lab } : {}), ...(options.signal ? { signal: options.signal } : {}), ...(options.onStep ? { onStep: options.onStep } : {}) }),
      );
      run.finish(outcome, outcome.results);
      return { ...outcome.results, runId: run.id };
    } catch (err) {
      run.finish({ state: options.signal?.aborted ? "interrupted" : "failed", reason: (err as Error).message.split("\n")[0]! });
      throw err;
    }
  } finally {
    if (!options.store) store.close();
  }
}
