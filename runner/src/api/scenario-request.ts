// POST /runs {"scenario": PRESET}: a scenario preset from scenarios/ on the
// server's lab. Presets only: a request never names a file on the server (a
// scenario's replay step would read any path it was given).
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { SCENARIOS_DIR } from "../paths.ts";
import { checkHosts, readScenario } from "../scenario/scenario-file.ts";
import type { Scenario } from "../scenario/scenario-schema.ts";
import { ApiError } from "./errors.ts";

export const scenarioRequestSchema = z.strictObject({
  scenario: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, "must be a preset name from scenarios/ (e.g. quick)").describe("a preset from scenarios/"),
});

export type ScenarioRunRequest = z.input<typeof scenarioRequestSchema>;

export interface ScenarioRequest {
  readonly preset: string;
  readonly name: string;
  readonly file: string;
  readonly scenario: Scenario;
}

export function isScenarioRequest(body: unknown): boolean {
  return body !== null && typeof body === "object" && !Array.isArray(body) && "scenario" in body;
}

export function scenarioPresets(dir = SCENARIOS_DIR): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".yaml")).map((f) => f.slice(0, -5)).sort() : [];
}

/** A scenario body's first problem, as its 400 says it. */
export function scenarioRequestIssue(error: z.ZodError): string {
  const issue = error.issues[0]!;
  if (issue.code === "unrecognized_keys") return `${issue.keys[0]}: unknown field (a scenario run takes only 'scenario')`;
  return `scenario: ${issue.message}`;
}

/** The preset, read and checked against the lab's hosts, or an ApiError(400) naming the field. */
export function parseScenarioRequest(body: unknown, hosts: readonly string[] | undefined, dir = SCENARIOS_DIR): ScenarioRequest {
  const parsed = scenarioRequestSchema.safeParse(body);
  if (!parsed.success) throw new ApiError(400, scenarioRequestIssue(parsed.error));
  return scenarioPreset(parsed.data.scenario, hosts, dir);
}

/** A validated preset name, read and checked against the lab's hosts, or an ApiError(400). */
export function scenarioPreset(preset: string, hosts: readonly string[] | undefined, dir = SCENARIOS_DIR): ScenarioRequest {
  const presets = scenarioPresets(dir);
  if (!presets.includes(preset)) throw new ApiError(400, `scenario: no preset '${preset}' (presets: ${presets.join(", ")})`);
  const file = join(dir, `${preset}.yaml`);
  let scenario;
  try {
    scenario = readScenario(file);
    if (hosts) checkHosts(scenario, hosts);
  } catch (err) {
    // The scenario's own one-line error (file, line, field) says what does not fit this lab.
    throw new ApiError(400, `scenario: ${(err as Error).message}`);
  }
  return { preset, name: scenario.scenario.name, file, scenario: scenario.scenario };
}
