// Engine benchmark on the two-host netns lab: tx rate of wirelab-engine against
// `dpdk-testpmd --forward-mode=txonly` (64 B and 1500 B UDP), and rate-mode
// accuracy at 10 kpps, 100 kpps and 1 Mpps. Everything is counted at the
// receiver, in the same invocation, with the reps interleaved so that load from
// other tenants of this shared machine hits both tools alike. Prints a table;
// asserts nothing. Run as root: `bun run bench engine [--reps N] [--seconds S]`.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, release } from "node:os";
import { inventoryHost, toolsOf, type InventoryHost, type InventoryInterface } from "../../../infra/src/inventory.ts";
import { startLab, type LabFixture } from "../lab-fixture.ts";
import { BUN, UsageError } from "../paths.ts";
import { parseEngineLine, type EngineStats } from "../traffic/engine-output.ts";
import type { RemoteProcess, Transport } from "../transport/transport.ts";
import { benchArgs } from "./bench-args.ts";
import { cpuNs, startBackgroundLoad, type BackgroundLoad } from "./cpu-cost.ts";
import { ipv6RowText, measureIpv6Row, type Ipv6Row } from "./engine-v6-row.ts";

const USAGE = `Usage: bun run bench engine [--reps N] [--seconds S] [--only tx|rate] [--path direct|bridge] [--load quiet|busy|both] [--json FILE]

On the two-host lab (brought up and torn down here unless it is already up, or
WIRELAB_INVENTORY names one), counted at the rx host's interface:
  tx    wirelab-engine vs dpdk-testpmd --forward-mode=txonly, 64 B and 1500 B UDP,
        same vdev (net_af_xdp on the tx host's interface), same lcores, same EAL memory;
        each tool's CPU time per packet (all its threads, from schedstat, over the
        window, per frame counted at the receiver); quiet and under a fixed background
        load; then the engine with 1 vs 2 workers when the tx interface has 2 queues
  rate  engine --mode rate at 10 kpps, 100 kpps, 1 Mpps: achieved/target at the
        receiver, and the engine's own inter-departure statistics

Options:
  --reps N       repetitions of every measurement, interleaved (default 3)
  --seconds S    length of the measured window, after a ${"1.5"} s warm-up (default 5)
  --only WHAT    tx or rate (default: both)
  --load L       quiet, busy (one busy loop pinned to the data core, CPU 1, for both
                 tools alike) or both (default)
  --path P       bridge (default): the lab's own path, through its switch namespace's bridge;
                 direct: frames from the tx host skip the bridge (a tc mirred redirect between
                 the two switch-side veths, for this run only), which takes the bridge's
                 per-frame cost (~10-20% of the sending core here) out of both tools' numbers
  --json FILE    also write every measurement and the summary rows as JSON
  -h, --help     this help

Needs root (namespaces, AF_XDP, DPDK).`;

/** Frames go to a MAC nobody on the segment owns: the bridge floods them to the rx host, whose kernel drops them at L2
 *  (PACKET_OTHERHOST) before IP, so the receiver is never the bottleneck and nothing answers. */
const UNOWNED_MAC = "02:00:00:00:be:9c";
/** Time after traffic is first seen before the window opens: AF_XDP ring fill and the first page faults of --no-huge memory. */
const WARM_S = 1.5;
/** Traffic counts as started once this many frames arrive within one poll; background frames (ND, ARP) never reach it. */
const STARTED_FRAMES = 50;
const START_TIMEOUT_MS = 30000;
const SIZES = [64, 1500] as const;
const RATES = [10_000, 100_000, 1_000_000] as const;
/**
 * The same EAL for both tools, so the comparison is of the data loops alone: no hugepages (none are reserved on these
 * machines) and 256 MB of plain memory, which holds either tool's 16k-mbuf pool. `-l 0,1` puts each tool's data loop
 * alone on lcore 1 (engine: the worker; testpmd: its one forwarding core, --nb-cores=1) and its housekeeping on lcore 0
 * (engine: stats lines; testpmd: the main lcore's stats loop). A unique --file-prefix per process instead of
 * --in-memory, which EAL refuses together with --no-huge.
 */
const EAL_COMMON = ["--no-huge", "-m", "256", "--no-pci", "-l", "0,1", "--log-level", "lib.eal:error"];
/** Each tool's periodic output is kept out of the window: the engine's summary line is all that is read. */
const QUIET_STATS_S = 3600;
const DPDK_RUNTIME = "/var/run/dpdk";
const SAMPLE_MS = 20;
/** The CPU of lcore 1 (each tool's data loop): where the fixed background load runs. */
const DATA_CPU = 1;

