import { afterAll, describe, expect, test } from "bun:test";
import { createApp } from "./app.ts";
import { auth, postRun, SECRET_KEY_PATH, testApp, TOKEN } from "./test-app.ts";

type Json = Record<string, any>;
const get = (t: ReturnType<typeof testApp>, path: string) => t.app.request(path, { headers: auth });

describe("createApp", () => {
  test("validates its options at creation", () => {
    const t = testApp();
    expect(() => createApp({ store: t.store, token: "short" })).toThrow("shorter than 16");
    expect(() => createApp({ store: t.store, token: TOKEN, bodyLimitBytes: 0 })).toThrow("bodyLimitBytes");
    expect(() => createApp({ store: undefined as never, token: TOKEN })).toThrow("RunStore");
    t.cleanup();
  });
});

describe("reading", () => {
  const t = testApp();
  afterAll(t.cleanup);

  test("GET /runs lists the store's runs, newest first", async () => {
    const res = await get(t, "/runs");
    expect(res.status).toBe(200);
    const body = (await res.json()) as Json;
    expect(body.runs.map((r: Json) => [r.id, r.state, r.active])).toEqual([["run-failed", "failed", false], ["run-passed", "passed", false]]);
    expect(((await (await get(t, "/runs?limit=1")).json()) as Json).runs).toHaveLength(1);
  });

  test("GET /runs?limit=bad is a 400 naming limit", async () => {
    for (const q of ["0", "x", "501", "1.5"]) {
      const res = await get(t, `/runs?limit=${q}`);
      expect(res.status).toBe(400);
      expect(((await res.json()) as Json).error).toStartWith("limit:");
    }
  });

  test("GET /runs/:id gives the summary and verdicts", async () => {
    const body = (await (await get(t, "/runs/run-failed")).json()) as Json;
    expect(body).toMatchObject({ id: "run-failed", state: "failed", reason: "answers 3/10", verdicts: [{ name: "min-answer-ratio", ok: false }] });
  });

  test("unknown run and unknown route are 404 JSON", async () => {
    // (A bare /runs/%2e%2e is the URL /, the dashboard: dot segments resolve before routing.)
    for (const path of ["/runs/nope", "/nope", "/runs/run-passed/extra", "/runs/%2e%2e%2fetc", "/runs/nope/events", "/runs/nope/results", "/runs/nope/results/results.json"]) {
      const res = await get(t, path);
      expect(res.status).toBe(404);
      expect(res.headers.get("content-type")).toStartWith("application/json");
      const body = (await res.json()) as Json;
      expect(body.status).toBe(404);
      expect(body.error.length).toBeGreaterThan(0);
    }
    const del = await t.app.request("/runs/nope", { method: "DELETE", headers: auth });
    expect(del.status).toBe(404);
  });

  test("GET /lab returns the inventory without SSH key paths", async () => {
    const res = await get(t, "/lab");
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain(SECRET_KEY_PATH);
    expect(text).not.toContain("keyPath");
    const lab = JSON.parse(text) as Json;
    expect(lab.lab.name).toBe("api-test");
    expect(lab.hosts[0].transports.ssh).toEqual({ host: "192.168.50.10", port: 22, user: "root", hostKey: "SHA256:" + "A".repeat(43) });
  });

  test("no response anywhere carries the key path", async () => {
    for (const path of ["/status", "/lab", "/runs", "/metrics", "/openapi.json", "/runs/run-passed"]) {
      expect(await (await get(t, path)).text()).not.toContain(SECRET_KEY_PATH);
    }
  });

  test("GET /lab without an inventory is a 404 JSON", async () => {
    const bare = createApp({ store: t.store, token: TOKEN });
    const res = await bare.request("/lab", { headers: auth });
    expect(res.status).toBe(404);
    expect(((await res.json()) as Json).error).toContain("without an inventory");
  });

  test("GET /status names the lab and the runs in progress", async () => {
    const body = (await (await get(t, "/status")).json()) as Json;
    expect(body.lab.name).toBe("api-test");
    expect(body.lab.hosts.map((h: Json) => h.name)).toEqual(["tx", "rx", "tx2", "rx2"]);
    expect(body.running).toEqual([]);
  });

  test("GET /openapi.json lists every route and the run body schema", async () => {
    const doc = (await (await get(t, "/openapi.json")).json()) as Json;
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths).sort()).toEqual(["/", "/health", "/lab", "/lab/impairments", "/metrics", "/openapi.json", "/runs", "/runs/{id}", "/runs/{id}/events", "/runs/{id}/results", "/runs/{id}/results/{file}", "/status"]);
    expect(Object.keys(doc.paths["/runs"])).toEqual(["get", "post"]);
    expect(Object.keys(doc.paths["/runs/{id}"])).toEqual(["get", "delete"]);
    const schema = doc.components.schemas.RunRequest;
    expect(schema.required).toEqual(["tx", "rx"]);
    expect(schema.properties.protocol.enum).toContain("dns");
    expect(schema.properties.mode.enum).toContain("rate");
    expect(schema.additionalProperties).toBe(false);
  });
});

