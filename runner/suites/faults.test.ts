// Faults in the middle of a traffic run, through the real CLI: Ctrl-C, a
// host's engine killed, the runner itself killed. Each leaves no process in
// the lab, a run row marked accordingly, and every sample written before it.
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DPDK_RUN_DIR, removeStaleDpdkFiles } from "../../infra/src/dpdk-runtime.ts";
import { pidsInNamespace } from "../../infra/src/netns-lab.ts";
import { BUN, REPO_ROOT } from "../src/paths.ts";
import { RunStore } from "../src/store/run-store.ts";
import { useLab } from "./use-lab.ts";

const lab = useLab("two-host", { ssh: false });
const results = mkdtempSync(join(tmpdir(), "wirelab-faults-"));
afterAll(() => rmSync(results, { recursive: true, force: true }));

interface Started {
  proc: ReturnType<typeof Bun.spawn>;
  samples: number;
  waitSamples(n: number): Promise<void>;
}

/** The traffic CLI in its own process, streaming JSON lines; resolves once it has sent a few samples. */
async function startTraffic(seconds: number): Promise<Started> {
  const inventory = join(results, "inventory.json");
  writeFileSync(inventory, JSON.stringify(lab.inventory));
  const proc = Bun.spawn(
    [BUN, join(REPO_ROOT, "runner", "src", "cli.ts"), "traffic", "--inventory", inventory, "--tx", "tx", "--rx", "rx",
      "--protocol", "udp", "--mode", "rate", "--pps", "1000", "--duration", String(seconds), "--results", results, "--json"],
    { stdout: "pipe", stderr: "pipe" },
  );
  const started: Started = {
    proc,
    samples: 0,
    async waitSamples(n) {
      const deadline = Date.now() + 30000;
      while (started.samples < n && Date.now() < deadline) await Bun.sleep(100);
      expect(started.samples).toBeGreaterThanOrEqual(n);
    },
  };
  void (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of proc.stdout as ReadableStream<Uint8Array>) {
      started.samples += decoder.decode(chunk).split("\n").filter((l) => l.startsWith('{"type":"sample"')).length;
    }
  })();
  return started;
}

function latestRunDir(): string {
  const dirs = readdirSync(results).filter((d) => /-udp-rate-[0-9a-f]{8}$/.test(d)).sort();
  return join(results, dirs.at(-1)!);
}

function labProcesses(): number[] {
  return lab.inventory.hosts.flatMap((h) => pidsInNamespace(h.transports.netns!.namespace));
}

async function noProcessesLeft(): Promise<void> {
  const deadline = Date.now() + 5000;
  while (labProcesses().length > 0 && Date.now() < deadline) await Bun.sleep(100);
  expect(labProcesses()).toEqual([]);
}

function storedRun(dir: string) {
  const store = RunStore.open(join(results, "wirelab.sqlite"));
  const id = dir.split("/").at(-1)!;
  const run = store.getRun(id);
  const samples = store.samples(id).length;
  store.close();
  return { run, samples };
}

describe("faults mid-run", () => {
  test("Ctrl-C: exit 130, results written and marked interrupted, nothing left running", async () => {
    const t = await startTraffic(30);
    await t.waitSamples(4);
    t.proc.kill("SIGINT");
    expect(await t.proc.exited).toBe(130);
    const dir = latestRunDir();
    const result = JSON.parse(readFileSync(join(dir, "results.json"), "utf8"));
    expect(result.state).toBe("interrupted");
    expect(result.tx.udp.tx_packets).toBeGreaterThan(1000);
    expect(readFileSync(join(dir, "samples.jsonl"), "utf8").trim().split("\n").length).toBeGreaterThanOrEqual(4);
    const { run, samples } = storedRun(dir);
    expect(run?.state).toBe("interrupted");
    expect(samples).toBeGreaterThanOrEqual(4);
    expect(existsSync(join(dir, "report.html"))).toBe(true);
    await noProcessesLeft();
  }, 60000);

  test("a host's engine killed: the run fails with the reason, partial results kept, nothing left running", async () => {
    const t = await startTraffic(30);
    await t.waitSamples(4);
    const rxNamespace = lab.inventory.hosts.find((h) => h.name === "rx")!.transports.netns!.namespace;
    for (const pid of pidsInNamespace(rxNamespace)) process.kill(pid, "SIGKILL");
    expect(await t.proc.exited).toBe(1);
    const dir = latestRunDir();
    const result = JSON.parse(readFileSync(join(dir, "results.json"), "utf8"));
    expect(result.state).toBe("failed");
    expect(result.reason).toMatch(/receiver engine on rx ended mid-run/);
    const { run, samples } = storedRun(dir);
    expect(run?.state).toBe("failed");
    expect(samples).toBeGreaterThanOrEqual(4);
    await noProcessesLeft();
  }, 60000);

  test("the runner and then its engines killed: their DPDK runtime files stay while held, and go with the next run", async () => {
    const dpdkDirs = () => (existsSync(DPDK_RUN_DIR) ? readdirSync(DPDK_RUN_DIR).filter((e) => e.startsWith(`wl-${lab.inventory.lab.prefix}_`)).sort() : []);
    const t = await startTraffic(30);
    await t.waitSamples(2);
    t.proc.kill("SIGKILL");
    await t.proc.exited;
    const engines = labProcesses();
    expect(engines.length).toBeGreaterThan(0);
    const left = dpdkDirs();
    expect(left.length).toBe(2);
    // The engines still hold them: a sweep now takes nothing.
    expect(removeStaleDpdkFiles(lab.inventory.lab.prefix)).toEqual([]);
    for (const pid of engines) process.kill(pid, "SIGKILL");
    await noProcessesLeft();
    expect(dpdkDirs()).toEqual(left);
    const next = await startTraffic(1);
    expect(await next.proc.exited).toBe(0);
    expect(dpdkDirs()).toEqual([]);
  }, 60000);

  test("the runner killed: its run is marked interrupted at the next start, samples kept; lab down leaves nothing", async () => {
    const t = await startTraffic(30);
    await t.waitSamples(4);
    t.proc.kill("SIGKILL");
    await t.proc.exited;
    const dir = latestRunDir();
    const before = t.samples;
    const { run, samples } = storedRun(dir);
    expect(run?.state).toBe("interrupted");
    expect(run?.reason).toMatch(/ended before the run finished/);
    expect(samples).toBeGreaterThanOrEqual(before);
    // The engines outlive their runner; tearing the lab down ends them, by PID.
    const orphans = labProcesses();
    expect(orphans.length).toBeGreaterThan(0);
    await lab.down();
    const alive = orphans.filter((pid) => existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z "));
    expect(alive).toEqual([]);
  }, 60000);
});
