// The CLI's side of the control API: hono's typed client over AppType for
// the JSON routes, and the run's event stream read as SSE. Every failure
// becomes a RemoteError whose message is one line a user can act on.
import { hc } from "hono/client";
import type { AppType } from "../api/app.ts";
import type { ErrorBody } from "../api/errors.ts";
import type { RunRequest } from "../api/run-request.ts";
import type { ScenarioRunRequest } from "../api/scenario-request.ts";
import { UsageError } from "../paths.ts";
import type { CheckResult } from "../traffic/run-traffic.ts";
import { parseRunEvent, type RemoteState, type RunEvent } from "./run-events.ts";
import type { ClientToken } from "./remote-token.ts";
import { readSse } from "./sse-reader.ts";

export class RemoteError extends Error {
  override name = "RemoteError";
  constructor(
    message: string,
    readonly status?: number,
    /** 409: the run holding the hosts. */
    readonly runId?: string,
  ) {
    super(message);
  }
}

/** The events route is missing (an older server): the caller falls back to polling the run. */
export class NoEventsRoute extends RemoteError {}

export function parseServerUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--server: '${value}' is not an http(s) URL (e.g. http://127.0.0.1:7800)`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new UsageError(`--server: '${value}' is not an http(s) URL (e.g. http://127.0.0.1:7800)`);
  if (url.username || url.password) throw new UsageError("--server: put the token in --token-file or WIRELAB_API_TOKEN, not in the URL");
  if (url.search || url.hash) throw new UsageError(`--server: '${value}' has a query or fragment; give the server's base URL`);
  return url;
}

export interface RemoteRun {
  id: string;
  state: RemoteState;
  reason: string | null;
  startedAt: string;
  endedAt: string | null;
  verdicts: CheckResult[];
}

export class RemoteClient {
  /** Without a trailing slash, so paths join as the server's routes. */
  readonly base: string;
  private readonly api;
  private readonly headers: Record<string, string>;

  constructor(
    server: URL,
    private readonly token: ClientToken,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {
    this.base = server.href.replace(/\/+$/, "");
    this.headers = { Authorization: `Bearer ${token.token}` };
    this.api = hc<AppType>(this.base, { headers: this.headers, fetch: (input: string | URL | Request, init?: RequestInit) => this.call(input, init) });
  }

  /** Starts a traffic run, or a scenario preset; the server validates the body and answers 202 with the run's id. */
  async startRun(body: RunRequest | ScenarioRunRequest): Promise<{ id: string }> {
    const res = await this.api.runs.$post({ json: body });
    if ((res.status as number) !== 202) throw await this.failure(res, "POST /runs");
    const { id } = (await res.json()) as { id: string };
    return { id };
  }

  /** Asks the server to stop a run; resolves once it has answered (stopped, stopping, or already ended). */
  async stopRun(id: string): Promise<void> {
    const res = await this.api.runs[":id"].$delete({ param: { id } });
    // Widened: the typed client knows only the statuses the route answers on success.
    const status: number = res.status;
    // 409: the run ended on its own meanwhile; nothing left to stop.
    if (status !== 200 && status !== 202 && status !== 409) throw await this.failure(res, `DELETE /runs/${id}`);
  }

  async getRun(id: string): Promise<RemoteRun> {
    const res = await this.api.runs[":id"].$get({ param: { id } });
    if (res.status !== 200) throw await this.failure(res, `GET /runs/${id}`);
    const r = (await res.json()) as RemoteRun;
    return { id: r.id, state: r.state, reason: r.reason ?? null, startedAt: r.startedAt, endedAt: r.endedAt ?? null, verdicts: r.verdicts ?? [] };
  }

  /** The run's live events until the stream ends (after the summary, or if the connection drops). */
  async *events(id: string, signal?: AbortSignal): AsyncGenerator<RunEvent> {
    const path = `/runs/${encodeURIComponent(id)}/events`;
    const res = await this.call(`${this.base}${path}`, { headers: { Accept: "text/event-stream" }, ...(signal ? { signal } : {}) });
    if (res.status === 404) {
      const body = (await res.json().catch(() => ({}))) as Partial<ErrorBody>;
      // The app's notFound says "no route ..."; a 404 for the run itself says "no run ...".
      if (body.error?.startsWith("no route")) throw new NoEventsRoute(`${this.base} has no GET /runs/:id/events`, 404);
      throw new RemoteError(`GET ${path}: ${body.error ?? "404"}`, 404);
    }
    if (res.status !== 200) throw await this.failure(res, `GET ${path}`);
    const type = res.headers.get("content-type") ?? "";
    if (!type.startsWith("text/event-stream")) throw new RemoteError(`GET ${path}: expected text/event-stream, got '${type}'`);
    if (!res.body) return;
    for await (const ev of readSse(res.body)) {
      const parsed = parseRunEvent(ev);
      if (parsed) yield parsed;
    }
  }

  /** fetch with the token added and network failures said in one line. */
  private async call(input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    for (const [k, v] of Object.entries(this.headers)) headers.set(k, v);
    try {
      return await this.fetchImpl(input, { ...init, headers });
    } catch (err) {
      if ((err as Error).name === "AbortError") throw err;
      const code = (err as { code?: string }).code;
      throw new RemoteError(`--server ${this.base}: cannot reach it (${code ?? (err as Error).message}); is 'bun run serve' running there?`);
    }
  }

  private async failure(res: { status: number; statusText: string; text(): Promise<string> }, what: string): Promise<RemoteError> {
    const text = await res.text().catch(() => "");
    let body: Partial<ErrorBody> = {};
    try {
      body = JSON.parse(text) as Partial<ErrorBody>;
    } catch {
      // Not our API's JSON error (a proxy, another service on that port): say what came back.
    }
    const said = body.error ?? (text.trim().split("\n")[0]?.slice(0, 120) || res.statusText);
    switch (res.status) {
      case 401:
        return new RemoteError(`${this.base} refused the token from ${this.token.source} (401: ${said})`, 401);
      case 409:
        return new RemoteError(`${what}: ${said}${body.runId ? ` (see ${this.base}/runs/${body.runId}; stop it with DELETE)` : ""}`, 409, body.runId);
      case 400:
        return new RemoteError(`the server refused the run: ${said}`, 400);
      default:
        return new RemoteError(`${what}: ${res.status} ${said}`, res.status);
    }
  }
}
