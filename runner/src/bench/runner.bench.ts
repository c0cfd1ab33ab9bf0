// Runner overhead: CPU the runner itself spends while it drives traffic on
// 8 hosts with 1 s stats (engines' stats parsed, host monitoring, every sample
// committed to the run store), against the same runner driving 2 hosts, in
// one invocation on the scale8 lab. Prints a table; asserts nothing.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { BUN, REPO_ROOT, UsageError } from "../paths.ts";
import { benchArgs, wholeNumber } from "./bench-args.ts";
import { startLab } from "../lab-fixture.ts";


const USAGE = `Usage: bun run bench runner [--seconds S]

CPU the runner itself spends while it drives UDP on 4 host pairs (8 hosts) with
1 s stats, host monitoring and every sample stored, against the same runner
driving 1 pair, in one invocation on the scale8 lab (brought up and down by the
bench). Prints a table. Needs root (it builds the lab).

Options:
  --seconds S   length of each traffic run [20]
  --profile DIR write a CPU profile (markdown) of each runner under test to DIR
  -h, --help    this help`;

function parseArgs(argv: string[]): { seconds: number; profile?: string } | "help" {
  let seconds = 20;
  let profile: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "-h" || a === "--help") return "help";
    else if (a === "--seconds") seconds = wholeNumber(a, argv[++i], 5, 600);
    else if (a === "--profile") {
      profile = argv[++i];
      if (!profile) throw new UsageError("--profile needs a directory");
    } else throw new UsageError(`unknown argument '${a}' (see --help)`);
  }
  return { seconds, ...(profile ? { profile } : {}) };
}

const parsed = benchArgs("runner", USAGE, parseArgs, process.argv.slice(2));
if (typeof parsed === "number") process.exit(parsed);
const SECONDS = parsed.seconds;
const PROFILE = parsed.profile;
const PAIRS_ALL: [string, string][] = [["tx1", "rx1"], ["tx2", "rx2"], ["tx3", "rx3"], ["tx4", "xdp1"]];

/** The runner under test, as its own process: what `bun run traffic` does per pair, for several pairs at once. */
function runnerScript(inventoryFile: string, pairs: [string, string][], dbFile: string): string {
  return `
    const { readFileSync } = await import("node:fs");
    const { parseInventory } = await import(${JSON.stringify(join(REPO_ROOT, "infra/src/inventory-schema.ts"))});
    const { transportFor } = await import(${JSON.stringify(join(REPO_ROOT, "runner/src/transport/index.ts"))});
    const { Run } = await import(${JSON.stringify(join(REPO_ROOT, "runner/src/run/run.ts"))});
    const { runSpec } = await import(${JSON.stringify(join(REPO_ROOT, "runner/src/run/run-spec.ts"))});
    const { trafficSegment } = await import(${JSON.stringify(join(REPO_ROOT, "runner/src/run/traffic-segment.ts"))});
    const { RunStore } = await import(${JSON.stringify(join(REPO_ROOT, "runner/src/store/run-store.ts"))});
    const inv = parseInventory(JSON.parse(readFileSync(${JSON.stringify(inventoryFile)}, "utf8")));
    const pairs = ${JSON.stringify(pairs)};
    const names = pairs.flat();
    const transports = new Map(names.map((n) => [n, transportFor(inv.hosts.find((h) => h.name === n), "netns")]));
    const transport = (h) => transports.get(h);
    const store = RunStore.open(${JSON.stringify(dbFile)});
    const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
    let first = 0, firstCpu = 0, last = 0, lastCpu = 0, samples = 0, hostSamples = 0;
    const onSample = (s) => {
      samples++;
      const now = performance.now() / 1000;
      if (!first && samples >= pairs.length * 2) { first = now; firstCpu = cpu(); }
      last = now; lastCpu = cpu();
    };
    // Each pair is a run as bun run traffic makes it: the one lifecycle, its samples fanned out to samples.jsonl and the store.
    await Promise.all(pairs.map(([tx, rx]) => {
      const spec = { tx, rx, protocol: "udp", mode: "rate", pps: 200, duration: ${SECONDS}, statsInterval: 1 };
      const run = Run.begin({
        store, resultsDir: ${JSON.stringify(dirname(dbFile))}, spec: runSpec("traffic", spec), name: tx + "->" + rx, what: "bench", provenance: {}, reports: false,
        sinks: [{ sample: (_line, s) => onSample(s), hostSample: () => hostSamples++ }],
      });
      return trafficSegment(run, inv, spec, transport, { lcores: { tx: 0, rx: 1 } }).then((r) => run.finish(r, r));
    }));
    store.close();
    console.log(JSON.stringify({ window: last - first, cpu: lastCpu - firstCpu, samples, hostSamples }));
    process.exit(0);
  `;
}

interface Row {
  hosts: number;
  window: number;
  cpu: number;
  samples: number;
}

async function measure(inventoryFile: string, pairs: [string, string][], work: string): Promise<Row> {
  const profile = PROFILE ? ["--cpu-prof-md", `--cpu-prof-dir=${PROFILE}`, `--cpu-prof-name=runner-${pairs.length * 2}-hosts.md`] : [];
  const r = Bun.spawnSync([BUN, ...profile, "-e", runnerScript(inventoryFile, pairs, join(work, `runs-${pairs.length}.sqlite`))], { stdout: "pipe", stderr: "pipe" });
  const line = r.stdout.toString().trim().split("\n").at(-1) ?? "";
  if (r.exitCode !== 0 || !line.startsWith("{")) throw new Error(`runner under test failed: ${r.stderr.toString().trim().split("\n").at(-1)}`);
  const m = JSON.parse(line) as { window: number; cpu: number; samples: number };
  // Engines that never sampled (an engine not built, a lab without DPDK) leave no window to measure.
  if (m.samples < pairs.length * 4) throw new Error(`runner under test saw ${m.samples} engine samples from ${pairs.length * 2} hosts: is the engine built (bun run build)?`);
  return { hosts: pairs.length * 2, ...m };
}

if (process.getuid?.() !== 0) {
  console.error("bench runner: needs root (it builds the scale8 lab)");
  process.exit(1);
}
const work = mkdtempSync(join(tmpdir(), "wirelab-runner-bench-"));
const lab = await startLab("scale8", { ssh: false });
try {
  const inventoryFile = join(work, "inventory.json");
  await Bun.write(inventoryFile, JSON.stringify(lab.inventory));
  const reference = await measure(inventoryFile, PAIRS_ALL.slice(0, 1), work);
  const full = await measure(inventoryFile, PAIRS_ALL, work);
  const pct = (r: Row) => (100 * r.cpu) / r.window;
  console.log(`runner CPU while driving traffic, 1 s stats, ${SECONDS} s runs (steady window from each engine's second sample to the last)`);
  console.log(`load average: ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")} (8 DPDK engines busy-poll 2 cores: the runner competes for CPU)`);
  console.log("| hosts | window s | runner CPU s | % of one core | engine samples | ratio to 2 hosts |");
  console.log("|---:|---:|---:|---:|---:|---:|");
  for (const r of [reference, full]) {
    console.log(`| ${r.hosts} | ${r.window.toFixed(1)} | ${r.cpu.toFixed(3)} | ${pct(r).toFixed(2)}% | ${r.samples} | ${(pct(r) / pct(reference)).toFixed(2)}x |`);
  }
  console.log(`goal: under 1% of one core with 8 hosts: ${pct(full) < 1 ? "met" : "not met"} (${pct(full).toFixed(2)}%)`);
} finally {
  await lab.down();
  rmSync(work, { recursive: true, force: true });
}
