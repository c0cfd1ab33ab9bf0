// `wirelab serve` as a real process, no lab: a corrupt run store under it is
// one 500 JSON or one `error` event for the request that met it, and the
// server serves on; a 10 MB body is a JSON 413 like every other error.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { corruptTable } from "../store/corrupt-store.ts";
import { startServe, type ServeProcess } from "./serve-process.ts";
import { filledStore, readEvents, stats } from "./test-app.ts";

const work = mkdtempSync(join(tmpdir(), "wirelab-serve-faults-"));
const TOKEN = randomBytes(24).toString("base64url");
const auth = { Authorization: `Bearer ${TOKEN}` };
let server: ServeProcess;

beforeAll(async () => {
  filledStore(work).close();
  mkdirSync(join(work, "run-passed"), { recursive: true });
  writeFileSync(join(work, "run-passed", "samples.jsonl"), JSON.stringify({ host: "tx", ...stats(1, { udp: { tx_packets: 100 } }) }) + "\n");
  server = await startServe(["--results", work], { ...process.env, WIRELAB_API_TOKEN: TOKEN, WIRELAB_INVENTORY: "" });
}, 60_000);

afterAll(async () => {
  await server?.stop(5000);
  rmSync(work, { recursive: true, force: true });
});

describe("serve, a real process, under faults", () => {
  test("a 10 MB body is a JSON 413 (and without the token a JSON 401), never an empty answer", async () => {
    const big = "x".repeat(10 * 1024 * 1024);
    const res = await fetch(`${server.base}/runs`, { method: "POST", headers: { ...auth, "Content-Type": "application/json" }, body: big });
    expect(res.status).toBe(413);
    expect(res.headers.get("content-type")).toStartWith("application/json");
    expect(await res.json()).toEqual({ error: "body larger than 65536 bytes", status: 413 });
    const anon = await fetch(`${server.base}/runs`, { method: "POST", headers: { "Content-Type": "application/json" }, body: big });
    expect(anon.status).toBe(401);
    expect(((await anon.json()) as { status: number }).status).toBe(401);
  });

  test("/runs and /metrics, routed by Bun itself, answer every form of request as the app does", async () => {
    const get = (path: string, headers: Record<string, string> = auth, method = "GET") => fetch(`${server.base}${path}`, { method, headers });
    const plain = await get("/runs");
    const viaHono = await get("/runs?limit=50");
    expect(plain.status).toBe(200);
    expect(plain.headers.get("content-type")).toBe(viaHono.headers.get("content-type"));
    const body = await plain.text();
    expect(body).toBe(await viaHono.text());
    expect((JSON.parse(body) as { runs: unknown[] }).runs.length).toBeGreaterThan(0);
    const head = await get("/runs", auth, "HEAD");
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
    const anon = await get("/runs", {});
    expect(anon.status).toBe(401);
    expect(((await anon.json()) as { status: number }).status).toBe(401);
    const wrong = await get("/metrics", { Authorization: `Bearer ${TOKEN}x` });
    expect(wrong.status).toBe(401);
    const metrics = await get("/metrics");
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain("wirelab_");
    expect((await get("/runs/")).status).toBe(404);
  });

  test("a store corrupted under it: 500 JSON and an error event for those requests, the server alive for the rest", async () => {
    corruptTable(join(work, "wirelab.sqlite"), "verdicts");
    const stream = await readEvents(await fetch(`${server.base}/runs/run-passed/events`, { headers: auth }));
    expect(stream.events.map((e) => e.event)).toEqual(["sample", "state", "error"]);
    expect(stream.events.at(-1)!.data).toEqual({ error: "run store: database disk image is malformed" });
    expect(stream.closed).toBe(true);
    const run = await fetch(`${server.base}/runs/run-passed`, { headers: auth });
    expect(run.status).toBe(500);
    expect(await run.json()).toEqual({ error: "run store: database disk image is malformed (logged by the server)", status: 500 });
    await Bun.sleep(300);
    expect(server.proc.exitCode).toBeNull();
    expect((await fetch(`${server.base}/runs`, { headers: auth })).status).toBe(200);
    expect(await (await fetch(`${server.base}/health`)).json()).toEqual({ ok: true });
    // It still stops as asked, at once: no run to wait for.
    expect(await server.stop(10_000)).toBeLessThan(3000);
    expect(server.proc.exitCode).toBe(0);
  });
});