interface Args {
  reps: number;
  seconds: number;
  only: "tx" | "rate" | undefined;
  json: string | undefined;
  path: "direct" | "bridge";
  loads: ("quiet" | "busy")[];
}


function parseArgs(argv: string[]): Args | "help" {
  const args: Args = { reps: 3, seconds: 5, only: undefined, json: undefined, path: "bridge", loads: ["quiet", "busy"] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${a}: needs a value`);
      return v;
    };
    if (a === "-h" || a === "--help") return "help";
    else if (a === "--reps") {
      args.reps = Number(value());
      if (!Number.isInteger(args.reps) || args.reps < 1 || args.reps > 50) throw new UsageError(`--reps: want an integer 1..50`);
    } else if (a === "--seconds") {
      args.seconds = Number(value());
      if (!Number.isFinite(args.seconds) || args.seconds < 1 || args.seconds > 600) throw new UsageError(`--seconds: want a number 1..600`);
    } else if (a === "--only") {
      const v = value();
      if (v !== "tx" && v !== "rate") throw new UsageError(`--only: want tx or rate, not '${v}'`);
      args.only = v;
    } else if (a === "--path") {
      const v = value();
      if (v !== "direct" && v !== "bridge") throw new UsageError(`--path: want direct or bridge, not '${v}'`);
      args.path = v;
    } else if (a === "--load") {
      const v = value();
      if (v !== "quiet" && v !== "busy" && v !== "both") throw new UsageError(`--load: want quiet, busy or both, not '${v}'`);
      args.loads = v === "both" ? ["quiet", "busy"] : [v];
    } else if (a === "--json") args.json = value();
    else throw new UsageError(`unknown argument '${a}' (see --help)`);
  }
  return args;
}

// ---------------------------------------------------------------- receiver counter

interface Sample {
  readonly packets: number;
  /** Monotonic seconds. */
  readonly t: number;
}

interface RxCounter {
  readonly what: string;
  read(): Promise<Sample>;
}

/**
 * The rx interface's rx_packets, read in the rx host's namespace by a small sampler (this very bun) that stamps each
 * read with its own monotonic clock: a read there takes microseconds, where one `cat` process per read would take
 * milliseconds of jitter, which would show in a ±1% accuracy figure. read() returns the next fresh sample.
 */
async function rxCounter(rxT: Transport, ifc: InventoryInterface): Promise<RxCounter> {
  const file = `/sys/class/net/${ifc.name}/statistics/rx_packets`;
  const script = `const fs=require("fs");const f=${JSON.stringify(file)};setInterval(()=>{const n=fs.readFileSync(f,"utf8").trim();process.stdout.write(process.hrtime.bigint()+" "+n+"\\n")},${SAMPLE_MS});`;
  let waiting: ((s: Sample) => void)[] = [];
  const proc = await rxT.spawn([BUN, "-e", script], {
    captureLimit: 4096,
    onStdoutLine: (line) => {
      const [ns, n] = line.trim().split(" ");
      const s = { t: Number(ns) / 1e9, packets: Number(n) };
      if (!Number.isFinite(s.t) || !Number.isFinite(s.packets)) return;
      const w = waiting;
      waiting = [];
      for (const f of w) f(s);
    },
  });
  live.add(proc);
  const counter: RxCounter = {
    what: `${rxT.host}:${ifc.name} rx_packets (sampled in its namespace every ${SAMPLE_MS} ms)`,
    read: () =>
      new Promise<Sample>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the rx counter sampler on ${rxT.host} stopped answering`)), 5000);
        waiting.push((s) => {
          clearTimeout(timer);
          resolve(s);
        });
      }),
  };
  await counter.read().catch(async (e: Error) => {
    const r = await proc.stop(1000);
    throw new Error(`${e.message}: ${r.stderr.trim().split("\n").at(-1) ?? ""}`);
  });
  return counter;
}

// ---------------------------------------------------------------- process bookkeeping and cleanup

/** What this invocation started and must take down again, whatever ends it. */
const live = new Set<RemoteProcess>();
const prefixes = new Set<string>();
let lab: LabFixture | undefined;
let stopping = false;
/** The switch-side veth that carries this run's tc shortcut, while it is installed. */
let shortcutOn: { ns: string; dev: string } | undefined;
/** The busy loop of the "busy" measurements, while it runs. */
let background: BackgroundLoad | undefined;

