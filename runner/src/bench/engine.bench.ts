// Engine benchmark on a two-host netns lab of its own (two queues on each test
// interface): tx rate of wirelab-engine against `dpdk-testpmd
// --forward-mode=txonly` (64 B and 1500 B UDP) on the direct and the bridge
// path, 1 vs 2 engine workers, and rate-mode accuracy at 10 kpps, 100 kpps and
// 1 Mpps. Everything is counted at the receiver, in the same invocation, with
// the reps interleaved so that load from other tenants of this shared machine
// hits both tools alike. Prints a table; asserts nothing. Run as root:
// `bun run bench engine [--reps N] [--seconds S] [--path both]`.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, release } from "node:os";
import { dpdkFilePrefix } from "../../../infra/src/dpdk-runtime.ts";
import { inventoryHost, toolsOf, type InventoryHost, type InventoryInterface } from "../../../infra/src/inventory.ts";
import { BUN } from "../paths.ts";
import { parseEngineLine, type EngineStats } from "../traffic/engine-output.ts";
import type { RemoteProcess, Transport } from "../transport/transport.ts";
import { benchArgs } from "./bench-args.ts";
import { ENGINE_BENCH_LAB as LAB, openBenchLab, type BenchLab } from "./bench-lab.ts";
import { cpuNs, startBackgroundLoad, userNs, type BackgroundLoad } from "./cpu-cost.ts";
import { ENGINE_BENCH_USAGE, parseEngineBenchArgs, WARM_S, type BenchLoad, type BenchPath } from "./engine-bench-args.ts";
import { fmtNs, fmtPps, fmtRatio, median, SIZES, table, txRows, txTable, workersRows, workersTable, type TxRep, type WorkersRep } from "./engine-bench-table.ts";
import { ipv6RowText, measureIpv6Row, type Ipv6Row } from "./engine-v6-row.ts";


/** Frames go to a MAC nobody on the segment owns: the bridge floods them to the rx host, whose kernel drops them at L2
 *  (PACKET_OTHERHOST) before IP, so the receiver is never the bottleneck and nothing answers. */
const UNOWNED_MAC = "02:00:00:00:be:9c";
/** Traffic counts as started once this many frames arrive within one poll; background frames (ND, ARP) never reach it. */
const STARTED_FRAMES = 50;
const START_TIMEOUT_MS = 30000;
const RATES = [10_000, 100_000, 1_000_000] as const;
/**
 * The same EAL for both tools, so the comparison is of the data loops alone: no hugepages (none are reserved on these
 * machines) and 256 MB of plain memory, which holds either tool's 16k-mbuf pool. `-l 0,1` puts each tool's data loop
 * alone on lcore 1 (engine: the worker; testpmd: its one forwarding core, --nb-cores=1) and its housekeeping on lcore 0
 * (engine: stats lines; testpmd: the main lcore's stats loop). A unique --file-prefix per process instead of
 * --in-memory, which EAL refuses together with --no-huge.
 */
const EAL_COMMON = ["--no-huge", "-m", "256", "--no-pci", "-l", "0,1", "--log-level", "lib.eal:error"];
/**
 * The job testpmd's txonly does: one frame, the same every time. Without --message the engine draws each frame's
 * payload from 16 random messages, which is another job: 16 templates, each with mbufs of its own that the PMD frees
 * by an atomic decrement, and 16 times the frames for the kernel's copy to read (3% fewer frames/s at 1500 B here).
 */
const ONE_FRAME = ["--message", "wirelab-bench"];
/** Each tool's periodic output is kept out of the window: the engine's summary line is all that is read. */
const QUIET_STATS_S = 3600;
const DPDK_RUNTIME = "/var/run/dpdk";
const SAMPLE_MS = 20;
/** The CPU of lcore 1 (each tool's data loop): where the fixed background load runs. */
const DATA_CPU = 1;
/** The window of the unrecorded run each tool makes before a path's first measured one. */
const WARM_UP_WINDOW_S = 2;

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
let lab: BenchLab | undefined;
let stopping = false;
/** The switch-side veth that carries this run's tc shortcut, while it is installed. */
let shortcutOn: { ns: string; dev: string; addedQdisc: boolean } | undefined;
/** The busy loop of the "busy" measurements, while it runs. */
let background: BackgroundLoad | undefined;

/** The shortcut's filter: before the lab's queue-keeping program (pref 10) on a multi-queue interface's switch port. */
const SHORTCUT_PREF = "5";

/**
 * On veth every frame the tx host sends is bridged in softirq on the sending core itself, so the bridge's cost comes
 * off both tools' rates (with bridge netfilter on, as when the bridges lived in the root namespace, that was ~75% of
 * the core and the tools' own loops ~2%). A tc redirect between the two switch-side veths keeps the frames
 * veth-to-veth, the rx counter unchanged, at less cost. The port's clsact is the lab's when its interface has several
 * queues (queue_keep); otherwise this run adds one. Either way only what this run added is removed again.
 */
