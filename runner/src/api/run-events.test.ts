// GET /runs/:id/events in-process: the SSE contract (event names, one-line
// JSON, increasing ids), replay of finished runs, replay-then-live for a run
// this app drives with no sample lost or repeated, the end on finish or
// DELETE, keepalives, a client leaving, and a run another process drives.
import { afterAll, describe, expect, test } from "bun:test";
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { HostSample } from "../monitor/host-sample.ts";
import type { RunOutcome, StartRunRequest } from "./app.ts";
import { RunEvents } from "./run-events.ts";
import { auth, postRun, readEvents, stats, testApp, type ParsedEvent } from "./test-app.ts";

type Json = Record<string, any>;
const names = (es: ParsedEvent[]) => es.map((e) => e.event);

function hostSample(host: string): HostSample {
  return { host, at: new Date().toISOString(), intervalS: 1, cpu: { cpu: { user: 1, system: 2, softirq: 3, idle: 94, busy: 6 } }, memory: { totalKb: 1000, availableKb: 500, usedPct: 50 }, interfaces: {} };
}

/** A startRun the test drives by hand, its samples through the run (samples.jsonl, the store, the event stream). */
function manualRuns() {
  const runs = new Map<string, { req: StartRunRequest; end: (o: RunOutcome) => void }>();
  return {
    runs,
    startRun: (req: StartRunRequest) =>
      new Promise<RunOutcome>((resolve) => {
        runs.set(req.run.id, { req, end: resolve });
        req.signal.addEventListener("abort", () => resolve({ state: "interrupted", reason: "stopped through the API" }), { once: true });
      }),
    sample(runId: string, host: "tx" | "rx", t: number, packets: number) {
      runs.get(runId)!.req.run.sample({ host, role: host, stats: stats(t, { udp: host === "tx" ? { tx_packets: packets } : { rx_packets: packets } }) });
    },
  };
}

describe("GET /runs/:id/events for a finished run", () => {
  const t = testApp();
  afterAll(t.cleanup);

  test("unknown run is a 404 JSON; HEAD answers the headers only", async () => {
    const res = await t.app.request("/runs/nope/events", { headers: auth });
    expect(res.status).toBe(404);
    expect(((await res.json()) as Json).error).toBe("no run 'nope'");
    const head = await t.app.request("/runs/run-passed/events", { method: "HEAD", headers: auth });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-type")).toBe("text/event-stream");
    expect((await t.app.request("/runs/run-passed/events")).status).toBe(401);
  });

  test("replays the stored samples, then state, then summary, then closes", async () => {
    const res = await t.app.request("/runs/run-passed/events", { headers: auth });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const { events, closed, raw } = await readEvents(res);
    expect(closed).toBe(true);
    expect(names(events)).toEqual(["sample", "sample", "sample", "state", "summary"]);
    expect(events.map((e) => e.id)).toEqual([1, 2, 3, 4, 5]);
    // Every frame: id, event, one data line.
    for (const block of raw.trim().split("\n\n")) expect(block).toMatch(/^id: \d+\nevent: (sample|state|summary)\ndata: \{.*\}$/);
    const [a, b, c] = events.map((e) => e.data);
    expect([a!.host, a!.role, a!.t, a!.protocols.udp.tx_packets]).toEqual(["tx", "tx", 1, 100]);
    expect([b!.host, b!.role, b!.t, b!.protocols.udp.rx_packets]).toEqual(["rx", "rx", 2, 199]);
    expect([c!.host, c!.t, c!.protocols.udp.tx_packets, c!.protocols.icmp.tx_packets]).toEqual(["tx", 2, 200, 0]);
    expect(events[3]!.data).toEqual({ id: "run-passed", state: "passed" });
    expect(events[4]!.data).toEqual({
      id: "run-passed", state: "passed", verdicts: [{ name: "min-rx-ratio", ok: true, detail: "0.995 >= 0.99" }],
      startedAt: "2026-01-01T00:00:00.000Z", endedAt: t.store.getRun("run-passed")!.ended_at,
    });
  });

  test("a failed run's state and summary carry its reason", async () => {
    const { events } = await readEvents(await t.app.request("/runs/run-failed/events", { headers: auth }));
    expect(names(events)).toEqual(["sample", "state", "summary"]);
    expect(events[1]!.data).toEqual({ id: "run-failed", state: "failed", reason: "answers 3/10" });
    expect(events[2]!.data).toMatchObject({ state: "failed", reason: "answers 3/10", verdicts: [{ name: "min-answer-ratio", ok: false }] });
  });

  test("a run directory's samples.jsonl is replayed line for line; torn lines are skipped", async () => {
    const dir = t.store.getRun("run-failed")!.dir;
    mkdirSync(dir, { recursive: true });
    const lines = [1, 2, 3].map((i) => JSON.stringify({ host: "tx", ...stats(i, { icmp: { tx_packets: i * 10 } }) }));
    writeFileSync(join(dir, "samples.jsonl"), [lines[0], "{not json", lines[1], "", lines[2], '{"host":'].join("\n"));
    const { events } = await readEvents(await t.app.request("/runs/run-failed/events", { headers: auth }));
    expect(names(events)).toEqual(["sample", "sample", "sample", "state", "summary"]);
    expect(events.slice(0, 3).map((e) => JSON.stringify(e.data))).toEqual(lines.map((l) => JSON.stringify(JSON.parse(l))));
  });
});