/**
 * On veth every frame the tx host sends is bridged in softirq on the sending core itself, so the bridge's cost comes
 * off both tools' rates (with bridge netfilter on, as when the bridges lived in the root namespace, that was ~75% of
 * the core and the tools' own loops ~2%). A tc redirect between the two switch-side veths keeps the frames
 * veth-to-veth, the rx counter unchanged, at less cost. Only a clsact this run adds is used, and it is removed again.
 */
async function installShortcut(ns: string, fromPeer: string, toPeer: string): Promise<string | undefined> {
  const tc = (...a: string[]) => Bun.spawnSync(["ip", "netns", "exec", ns, "tc", ...a], { stdout: "pipe", stderr: "pipe" });
  const shown = tc("qdisc", "show", "dev", fromPeer);
  if (shown.exitCode !== 0) return `cannot read ${fromPeer}'s qdiscs: ${shown.stderr.toString().trim()}`;
  if (shown.stdout.toString().includes("clsact")) return `${fromPeer} already has a clsact qdisc (someone else's)`;
  const add = tc("qdisc", "add", "dev", fromPeer, "clsact");
  if (add.exitCode !== 0) return `tc qdisc add clsact on ${fromPeer}: ${add.stderr.toString().trim()}`;
  shortcutOn = { ns, dev: fromPeer };
  // u32 with an empty match: matchall/flower are not built into every kernel these labs run on.
  const f = tc("filter", "add", "dev", fromPeer, "ingress", "pref", "1", "u32", "match", "u32", "0", "0", "action", "mirred", "egress", "redirect", "dev", toPeer);
  if (f.exitCode !== 0) {
    removeShortcut();
    return `tc mirred redirect ${fromPeer} -> ${toPeer}: ${f.stderr.toString().trim().split("\n")[0]}`;
  }
  return undefined;
}

function removeShortcut(): void {
  if (!shortcutOn) return;
  // Deleting the qdisc takes its filter with it.
  Bun.spawnSync(["ip", "netns", "exec", shortcutOn.ns, "tc", "qdisc", "del", "dev", shortcutOn.dev, "clsact"], { stdout: "ignore", stderr: "ignore" });
  shortcutOn = undefined;
}

async function txXdpProgId(txT: Transport, dev: string): Promise<number | undefined> {
  const r = await txT.exec(["ip", "-j", "link", "show", "dev", dev]);
  if (r.code !== 0) return undefined;
  try {
    const [link] = JSON.parse(r.stdout) as { xdp?: { prog?: { id?: number }; attached?: { prog?: { id?: number } }[] } }[];
    return link?.xdp?.prog?.id ?? link?.xdp?.attached?.[0]?.prog?.id;
  } catch {
    return undefined;
  }
}

function removeRuntimeDir(prefix: string): void {
  // DPDK leaves its runtime directory (config, fbarrays) behind even after a clean exit.
  rmSync(`${DPDK_RUNTIME}/${prefix}`, { recursive: true, force: true });
  prefixes.delete(prefix);
}

async function cleanup(): Promise<void> {
  await Promise.all([...live].map((p) => p.stop(3000).catch(() => undefined)));
  live.clear();
  await background?.stop();
  background = undefined;
  for (const p of [...prefixes]) removeRuntimeDir(p);
  removeShortcut();
  const l = lab;
  lab = undefined;
  // Owned labs go entirely (namespaces, veths, pins); a lab that was already up stays, minus what this run made.
  await l?.down();
}

// ---------------------------------------------------------------- one measured run

interface Run {
  readonly rxPps: number;
  /** The tool's CPU time (all threads) over the window per frame counted at the receiver. */
  readonly cpuNsPerPkt: number;
  readonly windowS: number;
  readonly load1: number;
  readonly summary: EngineStats | undefined;
}

interface Lab2 {
  readonly txT: Transport;
  readonly tx: InventoryHost;
  readonly txIfc: InventoryInterface;
  readonly rx: InventoryHost;
  readonly rxIfc: InventoryInterface;
  readonly counter: RxCounter;
  readonly seconds: number;
}

let runSeq = 0;

