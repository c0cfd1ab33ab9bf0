// Stops and crashes through real processes on a netns lab of this suite's own
// (stp, on 198.18.48.0/24, two host pairs): a DELETE at a random moment of
// each of 20 API runs, a Ctrl-C at a random moment of CLI runs, SIGTERM to
// the server while a run starts: each run ends 'interrupted' within a bound,
// with no engine process left in the lab. A SIGKILLed CLI run is seen
// interrupted by a watching server within seconds; two CLI runs started
// together on one fresh store are both stored.
import { describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pidsInNamespace } from "../../infra/src/netns-lab.ts";
import { readEvents } from "../src/api/test-app.ts";
import { BUN, REPO_ROOT } from "../src/paths.ts";
import { RunStore } from "../src/store/run-store.ts";
import { ownLab } from "./own-lab.ts";
import { useServedLab } from "./served-lab.ts";

type Json = Record<string, any>;

const work = mkdtempSync(join(tmpdir(), "wirelab-stops-"));
const LAB = ownLab(work, "stp", 48, "the stops suite's own lab: two host pairs, so two CLI runs can go at once", [
  { name: "tx", role: "tx" }, { name: "rx", role: "rx" }, { name: "tx2", role: "tx" }, { name: "rx2", role: "rx" },
]);
const results = join(work, "results");
const TOKEN = randomBytes(24).toString("base64url");
const env = { ...process.env, WIRELAB_API_TOKEN: TOKEN, WIRELAB_INVENTORY: "" };
const served = useServedLab({ labFile: LAB, labName: "stp", work, serveArgs: ["--transport", "netns", "--results", results], env });
const INVENTORY = served.inventory;

const api = (path: string, init: RequestInit = {}) => fetch(served.server.base + path, { ...init, headers: { Authorization: `Bearer ${TOKEN}`, ...(init.headers ?? {}) } });
const post = (body: unknown) => api("/runs", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
const LONG_RUN = { protocol: "udp", mode: "rate", pps: 1000, duration: 60 };

/** The run as the server shows it once it is no longer running (or after `withinMs`). */
async function ended(id: string, withinMs: number): Promise<Json> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const run = (await (await api(`/runs/${id}`)).json()) as Json;
    if (run.state !== "running" || Date.now() > deadline) return run;
    await Bun.sleep(50);
  }
}

/** Every process in the lab's namespaces: the engines runs start there, and nothing else runs there. */
function labProcesses(): number[] {
  return served.lab.inventory.hosts.flatMap((h) => pidsInNamespace(h.transports.netns!.namespace));
}

/** DPDK runtime directories of this lab's engines (a run removes its own when it ends). */
function dpdkDirs(): string[] {
  return existsSync("/var/run/dpdk") ? readdirSync("/var/run/dpdk").filter((d) => d.startsWith("wl-stp-")) : [];
}

async function nothingLeft(): Promise<void> {
  const deadline = Date.now() + 5000;
  while ((labProcesses().length > 0 || dpdkDirs().length > 0) && Date.now() < deadline) await Bun.sleep(100);
  expect({ processes: labProcesses(), dpdk: dpdkDirs() }).toEqual({ processes: [], dpdk: [] });
}

/** How far the run got before its stop, from its run.log and samples.jsonl. */
function phaseOf(dir: string): "before the receiver was up" | "before the sender sent" | "while sending" {
  const log = existsSync(join(dir, "run.log")) ? readFileSync(join(dir, "run.log"), "utf8") : "";
  if (!/receiver up/.test(log)) return "before the receiver was up";
  const samples = existsSync(join(dir, "samples.jsonl")) ? readFileSync(join(dir, "samples.jsonl"), "utf8") : "";
  return samples.split("\n").some((l) => l.includes('"tx_packets"') && /"role":"tx"|"host":"tx2?"/.test(l)) ? "while sending" : "before the sender sent";
}

function traffic(args: string[], resultsDir = results) {
  return Bun.spawn([BUN, join(REPO_ROOT, "runner/src/cli.ts"), "traffic", "--inventory", INVENTORY, "--transport", "netns", "--results", resultsDir, "--json", ...args], {
    stdout: "pipe", stderr: "pipe", env,
  });
}

