// Where wirelab keeps things: the repo it runs from, per-lab runtime state, results.
import { existsSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { BUILD_DIR, BUN, REPO_ROOT } from "../../infra/src/repo.ts";

export { BUILD_DIR, BUN, REPO_ROOT };
export const LABS_DIR = join(REPO_ROOT, "infra", "labs");
/** Scenario presets: `bun run scenario NAME`, and POST /runs {"scenario": NAME}. */
export const SCENARIOS_DIR = join(REPO_ROOT, "scenarios");

export function stateRoot(): string {
  return process.env.WIRELAB_STATE ?? join(REPO_ROOT, ".wirelab");
}

export function labStateDir(labName: string): string {
  return join(stateRoot(), "labs", labName);
}

/** A lab given as a path, or as the name of an example lab ("two-host"). */
export function resolveLabFile(arg: string): string {
  if (existsSync(arg)) return resolve(arg);
  const named = join(LABS_DIR, arg.endsWith(".yaml") ? arg : `${arg}.yaml`);
  if (!isAbsolute(arg) && !arg.includes("/") && existsSync(named)) return named;
  throw new UsageError(`--lab: no lab file '${arg}' (give a path, or one of the example labs in infra/labs)`);
}

/** Bad command-line input: printed as one line, exit 2. */
export class UsageError extends Error {
  override name = "UsageError";
}