/** Starts argv on the tx host, waits for traffic at the receiver, warms up, counts a window, stops it. */
async function measure(env: Lab2, label: string, makeArgv: (prefix: string) => string[]): Promise<Run> {
  if (stopping) throw new Error("interrupted");
  const dev = env.txIfc.name;
  const busy = await txXdpProgId(env.txT, dev);
  if (busy !== undefined) throw new Error(`${env.tx.name}:${dev} already has an XDP program (id ${busy}): another run is using the lab; try again when it is done`);
  const prefix = `wl-bench-${process.pid}-${runSeq++}`;
  prefixes.add(prefix);
  let summary: EngineStats | undefined;
  const load1 = loadavg()[0]!;
  const proc = await env.txT.spawn(makeArgv(prefix), {
    onStdoutLine: (line) => {
      const m = parseEngineLine(line);
      if (m?.type === "summary") summary = m;
    },
    captureLimit: 64 * 1024,
  });
  live.add(proc);
  let exited = false;
  void proc.exited.then(() => (exited = true));
  let progId: number | undefined;
  try {
    let last = await env.counter.read();
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      await Bun.sleep(100);
      if (stopping) throw new Error("interrupted");
      if (exited) {
        const r = await proc.exited;
        const said = r.stderr.trim().split("\n").filter(Boolean).slice(-2).join(" / ");
        throw new Error(`${label}: exited ${r.code ?? r.signal} before sending: ${said || "no output"}`);
      }
      const s = await env.counter.read();
      if (s.packets - last.packets >= STARTED_FRAMES) break;
      last = s;
      if (Date.now() > deadline) throw new Error(`${label}: no traffic at ${env.counter.what} within ${START_TIMEOUT_MS / 1000} s`);
    }
    progId = await txXdpProgId(env.txT, dev);
    await Bun.sleep(WARM_S * 1000);
    const a = await env.counter.read();
    const cpuA = cpuNs(proc.pgid);
    await Bun.sleep(env.seconds * 1000);
    const b = await env.counter.read();
    const cpuB = cpuNs(proc.pgid);
    if (exited) throw new Error(`${label}: ended during the window`);
    const frames = b.packets - a.packets;
    return { rxPps: frames / (b.t - a.t), cpuNsPerPkt: frames > 0 ? (cpuB - cpuA) / frames : NaN, windowS: b.t - a.t, load1, summary: await stopped() };
  } finally {
    await stopped();
    removeRuntimeDir(prefix);
    // A tool that had to be killed leaves the AF_XDP PMD's program on the interface; only that very program is removed.
    if (progId !== undefined && (await txXdpProgId(env.txT, dev)) === progId) {
      await env.txT.exec(["ip", "link", "set", "dev", dev, "xdp", "off"]);
    }
  }

  async function stopped(): Promise<EngineStats | undefined> {
    if (live.has(proc)) {
      live.delete(proc);
      await proc.stop(5000); // SIGTERM: both tools close the port (detaching the XDP program) and exit
    }
    return summary;
  }
}

function engineArgv(env: Lab2, prefix: string, extra: string[], workers = 1): string[] {
  return [
    toolsOf(env.tx).engine, ...EAL_COMMON, "--file-prefix", prefix, ...vdevArgs(env, workers),
    "--", "--role", "tx", "--protocol", "udp", "--src-ip", env.txIfc.ipv4, "--dst-ip", env.rxIfc.ipv4, "--dst-mac", UNOWNED_MAC,
    "--stats-interval", String(QUIET_STATS_S), ...extra,
  ];
}

function testpmdArgv(env: Lab2, prefix: string, size: number): string[] {
  // txonly's defaults match the engine's: UDP 198.18.0.1 -> 198.18.0.2, one flow, bursts of 32; descriptors and mbuf
  // count are set to the engine's (2048 each way, 16k mbufs). --stats-period keeps testpmd running without a terminal.
  return [
    "dpdk-testpmd", ...EAL_COMMON, "--file-prefix", prefix, "--vdev", vdevOf(env),
    "--", "--forward-mode=txonly", `--txpkts=${size}`, `--eth-peer=0,${UNOWNED_MAC}`, "--nb-cores=1", "--rxq=1", "--txq=1",
    "--rxd=2048", "--txd=2048", "--burst=32", "--total-num-mbufs=16384", `--stats-period=${QUIET_STATS_S}`, "-a",
  ];
}

/**
 * One vdev, or for several workers one net_af_xdp vdev per queue of the interface (DPDK 22.11 takes a queue count only
 * from combined channels, which a veth does not report).
 */
function vdevArgs(env: Lab2, workers: number): string[] {
  if (workers === 1) return ["--vdev", vdevOf(env)];
  const [name, ...rest] = vdevOf(env).split(",");
  const base = name!.replace(/\d+$/, "");
  return Array.from({ length: workers }, (_, q) => ["--vdev", [`${base}${q}`, ...rest, `start_queue=${q}`].join(",")]).flat();
}

