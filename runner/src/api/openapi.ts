// GET /openapi.json: the routes, and POST /runs's body schema generated from
// the same zod schema that validates it.
import { z } from "zod";
import { runRequestSchema } from "./run-request.ts";

const errorSchema = {
  type: "object",
  required: ["error", "status"],
  properties: { error: { type: "string" }, status: { type: "integer" }, runId: { type: "string" } },
} as const;

const err = (description: string) => ({ description, content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } });
const ok = (description: string, type = "application/json") => ({ description, content: { [type]: { schema: type === "application/json" ? { type: "object" } : { type: "string" } } } });
const idParam = [{ name: "id", in: "path", required: true, schema: { type: "string" } }];
const authErrors = { "401": err("missing or wrong bearer token") };

export function openApiDocument(): Record<string, unknown> {
  const { $schema: _ignored, ...runRequest } = z.toJSONSchema(runRequestSchema, { io: "input" }) as Record<string, unknown>;
  return {
    openapi: "3.1.0",
    info: { title: "wirelab control API", version: "0.1.0", description: "Lab-as-code runner: labs, traffic runs, metrics. Bearer token on everything but /health." },
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
      schemas: { Error: errorSchema, RunRequest: runRequest },
    },
    security: [{ bearer: [] }],
    paths: {
      "/health": { get: { summary: "liveness (no auth)", security: [], responses: { "200": ok("ok") } } },
      "/status": { get: { summary: "lab, hosts and runs in progress", responses: { "200": ok("status"), ...authErrors } } },
      "/lab": { get: { summary: "the lab's inventory without secrets", responses: { "200": ok("inventory"), "404": err("no lab loaded"), ...authErrors } } },
      "/metrics": { get: { summary: "Prometheus text format 0.0.4", responses: { "200": ok("metrics", "text/plain"), ...authErrors } } },
      "/openapi.json": { get: { summary: "this document", responses: { "200": ok("OpenAPI 3.1"), ...authErrors } } },
      "/runs": {
        get: {
          summary: "recent runs",
          parameters: [{ name: "limit", in: "query", required: false, schema: { type: "integer", minimum: 1, maximum: 500, default: 50 } }],
          responses: { "200": ok("runs"), "400": err("bad limit"), ...authErrors },
        },
        post: {
          summary: "start a traffic run (the parameters of `bun run traffic`)",
          requestBody: { required: true, content: { "application/json": { schema: { $ref: "#/components/schemas/RunRequest" } } } },
          responses: {
            "202": ok("run started: { id, state: 'running' }"),
            "400": err("body invalid: the message names the field"),
            "409": err("a host is busy: runId names the run holding it"),
            "413": err("body larger than the limit"),
            "503": err("this server has no lab to run on"),
            ...authErrors,
          },
        },
      },
      "/runs/{id}": {
        get: { summary: "a run's summary and verdicts", parameters: idParam, responses: { "200": ok("run"), "404": err("no such run"), ...authErrors } },
        delete: {
          summary: "stop a running run gracefully",
          parameters: idParam,
          responses: { "200": ok("stopped: the run's final summary"), "202": ok("stopping"), "404": err("no such run"), "409": err("run is not running"), ...authErrors },
        },
      },
    },
  };
}
