// POST /runs: the body is a traffic run (the traffic spec's schema, spec-schema.ts,
// the same the CLI's flags go through) or a scenario preset, validated by
// @hono/zod-validator so hc<AppType> knows the body's type; a bad body is one
// 400 naming the first bad field by its JSON path.
import { zValidator } from "@hono/zod-validator";
import { z } from "zod";
import { jsonPath, labIssue, runRequestSchema, specIssue, type ParsedRunRequest } from "../traffic/spec-schema.ts";
import { validateSpec, type TrafficSpec } from "../traffic/traffic-spec.ts";
import { ApiError } from "./errors.ts";
import { isScenarioRequest, scenarioRequestIssue, scenarioRequestSchema } from "./scenario-request.ts";

export { runRequestSchema, type RunRequest } from "../traffic/spec-schema.ts";

/** A body field's path as the 400s name it: `checks.minRxRatio`, `domains[1]`. */
export const fieldOf = jsonPath;

/** POST /runs's body: a traffic run or a scenario preset. */
export const postRunsSchema = z.union([runRequestSchema, scenarioRequestSchema]);

/** The first problem of a body, as its 400 says it. */
function bodyIssue(body: unknown): string {
  if (isScenarioRequest(body)) return scenarioRequestIssue(scenarioRequestSchema.safeParse(body).error!);
  return specIssue(runRequestSchema.safeParse(body).error!, body, "api");
}

/** The validator of POST /runs: a body that does not parse is an ApiError(400) naming the field. */
export const postRunsValidator = zValidator("json", postRunsSchema, (result) => {
  if (!result.success) throw new ApiError(400, bodyIssue(result.data));
});

/** A parsed traffic body as the spec a run takes, or an ApiError(400) for what the lab refuses. */
export function trafficSpecOf(req: ParsedRunRequest, hosts?: readonly string[], ipv6Hosts?: readonly string[]): TrafficSpec {
  if (hosts) {
    const bad = labIssue(req, hosts, ipv6Hosts);
    if (bad) throw new ApiError(400, `${jsonPath([bad.key])}: ${bad.message}`);
  }
  const { checks, xdp, ...rest } = req;
  return validateSpec({ ...rest, ...(xdp ? { xdp } : {}), ...(checks ? { checks } : {}) });
}

/** A body (not yet parsed) as a TrafficSpec, or an ApiError(400) naming the field. */
export function parseRunRequest(body: unknown, hosts?: readonly string[], ipv6Hosts?: readonly string[]): TrafficSpec {
  const parsed = runRequestSchema.safeParse(body);
  if (!parsed.success) throw new ApiError(400, specIssue(parsed.error, body, "api"));
  return trafficSpecOf(parsed.data, hosts, ipv6Hosts);
}