describe("GET /runs/:id/events for a run this server drives", () => {
  const m = manualRuns();
  const events = new RunEvents();
  const t = testApp({ startRun: m.startRun, events, sseKeepaliveMs: 40 });
  afterAll(t.cleanup);

  test("state first, stored samples, then live ones, host samples, and the summary last; no sample lost or repeated", async () => {
    const id = ((await (await postRun(t.app, { tx: "tx", rx: "rx", protocol: "udp", mode: "rate", pps: 100, duration: 60 })).json()) as Json).id as string;
    expect(events.isLive(id)).toBe(true);
    m.sample(id, "tx", 1, 100);
    m.sample(id, "rx", 1, 99);

    const early = (await t.app.request(`/runs/${id}/events`, { headers: auth })).body!;
    const earlyRead = readEvents(new Response(early), { timeoutMs: 5000 });
    // Samples arriving while the first subscriber is still replaying are queued, not lost.
    m.sample(id, "tx", 2, 200);
    await Bun.sleep(20);
    const lateRead = readEvents(await t.app.request(`/runs/${id}/events`, { headers: auth }), { timeoutMs: 5000 });
    await Bun.sleep(20);
    expect(events.subscriberCount(id)).toBe(2);
    m.sample(id, "rx", 2, 198);
    m.runs.get(id)!.req.run.hostSample(hostSample("tx"));
    m.sample(id, "tx", 3, 300);
    m.runs.get(id)!.end({ state: "passed", checks: [{ name: "min-rx-ratio", ok: true, detail: "0.99 >= 0.9" }] });

    for (const read of [earlyRead, lateRead]) {
      const { events: es, closed } = await read;
      expect(closed).toBe(true);
      expect(names(es)).toEqual(["state", "sample", "sample", "sample", "sample", "host", "sample", "state", "summary"]);
      expect(es[0]!.data).toEqual({ id, state: "running" });
      expect(es.filter((e) => e.event === "sample").map((e) => `${e.data.host}@${e.data.t}`)).toEqual(["tx@1", "rx@1", "tx@2", "rx@2", "tx@3"]);
      // Replayed or live, each sample is its samples.jsonl line (serialised once by the run, sent as it is).
      const lines = readFileSync(join(m.runs.get(id)!.req.run.dir, "samples.jsonl"), "utf8").trim().split("\n");
      expect(es.filter((e) => e.event === "sample").map((e) => JSON.stringify(e.data))).toEqual(lines);
      expect(es.map((e) => e.id)).toEqual(es.map((_, i) => i + 1));
      expect(es[5]!.data).toMatchObject({ host: "tx", cpu: { cpu: { busy: 6 } } });
      expect(es[7]!.data).toEqual({ id, state: "passed" });
      expect(es[8]!.data).toMatchObject({ id, state: "passed", verdicts: [{ name: "min-rx-ratio", ok: true }] });
      expect(es[8]!.data.endedAt).toBe(t.store.getRun(id)!.ended_at);
    }
    // The samples went to the real store too.
    expect(t.store.samples(id).map((r) => r.t)).toEqual([1, 1, 2, 2, 3]);
    expect(events.isLive(id)).toBe(false);
  });

  test("a sample event is the samples.jsonl object plus the runner's role, and the store's rows are the same counters", async () => {
    const id = ((await (await postRun(t.app, { tx: "tx", rx: "rx" })).json()) as Json).id as string;
    const read = readEvents(await t.app.request(`/runs/${id}/events`, { headers: auth }), { until: (e) => e.event === "sample" });
    await Bun.sleep(10);
    m.sample(id, "rx", 1, 42);
    const { events: es } = await read;
    const line = JSON.parse((await Bun.file(join(m.runs.get(id)!.req.run.dir, "samples.jsonl")).text()).trim());
    expect(es.at(-1)!.data).toEqual({ ...line, role: "rx" });
    expect(Object.keys(es.at(-1)!.data).slice(0, 2)).toEqual(["host", "role"]);
    await t.app.request(`/runs/${id}`, { method: "DELETE", headers: auth });
  });

  test("DELETE ends the stream with state interrupted and the summary", async () => {
    const id = ((await (await postRun(t.app, { tx: "tx", rx: "rx" })).json()) as Json).id as string;
    const read = readEvents(await t.app.request(`/runs/${id}/events`, { headers: auth }), { timeoutMs: 5000 });
    await Bun.sleep(10);
    m.sample(id, "tx", 1, 5);
    expect((await t.app.request(`/runs/${id}`, { method: "DELETE", headers: auth })).status).toBe(200);
    const { events: es, closed } = await read;
    expect(closed).toBe(true);
    expect(names(es)).toEqual(["state", "sample", "state", "summary"]);
    expect(es.at(-1)!.data).toMatchObject({ id, state: "interrupted", reason: "stopped through the API", verdicts: [] });
  });

  test("a quiet stream gets keepalive comments; a client that leaves is unsubscribed", async () => {
    const id = ((await (await postRun(t.app, { tx: "tx", rx: "rx" })).json()) as Json).id as string;
    const res = await t.app.request(`/runs/${id}/events`, { headers: auth });
    const reader = res.body!.getReader();
    let text = "";
    const until = Date.now() + 3000;
    while (Date.now() < until && (text.match(/: keepalive\n\n/g) ?? []).length < 2) text += new TextDecoder().decode((await reader.read()).value);
    expect((text.match(/^: keepalive$/gm) ?? []).length).toBeGreaterThanOrEqual(2);
    expect(events.subscriberCount(id)).toBe(1);
    await reader.cancel();
    expect(events.subscriberCount(id)).toBe(0);
    await t.app.request(`/runs/${id}`, { method: "DELETE", headers: auth });
  });

  test("closeAll ends every open stream (server shutdown)", async () => {
    const id = ((await (await postRun(t.app, { tx: "tx", rx: "rx" })).json()) as Json).id as string;
    const read = readEvents(await t.app.request(`/runs/${id}/events`, { headers: auth }), { timeoutMs: 3000 });
    await Bun.sleep(10);
    events.closeAll();
    const { closed, events: es } = await read;
    expect(closed).toBe(true);
    expect(names(es)).toEqual(["state"]);
    await t.app.request(`/runs/${id}`, { method: "DELETE", headers: auth });
  });
});

