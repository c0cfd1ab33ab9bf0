// Runners SIGKILLed at random points, through real processes on netns labs of
// this suite's own (lfc for traffic and a scenario, lfd for the demo, which
// brings its lab up itself; both dual stack on 198.18.71-72.0/24): what is
// left is a stored run, found 'interrupted' when the store is opened again,
// its started_at at its start and every sample it had written so far stored.
import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inventoryPath, pidsInNamespace } from "../../infra/src/netns-lab.ts";
import { BUN, labStateDir, REPO_ROOT } from "../src/paths.ts";
import { RunStore } from "../src/store/run-store.ts";
import { ownTwoHostLab, useOwnLab } from "./own-lab.ts";

const work = mkdtempSync(join(tmpdir(), "wirelab-lifecycle-"));
const LAB = ownTwoHostLab(work, "lfc", 71, "the run lifecycle suite's lab for traffic and scenario runs", "2001:2:0:71::/64");
const DEMO_LAB = ownTwoHostLab(work, "lfd", 72, "the run lifecycle suite's lab for the demo (it brings it up and down itself)", "2001:2:0:72::/64");
const lab = useOwnLab(LAB, work);
const env = { ...process.env, WIRELAB_INVENTORY: "" };

function cli(args: string[]) {
  return Bun.spawn([BUN, join(REPO_ROOT, "runner/src/cli.ts"), ...args], { stdout: "pipe", stderr: "pipe", env });
}

/** The id of the run a runner process stored in `resultsDir`'s store, once its row exists. */
async function storedRun(resultsDir: string, kind: string): Promise<{ id: string; seenAt: number }> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (existsSync(join(resultsDir, "wirelab.sqlite"))) {
      const store = RunStore.open(join(resultsDir, "wirelab.sqlite"));
      const run = store.listRuns(1).find((r) => r.kind === kind && r.state === "running");
      store.close();
      if (run) return { id: run.id, seenAt: Date.now() };
    }
    await Bun.sleep(50);
  }
  throw new Error(`no ${kind} run stored in ${resultsDir} within 60 s`);
}

/** Every (segment, host, t, protocol) that moved, as samples.jsonl has it, and as the store has it. */
function sampleKeys(dir: string, store: RunStore, id: string) {
  const text = existsSync(join(dir, "samples.jsonl")) ? readFileSync(join(dir, "samples.jsonl"), "utf8") : "";
  // A line the kill cut short is no sample.
  const lines = text.split("\n").filter((l) => l.endsWith("}")).map((l) => JSON.parse(l) as { segment?: number; host: string; t: number; protocols: Record<string, { tx_packets: number; rx_packets: number }> });
  const key = (segment: number | null | undefined, host: string, t: number, protocol: string) => `${segment ?? "-"}|${host}|${t}|${protocol}`;
  const perLine = lines.map((l) => Object.entries(l.protocols).filter(([, c]) => c.tx_packets + c.rx_packets > 0).map(([p]) => key(l.segment, l.host, l.t, p)));
  const stored = new Set(store.samples(id).map((r) => key(r.segment, r.host, r.t, r.protocol)));
  return { lines: perLine, stored };
}

/** Ends what a killed runner left in a lab's namespaces (its engines) and their DPDK runtime directories. */
async function clearLab(prefix: string, namespaces: readonly string[]) {
  for (const pid of namespaces.flatMap((ns) => pidsInNamespace(ns))) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Ended by itself meanwhile.
    }
  }
  const gone = Date.now() + 5000;
  while (namespaces.some((ns) => pidsInNamespace(ns).length > 0) && Date.now() < gone) await Bun.sleep(100);
  if (existsSync("/var/run/dpdk")) for (const d of readdirSync("/var/run/dpdk").filter((d) => d.startsWith(`wl-${prefix}_`))) rmSync(join("/var/run/dpdk", d), { recursive: true, force: true });
}