/** The run directory a CLI run creates under `resultsDir`, once it exists. */
async function newRunDir(resultsDir: string, known: Set<string>): Promise<string> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const fresh = existsSync(resultsDir) ? readdirSync(resultsDir).filter((d) => /-udp-rate-[0-9a-f]{8}$/.test(d) && !known.has(d)) : [];
    if (fresh.length) return join(resultsDir, fresh[0]!);
    await Bun.sleep(20);
  }
  throw new Error("the CLI run made no run directory in 20 s");
}

describe("a stop is never lost", () => {
  test("DELETE at a random moment of each of 20 API runs: every run ends 'interrupted' within seconds, no engine left", async () => {
    const figures: { delayMs: number; stopMs: number; phase: string; status: number }[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await post({ tx: "tx", rx: "rx", ...LONG_RUN });
      // The hosts are free again each time: the previous run really ended.
      expect(res.status).toBe(202);
      const { id } = (await res.json()) as Json;
      // From at once to well after both engines are up (their start takes about a second here).
      const delayMs = Math.floor(Math.random() * 2500);
      await Bun.sleep(delayMs);
      const from = Date.now();
      const del = await api(`/runs/${id}`, { method: "DELETE" });
      expect([200, 202]).toContain(del.status);
      const run = await ended(id, 20_000);
      const stopMs = Date.now() - from;
      expect(run).toMatchObject({ id, state: "interrupted", active: false });
      expect(stopMs).toBeLessThan(10_000);
      // A second DELETE says the run is over; it does not answer 202 to a run that goes on.
      expect((await api(`/runs/${id}`, { method: "DELETE" })).status).toBe(409);
      await nothingLeft();
      figures.push({ delayMs, stopMs, phase: phaseOf(join(results, id)), status: del.status });
    }
    const byPhase = new Map<string, number>();
    for (const f of figures) byPhase.set(f.phase, (byPhase.get(f.phase) ?? 0) + 1);
    console.log(`stops: 20 DELETEs, ${[...byPhase].map(([p, n]) => `${n} ${p}`).join(", ")}; ` +
      `stop to 'interrupted' ${Math.min(...figures.map((f) => f.stopMs))}..${Math.max(...figures.map((f) => f.stopMs))} ms`);
    // The stops that were lost before landed before the sender started: some of the 20 must land there.
    expect(figures.filter((f) => f.phase !== "while sending").length).toBeGreaterThan(0);
  }, 300_000);

  test("Ctrl-C at a random moment of CLI runs: exit 130, the run 'interrupted' in its results and the store, no engine left", async () => {
    const known = new Set(readdirSync(results));
    for (let i = 0; i < 5; i++) {
      const cli = traffic(["--tx", "tx2", "--rx", "rx2", "--protocol", "udp", "--mode", "rate", "--pps", "1000", "--duration", "60"]);
      const dir = await newRunDir(results, known);
      known.add(dir.split("/").at(-1)!);
      await Bun.sleep(Math.floor(Math.random() * 2000));
      const from = Date.now();
      cli.kill("SIGINT");
      const code = await Promise.race([cli.exited, Bun.sleep(15_000).then(() => "hung" as const)]);
      if (code === "hung") cli.kill("SIGKILL");
      expect({ code, err: code === 130 ? "" : await new Response(cli.stderr).text() }).toEqual({ code: 130, err: "" });
      expect(Date.now() - from).toBeLessThan(10_000);
      expect(JSON.parse(readFileSync(join(dir, "results.json"), "utf8")).state).toBe("interrupted");
      const run = (await (await api(`/runs/${dir.split("/").at(-1)}`)).json()) as Json;
      expect(run.state).toBe("interrupted");
      await nothingLeft();
    }
  }, 180_000);
});