async function installShortcut(ns: string, fromPeer: string, toPeer: string): Promise<string | undefined> {
  const tc = (...a: string[]) => Bun.spawnSync(["ip", "netns", "exec", ns, "tc", ...a], { stdout: "pipe", stderr: "pipe" });
  const shown = tc("qdisc", "show", "dev", fromPeer);
  if (shown.exitCode !== 0) return `cannot read ${fromPeer}'s qdiscs: ${shown.stderr.toString().trim()}`;
  const hadClsact = shown.stdout.toString().includes("clsact");
  if (hadClsact) {
    const filters = tc("filter", "show", "dev", fromPeer, "ingress", "pref", SHORTCUT_PREF);
    if (filters.stdout.toString().trim() !== "") return `${fromPeer} already has an ingress filter at pref ${SHORTCUT_PREF} (not this run's)`;
  } else {
    const add = tc("qdisc", "add", "dev", fromPeer, "clsact");
    if (add.exitCode !== 0) return `tc qdisc add clsact on ${fromPeer}: ${add.stderr.toString().trim()}`;
  }
  shortcutOn = { ns, dev: fromPeer, addedQdisc: !hadClsact };
  // u32 with an empty match: matchall/flower are not built into every kernel these labs run on.
  const f = tc("filter", "add", "dev", fromPeer, "ingress", "pref", SHORTCUT_PREF, "u32", "match", "u32", "0", "0", "action", "mirred", "egress", "redirect", "dev", toPeer);
  if (f.exitCode !== 0) {
    removeShortcut();
    return `tc mirred redirect ${fromPeer} -> ${toPeer}: ${f.stderr.toString().trim().split("\n")[0]}`;
  }
  return undefined;
}

function removeShortcut(): void {
  if (!shortcutOn) return;
  const { ns, dev, addedQdisc } = shortcutOn;
  // Deleting a qdisc this run added takes its filter with it; on the lab's own clsact only the shortcut's filter goes.
  const argv = addedQdisc ? ["qdisc", "del", "dev", dev, "clsact"] : ["filter", "del", "dev", dev, "ingress", "pref", SHORTCUT_PREF];
  Bun.spawnSync(["ip", "netns", "exec", ns, "tc", ...argv], { stdout: "ignore", stderr: "ignore" });
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
  // The lab is the bench's own: it goes entirely (namespaces, veths, pins, DPDK runtime dirs of its prefix).
  await l?.down();
}

// ---------------------------------------------------------------- one measured run

