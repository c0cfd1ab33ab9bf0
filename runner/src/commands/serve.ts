// `wirelab serve`: the control API (runner/src/api) on Bun.serve, on loopback
// unless told otherwise, behind a bearer token kept in a 0600 file.
import { join, relative } from "node:path";
import { parseCommandArgs } from "../cli-args.ts";
import { loadInventory } from "../lab-files.ts";
import { REPO_ROOT, stateRoot, UsageError } from "../paths.ts";
import { RunStore } from "../store/run-store.ts";
import type { TransportKind } from "../transport/index.ts";
import type { Inventory } from "../../../infra/src/inventory.ts";
import { createApp, HEALTH, type StartRun, type StartScenario } from "../api/app.ts";
import { scenarioRunner } from "../api/scenario-runner.ts";
import { transportProbe } from "../api/host-reachability.ts";
import { RunEvents } from "../api/run-events.ts";
import { watchRunnerLiveness } from "../api/runner-liveness.ts";
import { loadToken } from "../api/token.ts";
import { trafficRunner } from "../api/traffic-runner.ts";

export const DEFAULT_LISTEN = "127.0.0.1:7800";

const HELP = `Usage: bun run serve [--listen 127.0.0.1:7800] [--token-file PATH] [--lab NAME | --inventory FILE]

Serves wirelab's control API over HTTP: read runs, results and metrics, start
and stop traffic runs, follow them live, and a dashboard page. Every route but
/health and / needs the bearer token; / is served without it because the page
holds no data (it asks for the token and sends it as a header).

Options:
  --listen HOST:PORT   where to listen [${DEFAULT_LISTEN}]; anything but loopback
                       exposes the API to the network (the token still guards it)
  --token-file PATH    the token: read from PATH, or generated into it (mode 0600)
                       at first start [.wirelab/api-token]; WIRELAB_API_TOKEN wins
  --lab NAME           serve this lab (must be up): enables GET /lab and POST /runs
  --inventory FILE     the same, from an inventory file
  --transport netns|ssh  how runs reach the hosts [the inventory's default]
  --results DIR        run store and run directories [results/]

Routes:
  GET  /                        no auth: the dashboard (lab hosts, runs, live rate
                                charts per host and protocol, Stop). Give it the token
                                in the fragment, http://HOST:PORT/#token=TOKEN (kept in
                                the tab's sessionStorage, erased from the address bar),
                                or type it into its form
  GET  /health                  no auth: {"ok":true}
  GET  /status                  lab, hosts (reachable: true|false|null, checked through
                                the run transport, cached ~5 s), runs in progress
  GET  /lab                     the inventory without secrets
  GET|POST|DELETE /lab/impairments   the lab's link impairments: show, set one point
                                ({"host":"tx","loss":"5%"}), clear (netns labs)
  GET  /runs  [?limit=N]        recent runs
  POST /runs                    start a run: the parameters of 'bun run traffic' as JSON,
                                or {"scenario": PRESET} for a preset from scenarios/ (quick, ...)
  GET  /runs/:id                a run's summary and verdicts
  GET  /runs/:id/events         server-sent events (below)
  GET  /runs/:id/results        the files in the run's directory
  GET  /runs/:id/results/FILE   one of them (results.json, report.html, samples.jsonl, ...)
  DELETE /runs/:id              stop a run gracefully
  GET  /metrics                 Prometheus text (runs by state, packets, rates, durations)
  GET  /openapi.json            the routes, the POST /runs body schema, the events contract

Events (GET /runs/:id/events, Content-Type: text/event-stream): each event is
'id: N' (increasing per stream), 'event: TYPE', 'data: ONE-LINE-JSON'.
  state    {"id","state":"running"|"passed"|"failed"|"interrupted","reason"?}
           first (the current state), and on each change
  sample   {"host","role":"tx"|"rx","segment",...EngineStats}: a line of samples.jsonl
  host     one host monitor sample (CPU, memory, interfaces)
  summary  {"id","state","reason"?,"verdicts":[...],"startedAt","endedAt"}: the
           last event; then the server closes the stream
  error    {"error"}: the stream cannot go on (the run store failed); the last
           event instead of summary
A finished run replays its samples, then state, then summary. A running run sends
state, the samples so far, then live ones. ': keepalive' every 15 s. Unknown run: 404.

Example:
  bun run lab up --lab two-host && bun run serve --lab two-host
  TOKEN=$(cat .wirelab/api-token)
  curl -s -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \\
       -d '{"tx":"tx","rx":"rx","protocol":"icmp","mode":"rate","pps":500,"duration":5}' http://127.0.0.1:7800/runs
  curl -sN -H "Authorization: Bearer $TOKEN" http://127.0.0.1:7800/runs/RUN_ID/events
  curl -s -H "Authorization: Bearer $TOKEN" http://127.0.0.1:7800/metrics`;

export function parseListen(value: string): { hostname: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]+)):(\d{1,5})$/.exec(value);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port < 0 || port > 65535) throw new UsageError(`--listen: '${value}' is not HOST:PORT (e.g. ${DEFAULT_LISTEN}, [::1]:7800)`);
  return { hostname: (m[1] ?? m[2])!, port };
}

function isLoopback(hostname: string): boolean {
  return hostname === "localhost" || hostname === "::1" || /^127\./.test(hostname);
}

