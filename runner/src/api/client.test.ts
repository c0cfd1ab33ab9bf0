// AppType carries the routes: hono's typed client (what the CLI's remote mode will use) works against the app in-process.
import { afterAll, expect, test } from "bun:test";
import { hc } from "hono/client";
import type { AppType } from "./app.ts";
import { auth, testApp } from "./test-app.ts";

const t = testApp();
afterAll(t.cleanup);
const client = hc<AppType>("http://wirelab.test", { headers: auth, fetch: (input: string | URL | Request, init?: RequestInit) => t.app.request(input instanceof Request ? input : String(input), init) });

test("hc<AppType> reads runs and starts and stops one", async () => {
  const runs = await (await client.runs.$get({ query: {} })).json();
  expect(runs.runs.map((r) => r.id)).toEqual(["run-failed", "run-passed"]);
  const started = await client.runs.$post({ json: { tx: "tx", rx: "rx", protocol: "dns", domains: ["example.org"] } });
  expect(started.status).toBe(202);
  const { id } = (await started.json()) as { id: string };
  const stopped = await client.runs[":id"].$delete({ param: { id } });
  expect(stopped.status).toBe(200);
  expect(t.fake.calls[0]!.signal.aborted).toBe(true);
});

test("hc<AppType> types the body from the schema that validates it: a wrong type does not compile, and is refused", async () => {
  // @ts-expect-error size is a number of bytes, not text
  const res = await client.runs.$post({ json: { tx: "tx", rx: "rx", size: "64" } });
  // Widened: the typed client knows only the statuses the route answers on success.
  const status: number = res.status;
  expect(status).toBe(400);
  expect(((await res.json()) as unknown as { error: string }).error).toStartWith("size: ");
});
