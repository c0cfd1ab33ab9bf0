// The control API as a Hono app: built by createApp() from its parts (a run
// store, an optional lab inventory, a token, a function that starts runs, a
// host probe) so tests drive it in-process with app.request() and `serve` puts
// it on Bun.serve.
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { Inventory } from "../../../infra/src/inventory.ts";
import type { RunStore } from "../store/run-store.ts";
import { DEFAULT_RUNS_LIMIT, runListResponse, runSummary as summary, type RunListResponse } from "./run-list.ts";
import type { TrafficSpec } from "../traffic/traffic-spec.ts";
import { bearerAuth } from "./auth.ts";
import { dashboardResponse } from "./dashboard.ts";
import { ApiError, errorResponse, notFound, onError } from "./errors.ts";
import type { ImpairmentControl } from "../impair/control.ts";
import { impairmentRoutes, impairmentsOf } from "./impairments.ts";
import { HostReachability, type ProbeHost, type ReachabilityOptions } from "./host-reachability.ts";
import { publicInventory } from "./lab-view.ts";
import { metricsResponse } from "./metrics.ts";
import { openApiDocument } from "./openapi.ts";
import { jsonObjectBody } from "./json-body.ts";
import { withFastReads } from "./fast-reads.ts";
import { postRunsValidator, trafficSpecOf } from "./run-request.ts";
import { scenarioPreset, type ScenarioRequest } from "./scenario-request.ts";
import { RunRegistry, type ActiveRun } from "./run-registry.ts";
import { RunEvents, stateEvent, summaryEvent } from "./run-events.ts";
import { runEventStream } from "./run-stream.ts";
import { listResultFiles, resultFileResponse } from "./results-files.ts";
import { SSE_HEADERS } from "./sse.ts";
import { Run, type RunOutcome } from "../run/run.ts";
import { runSpec, type RunSpec, type ScenarioRunSpec, type TrafficRunSpec } from "../run/run-spec.ts";

export type { RunOutcome };

export const DEFAULT_BODY_LIMIT = 64 * 1024;

interface Driven<S extends RunSpec> {
  /** The run, begun: id, directory, stored row; its samples also reach GET /runs/:id/events subscribers. */
  readonly run: Run<S>;
  /** Fires when DELETE /runs/:id asks the run to stop; the run should end gracefully and resolve. */
  readonly signal: AbortSignal;
}

export interface StartRunRequest extends Driven<TrafficRunSpec> {
  readonly spec: TrafficSpec;
}

/** How a run ended, and what its results.json says (the app adds the segments' totals). */
export interface DrivenOutcome extends RunOutcome {
  readonly results?: object;
}

/** Drives one run to its end; the app begins and finishes the run around it. */
export type StartRun = (request: StartRunRequest) => Promise<DrivenOutcome>;

export interface StartScenarioRequest extends Driven<ScenarioRunSpec> {
  readonly request: ScenarioRequest;
}

/** Drives one scenario preset on the lab to its end, like StartRun. */
export type StartScenario = (request: StartScenarioRequest) => Promise<DrivenOutcome>;

/** GET /health's body; `serve` also answers it as a static route, before any JavaScript runs. */
export const HEALTH = { ok: true } as const;

export interface AppOptions {
  readonly store: RunStore;
  readonly token: string;
  readonly inventory?: Inventory;
  /** Without it, POST /runs answers 503. */
  readonly startRun?: StartRun;
  /** Without it, POST /runs {"scenario": ...} answers 503. */
  readonly startScenario?: StartScenario;
  /** Where run directories go [results/]. */
  readonly resultsDir?: string;
  readonly bodyLimitBytes?: number;
  /** How long DELETE waits for a run to finish before answering 202 [10 s]. */
  readonly stopWaitMs?: number;
  /** Write each run's reports (report.html, results.csv…) when it ends [false]. */
  readonly reports?: boolean;
  /** After a run's finish is recorded (and its reports written); the SSE summary goes out after it, so its files exist. */
  readonly onRunFinished?: (runId: string, dir: string) => void;
  /** Live run events; `serve` passes its own to end every stream at shutdown. */
  readonly events?: RunEvents;
  /** GET /status's "reachable" per host; without it hosts show reachable: null. */
  readonly probeHost?: ProbeHost;
  readonly reachability?: ReachabilityOptions;
  /** `: keepalive` comment interval on event streams [15 s]. */
  readonly sseKeepaliveMs?: number;
  /** How often a run driven by another process is re-read for its event stream [1 s]. */
  readonly ssePollMs?: number;
  /** /lab/impairments: the lab's impairments, or why there are none [from the inventory: netns labs]. */
  readonly impairments?: ImpairmentControl | string;
}