describe("POST /runs", () => {
  const t = testApp();
  afterAll(t.cleanup);

  const bad: [unknown, string][] = [
    [{ rx: "rx" }, "tx:"],
    [{ tx: "tx" }, "rx:"],
    [{ tx: "tx", rx: "tx" }, "rx: must differ from tx"],
    [{ tx: "tx", rx: "nohost" }, "rx: no host 'nohost'"],
    [{ tx: "tx", rx: "rx", protocol: "sctp" }, "protocol:"],
    [{ tx: "tx", rx: "rx", mode: "turbo" }, "mode:"],
    [{ tx: "tx", rx: "rx", pps: -5 }, "pps:"],
    [{ tx: "tx", rx: "rx", pps: "1000" }, "pps:"],
    [{ tx: "tx", rx: "rx", duration: 0 }, "duration:"],
    [{ tx: "tx", rx: "rx", count: 1.5 }, "count:"],
    [{ tx: "tx", rx: "rx", size: 59 }, "size:"],
    [{ tx: "tx", rx: "rx", domains: ["ok.example", "bad name;rm"] }, "domains[1]:"],
    [{ tx: "tx", rx: "rx", checks: { minRxRatio: 2 } }, "checks.minRxRatio:"],
    [{ tx: "tx", rx: "rx", bogus: 1 }, "bogus: unknown field"],
    [{ tx: "tx", rx: "rx", xdp: { obj: "/etc/passwd" } }, "xdp"],
    [{ tx: "tx", rx: "rx", xdp: { prog: "count", rules: ["proto=udp"] } }, "xdp.rules:"],
    [{ tx: "../../etc", rx: "rx" }, "tx:"],
    [{ tx: "tx", rx: "rx", ipVersion: 5 }, "ipVersion: must be 4 or 6"],
    [{ tx: "tx", rx: "rx", ipVersion: "6" }, "ipVersion: must be 4 or 6"],
    // The fixture lab is IPv4 only.
    [{ tx: "tx", rx: "rx", ipVersion: 6 }, "ipVersion: host 'tx' has no IPv6 address in the lab"],
    [{ tx: "tx", rx: "rx", vlan: [100, "4095"] }, "vlan[1]: VLAN ID 4095 is outside 1..4094"],
    [{ tx: "tx", rx: "rx", vlan: [0] }, "vlan[0]: VLAN ID 0 is outside 1..4094"],
    [{ tx: "tx", rx: "rx", vlan: ["100,9"] }, "vlan[0]: PCP 9 is outside 0..7"],
    [{ tx: "tx", rx: "rx", vlan: ["1x"] }, "vlan[0]: '1x' is not ID or ID,PCP"],
    [{ tx: "tx", rx: "rx", vlan: [1, 2, 3] }, "vlan: at most 2 tags"],
    [{ tx: "tx", rx: "rx", vlan: 100 }, "vlan:"],
    [{ tx: "tx", rx: "rx", workers: 0 }, "workers:"],
    [{ tx: "tx", rx: "rx", workers: 1.5 }, "workers:"],
    [[1, 2], "body: must be a JSON object"],
    [null, "body: must be a JSON object"],
    ["\"a string\"", "body: must be a JSON object"],
    ["{\"tx\": ", "body: not valid JSON"],
    ["", "body: not valid JSON"],
  ];
  for (const [body, field] of bad) {
    test(`400 naming '${field}' for ${typeof body === "string" ? body || "(empty)" : JSON.stringify(body)}`, async () => {
      const res = await postRun(t.app, body);
      expect(res.status).toBe(400);
      const json = (await res.json()) as Json;
      expect(json.status).toBe(400);
      expect(json.error).toStartWith(field);
    });
  }

  test("a body that is not JSON-typed is 415", async () => {
    const res = await t.app.request("/runs", { method: "POST", headers: { ...auth, "Content-Type": "text/plain" }, body: "{}" });
    expect(res.status).toBe(415);
    expect(((await res.json()) as Json).error).toContain("application/json");
  });

  test("no bad body started a run", () => expect(t.fake.calls).toHaveLength(0));

  test("starts a run through startRun, records it, and 409s a run on a busy host", async () => {
    const res = await postRun(t.app, { tx: "tx", rx: "rx", protocol: "icmp", mode: "rate", pps: 500, duration: 30 });
    expect(res.status).toBe(202);
    const started = (await res.json()) as Json;
    expect(started.state).toBe("running");
    expect(res.headers.get("location")).toBe(`/runs/${started.id}`);
    expect(t.fake.calls).toHaveLength(1);
    expect(t.fake.calls[0]!.spec).toEqual({ tx: "tx", rx: "rx", protocol: "icmp", mode: "rate", pps: 500, duration: 30 });
    expect(t.fake.calls[0]!.signal.aborted).toBe(false);
    expect(t.store.getRun(started.id)!.state).toBe("running");

    for (const overlap of [{ tx: "tx", rx: "rx2" }, { tx: "tx2", rx: "rx" }, { tx: "rx", rx: "tx" }]) {
      const busy = await postRun(t.app, overlap);
      expect(busy.status).toBe(409);
      const json = (await busy.json()) as Json;
      expect(json).toMatchObject({ status: 409, runId: started.id });
      expect(json.error).toContain(started.id);
    }
    expect(t.fake.calls).toHaveLength(1);

    // Disjoint hosts run side by side.
    const other = await postRun(t.app, { tx: "tx2", rx: "rx2" });
    expect(other.status).toBe(202);
    const otherId = ((await other.json()) as Json).id as string;
    const status = (await (await get(t, "/status")).json()) as Json;
    expect(status.running.map((r: Json) => r.id).sort()).toEqual([started.id, otherId].sort());

    // A run that ends on its own frees its hosts and records its outcome.
    t.fake.finish(otherId, { state: "passed", checks: [{ name: "min-rx-ratio", ok: true, detail: "1 >= 0.9" }] });
    await Bun.sleep(5);
    const done = (await (await get(t, `/runs/${otherId}`)).json()) as Json;
    expect(done).toMatchObject({ state: "passed", active: false, verdicts: [{ name: "min-rx-ratio", ok: true }] });

    // DELETE stops the first: its AbortSignal fires and the run is recorded as interrupted.
    const del = await t.app.request(`/runs/${started.id}`, { method: "DELETE", headers: auth });
    expect(t.fake.calls[0]!.signal.aborted).toBe(true);
    expect(del.status).toBe(200);
    expect((await del.json()) as Json).toMatchObject({ id: started.id, state: "interrupted", active: false });
    expect(t.store.getRun(started.id)!.state).toBe("interrupted");

    // Stopped once: a second DELETE is a 409, and the hosts are free again.
    const again = await t.app.request(`/runs/${started.id}`, { method: "DELETE", headers: auth });
    expect(again.status).toBe(409);
    const next = await postRun(t.app, { tx: "tx", rx: "rx" });
    expect(next.status).toBe(202);
    await t.app.request(`/runs/${((await next.json()) as Json).id}`, { method: "DELETE", headers: auth });
  });

  test("a startRun that throws leaves the run failed, not the server", async () => {
    const t2 = testApp({ startRun: async () => { throw new Error("rx engine did not start"); } });
    const res = await postRun(t2.app, { tx: "tx", rx: "rx" });
    expect(res.status).toBe(202);
    const id = ((await res.json()) as Json).id as string;
    await Bun.sleep(5);
    expect(t2.store.getRun(id)).toMatchObject({ state: "failed", reason: "rx engine did not start" });
    t2.cleanup();
  });

  test("without startRun a valid body is 503, still JSON", async () => {
    const t2 = testApp({ startRun: undefined });
    const res = await postRun(t2.app, { tx: "tx", rx: "rx" });
    expect(res.status).toBe(503);
    expect(((await res.json()) as Json).error).toContain("without a lab");
    t2.cleanup();
  });
});

