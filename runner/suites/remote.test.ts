// `traffic --server` end to end: `serve` as its own process on a netns lab of
// this test's own (rmt, on 198.18.46.0/24), and the CLI sending it real UDP
// runs through the real engines, followed over the live events. Both the
// server and the lab are taken down in afterAll, also when a test fails.
import { describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "../src/paths.ts";
import { RunStore } from "../src/store/run-store.ts";
import type { TrafficResult } from "../src/traffic/run-traffic.ts";
import { ownTwoHostLab } from "./own-lab.ts";
import { useServedLab } from "./served-lab.ts";

const work = mkdtempSync(join(tmpdir(), "wirelab-remote-run-"));
const LAB = ownTwoHostLab(work, "rmt", 46, "remote-mode tests' own two-host lab");
const results = join(work, "results");
const TOKEN = randomBytes(24).toString("base64url");
const CLI = join(REPO_ROOT, "runner/src/cli.ts");
const served = useServedLab({ labFile: LAB, labName: "rmt", work, serveArgs: ["--transport", "netns", "--results", results], env: { ...process.env, WIRELAB_API_TOKEN: TOKEN, WIRELAB_INVENTORY: "" } });

function traffic(...args: string[]) {
  return Bun.spawn([process.execPath, CLI, "traffic", "--server", served.server.base, ...args], { stdout: "pipe", stderr: "pipe", env: { ...process.env, WIRELAB_API_TOKEN: TOKEN, WIRELAB_INVENTORY: "" } });
}

async function outputOf(p: ReturnType<typeof traffic>) {
  const [out, err, code] = await Promise.all([new Response(p.stdout as ReadableStream).text(), new Response(p.stderr as ReadableStream).text(), p.exited]);
  return { out, err, code };
}

type Line = { type: string; checks?: { name: string; ok: boolean }[]; host?: string; role?: string; stats?: { t: number; protocols: { udp: { tx_packets: number; rx_packets: number } } }; id?: string; state?: string; tx?: { udp: { tx_packets: number } }; rx?: { udp: { rx_packets: number } } };

describe("traffic --server on a real lab", () => {
  test("a 3 s UDP run through the real engines: live samples from both hosts, passed, counters agree with the server's results", async () => {
    const r = await outputOf(traffic("--tx", "tx", "--rx", "rx", "--protocol", "udp", "--mode", "rate", "--pps", "500", "--duration", "3", "--min-rx-ratio", "0.9", "--json"));
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const lines = r.out.trim().split("\n").map((l) => JSON.parse(l) as Line);
    const result = lines.at(-1)!;
    expect(result).toMatchObject({ type: "result", state: "passed" });
    const checks = result.checks!;
    expect(checks.map((c) => c.name)).toContain("min_rx_ratio");
    expect(checks.every((c) => c.ok)).toBe(true);
    const samples = lines.filter((l) => l.type === "sample");
    expect(new Set(samples.map((s) => s.host))).toEqual(new Set(["tx", "rx"]));
    // One-second stats over 3 s: at least two intervals from the sender, counters growing.
    const txT = samples.filter((s) => s.role === "tx").map((s) => s.stats!.protocols.udp.tx_packets);
    expect(txT.length).toBeGreaterThanOrEqual(2);
    expect(txT).toEqual([...txT].sort((a, b) => a - b));

    // The server's own record of the run: its results.json (the engines' final summaries) and its store.
    const dir = join(results, result.id!);
    expect(existsSync(join(dir, "results.json"))).toBe(true);
    const final = JSON.parse(readFileSync(join(dir, "results.json"), "utf8")) as TrafficResult;
    expect(final.state).toBe("passed");
    expect(final.tx.udp.tx_packets).toBeGreaterThan(1000);
    // Each engine's last sample is its summary: the client ends on the engines' own totals.
    expect(result.tx!.udp.tx_packets).toBe(final.tx.udp.tx_packets);
    expect(result.rx!.udp.rx_packets).toBe(final.rx.udp.rx_packets);
    const store = RunStore.open(join(results, "wirelab.sqlite"));
    try {
      expect(store.getRun(result.id!)!.state).toBe("passed");
      expect(store.verdicts(result.id!)).toEqual(final.checks);
    } finally {
      store.close();
    }
  }, 120_000);

  test("scenario quick --server: every step run on the server's lab, verdicts per step, exit 0", async () => {
    const p = Bun.spawn([process.execPath, CLI, "scenario", "quick", "--server", served.server.base, "--json"], { stdout: "pipe", stderr: "pipe", env: { ...process.env, WIRELAB_API_TOKEN: TOKEN, WIRELAB_INVENTORY: "" } });
    const r = await outputOf(p);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const lines = r.out.trim().split("\n").map((l) => JSON.parse(l) as Line & { name?: string; verdict?: string });
    expect(lines.filter((l) => l.type === "step").map((l) => [l.name, l.verdict])).toEqual([
      ["all-protocols", "passed"], ["icmp-answers", "passed"], ["udp-sweep@1000", "passed"], ["udp-sweep@5000", "passed"], ["udp-replay", "passed"],
    ]);
    expect(new Set(lines.filter((l) => l.type === "sample").map((l) => l.host))).toEqual(new Set(["tx", "rx"]));
    const result = lines.at(-1)!;
    expect(result).toMatchObject({ type: "result", name: "quick", verdict: "passed" });
    // The server ran it with the same runScenario as the CLI: its results.json has every step.
    const final = JSON.parse(readFileSync(join(results, result.id!, "results.json"), "utf8")) as { verdict: string; steps: { name: string }[] };
    expect([final.verdict, final.steps.map((s) => s.name)]).toEqual(["passed", ["all-protocols", "icmp-answers", "udp-sweep", "udp-replay"]]);
  }, 180_000);

  test("Ctrl-C: the run is stopped on the server, its engines end, exit 130", async () => {
    const p = traffic("--tx", "tx", "--rx", "rx", "--protocol", "udp", "--mode", "rate", "--pps", "200", "--duration", "60", "--json");
    const reader = (p.stdout as ReadableStream<Uint8Array>).getReader();
    let text = "";
    // Interrupt once samples from the sender arrive: the engines are up and sending.
    while (!/"role":"tx"/.test(text)) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`traffic ended before its first sample: ${await new Response(p.stderr as ReadableStream).text()}`);
      text += new TextDecoder().decode(value);
    }
    p.kill("SIGINT");
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    const code = await p.exited;
    expect(code).toBe(130);
    const result = JSON.parse(text.trim().split("\n").at(-1)!) as Line;
    expect(result).toMatchObject({ type: "result", state: "interrupted" });
    // The engines of that run are gone: nothing of it is left in the lab's namespaces.
    const engines = served.lab.inventory.hosts.flatMap((h) => {
      const ns = h.transports.netns?.namespace;
      if (!ns) return [];
      const pids = Bun.spawnSync(["ip", "netns", "pids", ns], { stdout: "pipe" }).stdout.toString().split(/\s+/).filter(Boolean);
      return pids.filter((pid) => {
        try {
          return readFileSync(`/proc/${pid}/comm`, "utf8").startsWith("wirelab-engine");
        } catch {
          return false;
        }
      });
    });
    expect(engines).toEqual([]);
    const store = RunStore.open(join(results, "wirelab.sqlite"));
    try {
      expect(store.getRun(result.id!)!.state).toBe("interrupted");
    } finally {
      store.close();
    }
  }, 120_000);
});