/** Kills the runner `delayMs` after its run is stored; then checks what the store kept. */
async function killAndCheck(runner: ReturnType<typeof cli>, resultsDir: string, kind: string, startedFrom: number, delayMs: (seenAt: number) => Promise<void>) {
  const { id, seenAt } = await storedRun(resultsDir, kind);
  await delayMs(seenAt);
  runner.kill("SIGKILL");
  await runner.exited;
  const store = RunStore.open(join(resultsDir, "wirelab.sqlite"));
  try {
    const run = store.getRun(id)!;
    expect(run).toMatchObject({ state: "interrupted", spec: { kind, version: 1 } });
    // Stored when it began: at or after the runner started, before the row was first seen.
    const started = Date.parse(run.started_at);
    expect(started).toBeGreaterThanOrEqual(startedFrom - 1000);
    expect(started).toBeLessThanOrEqual(seenAt);
    const { lines, stored } = sampleKeys(run.dir, store, id);
    // Every sample written so far is stored; the kill may fall between the last line and its rows, never earlier.
    const missing = lines.map((keys, i) => [i, keys.filter((k) => !stored.has(k))] as const).filter(([, m]) => m.length > 0);
    expect(missing.every(([i]) => i === lines.length - 1), `lines not stored: ${JSON.stringify(missing)}`).toBe(true);
    return { id, lines: lines.length, segments: store.segments(id).length };
  } finally {
    store.close();
  }
}

const randomMs = (maxMs: number) => Bun.sleep(Math.floor(Math.random() * maxMs));

describe("a runner killed at a random point leaves its run stored", () => {
  test("traffic: before the engines are up, or while they send", async () => {
    const namespaces = lab.fixture.inventory.hosts.map((h) => h.transports.netns!.namespace);
    for (let round = 0; round < 3; round++) {
      const resultsDir = join(work, `traffic-${round}`);
      const from = Date.now();
      const runner = cli(["traffic", "--inventory", inventoryPath(labStateDir("lfc")), "--transport", "netns", "--results", resultsDir, "--json",
        "--tx", "tx", "--rx", "rx", "--protocol", "udp", "--mode", "rate", "--pps", "1000", "--duration", "30"]);
      const left = await killAndCheck(runner, resultsDir, "traffic", from, () => randomMs(4000));
      console.log(`lifecycle: traffic run ${left.id} killed with ${left.lines} samples written, ${left.segments} segment(s)`);
      await clearLab("lfc", namespaces);
    }
  }, 180_000);

  test("scenario: mid-step, each step and sweep rate a segment so far", async () => {
    const namespaces = lab.fixture.inventory.hosts.map((h) => h.transports.netns!.namespace);
    const file = join(work, "steps.yaml");
    writeFileSync(
      file,
      `name: steps
lab: ./lfc.yaml
steps:
  - name: icmp
    flows:
      - { tx: tx, rx: rx, protocol: icmp, mode: rate, pps: 200, duration: 2 }
  - name: sweep
    flows:
      - { tx: tx, rx: rx, protocol: udp, mode: rate, duration: 2 }
    sweep: { pps: [500, 1000, 2000] }
`,
    );
    for (let round = 0; round < 2; round++) {
      const resultsDir = join(work, `scenario-${round}`);
      const from = Date.now();
      const runner = cli(["scenario", file, "--inventory", inventoryPath(labStateDir("lfc")), "--transport", "netns", "--results", resultsDir, "--json"]);
      const left = await killAndCheck(runner, resultsDir, "scenario", from, () => randomMs(9000));
      console.log(`lifecycle: scenario run ${left.id} killed with ${left.lines} samples written, ${left.segments} segment(s)`);
      await clearLab("lfc", namespaces);
    }
  }, 180_000);

  test("demo: bringing its lab up, checking reachability, or moving traffic", async () => {
    for (let round = 0; round < 2; round++) {
      const resultsDir = join(work, `demo-${round}`);
      const from = Date.now();
      const runner = cli(["demo", "--lab", DEMO_LAB, "--no-xdp", "--results", resultsDir, "--json"]);
      try {
        const left = await killAndCheck(runner, resultsDir, "demo", from, () => randomMs(20_000));
        console.log(`lifecycle: demo run ${left.id} killed with ${left.lines} samples written, ${left.segments} segment(s)`);
      } finally {
        // The killed demo left its lab up: down it the way a user would.
        const down = cli(["lab", "down", "--lab", DEMO_LAB]);
        expect(await down.exited).toBe(0);
        await clearLab("lfd", []);
      }
    }
  }, 240_000);
});