interface Run {
  readonly rxPps: number;
  /** The tool's CPU time (all threads) over the window per frame counted at the receiver. */
  readonly cpuNsPerPkt: number;
  /** Of that, the time in user mode: the tool's own code and libraries. */
  readonly userNsPerPkt: number;
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
async function measure(env: Lab2, label: string, makeArgv: (prefix: string) => string[], windowS = env.seconds): Promise<Run> {
  if (stopping) throw new Error("interrupted");
  const dev = env.txIfc.name;
  const busy = await txXdpProgId(env.txT, dev);
  if (busy !== undefined) throw new Error(`${env.tx.name}:${dev} already has an XDP program (id ${busy}): another run is using the lab; try again when it is done`);
  const prefix = dpdkFilePrefix(LAB.name, `b${process.pid}-${runSeq++}`, env.tx.name);
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
    const userA = userNs(proc.pgid);
    await Bun.sleep(windowS * 1000);
    const b = await env.counter.read();
    const cpuB = cpuNs(proc.pgid);
    const userB = userNs(proc.pgid);
    if (exited) throw new Error(`${label}: ended during the window`);
    const frames = b.packets - a.packets;
    return { rxPps: frames / (b.t - a.t), cpuNsPerPkt: frames > 0 ? (cpuB - cpuA) / frames : NaN, userNsPerPkt: frames > 0 ? (userB - userA) / frames : NaN, windowS: b.t - a.t, load1, summary: await stopped() };
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
  // The engine's frames: UDP from the tx host's address to the rx host's, one flow, bursts of 32; descriptors and mbuf
  // count are set to the engine's (2048 each way, 16k mbufs). --stats-period keeps testpmd running without a terminal.
  return [
    "dpdk-testpmd", ...EAL_COMMON, "--file-prefix", prefix, "--vdev", vdevOf(env),
    "--", "--forward-mode=txonly", `--txpkts=${size}`, `--tx-ip=${env.txIfc.ipv4},${env.rxIfc.ipv4}`, `--eth-peer=0,${UNOWNED_MAC}`, "--nb-cores=1", "--rxq=1", "--txq=1",
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

interface RateRep {
  target_pps: number;
  rep: number;
  rx_pps: number;
  ratio: number;
  load1: number;
  pacing: EngineStats["pacing"];
}

async function main(argv: string[]): Promise<number> {
  const args = benchArgs("engine", ENGINE_BENCH_USAGE, parseEngineBenchArgs, argv);
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
  const progress = (s: string) => console.error(`  ${s}`);
  try {
    lab = await openBenchLab(LAB);
    if (lab.leftover) progress(lab.leftover);
    const inv = lab.inventory;
    const tx = inventoryHost(inv, "tx");
    const rx = inventoryHost(inv, "rx");
    const txIfc = tx.interfaces[0];
    const rxIfc = rx.interfaces[0];
    if (!txIfc || !rxIfc) throw new Error(`lab ${inv.lab.name}: tx or rx has no test interface`);
    const engine = toolsOf(tx).engine;
    if (!existsSync(engine)) throw new Error(`engine not built: no ${engine} (bun run build)`);
    const env: Lab2 = {
      txT: lab.transport("tx"),
      tx,
      txIfc,
      rx,
      rxIfc,
      counter: await rxCounter(lab.transport("rx"), rxIfc),
      seconds: args.seconds,
    };
    const q = await env.txT.exec(["ls", `/sys/class/net/${txIfc.name}/queues`]);
    const queues = q.code === 0 ? q.stdout.split("\n").filter((l) => l.startsWith("tx-")).length : 1;
    if (doTx && queues < 2) throw new Error(`${tx.name}:${txIfc.name} has ${queues} tx queue(s), the bench's lab asks for 2: the 1 vs 2 workers row cannot be measured`);

    const tp = txIfc.peer;
    const rp = rxIfc.peer;
    const pathWhat: Record<BenchPath, string> = {
      bridge: `bridge: through ${tp?.namespace ?? "the switch"}'s bridge`,
      direct: tp && rp ? `direct: tc mirred ${tp.namespace}:${tp.dev} -> ${rp.dev} (the bridge bypassed while the direct rows are measured)` : "direct",
    };
    /** Puts the frames on `path` for what follows: the shortcut on for direct, off for bridge. */
    const usePath = async (path: BenchPath): Promise<void> => {
      removeShortcut();
      if (path === "bridge") return;
      const why = !tp || !rp || tp.namespace !== rp.namespace ? "the lab has no switch-side veths in one namespace (not a netns lab)" : await installShortcut(tp.namespace, tp.dev, rp.dev);
      if (why !== undefined) throw new Error(`--path direct: ${why}`);
    };
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
      paths: args.paths.map((p) => pathWhat[p]).join("; "),
      lab: `${inv.lab.name} (the bench's own, ${txIfc.ipv4.replace(/\.\d+$/, ".0/24")}, ${queues} queues on ${txIfc.name}; brought up by this run, down at its end)`,
      reps: args.reps,
      window_s: args.seconds,
      warmup_s: WARM_S,
      first_runs: `one unrecorded ${WARM_UP_WINDOW_S} s run of each tool at 64 B per path, before its first measured run`,
      load_before: load0.map((x) => x.toFixed(2)).join(" "),
      loads: args.loads.map((l) => (l === "busy" ? `busy (one busy loop pinned to CPU ${DATA_CPU}, both tools alike)` : l)).join(", "),
    };
    for (const [k, v] of Object.entries(header)) console.log(`${k.padEnd(14)} ${v}`);
    console.log("");

    const txReps: TxRep[] = [];
    const workersReps: WorkersRep[] = [];
    const rateReps: RateRep[] = [];
    const maxReps: number[] = [];

    const withLoad = async <T>(load: BenchLoad, f: () => Promise<T>): Promise<T> => {
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
    if (doTx) {
      for (const path of args.paths) {
        await usePath(path);
        progress(`path ${pathWhat[path]}`);
        // One unrecorded run of each tool first: the first frames through a fresh path pay for the kernel's cold
        // caches (skb slabs, the veths' rings, page faults), and the first measured run was always the engine's.
        for (const tool of ["testpmd", "engine"] as const) {
          const label = `${path} warm-up ${tool} 64 B (not recorded)`;
          const r = await measure(env, label, (p) => (tool === "engine" ? engineArgv(env, p, ["--mode", "continuous", "--size", "64", ...ONE_FRAME]) : testpmdArgv(env, p, 64)), WARM_UP_WINDOW_S);
          progress(`${label}: ${fmtPps(r.rxPps)} pps at the receiver`);
        }
        for (const load of args.loads) {
          await withLoad(load, async () => {
            for (let rep = 1; rep <= args.reps; rep++) {
              for (const size of SIZES) {
                // Alternate which tool goes first so a load change between the two runs of a pair favours neither.
                const order = (rep + (size === 64 ? 0 : 1)) % 2 === 1 ? (["engine", "testpmd"] as const) : (["testpmd", "engine"] as const);
                const got: Partial<Record<"engine" | "testpmd", Run>> = {};
                for (const tool of order) {
                  const label = `${path} ${load} ${tool} ${size} B rep ${rep}`;
                  got[tool] = await measure(env, label, (p) =>
                    tool === "engine" ? engineArgv(env, p, ["--mode", "continuous", "--size", String(size), ...ONE_FRAME]) : testpmdArgv(env, p, size),
                  );
                  progress(`${label}: ${fmtPps(got[tool]!.rxPps)} pps at the receiver, ${fmtNs(got[tool]!.cpuNsPerPkt)} ns CPU/packet (${fmtNs(got[tool]!.userNsPerPkt)} in user mode; load ${got[tool]!.load1.toFixed(2)})`);
                }
                const e = got.engine!;
                const t = got.testpmd!;
                txReps.push({
                  path,
                  load,
                  size,
                  rep,
                  engine_pps: e.rxPps,
                  testpmd_pps: t.rxPps,
                  ratio: e.rxPps / t.rxPps,
                  engine_cpu_ns_per_pkt: e.cpuNsPerPkt,
                  testpmd_cpu_ns_per_pkt: t.cpuNsPerPkt,
                  engine_user_ns_per_pkt: e.userNsPerPkt,
                  testpmd_user_ns_per_pkt: t.userNsPerPkt,
                  engine_load1: e.load1,
                  testpmd_load1: t.load1,
                  engine_tx_dropped: e.summary?.totals.tx_dropped ?? null,
                });
                if (size === 64 && load === "quiet" && path === args.paths.at(-1)) maxReps.push(e.rxPps);
              }
              // 1 vs 2 workers, 64 B, alternating which goes first
              const w: Partial<Record<1 | 2, Run>> = {};
              for (const n of rep % 2 ? ([1, 2] as const) : ([2, 1] as const)) {
                const label = `${path} ${load} engine ${n} worker${n > 1 ? "s" : ""} 64 B rep ${rep}`;
                w[n] = await measure(env, label, (p) => engineArgv(env, p, ["--mode", "continuous", "--size", "64", "--workers", String(n), "--flows", "64"], n));
                progress(`${label}: ${fmtPps(w[n]!.rxPps)} pps, ${fmtNs(w[n]!.cpuNsPerPkt)} ns CPU/packet`);
              }
              workersReps.push({ path, load, rep, one_pps: w[1]!.rxPps, two_pps: w[2]!.rxPps, ratio: w[2]!.rxPps / w[1]!.rxPps, one_cpu_ns_per_pkt: w[1]!.cpuNsPerPkt, two_cpu_ns_per_pkt: w[2]!.cpuNsPerPkt });
            }
          });
        }
      }
    } else {
      await usePath(args.paths.at(-1)!);
    }
    // The IPv6 row and the rate part: once, on the last path (the shortcut, if any, is still in place for it).
    const lastPath = args.paths.at(-1)!;

    let ipv6: Ipv6Row | undefined;
    if (doTx) ipv6 = await measureIpv6Row(args.reps, (label, extra) => measure(env, `${lastPath} ${label}`, (p) => engineArgv(env, p, extra)).then((r) => r.rxPps), progress);

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

    const txSummary = txRows(txReps, args.paths, args.loads);
    const workerSummary = workersRows(workersReps, args.paths, args.loads);
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
      console.log(txTable(txSummary, args.reps));
      console.log("");
      console.log(workersTable(workerSummary, args.reps, cpus().length));
      console.log("");
    }
    if (ipv6) console.log(`${lastPath} path: ${ipv6RowText(ipv6)}\n`);
    if (doRate) {
      console.log(`rate mode, UDP 64 B, ${lastPath} path, achieved/target at the receiver (median of ${args.reps}); departures and inter-departure gaps from the engine`);
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
      if (Number.isFinite(machineMax)) console.log(`engine max at 64 B on this machine now (${lastPath} path): ${fmtPps(machineMax)} pps (median of full-speed runs)`);
      console.log("");
    }
    console.log(`load before   ${header.load_before}\nload after    ${load1.map((x) => x.toFixed(2)).join(" ")}\ncpu           ${cpuLine}`);

    if (args.json) {
      writeFileSync(
        args.json,
        JSON.stringify(
          { type: "engine_bench", header: { ...header, load_after: load1.map((x) => x.toFixed(2)).join(" "), cpu: cpuLine }, tx: txSummary, workers: workerSummary, workers_reps: workersReps, ipv6: ipv6 ?? null, rate: rateRows, tx_reps: txReps, rate_reps: rateReps, engine_max_64_pps: Number.isFinite(machineMax) ? machineMax : null },
          null,
          2,
        ) + "\n",
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