export function createApp(options: AppOptions) {
  const { store, inventory, startRun } = options;
  if (!store) throw new Error("createApp: a RunStore is required");
  const auth = bearerAuth({ token: options.token });
  const limit = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT;
  if (!Number.isInteger(limit) || limit <= 0) throw new Error(`createApp: bodyLimitBytes ${limit} is not a positive integer`);
  const stopWaitMs = options.stopWaitMs ?? 10_000;
  const resultsDir = options.resultsDir ?? "results";
  const registry = new RunRegistry();
  const hostNames = inventory?.hosts.map((h) => h.name);
  const ipv6Hosts = inventory?.hosts.filter((h) => h.interfaces[0]?.ipv6).map((h) => h.name);
  const events = options.events ?? new RunEvents();
  const reachability = inventory && options.probeHost ? new HostReachability(hostNames!, options.probeHost, options.reachability) : undefined;
  const streamOptions = { store, events, keepaliveMs: options.sseKeepaliveMs ?? 15_000, pollMs: options.ssePollMs ?? 1000 };
  const knownRun = (id: string) => {
    const run = store.getRun(id);
    if (!run) throw new ApiError(404, `no run '${id}'`);
    return run;
  };

  /**
   * Starts a run in the background once its hosts are free (else 409 naming the holder):
   * the run begun (its store row), registry entry, event channel; its end is recorded and streamed by `finish`.
   */
  const launch = <S extends RunSpec>(
    what: { hosts: readonly string[]; name: string; idPart: string; spec: S },
    drive: (common: Driven<S>) => Promise<DrivenOutcome>,
  ): string => {
    const hosts = [...what.hosts];
    const holder = registry.holder(hosts);
    if (holder) {
      const busy = hosts.filter((h) => holder.hosts.includes(h));
      throw new ApiError(409, `host${busy.length > 1 ? "s" : ""} ${busy.join(", ")} busy with run ${holder.id}`, { runId: holder.id });
    }
    const run = Run.begin({
      store, resultsDir, spec: what.spec, name: what.name, what: what.idPart, ...(inventory ? { lab: inventory.lab.name } : {}), provenance: { via: "api" },
      reports: options.reports ?? false, warn: (line) => console.error(`wirelab serve: ${line}`),
    });
    const { id, dir } = run;
    run.addSink(events.sink(id));
    const controller = new AbortController();
    const active: ActiveRun = { id, hosts, controller, startedAt: Date.now(), done: Promise.resolve() };
    registry.add(active);
    events.open(id);
    const finish = (outcome: DrivenOutcome) => {
      try {
        run.finish(outcome, outcome.results);
      } catch (err) {
        console.error(`wirelab serve: run ${id}: recording its end failed: ${(err as Error).message}`);
      }
      try {
        options.onRunFinished?.(id, dir);
      } catch (err) {
        console.error(`wirelab serve: run ${id}: after its end: ${(err as Error).message}`);
      }
      try {
        const run = store.getRun(id);
        if (run) {
          events.publish(id, { type: "state", data: stateEvent(run) });
          events.publish(id, { type: "summary", data: summaryEvent(store, run) });
        }
      } catch (err) {
        console.error(`wirelab serve: run ${id}: sending its summary failed: ${(err as Error).message}`);
      } finally {
        events.close(id);
      }
    };
    active.done = (async () => {
      try {
        finish(await drive({ run, signal: controller.signal }));
      } catch (err) {
        finish({ state: controller.signal.aborted ? "interrupted" : "failed", reason: (err as Error).message?.split("\n")[0] ?? String(err) });
      } finally {
        registry.delete(id);
      }
    })();
    return id;
  };

  const app = new Hono()
    .get("/health", (c) => c.json(HEALTH))
    // The page holds no data: everything it shows it fetches with the token the user gives it.
    .get("/", () => dashboardResponse())
    .use("*", auth)
    .use("*", bodyLimit({ maxSize: limit, onError: (c) => errorResponse(c, 413, `body larger than ${limit} bytes`) }))
    .get("/status", async (c) => {
      const reach = reachability ? await reachability.status() : undefined;
      return c.json({
        lab: inventory
          ? {
              name: inventory.lab.name, backend: inventory.backend,
              hosts: inventory.hosts.map((h) => ({ name: h.name, role: h.role, ...(reach?.[h.name] ?? { reachable: null, checkedAt: null }) })),
            }
          : null,
        running: registry.list().map((r) => ({ id: r.id, hosts: r.hosts, seconds: (Date.now() - r.startedAt) / 1000 })),
        busyHosts: registry.list().flatMap((r) => r.hosts),
      });
    })
    .get("/lab", (c) => {
      if (!inventory) throw new ApiError(404, "no lab: the server was started without an inventory");
      return c.json(publicInventory(inventory) as Record<string, unknown>);
    })
    .route("/lab/impairments", impairmentRoutes(options.impairments ?? impairmentsOf(inventory)))
    .get("/metrics", () => metricsResponse(store, registry))
    .get("/openapi.json", (c) => c.json(openApiDocument()))
    .get("/runs", (c) => {
      const raw = c.req.query("limit");
      const n = raw === undefined ? DEFAULT_RUNS_LIMIT : Number(raw);
      if (!Number.isInteger(n) || n < 1 || n > 500) throw new ApiError(400, `limit: '${raw}' is not an integer between 1 and 500`);
      return runListResponse(store, registry, n) as unknown as RunListResponse;
    })
    .get("/runs/:id", (c) => {
      const id = c.req.param("id");
      const run = knownRun(id);
      return c.json({ ...summary(run, registry.get(id) !== undefined), verdicts: store.verdicts(id) });
    })
    .get("/runs/:id/events", (c) => {
      const run = knownRun(c.req.param("id"));
      // HEAD gets the headers only: a stream nobody reads would hold a subscription and a timer.
      if (c.req.method === "HEAD") return new Response(null, { status: 200, headers: SSE_HEADERS });
      return new Response(runEventStream(run, streamOptions), { status: 200, headers: SSE_HEADERS });
    })
    .get("/runs/:id/results", (c) => {
      const run = knownRun(c.req.param("id"));
      return c.json({ id: run.id, files: listResultFiles(run.dir, resultsDir) });
    })
    .get("/runs/:id/results/:file", (c) => {
      const run = knownRun(c.req.param("id"));
      return resultFileResponse(run.id, run.dir, resultsDir, c.req.param("file"));
    })
    .post("/runs", jsonObjectBody, postRunsValidator, async (c) => {
      const body = c.req.valid("json");
      if ("scenario" in body) {
        const request = scenarioPreset(body.scenario, hostNames);
        const run = options.startScenario;
        if (!run || !inventory) throw new ApiError(503, "this server cannot start runs: it was started without a lab (--inventory or --lab)");
        // A scenario may use and monitor every host of the lab: it holds them all.
        const spec = runSpec("scenario", { file: request.file, preset: request.preset, scenario: request.scenario });
        const id = launch({ hosts: hostNames!, name: `scenario ${request.name}`, idPart: `scenario-${request.preset}`, spec }, (common) =>
          run({ ...common, request }),
        );
        return c.json({ id, state: "running" as const, scenario: request.preset }, 202, { Location: `/runs/${id}` });
      }
      const spec = trafficSpecOf(body, hostNames, ipv6Hosts);
      const run = startRun;
      if (!run) throw new ApiError(503, "this server cannot start runs: it was started without a lab (--inventory or --lab)");
      const id = launch(
        { hosts: [spec.tx, spec.rx], name: `${spec.protocol}/${spec.mode} ${spec.tx} -> ${spec.rx}`, idPart: `${spec.protocol}-${spec.mode}`, spec: runSpec("traffic", spec) },
        (common) => run({ ...common, spec }),
      );
      return c.json({ id, state: "running" as const, spec }, 202, { Location: `/runs/${id}` });
    })
    .delete("/runs/:id", async (c) => {
      const id = c.req.param("id");
      const active = registry.get(id);
      if (!active) {
        const run = store.getRun(id);
        if (!run) throw new ApiError(404, `no run '${id}'`);
        throw new ApiError(409, `run '${id}' is not running (state ${run.state})`, { runId: id });
      }
      active.controller.abort(new Error("stopped through the API"));
      let timer: ReturnType<typeof setTimeout> | undefined;
      const finished = await Promise.race([
        active.done.then(() => true),
        new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), stopWaitMs))),
      ]);
      clearTimeout(timer);
      const run = store.getRun(id);
      if (!finished || !run) return c.json({ id, state: "stopping" as const }, 202);
      return c.json({ ...summary(run, false), verdicts: store.verdicts(id) }, 200);
    })
    .notFound(notFound)
    .onError(onError);
  // Errors thrown by the store on the fast path must still become the app's 500 body: the app answers on any throw.
  const honoFetch = app.fetch;
  const fastFetch = withFastReads(honoFetch, { store, registry, token: options.token });
  app.fetch = (request, env, ctx) => {
    try {
      return fastFetch(request, env, ctx);
    } catch {
      return honoFetch(request, env, ctx);
    }
  };
  return app;
}

export type AppType = ReturnType<typeof createApp>;