describe("store faults are contained", () => {
  test("a CLI run SIGKILLed: the watching server shows it interrupted within seconds, its stream and /metrics agree", async () => {
    const known = new Set(readdirSync(results));
    const cli = traffic(["--tx", "tx2", "--rx", "rx2", "--protocol", "udp", "--mode", "rate", "--pps", "1000", "--duration", "60"]);
    const dir = await newRunDir(results, known);
    const id = dir.split("/").at(-1)!;
    const deadline = Date.now() + 20_000;
    while (phaseOf(dir) !== "while sending" && Date.now() < deadline) await Bun.sleep(100);
    expect((await (await api(`/runs/${id}`)).json()) as Json).toMatchObject({ state: "running", active: false });
    const stream = api(`/runs/${id}/events`).then((r) => readEvents(r, { until: (e) => e.event === "summary", timeoutMs: 15_000 }));
    const orphans = labProcesses();
    expect(orphans.length).toBeGreaterThan(0);
    const from = Date.now();
    cli.kill("SIGKILL");
    await cli.exited;
    const run = await ended(id, 15_000);
    const seenMs = Date.now() - from;
    console.log(`stops: a SIGKILLed CLI run seen interrupted by the watching server after ${seenMs} ms`);
    expect(run).toMatchObject({ state: "interrupted", reason: `the runner (pid ${cli.pid}) ended before the run finished` });
    expect(seenMs).toBeLessThan(5000);
    const { events } = await stream;
    expect(events.at(-1)).toMatchObject({ event: "summary", data: { id, state: "interrupted" } });
    expect(await (await api("/metrics")).text()).toMatch(/^wirelab_runs\{state="running"\} 0$/m);
    // Its engines outlived it (nobody was left to stop them): they are this suite's, ended by PID.
    for (const pid of labProcesses()) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // Ended by itself meanwhile (a host-monitor read, say).
      }
    }
    const gone = Date.now() + 5000;
    while (labProcesses().length > 0 && Date.now() < gone) await Bun.sleep(100);
    expect(labProcesses()).toEqual([]);
    // Killed engines leave their DPDK runtime directories; this lab's are this suite's to remove.
    for (const d of dpdkDirs()) rmSync(join("/var/run/dpdk", d), { recursive: true, force: true });
  }, 60_000);

  test("two CLI runs started together on one fresh store: both run, both stored, each with its own id", async () => {
    const fresh = join(work, "results-together");
    const a = traffic(["--tx", "tx", "--rx", "rx", "--protocol", "udp", "--mode", "rate", "--pps", "500", "--duration", "2"], fresh);
    const b = traffic(["--tx", "tx2", "--rx", "rx2", "--protocol", "udp", "--mode", "rate", "--pps", "500", "--duration", "2"], fresh);
    const [ca, cb, outA, outB] = await Promise.all([a.exited, b.exited, new Response(a.stdout).text(), new Response(b.stdout).text()]);
    const errs = await Promise.all([new Response(a.stderr).text(), new Response(b.stderr).text()]);
    // A run that failed says why in its last JSON lines (verdicts, summary): shown with the failure.
    const why = [ca, cb].flatMap((code, i) => (code === 0 ? [] : [[outA, outB][i]!.trim().split("\n").slice(-2).join("\n")]));
    expect({ codes: [ca, cb], errs, why }).toEqual({ codes: [0, 0], errs: ["", ""], why: [] });
    const store = RunStore.open(join(fresh, "wirelab.sqlite"));
    const runs = store.listRuns(10);
    store.close();
    expect(runs.map((r) => r.state)).toEqual(["passed", "passed"]);
    expect(new Set(runs.map((r) => r.id)).size).toBe(2);
    expect(runs.map((r) => r.name).sort()).toEqual(["udp/rate tx -> rx", "udp/rate tx2 -> rx2"]);
    await nothingLeft();
  }, 60_000);
});

describe("a stop is never lost, server shutdown", () => {
  test("SIGTERM while a run's engines start: the server ends the run 'interrupted' and exits within seconds, no engine left", async () => {
    const res = await post({ tx: "tx", rx: "rx", ...LONG_RUN });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as Json;
    await Bun.sleep(Math.floor(Math.random() * 800));
    const exitMs = await served.server.stop();
    console.log(`stops: serve exited ${exitMs} ms after SIGTERM with a run starting`);
    expect(served.server.proc.exitCode).toBe(0);
    expect(exitMs).toBeLessThan(15_000);
    const store = RunStore.open(join(results, "wirelab.sqlite"));
    const run = store.getRun(id);
    store.close();
    expect(run).toMatchObject({ state: "interrupted" });
    await nothingLeft();
  }, 60_000);
});