describe("body limits", () => {
  const t = testApp({ bodyLimitBytes: 1024 });
  afterAll(t.cleanup);

  test("an oversized body is 413 JSON and starts nothing", async () => {
    const res = await postRun(t.app, { tx: "tx", rx: "rx", message: "x".repeat(5000) });
    expect(res.status).toBe(413);
    expect((await res.json()) as Json).toEqual({ error: "body larger than 1024 bytes", status: 413 });
    expect(t.fake.calls).toHaveLength(0);
  });

  test("an oversized streamed body (no Content-Length) is 413 too", async () => {
    const chunk = new TextEncoder().encode("x".repeat(600));
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(chunk);
        controller.enqueue(chunk);
        controller.close();
      },
    });
    const res = await t.app.request("/runs", { method: "POST", headers: { ...auth, "Content-Type": "application/json" }, body: stream, duplex: "half" } as RequestInit);
    expect(res.status).toBe(413);
  });

  test("the default limit is 64 KiB", async () => {
    const t2 = testApp();
    const res = await postRun(t2.app, { tx: "tx", rx: "rx", message: "x".repeat(65 * 1024) });
    expect(res.status).toBe(413);
    t2.cleanup();
  });
});

describe("strings are valid Unicode", () => {
  const t = testApp();
  afterAll(t.cleanup);

  test("a lone surrogate anywhere in the body is 400 naming the field, and nothing is stored or started", async () => {
    const before = t.store.listRuns(500).length;
    for (const [body, field] of [
      ['{"tx":"tx","rx":"rx","message":"hi \\ud800 there"}', "message"],
      ['{"tx":"tx","rx":"rx","protocol":"dns","domains":["a.example","b\\udfff.example"]}', "domains[1]"],
      ['{"tx":"tx","rx":"rx","checks":{"\\ud83d":1}}', "checks.\ufffd"],
      ['{"scenario":"quick\\udc00"}', "scenario"],
    ] as const) {
      const res = await postRun(t.app, body);
      expect(res.status, body).toBe(400);
      expect(await res.json()).toEqual({ error: `${field}: not valid Unicode (a lone UTF-16 surrogate such as \\ud800)`, status: 400 });
    }
    expect(t.store.listRuns(500)).toHaveLength(before);
    expect(t.fake.calls).toHaveLength(0);
  });

  test("well-formed text outside ASCII (a pair for one emoji) is taken and listed back as the same valid JSON", async () => {
    const res = await postRun(t.app, '{"tx":"tx","rx":"rx","protocol":"udp","message":"h\\u00e9llo \\ud83d\\ude80"}');
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as Json;
    const listed = await (await t.app.request("/runs", { headers: auth })).text();
    const run = (JSON.parse(listed) as Json).runs.find((r: Json) => r.id === id);
    expect(run.spec.settings.message).toBe("héllo 🚀");
    t.fake.finish(id);
  });
});
