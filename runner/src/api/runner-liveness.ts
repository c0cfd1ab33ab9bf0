// A server reads a store that CLI runs write too. A CLI whose process is
// gone (SIGKILL, OOM, a crash) never finishes its run: the server looks at
// every 'running' run's runner (PID and start time) on a timer, marks those whose runner is
// gone interrupted, so /runs, /metrics and event streams see it within a
// period, not only at the next open of the store.
import type { RunStore } from "../store/run-store.ts";

export const LIVENESS_PERIOD_MS = 2000;

export interface LivenessWatch {
  stop(): void;
}

export function watchRunnerLiveness(
  store: RunStore,
  options: { periodMs?: number; log?: (line: string) => void } = {},
): LivenessWatch {
  const log = options.log ?? ((line: string) => console.error(line));
  // A broken store fails every period: say each different failure once, not every two seconds.
  let lastProblem = "";
  const check = () => {
    try {
      for (const id of store.recoverInterrupted()) log(`wirelab serve: run ${id}: its runner process is gone; marked interrupted`);
      lastProblem = "";
    } catch (err) {
      const problem = ((err as Error)?.message ?? String(err)).split("\n")[0]!;
      if (problem !== lastProblem) log(`wirelab serve: checking runs' runners failed (will retry): ${problem}`);
      lastProblem = problem;
    }
  };
  const timer = setInterval(check, options.periodMs ?? LIVENESS_PERIOD_MS);
  return { stop: () => clearInterval(timer) };
}