describe("GET /runs/:id/events for a run another process drives", () => {
  const t = testApp({ ssePollMs: 20 });
  afterAll(t.cleanup);

  test("follows its samples.jsonl and ends when the store says the run ended", async () => {
    const dir = join(t.dir, "cli-run");
    mkdirSync(dir, { recursive: true });
    t.store.startRun({ id: "cli-run", kind: "traffic", name: "udp/rate tx -> rx", dir, spec: {}, provenance: { via: "cli" } });
    const line = (i: number) => JSON.stringify({ host: "tx", ...stats(i, { udp: { tx_packets: i * 100 } }) }) + "\n";
    writeFileSync(join(dir, "samples.jsonl"), line(1));
    const read = readEvents(await t.app.request("/runs/cli-run/events", { headers: auth }), { timeoutMs: 5000 });
    await Bun.sleep(60);
    // A line written in two pieces is sent once, whole.
    const two = line(2);
    appendFileSync(join(dir, "samples.jsonl"), two.slice(0, 30));
    await Bun.sleep(60);
    appendFileSync(join(dir, "samples.jsonl"), two.slice(30) + line(3));
    t.store.finishRun("cli-run", "passed", undefined, []);
    const { events: es, closed } = await read;
    expect(closed).toBe(true);
    expect(names(es)).toEqual(["state", "sample", "sample", "sample", "state", "summary"]);
    expect(es.filter((e) => e.event === "sample").map((e) => e.data.protocols.udp.tx_packets)).toEqual([100, 200, 300]);
    expect(es.at(-1)!.data).toMatchObject({ id: "cli-run", state: "passed", verdicts: [] });
  });
});
