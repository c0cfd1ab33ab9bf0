// Store faults under a running app, in-process: a corrupt store answers 500
// JSON on the route that met it and an `error` event on the stream that met
// it, and nothing else stops; a CLI runner SIGKILLed while the app watches the
// store is seen interrupted within a few seconds, its event stream ended.
import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { corruptTable } from "../store/corrupt-store.ts";
import { RunStore } from "../store/run-store.ts";
import { runnerThatStored } from "../store/test-runner.ts";
import { createApp } from "./app.ts";
import { watchRunnerLiveness } from "./runner-liveness.ts";
import { auth, filledStore, readEvents, stats, TOKEN } from "./test-app.ts";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function workDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "wirelab-store-faults-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** An app over a store another connection filled; this one has read none of its verdicts yet. */
function appOverFilledStore() {
  const dir = workDir();
  filledStore(dir).close();
  const runDir = join(dir, "run-passed");
  mkdirSync(runDir, { recursive: true });
  writeFileSync(join(runDir, "samples.jsonl"), JSON.stringify({ host: "tx", ...stats(1, { udp: { tx_packets: 100 } }) }) + "\n");
  const path = join(dir, "wirelab.sqlite");
  const store = RunStore.open(path);
  cleanups.push(() => store.close());
  return { app: createApp({ store, token: TOKEN, resultsDir: dir, ssePollMs: 50 }), store, path, dir };
}

describe("store faults are contained", () => {
  test("a corrupt table: 500 JSON on the route, an error event ending the stream, the rest of the app answering", async () => {
    const { app, path } = appOverFilledStore();
    corruptTable(path, "verdicts");
    const events = await readEvents(await app.request("/runs/run-passed/events", { headers: auth }));
    expect(events.events.map((e) => e.event)).toEqual(["sample", "state", "error"]);
    expect(events.events[2]!.data).toEqual({ error: "run store: database disk image is malformed" });
    expect(events.closed).toBe(true);
    const run = await app.request("/runs/run-passed", { headers: auth });
    expect(run.status).toBe(500);
    expect(await run.json()).toEqual({ error: "run store: database disk image is malformed (logged by the server)", status: 500 });
    // Routes that do not read the broken table go on; so does this process (an escaped rejection fails the test run).
    const list = await app.request("/runs", { headers: auth });
    expect(list.status).toBe(200);
    expect(((await list.json()) as { runs: unknown[] }).runs).toHaveLength(2);
    expect((await app.request("/health")).status).toBe(200);
    await Bun.sleep(100);
  });

  test("a CLI runner SIGKILLed mid-run: the watching app sees the run interrupted within seconds, its stream ends", async () => {
    const dir = workDir();
    const path = join(dir, "wirelab.sqlite");
    const runDir = join(dir, "cli-run");
    mkdirSync(runDir, { recursive: true });
    const child = await runnerThatStored(path, [stats(1, { udp: { tx_packets: 500 } })], { id: "cli-run", dir: runDir });
    cleanups.push(() => child.kill("SIGKILL"));
    const store = RunStore.open(path);
    cleanups.push(() => store.close());
    const watch = watchRunnerLiveness(store, { periodMs: 200, log: () => {} });
    cleanups.push(() => watch.stop());
    const app = createApp({ store, token: TOKEN, resultsDir: dir, ssePollMs: 50 });
    const metrics = async () => (await (await app.request("/metrics", { headers: auth })).text()).match(/^wirelab_runs\{state="running"\} (\d+)$/m)?.[1];
    expect(await metrics()).toBe("1");
    const stream = readEvents(await app.request("/runs/cli-run/events", { headers: auth }), { timeoutMs: 5000 });
    const killedAt = Date.now();
    child.kill("SIGKILL");
    await child.exited;
    const { events, closed } = await stream;
    const seenAfterMs = Date.now() - killedAt;
    expect(events.map((e) => e.event)).toEqual(["state", "state", "summary"]);
    expect(events.at(-1)!.data).toMatchObject({ id: "cli-run", state: "interrupted", reason: `the runner (pid ${child.pid}) ended before the run finished` });
    expect(closed).toBe(true);
    expect(seenAfterMs).toBeLessThan(3000);
    expect(store.getRun("cli-run")!.state).toBe("interrupted");
    expect(await metrics()).toBe("0");
  });
});