function vdevOf(env: Lab2): string {
  const v = env.txIfc.dpdk.vdev;
  if (!v) throw new Error(`${env.tx.name}:${env.txIfc.name} has no DPDK vdev in the inventory`);
  return v;
}

// ---------------------------------------------------------------- statistics and table

function median(values: number[]): number {
  const s = [...values].sort((x, y) => x - y);
  if (s.length === 0) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

const fmtPps = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "-");
const fmtRatio = (n: number, digits = 3): string => (Number.isFinite(n) ? n.toFixed(digits) : "-");
const fmtNs = (n: number): string => (Number.isFinite(n) ? n.toFixed(0) : "-");

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join("  ").trimEnd();
  return [line(headers), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

function sh(argv: string[]): string {
  const r = Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe" });
  return r.exitCode === 0 ? r.stdout.toString().trim() : "";
}

/** All CPUs' jiffies from /proc/stat: busy, idle and steal, to tell a starved run from a slow tool. */
function cpuTimes(): { busy: number; idle: number; steal: number } {
  const f = (readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "").trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = f;
  return { busy: user + nice + system + irq + softirq, idle: idle + iowait, steal };
}

function which(tool: string): boolean {
  return sh(["sh", "-c", `command -v ${tool}`]) !== "";
}

// ---------------------------------------------------------------- main

interface TxRep {
  load: "quiet" | "busy";
  size: number;
  rep: number;
  engine_pps: number;
  testpmd_pps: number;
  ratio: number;
  engine_cpu_ns_per_pkt: number;
  testpmd_cpu_ns_per_pkt: number;
  engine_load1: number;
  testpmd_load1: number;
  engine_tx_dropped: number | null;
}

interface WorkersRep {
  load: "quiet" | "busy";
  rep: number;
  one_pps: number;
  two_pps: number;
  ratio: number;
  one_cpu_ns_per_pkt: number;
  two_cpu_ns_per_pkt: number;
}

interface RateRep {
  target_pps: number;
  rep: number;
  rx_pps: number;
  ratio: number;
  load1: number;
  pacing: EngineStats["pacing"];
}

async function main(argv: string[]): Promise<number> {
  const args = benchArgs<Args>("engine", USAGE, parseArgs, argv);
  if (typeof args === "number") return args;
  if (process.getuid?.() !== 0) {
    console.error("bench engine: needs root (network namespaces, AF_XDP, DPDK): run it as root or with sudo");
    return 1;
  }
  const doTx = args.only !== "rate";
  const doRate = args.only !== "tx";
  if (doTx && !which("dpdk-testpmd")) {
    console.error("bench engine: dpdk-testpmd not found (Debian package dpdk); or run with --only rate");
    return 1;
  }

  const onSignal = (sig: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    console.error(`\nbench engine: ${sig}: stopping what this run started`);
    void cleanup().finally(() => process.exit(130));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  const load0 = loadavg();
  const cpu0 = cpuTimes();
  const started = new Date();
  try {
    lab = await startLab("two-host", { ssh: false });
    const inv = lab.inventory;
    const tx = inventoryHost(inv, "tx");
    const rx = inventoryHost(inv, "rx");
    const txIfc = tx.interfaces[0];
    const rxIfc = rx.interfaces[0];
    if (!txIfc || !rxIfc) throw new Error("two-host lab: tx or rx has no test interface");
    const engine = toolsOf(tx).engine;
    if (!existsSync(engine)) throw new Error(`engine not built: no ${engine} (meson setup build/engine engine && meson compile -C build/engine)`);
    const env: Lab2 = {
      txT: lab.transport("tx"),
      tx,
      txIfc,
      rx,
      rxIfc,
      counter: await rxCounter(lab.transport("rx"), rxIfc),
      seconds: args.seconds,
    };

    let path = "the lab's bridge";
    if (args.path === "direct") {
      const tp = txIfc.peer;
      const rp = rxIfc.peer;
      const why = !tp || !rp || tp.namespace !== rp.namespace ? "the lab has no switch-side veths in one namespace (not a netns lab)" : await installShortcut(tp.namespace, tp.dev, rp.dev);
      if (why === undefined) path = `direct: tc mirred ${tp!.namespace}:${tp!.dev} -> ${rp!.dev} (the lab's bridge bypassed for this run)`;
      else throw new Error(`--path direct: ${why}`);
    }
    const header = {
      date: started.toISOString(),
      kernel: release(),
      cpu: `${cpus()[0]?.model ?? "?"} x${cpus().length}`,
      dpdk: sh(["pkg-config", "--modversion", "libdpdk"]) || "?",
      engine,
      engine_sha256: createHash("sha256").update(readFileSync(engine)).digest("hex"),
      vdev: vdevOf(env),
      eal: EAL_COMMON.join(" "),
      counted_at: env.counter.what,
      path,
      lab: `${inv.lab.name} (${lab.owned ? "brought up by this run" : "already up: other users of it add noise"})`,
      reps: args.reps,
      window_s: args.seconds,
      warmup_s: WARM_S,
      load_before: load0.map((x) => x.toFixed(2)).join(" "),
      loads: args.loads.map((l) => (l === "busy" ? `busy (one busy loop pinned to CPU ${DATA_CPU}, both tools alike)` : l)).join(", "),
    };
    for (const [k, v] of Object.entries(header)) console.log(`${k.padEnd(14)} ${v}`);
    console.log("");

    const txReps: TxRep[] = [];
    const rateReps: RateRep[] = [];
    const maxReps: number[] = [];
    const progress = (s: string) => console.error(`  ${s}`);

    const withLoad = async <T>(load: "quiet" | "busy", f: () => Promise<T>): Promise<T> => {
      if (load === "busy") {
        background = startBackgroundLoad(DATA_CPU);
        progress(`busy: ${background.what}`);
      }
      try {
        return await f();
      } finally {
        await background?.stop();
        background = undefined;
      }
    };
    const workersRep: WorkersRep[] = [];
    let queues = 1;
    if (doTx) {
      const q = await env.txT.exec(["ls", `/sys/class/net/${txIfc.name}/queues`]);
      queues = q.code === 0 ? q.stdout.split("\n").filter((l) => l.startsWith("tx-")).length : 1;
      for (const load of args.loads) {
        await withLoad(load, async () => {
          for (let rep = 1; rep <= args.reps; rep++) {
            for (const size of SIZES) {
              // Alternate which tool goes first so a load change between the two runs of a pair favours neither.
              const order = (rep + (size === 64 ? 0 : 1)) % 2 === 1 ? (["engine", "testpmd"] as const) : (["testpmd", "engine"] as const);
              const got: Partial<Record<"engine" | "testpmd", Run>> = {};
              for (const tool of order) {
                const label = `${load} ${tool} ${size} B rep ${rep}`;
                got[tool] = await measure(env, label, (p) =>
                  tool === "engine" ? engineArgv(env, p, ["--mode", "continuous", "--size", String(size)]) : testpmdArgv(env, p, size),
                );
                progress(`${label}: ${fmtPps(got[tool]!.rxPps)} pps at the receiver, ${fmtNs(got[tool]!.cpuNsPerPkt)} ns CPU/packet (load ${got[tool]!.load1.toFixed(2)})`);
              }
              const e = got.engine!;
              const t = got.testpmd!;
              txReps.push({
                load,
                size,
                rep,
                engine_pps: e.rxPps,
                testpmd_pps: t.rxPps,
                ratio: e.rxPps / t.rxPps,
                engine_cpu_ns_per_pkt: e.cpuNsPerPkt,
                testpmd_cpu_ns_per_pkt: t.cpuNsPerPkt,
                engine_load1: e.load1,
                testpmd_load1: t.load1,
                engine_tx_dropped: e.summary?.totals.tx_dropped ?? null,
              });
              if (size === 64 && load === "quiet") maxReps.push(e.rxPps);
            }
            if (queues < 2) continue;
            // 1 vs 2 workers, 64 B, alternating which goes first
            const w: Partial<Record<1 | 2, Run>> = {};
            for (const n of rep % 2 ? ([1, 2] as const) : ([2, 1] as const)) {
              const label = `${load} engine ${n} worker${n > 1 ? "s" : ""} 64 B rep ${rep}`;
              w[n] = await measure(env, label, (p) => engineArgv(env, p, ["--mode", "continuous", "--size", "64", "--workers", String(n), "--flows", "64"], n));
              progress(`${label}: ${fmtPps(w[n]!.rxPps)} pps, ${fmtNs(w[n]!.cpuNsPerPkt)} ns CPU/packet`);
            }
            workersRep.push({ load, rep, one_pps: w[1]!.rxPps, two_pps: w[2]!.rxPps, ratio: w[2]!.rxPps / w[1]!.rxPps, one_cpu_ns_per_pkt: w[1]!.cpuNsPerPkt, two_cpu_ns_per_pkt: w[2]!.cpuNsPerPkt });
          }
        });
      }
    }

    let ipv6: Ipv6Row | undefined;
    if (doTx) ipv6 = await measureIpv6Row(args.reps, (label, extra) => measure(env, label, (p) => engineArgv(env, p, extra)).then((r) => r.rxPps), progress);

    if (doRate) {
      for (let rep = 1; rep <= args.reps; rep++) {
        if (!doTx) {
          // Without the tx part, the engine's full speed at 64 B (the rate runs' size) is measured here, for the max.
          const r = await measure(env, `engine 64 B max rep ${rep}`, (p) => engineArgv(env, p, ["--mode", "continuous", "--size", "64"]));
          progress(`engine 64 B max rep ${rep}: ${fmtPps(r.rxPps)} pps`);
          maxReps.push(r.rxPps);
        }
        for (const target of RATES) {
          const label = `rate ${fmtPps(target)} pps rep ${rep}`;
          const r = await measure(env, label, (p) => engineArgv(env, p, ["--mode", "rate", "--pps", String(target), "--size", "64"]));
          progress(`${label}: ${fmtPps(r.rxPps)} pps at the receiver (${fmtRatio(r.rxPps / target, 4)})`);
          rateReps.push({ target_pps: target, rep, rx_pps: r.rxPps, ratio: r.rxPps / target, load1: r.load1, pacing: r.summary?.pacing ?? null });
        }
      }
    }
    const load1 = loadavg();
    const cpu1 = cpuTimes();
    const jiffies = cpu1.busy - cpu0.busy + (cpu1.idle - cpu0.idle) + (cpu1.steal - cpu0.steal);
    const cpuShare = (x: number) => (jiffies > 0 ? `${((100 * x) / jiffies).toFixed(1)}%` : "?");
    const cpuLine = `busy ${cpuShare(cpu1.busy - cpu0.busy)}, idle ${cpuShare(cpu1.idle - cpu0.idle)}, steal ${cpuShare(cpu1.steal - cpu0.steal)} (all CPUs, whole run)`;

    const txRows = args.loads.filter(() => doTx).flatMap((load) =>
      SIZES.map((size) => {
        const reps = txReps.filter((r) => r.size === size && r.load === load);
        const e = median(reps.map((r) => r.engine_pps));
        const t = median(reps.map((r) => r.testpmd_pps));
        return {
          load,
          size,
          engine_pps_median: e,
          testpmd_pps_median: t,
          ratio: e / t,
          paired_ratios: reps.map((r) => r.ratio),
          engine_cpu_ns_per_pkt_median: median(reps.map((r) => r.engine_cpu_ns_per_pkt)),
          testpmd_cpu_ns_per_pkt_median: median(reps.map((r) => r.testpmd_cpu_ns_per_pkt)),
        };
      }),
    );
    const workerRows = args.loads.map((load) => {
      const reps = workersRep.filter((r) => r.load === load);
      return {
        load,
        one_pps_median: median(reps.map((r) => r.one_pps)),
        two_pps_median: median(reps.map((r) => r.two_pps)),
        ratios: reps.map((r) => r.ratio),
        one_cpu_ns_per_pkt_median: median(reps.map((r) => r.one_cpu_ns_per_pkt)),
        two_cpu_ns_per_pkt_median: median(reps.map((r) => r.two_cpu_ns_per_pkt)),
      };
    }).filter((r) => workersRep.some((w) => w.load === r.load));
    const machineMax = median(maxReps);
    const rateRows = RATES.filter(() => doRate).map((target) => {
      const reps = rateReps.filter((r) => r.target_pps === target);
      const ratios = reps.map((r) => r.ratio);
      const paced = reps.map((r) => r.pacing).filter((p): p is NonNullable<EngineStats["pacing"]> => p !== null);
      const above = Number.isFinite(machineMax) && machineMax < target;
      const departures = median(paced.map((p) => p.achieved_pps));
      // Departures short of the target mean the engine's own core was taken away for longer than its pacer catches up
      // on (200 ms), not that frames were lost on the way.
      const behind = !above && departures < target * 0.99;
      return {
        target_pps: target,
        rx_pps_median: median(reps.map((r) => r.rx_pps)),
        ratio_median: above ? null : median(ratios),
        ratios,
        departure_pps_median: departures,
        ipd_mean_ns_median: median(paced.map((p) => p.ipd_mean_ns)),
        ipd_stddev_ns_median: median(paced.map((p) => p.ipd_stddev_ns)),
        note: above ? `above this machine's max ${fmtPps(machineMax)} pps` : behind ? "engine departures short of target: its core was busy (see load)" : "",
      };
    });

    console.log("");
    if (doTx) {
      console.log(`tx rate, UDP, pps at the receiver (median of ${args.reps}); ratio = engine/testpmd of the medians; per rep in brackets;`);
      console.log(`CPU ns/packet: each tool's CPU time (all threads, schedstat) over the window per frame received (median)`);
      console.log(
        table(
          ["load", "size", "engine pps", "testpmd pps", "ratio", "per rep", "engine ns/pkt", "testpmd ns/pkt"],
          txRows.map((r) => [
            r.load,
            `${r.size} B`,
            fmtPps(r.engine_pps_median),
            fmtPps(r.testpmd_pps_median),
            fmtRatio(r.ratio),
            `[${r.paired_ratios.map((x) => fmtRatio(x)).join(" ")}]`,
            fmtNs(r.engine_cpu_ns_per_pkt_median),
            fmtNs(r.testpmd_cpu_ns_per_pkt_median),
          ]),
        ),
      );
      console.log("");
      if (workerRows.length) {
        console.log(`engine, 1 vs 2 workers (one af_xdp vdev per queue), UDP 64 B, 64 flows, median of ${args.reps}; this machine has ${cpus().length} CPUs,`);
        console.log(`so the second worker shares CPU 0 with the main lcore and the kernel's veth work: a correctness figure here, not a scaling one`);
        console.log(
          table(
            ["load", "1 worker pps", "2 workers pps", "2/1", "per rep", "1w ns/pkt", "2w ns/pkt"],
            workerRows.map((r) => [r.load, fmtPps(r.one_pps_median), fmtPps(r.two_pps_median), fmtRatio(r.two_pps_median / r.one_pps_median), `[${r.ratios.map((x) => fmtRatio(x)).join(" ")}]`, fmtNs(r.one_cpu_ns_per_pkt_median), fmtNs(r.two_cpu_ns_per_pkt_median)]),
          ),
        );
      } else {
        console.log(`1 vs 2 workers: skipped, ${txIfc.name} on the tx host has ${queues} queue (a lab interface with queues: 2 is needed)`);
      }
      console.log("");
    }
    if (ipv6) console.log(ipv6RowText(ipv6) + "\n");
    if (doRate) {
      console.log(`rate mode, UDP 64 B, achieved/target at the receiver (median of ${args.reps}); departures and inter-departure gaps from the engine`);
      console.log(
        table(
          ["target pps", "rx pps", "achieved/target", "per rep", "departure pps", "ipd mean ns", "ipd stddev ns", "note"],
          rateRows.map((r) => [
            fmtPps(r.target_pps),
            fmtPps(r.rx_pps_median),
            r.ratio_median === null ? "-" : fmtRatio(r.ratio_median, 4),
            `[${r.ratios.map((x) => fmtRatio(x, 4)).join(" ")}]`,
            fmtPps(r.departure_pps_median),
            fmtPps(r.ipd_mean_ns_median),
            fmtPps(r.ipd_stddev_ns_median),
            r.note,
          ]),
        ),
      );
      if (Number.isFinite(machineMax)) console.log(`engine max at 64 B on this machine now: ${fmtPps(machineMax)} pps (median of full-speed runs)`);
      console.log("");
    }
    console.log(`load before   ${header.load_before}\nload after    ${load1.map((x) => x.toFixed(2)).join(" ")}\ncpu           ${cpuLine}`);

    if (args.json) {
      writeFileSync(
        args.json,
        JSON.stringify({ type: "engine_bench", header: { ...header, load_after: load1.map((x) => x.toFixed(2)).join(" "), cpu: cpuLine }, tx: txRows, workers: workerRows, workers_reps: workersRep, ipv6: ipv6 ?? null, rate: rateRows, tx_reps: txReps, rate_reps: rateReps, engine_max_64_pps: Number.isFinite(machineMax) ? machineMax : null }, null, 2) + "\n",
      );
    }
    return 0;
  } catch (e) {
    if (stopping) return 130;
    console.error(`bench engine: ${(e as Error).message}`);
    return 1;
  } finally {
    if (!stopping) await cleanup();
  }
}

process.exit(await main(process.argv.slice(2)));
