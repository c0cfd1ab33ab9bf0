// `wirelab xdp`: the XDP-vs-userspace-baseline comparison (`xdp bench`) and
// thin wrappers over wirelab-xdp on a lab host (`load`, `unload`, `stats`).
import { join, relative } from "node:path";
import { DEFAULT_TOOLS, inventoryHost, toolsOf } from "../../../infra/src/inventory.ts";
import { oneOf, parseCommandArgs, positiveNumber } from "../cli-args.ts";
import { REPO_ROOT, UsageError } from "../paths.ts";
import { transportFor } from "../transport/index.ts";
import type { BenchConfig } from "../xdp/bench/bench-config.ts";
import { benchTarget, openBenchLab } from "../xdp/bench/bench-lab.ts";
import { describePlan } from "../xdp/bench/bench-plan.ts";
import { pointTable, ratioTable, reading } from "../xdp/bench/bench-report.ts";
import { checkCapabilities } from "../xdp/bench/capabilities.ts";
import { parseRates, PRESET_NAMES, PRESETS, RECEIVER_MODES, rateLabel, type ReceiverMode } from "../xdp/bench/presets.ts";
import { runBench } from "../xdp/bench/run-bench.ts";
import { ensurePinRoot, pinDirFor } from "../xdp/xdp-session.ts";
import { runStamp } from "../store/run-id.ts";

const presetLines = PRESET_NAMES.map((n) => {
  const p = PRESETS[n];
  return `  ${n.padEnd(12)} ${p.rates.map(rateLabel).join(", ")} pps x ${p.duration} s   ${p.why}`;
}).join("\n");

const HELP = `Usage: bun run xdp <bench|load|unload|stats> [options]

  bench    XDP vs the userspace baseline on the xdp-pair lab (below)
  load     attach a program on a lab host and leave it (pinned)   --host H --dev IF --prog P [--rule SPEC]...
  unload   detach it and remove its pins                          --host H --dev IF
  stats    its counters and ns/packet                             --host H --dev IF [--json] [--interval S --duration S]
           (load/unload/stats use the lab's pin dir /run/wirelab/bpf/<lab>-<host>-<dev>; --lab/--inventory as below)

bun run xdp bench [options]

Sends 64-byte UDP from the generator (the DPDK engine) to the receiver, which
takes the packets in one of four ways, and measures what the receiving side
absorbed and what it cost per packet:
  baseline-socket     wirelab-sink --mode socket: UDP socket + recvmmsg, the whole kernel stack
  baseline-af-packet  wirelab-sink --mode af-packet: TPACKET_V3 ring, frames as the driver hands them up
  xdp-count           XDP count program: classify, count, XDP_PASS (the stack then discards)
  xdp-drop            XDP drop program: XDP_DROP in the driver
The receiving veth runs threaded NAPI with its kthread pinned to the receive
CPU (beside the sink), the generator runs on the other CPU: otherwise a veth
does its receive work in softirq on the SENDER's CPU and the baseline's cost
would hide there. A veth only has NAPI with XDP attached, so the baselines
carry the count program (XDP_PASS) too; its cost shows in their xdp_ns.

Per point: offered pps (generator's count), absorbed pps (receiver's count),
loss, receive CPU per million packets as (a) task time of the napi thread +
receiver (schedstat: the work itself) and (b) /proc/stat user/system/softirq
of the receive CPU (raw, other tenants included), instructions per packet when
perf can count them (not on these VMs: then omitted, with a note), and XDP
ns/packet from the kernel's BPF run stats. CPU numbers on shared machines
swing 2x between runs: compare within one run (the ratio table).

Presets (rates for a 2-core machine; the generator tops out near 0.6 Mpps):
${presetLines}

Options:
  --preset NAME      ${PRESET_NAMES.join("|")} [quick]
  --rates LIST       override: e.g. 50k,200k,max (max = generator's maximum, no pacing)
  --duration S       override seconds per point
  --modes LIST       subset of ${RECEIVER_MODES.join(",")} [all]
  --size B           frame size 60..1514 [64]
  --gen HOST --dst HOST   generator and receiver [gen, dst]
  --rx-cpu N --tx-cpu N   receive and generator CPUs [1, 0]
  --no-rt            leave the napi thread and sink at normal priority (default: SCHED_FIFO 50,
                     so other tenants on a shared CPU do not starve the receiver; same cost per packet)
  --lab NAME         the lab [xdp-pair]; brought up here (and down at the end) if it is not up
  --inventory FILE   a lab's inventory instead (never brought up or down)
  --check-only       only check capabilities: root, bpffs, tools built, native XDP on the
                     receiver, threaded NAPI, perf; exit 0 when the bench can run
  --dry-run          print the plan (points, commands per host) and run nothing
  --results DIR      where run directories go [results/]; this run: <DIR>/<timestamp>_xdp-bench/
  --json             one JSON line per point, then the result

Writes results.json (points + kernel, CPU, engine and program hashes, lab,
preset), results.csv and results.md (the table, XDP-vs-baseline ratios and a
reading). Ctrl-C stops the current point, undoes everything (threaded NAPI
setting, sink, XDP detach and pins) and still writes what was measured.

Examples:
  bun run xdp bench --check-only
  bun run xdp bench --preset quick
  bun run xdp bench --preset performance --modes baseline-socket,xdp-drop
  bun run xdp load --host dst --dev eth1 --prog drop --rule proto=udp,dport=9 && bun run xdp stats --host dst --dev eth1`;