export async function serveCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(
    argv,
    {
      listen: { type: "string" }, "token-file": { type: "string" }, lab: { type: "string" }, inventory: { type: "string" },
      transport: { type: "string" }, results: { type: "string" }, help: { type: "boolean", short: "h" },
    },
    false,
  );
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const { hostname, port } = parseListen(values.listen ?? DEFAULT_LISTEN);
  if (values.transport !== undefined && values.transport !== "netns" && values.transport !== "ssh") throw new UsageError(`--transport: '${values.transport}' is not one of netns, ssh`);
  const tokenFile = values["token-file"] ?? join(stateRoot(), "api-token");
  const token = loadToken({ file: tokenFile });
  const resultsDir = values.results ?? join(REPO_ROOT, "results");
  let inventory: Inventory | undefined;
  if (values.lab || values.inventory) inventory = loadInventory({ ...(values.inventory ? { inventory: values.inventory } : {}), ...(values.lab ? { lab: values.lab } : {}) });

  const store = RunStore.open(join(resultsDir, "wirelab.sqlite"));
  // Runs CLI processes write to the same store: one whose process dies is seen interrupted within a period.
  const liveness = watchRunnerLiveness(store);
  // Runs end gracefully on shutdown too: each run's signal also fires on SIGINT/SIGTERM.
  const shutdown = new AbortController();
  const pending = new Map<string, () => void>();
  let startRun: StartRun | undefined;
  let startScenario: StartScenario | undefined;
  if (inventory) {
    const how = values.transport ? { transport: values.transport as TransportKind } : {};
    const traffic = trafficRunner(inventory, how);
    const scenario = scenarioRunner(inventory, how);
    startRun = (req) => {
      pending.set(req.run.id, () => {});
      return traffic({ ...req, signal: AbortSignal.any([req.signal, shutdown.signal]) });
    };
    startScenario = (req) => {
      pending.set(req.run.id, () => {});
      return scenario({ ...req, signal: AbortSignal.any([req.signal, shutdown.signal]) });
    };
  }
  const events = new RunEvents();
  const app = createApp({
    store, token: token.token, resultsDir, events, reports: true,
    ...(inventory ? { inventory, probeHost: transportProbe(inventory, values.transport as TransportKind | undefined) } : {}),
    ...(startRun ? { startRun } : {}),
    ...(startScenario ? { startScenario } : {}),
    onRunFinished: (id) => {
      pending.get(id)?.();
      pending.delete(id);
    },
  });

  let server: ReturnType<typeof Bun.serve>;
  try {
    // Event streams stay quiet up to 15 s between keepalives: the idle timeout must be longer (Bun's default is 10 s).
    // /health is what load balancers and scrapers poll: Bun answers it natively, the same body the app gives.
    // /runs and /metrics, what pollers and Prometheus hit, are matched by Bun's router too: its handler is the
    // app's own fetch (which answers the plain authorised GET itself and hands anything else to Hono), so only
    // the dispatch changes (0-17% more cached GET /runs a second under wrk in a noisy A/B here).
    // Body size is the app's to limit (bodyLimit: a JSON 413, from Content-Length before reading, or as a stream
    // passes the limit); Bun's own limit would answer an empty 413 first, so it is set out of the way.
    const health = new Response(JSON.stringify(HEALTH), { headers: { "Content-Type": "application/json" } });
    server = Bun.serve({ hostname, port, routes: { "/health": { GET: health }, "/runs": { GET: app.fetch }, "/metrics": { GET: app.fetch } }, fetch: app.fetch, maxRequestBodySize: Number.MAX_SAFE_INTEGER, idleTimeout: 60 });
  } catch (err) {
    liveness.stop();
    store.close();
    throw new Error(`--listen ${hostname}:${port}: ${(err as Error).message}`);
  }
  const shownHost = hostname.includes(":") ? `[${hostname}]` : hostname;
  const url = `http://${shownHost}:${server.port}`;
  const rel = relative(process.cwd(), token.source);
  const tokenPath = rel && !rel.startsWith("..") ? rel : token.source;
  const where = token.source === "env" ? "from WIRELAB_API_TOKEN" : `${token.created ? "generated into" : "in"} ${tokenPath} (mode 0600)`;
  console.log(`wirelab serve: ${url}  (lab: ${inventory ? inventory.lab.name : "none: read-only, POST /runs answers 503"})`);
  console.log(`token: ${where}; send 'Authorization: Bearer <token>' (GET ${url}/health needs none)`);
  console.log(`dashboard: ${url}/ (give it the token in its form, or as ${url}/#token=<token>)`);
  if (!isLoopback(hostname)) console.warn(`wirelab serve: listening on ${hostname}, not loopback: the API is reachable from the network`);

  // Routes and streams answer their own errors; what still escapes (a callback of a background job) is one
  // request's or one run's problem, not a reason to drop every other client.
  const escaped = (err: unknown) => console.error(`wirelab serve: error outside any request (serving on): ${(err as Error)?.stack ?? err}`);
  process.on("unhandledRejection", escaped);
  process.on("uncaughtException", escaped);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  console.log("wirelab serve: stopping: ending runs in progress");
  const waits = [...pending.keys()].map((id) => new Promise<void>((resolve) => pending.set(id, resolve)));
  shutdown.abort(new Error("server shutting down"));
  await Promise.race([Promise.all(waits), Bun.sleep(30_000)]);
  // Runs that ended sent their summaries; streams still open (following a CLI run) end now.
  events.closeAll();
  await server.stop(true);
  liveness.stop();
  store.close();
  return 0;
}
