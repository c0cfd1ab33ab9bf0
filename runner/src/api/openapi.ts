// GET /openapi.json: the routes, POST /runs's body schema generated from the
// same zod schema that validates it, and the event stream's contract.
import { z } from "zod";
import { impairmentRequestSchema } from "./impairments.ts";
import { runRequestSchema } from "./run-request.ts";
import { scenarioRequestSchema } from "./scenario-request.ts";

const errorSchema = {
  type: "object",
  required: ["error", "status"],
  properties: { error: { type: "string" }, status: { type: "integer" }, runId: { type: "string" } },
} as const;

const err = (description: string) => ({ description, content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } });
const ok = (description: string, type = "application/json") => ({ description, content: { [type]: { schema: type === "application/json" ? { type: "object" } : { type: "string" } } } });
const idParam = [{ name: "id", in: "path", required: true, schema: { type: "string" } }];
const authErrors = { "401": err("missing or wrong bearer token") };

/** The contract of GET /runs/:id/events; the CLI's remote mode reads exactly this. */
export const EVENTS_DESCRIPTION = [
  "Server-sent events (Content-Type: text/event-stream). Each event is `id: <n>` (increasing per stream), `event: <type>`, `data: <one-line JSON>`.",
  "`state`: {id, state: running|passed|failed|interrupted, reason?}; sent first with the current state, and on each change.",
  "`sample`: {host, role: tx|rx, segment, step?, pps?, ...EngineStats}: one line of the run's samples.jsonl; segment numbers the part of the run it came from (a scenario step or sweep rate, a demo protocol), step and pps name it (runs without samples.jsonl are replayed from the store: protocols, rates.tx_pps/rx_pps, rtt_us.p50/p99).",
  "`host`: one host monitor sample (CPU, memory, interface deltas); optional.",
  "`summary`: {id, state, reason?, verdicts: [{name, ok, detail}], startedAt, endedAt}; the last event, then the server closes the stream.",
  "`error`: {error}: the server could not go on with this stream (its run store failed); the last event, then the server closes the stream.",
  "A finished run: its stored samples, then `state`, then `summary`. A running run: `state`, the samples so far, then live ones.",
  "A `: keepalive` comment every 15 s. Unknown run: 404 JSON.",
].join("\n");

const fileSchema = {
  type: "object",
  required: ["id", "files"],
  properties: { id: { type: "string" }, files: { type: "array", items: { type: "object", required: ["name", "size", "type"], properties: { name: { type: "string" }, size: { type: "integer" }, type: { type: "string" } } } } },
} as const;

export function openApiDocument(): Record<string, unknown> {
  const { $schema: _ignored, ...runRequest } = z.toJSONSchema(runRequestSchema, { io: "input" }) as Record<string, unknown>;
  const { $schema: _impair, ...impairmentRequest } = z.toJSONSchema(impairmentRequestSchema, { io: "input" }) as Record<string, unknown>;
  const { $schema: _too, ...scenarioRequest } = z.toJSONSchema(scenarioRequestSchema, { io: "input" }) as Record<string, unknown>;
  return {
    openapi: "3.1.0",
    info: { title: "wirelab control API", version: "0.1.0", description: "Lab-as-code runner: labs, traffic runs, metrics. Bearer token on everything but /health." },
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
      schemas: { Error: errorSchema, RunRequest: runRequest, ScenarioRequest: scenarioRequest, ImpairmentRequest: impairmentRequest },
    },
    security: [{ bearer: [] }],
    paths: {
      "/": { get: { summary: "the dashboard: a self-contained page (no auth: it holds no data; it asks for the token and keeps it in sessionStorage)", security: [], responses: { "200": ok("HTML page", "text/html") } } },
      "/health": { get: { summary: "liveness (no auth)", security: [], responses: { "200": ok("ok") } } },
      "/status": { get: { summary: "lab, hosts (each with reachable: true|false|null, checked through the run transport, cached ~5 s) and runs in progress", responses: { "200": ok("status"), ...authErrors } } },
      "/lab": { get: { summary: "the lab's inventory without secrets", responses: { "200": ok("inventory"), "404": err("no lab loaded"), ...authErrors } } },
      "/lab/impairments": {
        get: { summary: "the lab's link impairments as the kernel holds them, and the path this machine gets (netem or tc-bpf)", responses: { "200": ok("path, why, points"), "503": err("no netns lab"), ...authErrors } },
        post: {
          summary: "set one point's impairment (a host's interface and direction, or a network), replacing what it had; an impairment the path cannot do is a 400 naming it",
          requestBody: { required: true, content: { "application/json": { schema: { $ref: "#/components/schemas/ImpairmentRequest" } } } },
          responses: { "200": ok("path and points: asked, applied, kernel objects"), "400": err("bad field, or not possible on this path"), "415": err("not JSON"), "500": err("the kernel refused"), "503": err("no netns lab"), ...authErrors },
        },
        delete: {
          summary: "clear impairments: the point named by the query (host, iface, dir, or network), or every one",
          parameters: ["host", "iface", "dir", "network"].map((name) => ({ name, in: "query", required: false, schema: { type: "string" } })),
          responses: { "200": ok("points cleared"), "400": err("bad query"), "503": err("no netns lab"), ...authErrors },
        },
      },
      "/metrics": { get: { summary: "Prometheus text format 0.0.4", responses: { "200": ok("metrics", "text/plain"), ...authErrors } } },
      "/openapi.json": { get: { summary: "this document", responses: { "200": ok("OpenAPI 3.1"), ...authErrors } } },
      "/runs": {
        get: {
          summary: "recent runs",
          parameters: [{ name: "limit", in: "query", required: false, schema: { type: "integer", minimum: 1, maximum: 500, default: 50 } }],
          responses: { "200": ok("runs"), "400": err("bad limit"), ...authErrors },
        },
        post: {
          summary: "start a traffic run (the parameters of `bun run traffic`), or a scenario preset ({\"scenario\": \"quick\"}) that holds every host of the lab",
          requestBody: {
            required: true,
            content: { "application/json": { schema: { oneOf: [{ $ref: "#/components/schemas/RunRequest" }, { $ref: "#/components/schemas/ScenarioRequest" }] } } },
          },
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
      "/runs/{id}/events": {
        get: {
          summary: "a run's live samples, state changes and final summary (SSE)",
          description: EVENTS_DESCRIPTION,
          parameters: idParam,
          responses: { "200": { description: "event stream", content: { "text/event-stream": { schema: { type: "string" } } } }, "404": err("no such run"), ...authErrors },
        },
      },
      "/runs/{id}/results": {
        get: { summary: "the regular files directly in the run's directory", parameters: idParam, responses: { "200": { description: "files", content: { "application/json": { schema: fileSchema } } }, "404": err("no such run"), ...authErrors } },
      },
      "/runs/{id}/results/{file}": {
        get: {
          summary: "one results file (results.json, results.csv, results.md, report.html, junit.xml, samples.jsonl, run.log, pcaps), with its content type",
          parameters: [...idParam, { name: "file", in: "path", required: true, schema: { type: "string", pattern: "^[A-Za-z0-9_][A-Za-z0-9_.-]*$" } }],
          responses: { "200": ok("the file", "application/octet-stream"), "404": err("no such run, or no such regular file directly in its directory"), ...authErrors },
        },
      },
    },
  };
}