export async function xdpCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (!sub || sub === "--help" || sub === "-h" || sub === "help") {
    console.log(HELP);
    return sub ? 0 : 2;
  }
  if (sub === "bench") return benchCommand(rest);
  if (sub === "load" || sub === "unload" || sub === "stats") return toolCommand(sub, rest);
  throw new UsageError(`unknown subcommand '${sub}' (bench, load, unload, stats; see --help)`);
}

async function benchCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(
    argv,
    {
      preset: { type: "string" }, rates: { type: "string" }, duration: { type: "string" }, modes: { type: "string" },
      size: { type: "string" }, gen: { type: "string" }, dst: { type: "string" }, "rx-cpu": { type: "string" }, "tx-cpu": { type: "string" }, "no-rt": { type: "boolean" },
      lab: { type: "string" }, inventory: { type: "string" }, "check-only": { type: "boolean" }, "dry-run": { type: "boolean" },
      results: { type: "string" }, json: { type: "boolean" }, help: { type: "boolean", short: "h" },
    },
    false,
  );
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const presetName = oneOf(values.preset, "--preset", PRESET_NAMES, "quick");
  const preset = PRESETS[presetName];
  let rates: number[];
  try {
    rates = values.rates ? parseRates(values.rates) : [...preset.rates];
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const modes = values.modes
    ? values.modes.split(",").map((m) => oneOf(m.trim(), "--modes", RECEIVER_MODES, "xdp-drop") as ReceiverMode)
    : [...RECEIVER_MODES];
  const size = positiveNumber(values.size, "--size", 64);
  if (size < 60 || size > 1514) throw new UsageError(`--size: ${size} is outside 60..1514 bytes`);
  const cpu = (v: string | undefined, name: string, fallback: number) => {
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new UsageError(`${name}: '${v}' is not a CPU number`);
    return n;
  };
  const config: BenchConfig = {
    preset: values.rates || values.duration ? `${presetName} (overridden)` : presetName,
    modes,
    rates,
    duration: positiveNumber(values.duration, "--duration", preset.duration),
    size,
    gen: values.gen ?? "gen",
    dst: values.dst ?? "dst",
    rxCpu: cpu(values["rx-cpu"], "--rx-cpu", 1),
    txCpu: cpu(values["tx-cpu"], "--tx-cpu", 0),
    port: 9,
    rt: !values["no-rt"],
  };
  if (config.rxCpu === config.txCpu) throw new UsageError(`--rx-cpu and --tx-cpu must differ: the point is to see the receive cost apart from the generator's`);

  const labName = values.lab ?? "xdp-pair";
  // A dry run touches nothing, so it does not bring a lab up: it plans against the inventory if there is one.
  const lab = await openBenchLab({ ...(values.inventory ? { inventory: values.inventory } : {}), lab: labName, bringUp: !values["dry-run"] }).catch((err: Error) => {
    if (!values["dry-run"]) throw err;
    return undefined;
  });
  try {
    const target = lab
      ? benchTarget(lab.inventory, values.gen, values.dst)
      : {
          // Not up: plan with the lab file's names and the netns backend's conventions.
          gen: { name: config.gen, dev: "eth1", ip: "(gen eth1)" },
          dst: { name: config.dst, dev: "eth1", ip: "(dst eth1)" },
          pinDir: pinDirFor(DEFAULT_TOOLS.bpfPinRoot, labName, config.dst, "eth1"),
          tools: { engine: "build/engine/wirelab-engine", xdp: "build/xdp/wirelab-xdp", sink: "build/xdp/wirelab-sink" },
          labName,
        };
    if (values["dry-run"]) {
      const plan = describePlan(config, target);
      if (values.json) console.log(JSON.stringify({ type: "plan", config, target }));
      else console.log(plan + (lab ? "" : `\n(lab ${labName} is not up: a real run brings it up first and takes it down after)`));
      return 0;
    }
    if (!lab) throw new Error("no lab");
    if (values["check-only"]) {
      const checks = await checkCapabilities(target, (h) => lab.transport(h));
      const ok = checks.every((c) => c.ok || !c.required);
      if (values.json) console.log(JSON.stringify({ type: "check", ok, checks }));
      else {
        for (const c of checks) console.log(`${c.ok ? "ok  " : c.required ? "FAIL" : "warn"} ${c.name.padEnd(18)} ${c.detail}`);
        console.log(ok ? "xdp bench can run here" : "xdp bench cannot run here: fix the FAIL lines");
      }
      return ok ? 0 : 1;
    }

    const dir = join(values.results ?? join(REPO_ROOT, "results"), `${runStamp()}_xdp-bench`);
    const controller = new AbortController();
    const onSignal = () => {
      if (!values.json) console.error("\nstopping: undoing the current point, then writing what was measured ...");
      controller.abort();
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    if (!values.json) console.log(describePlan(config, target).split("\n").slice(0, 4).join("\n") + "\n");
    let results;
    try {
      results = await runBench({
        inventory: lab.inventory, config, target, transport: (h) => lab.transport(h), dir, signal: controller.signal,
        onPoint: (p, i, n) => {
          if (values.json) console.log(JSON.stringify({ type: "point", ...p }));
          else
            console.log(
              `[${i + 1}/${n}] ${p.mode.padEnd(19)} ${rateLabel(p.target_pps).padStart(5)}: offered ${p.offered_pps} pps, absorbed ${p.absorbed_pps} pps, ` +
                `loss ${(p.loss * 100).toFixed(2)}%, task ${p.task_ms_per_mpkt ?? "-"} ms/Mpkt, xdp ${p.xdp_ns_per_packet ?? "-"} ns/pkt${p.error ? `  (${p.error})` : ""}`,
            );
        },
      });
    } finally {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    }
    const rel = relative(process.cwd(), dir);
    const shown = !rel || rel.startsWith("..") ? dir : rel;
    if (values.json) console.log(JSON.stringify({ type: "result", dir, state: results.state, reason: results.reason ?? null, points: results.points.length }));
    else {
      console.log("\n" + pointTable(results.points));
      console.log("\nXDP vs baseline (baseline cost / XDP cost per packet; > 1: XDP cheaper)\n" + ratioTable(results.points, config.rates));
      console.log("\n" + reading(results));
      console.log(`\nresults: ${shown}/results.md (.json, .csv)`);
      if (results.state !== "complete") console.error(`wirelab xdp bench: ${results.state}: ${results.reason ?? ""}`);
    }
    return results.state === "complete" ? 0 : results.state === "interrupted" ? 130 : 1;
  } finally {
    await lab?.close();
  }
}

async function toolCommand(sub: "load" | "unload" | "stats", argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(
    argv,
    {
      host: { type: "string" }, dev: { type: "string" }, prog: { type: "string" }, obj: { type: "string" }, section: { type: "string" },
      mode: { type: "string" }, rule: { type: "string", multiple: true }, json: { type: "boolean" }, interval: { type: "string" },
      duration: { type: "string" }, lab: { type: "string" }, inventory: { type: "string" }, help: { type: "boolean", short: "h" },
    },
    false,
  );
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (!values.host) throw new UsageError("--host names the lab host (e.g. --host dst)");
  const lab = await openBenchLab({ ...(values.inventory ? { inventory: values.inventory } : {}), lab: values.lab ?? "xdp-pair", bringUp: false });
  try {
    const host = inventoryHost(lab.inventory, values.host);
    const dev = values.dev ?? host.interfaces[0]?.name;
    if (!dev) throw new UsageError(`--dev: host '${host.name}' has no test interface; name one`);
    const pinDir = pinDirFor(toolsOf(host).bpfPinRoot, lab.inventory.lab.prefix, host.name, dev);
    const transport = transportFor(host);
    const tool = toolsOf(host).xdp;
    let args: string[];
    if (sub === "load") {
      if (!values.prog && !values.obj) throw new UsageError("--prog count|drop|reflect or --obj FILE says what to load");
      if (values.prog) oneOf(values.prog, "--prog", ["count", "drop", "reflect"] as const, "count");
      if (values.mode) oneOf(values.mode, "--mode", ["native", "generic", "auto"] as const, "auto");
      await ensurePinRoot(transport, toolsOf(host).bpfPinRoot);
      args = ["load", "--dev", dev, "--pin-dir", pinDir, ...(values.prog ? ["--prog", values.prog] : []), ...(values.obj ? ["--obj", values.obj] : []),
        ...(values.section ? ["--section", values.section] : []), ...(values.mode ? ["--mode", values.mode] : []), ...(values.rule ?? []).flatMap((r) => ["--rule", r])];
    } else if (sub === "unload") {
      args = ["unload", "--dev", dev, "--pin-dir", pinDir];
    } else {
      args = ["stats", "--pin-dir", pinDir, ...(values.json ? ["--json"] : []), ...(values.interval ? ["--interval", values.interval] : []), ...(values.duration ? ["--duration", values.duration] : [])];
    }
    const proc = await transport.spawn([tool, ...args], { onStdoutLine: (l) => console.log(l), onStderrLine: (l) => console.error(l) });
    // stats --interval streams until stopped: Ctrl-C stops the tool's process group, not just us.
    const stop = () => void proc.stop(2000);
    process.on("SIGINT", stop);
    const r = await proc.exited;
    process.off("SIGINT", stop);
    await transport.close();
    if (r.code !== 0 && r.code !== null) return r.code;
    if (sub === "unload" && !values.json) console.log(`${host.name} ${dev}: unloaded (${pinDir} removed)`);
    return 0;
  } finally {
    await lab.close();
  }
}
