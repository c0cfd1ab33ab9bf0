// `scenario PRESET --server URL` against a real Bun.serve running createApp,
// with a stand-in for the scenario's engines that stores samples through the
// store the app hands it and ends with per-step verdicts.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp, type StartScenario } from "../api/app.ts";
import { filledStore, fixtureInventory, stats, TOKEN } from "../api/test-app.ts";
import { REPO_ROOT } from "../paths.ts";
import { parseServerUrl, RemoteClient } from "./remote-client.ts";
import { remoteScenario, verdictsByStep } from "./remote-scenario.ts";

const dir = mkdtempSync(join(tmpdir(), "wirelab-remote-scenario-"));
const store = filledStore(dir);
const presets: string[] = [];

/** Two steps' worth of samples; preset "stress" fails its second step; a stop ends it interrupted. */
const startScenario: StartScenario = async (req) => {
  presets.push(req.request.preset);
  for (let i = 1; i <= 4; i++) {
    if (req.signal.aborted) return { state: "interrupted", reason: "stopped through the API" };
    req.run.sample({ host: "tx", role: "tx", stats: { ...stats(i, { udp: { tx_packets: 100 * i } }), role: "tx" } });
    req.run.sample({ host: "rx", role: "rx", stats: { ...stats(i, { udp: { rx_packets: 100 * i } }), role: "rx" } });
    await Bun.sleep(req.request.preset === "performance" ? 2000 : 30);
  }
  const fails = req.request.preset === "stress";
  return {
    state: fails ? "failed" : "passed",
    ...(fails ? { reason: "udp-sweep: 5000 pps: loss 0.2 > 0.01" } : {}),
    checks: [
      { name: "icmp-answers/min-answer-ratio", ok: true, detail: "1 >= 0.99" },
      { name: "udp-sweep@1000/max-loss", ok: true, detail: "0 <= 0.01" },
      { name: "udp-sweep@5000/max-loss", ok: !fails, detail: fails ? "0.2 > 0.01" : "0 <= 0.01" },
    ],
  };
};

const app = createApp({ store, token: TOKEN, inventory: fixtureInventory(), startScenario, resultsDir: join(dir, "results"), stopWaitMs: 5000 });
const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: (req) => app.fetch(req) });
const url = `http://127.0.0.1:${server.port}`;
afterAll(() => {
  server.stop(true);
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function run(preset: string, json: boolean, interrupt = new AbortController().signal) {
  const out: string[] = [];
  const err: string[] = [];
  const client = new RemoteClient(parseServerUrl(url), { token: TOKEN, source: "the test's token" });
  const code = await remoteScenario({ client, preset, json, interrupt, out: (l) => out.push(l), err: (l) => err.push(l), pollMs: 50 });
  return { code, out, err };
}

describe("scenario --server", () => {
  test("verdicts are grouped back into their steps, sweep rates apart", () => {
    const steps = verdictsByStep([
      { name: "a/x", ok: true, detail: "" },
      { name: "b@10/y", ok: false, detail: "" },
      { name: "a/z", ok: true, detail: "" },
      { name: "bare", ok: true, detail: "" },
    ]);
    expect([...steps.keys()]).toEqual(["a", "b@10", "(run)"]);
    expect(steps.get("a")!.map((c) => c.name)).toEqual(["x", "z"]);
  });

  test("a passing preset: samples and steps as JSON lines, the result last; exit 0", async () => {
    const r = await run("quick", true);
    expect(r.code).toBe(0);
    const lines = r.out.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.filter((l) => l.type === "sample")).toHaveLength(8);
    expect(lines.filter((l) => l.type === "step").map((l) => [l.name, l.verdict])).toEqual([["icmp-answers", "passed"], ["udp-sweep@1000", "passed"], ["udp-sweep@5000", "passed"]]);
    const result = lines.at(-1)!;
    expect(result).toMatchObject({ type: "result", server: url, name: "quick", verdict: "passed", state: "passed" });
    expect(store.getRun(result.id as string)).toMatchObject({ kind: "scenario", state: "passed" });
    expect(presets.at(-1)).toBe("quick");
    expect(r.err).toEqual([]);
  });

  test("a failing step: FAIL lines naming the check, the reason, exit 1", async () => {
    const r = await run("stress", false);
    expect(r.code).toBe(1);
    expect(r.out).toContain("FAIL udp-sweep@5000");
    expect(r.out).toContain("       FAIL max-loss: 0.2 > 0.01");
    expect(r.out.find((l) => l.startsWith("failed: scenario stress on "))).toContain("udp-sweep: 5000 pps: loss 0.2 > 0.01");
  });

  test("Ctrl-C: the run is stopped on the server, exit 130", async () => {
    const ctrlC = new AbortController();
    setTimeout(() => ctrlC.abort(), 300);
    const r = await run("performance", false, ctrlC.signal);
    expect(r.code).toBe(130);
    expect(r.err.some((l) => l.startsWith("stopping run "))).toBe(true);
    const id = r.out.find((l) => l.startsWith("run: "))!.split(" ")[1]!;
    expect(store.getRun(id)!.state).toBe("interrupted");
  });

  test("bad input on the CLI: one line, exit 2; the server's refusal: one line, exit 1", async () => {
    const cli = async (...args: string[]) => {
      const p = Bun.spawn([process.execPath, join(REPO_ROOT, "runner/src/cli.ts"), "scenario", ...args], { stdout: "pipe", stderr: "pipe", env: { ...process.env, WIRELAB_API_TOKEN: TOKEN } });
      const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
      return { out, err: err.trim(), code };
    };
    const path = await cli("scenarios/quick.yaml", "--server", url);
    expect([path.code, path.err]).toEqual([2, "wirelab scenario: 'scenarios/quick.yaml': with --server give a preset name (the server runs its own scenarios/, never a file from here)"]);
    const local = await cli("quick", "--server", url, "--inventory", "x.json");
    expect([local.code, local.err]).toEqual([2, "wirelab scenario: --inventory: not used with --server (the server runs the scenario on its own lab)"]);
    const unknown = await cli("nosuch", "--server", url);
    expect(unknown.code).toBe(1);
    expect(unknown.err.split("\n")).toHaveLength(1);
    expect(unknown.err).toContain("scenario: no preset 'nosuch'");
  });
});
