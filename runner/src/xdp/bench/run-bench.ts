// An `xdp bench` run: every point of the matrix in turn, results rewritten
// after each point (a crash or Ctrl-C keeps what was measured), and at the end
// a check that nothing is left on the receiving interface.
import { mkdirSync } from "node:fs";
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import type { Inventory } from "../../../../infra/src/inventory.ts";
import type { Transport } from "../../transport/transport.ts";
import type { BenchConfig, BenchTarget } from "./bench-config.ts";
import type { BenchPoint } from "./bench-point.ts";
import { planPoints, programFor } from "./bench-plan.ts";
import { writeResults, type BenchResults } from "./bench-report.ts";
import { measurePoint } from "./measure-point.ts";
import { perfWorks } from "./perf-probe.ts";
import { rateLabel } from "./presets.ts";
import { hostFacts, sha256File } from "./provenance.ts";
import { writeThreaded } from "./threaded-napi.ts";

export interface RunBenchOptions {
  readonly inventory: Inventory;
  readonly config: BenchConfig;
  readonly target: BenchTarget;
  readonly transport: (host: string) => Transport;
  readonly dir: string;
  readonly signal: AbortSignal;
  readonly onPoint?: (point: BenchPoint, index: number, total: number) => void;
  readonly onLog?: (line: string) => void;
}

export async function runBench(o: RunBenchOptions): Promise<BenchResults> {
  mkdirSync(o.dir, { recursive: true });
  const logFile = join(o.dir, "run.log");
  const log = (line: string) => {
    appendFileSync(logFile, `${new Date().toISOString()} ${line}\n`);
    o.onLog?.(line);
  };
  const dst = o.transport(o.target.dst.name);
  const facts = await hostFacts(dst);
  if (facts.cpus > 0 && (o.config.rxCpu >= facts.cpus || o.config.txCpu >= facts.cpus)) {
    throw new Error(`--rx-cpu ${o.config.rxCpu} / --tx-cpu ${o.config.txCpu}: ${o.target.dst.name} has ${facts.cpus} CPUs`);
  }
  const perf = await perfWorks(dst);
  const notes: string[] = [];
  if (!perf.ok) notes.push(`Instructions per packet omitted: ${perf.detail}.`);
  notes.push("Every mode attaches an XDP program to the receiving veth (baselines: count, XDP_PASS) so its NAPI can run threaded on the receive CPU; the baseline's xdp_ns is that program's cost.");
  notes.push("XDP attached with libbpf (bpf_link), not libxdp: libxdp's dispatcher fails inside a namespace here (EPERM).");
  const results: BenchResults = {
    schema: "wirelab/xdp-bench@1",
    started_at: new Date().toISOString(),
    ended_at: "",
    state: "complete",
    lab: o.target.labName,
    preset: o.config.preset,
    config: o.config,
    provenance: {
      ...facts,
      engine_sha256: sha256File(o.target.tools.engine),
      xdp_tool_sha256: sha256File(o.target.tools.xdp),
      sink_sha256: sha256File(o.target.tools.sink),
      program_obj_sha256: {},
      perf: perf.detail,
      generator: `wirelab-engine on ${o.target.gen.name} (DPDK ${o.inventory.hosts.find((h) => h.name === o.target.gen.name)?.interfaces[0]?.dpdk.vdev ?? "port"}), UDP ${o.config.size} B, lcore ${o.config.txCpu}`,
    },
    points: [],
    notes,
  };
  const save = () => {
    results.ended_at = new Date().toISOString();
    writeResults(o.dir, results);
  };
  const plan = planPoints(o.config);
  const runId = `xb${process.pid % 1000}`;
  try {
    for (const [i, { mode, rate }] of plan.entries()) {
      if (o.signal.aborted) break;
      log(`point ${i + 1}/${plan.length}: ${mode} at ${rateLabel(rate)}`);
      let point: BenchPoint;
      try {
        point = await measurePoint({ inventory: o.inventory, config: o.config, target: o.target, transport: o.transport, hz: facts.hz, perf: perf.ok, runId, signal: o.signal, log }, mode, rate, i);
      } catch (err) {
        const msg = (err as Error).message.split("\n")[0]!;
        log(`point ${i + 1} failed: ${msg}`);
        if (o.signal.aborted) break;
        // One broken point (e.g. someone else's program on the interface) does not end the sweep.
        point = failedPoint(mode, rate, msg);
      }
      if (o.signal.aborted) {
        // A point cut short by Ctrl-C measured a partial window: keep it out of the table.
        log(`point ${i + 1} interrupted; not recorded`);
        break;
      }
      if (point.xdp_obj_sha256) results.provenance.program_obj_sha256[point.xdp_prog] = point.xdp_obj_sha256;
      results.points.push(point);
      o.onPoint?.(point, i, plan.length);
      save();
    }
  } catch (err) {
    results.state = "failed";
    results.reason = (err as Error).message.split("\n")[0]!;
  } finally {
    if (o.signal.aborted) {
      results.state = "interrupted";
      results.reason = "stopped by signal";
    }
    const left = await leftovers(dst, o.target);
    if (left) {
      results.notes.push(`after the run: ${left}`);
      if (results.state === "complete") {
        results.state = "failed";
        results.reason = left;
      }
    }
    save();
  }
  return results;
}

function failedPoint(mode: BenchPoint["mode"], rate: number, error: string): BenchPoint {
  return {
    mode, target_pps: rate, duration_s: 0, offered: 0, delivered: null, ring_dropped: null, absorbed: 0, offered_pps: 0, absorbed_pps: 0, loss: 0,
    task_ms_per_mpkt: null, task_user_ms_per_mpkt: null, task_system_ms_per_mpkt: null, cpu_user_ms_per_mpkt: null, cpu_system_ms_per_mpkt: null,
    cpu_softirq_ms_per_mpkt: null, cpu_busy_ms_per_mpkt: null, rx_cpu_background_busy: null, instructions_per_packet: null, xdp_ns_per_packet: null,
    xdp_prog: programFor(mode), xdp_attach_mode: "", xdp_obj_sha256: "", napi_threads: [], sink_kernel_drops: null, error: `failed: ${error}`,
  };
}

/**
 * Nothing of ours may stay: no XDP program on the interface, no pins. Normally
 * wirelab-xdp run already detached and unpinned; this sweeps up after a tool
 * that was killed, and says what it had to do.
 */
async function leftovers(dst: Transport, target: BenchTarget): Promise<string | undefined> {
  const problems: string[] = [];
  const pinned = (await dst.exec(["test", "-e", target.pinDir])).code === 0;
  // Only with our pins: a program without them is someone else's (a `run` of ours that died took its program with it).
  if (pinned) {
    // Threaded NAPI back off while the program still gives the veth a NAPI, then unload (checked by program id via the pins).
    await writeThreaded(dst, target.dst.dev, "0");
    const r = await dst.exec([target.tools.xdp, "unload", "--dev", target.dst.dev, "--pin-dir", target.pinDir]);
    if (r.code !== 0) problems.push(`wirelab-xdp unload: ${r.stderr.trim().split("\n").at(-1)}`);
  }
  const still = (await dst.exec(["ip", "link", "show", "dev", target.dst.dev])).stdout;
  if (/prog\/xdp/.test(still)) problems.push(`an XDP program is still attached to ${target.dst.name} ${target.dst.dev}`);
  if ((await dst.exec(["test", "-e", target.pinDir])).code === 0) problems.push(`${target.pinDir} still exists`);
  return problems.length ? problems.join("; ") : undefined;
}
