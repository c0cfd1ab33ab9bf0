// RFC 2544 section 26.1 throughput: per frame size, the highest rate at which
// the DUT forwards every frame offered. One tester host with two test
// interfaces runs one engine on both ports (--port 0 --port 1 --stamp): port 0
// sends through the DUT, port 1 receives, and the engine's sequence numbers say
// what was lost. Each trial is a fixed count of frames at a fixed rate; a
// binary search between 0 and max_rate narrows on the zero-loss rate.
import { z } from "zod";
import { toolsOf, type Inventory, type InventoryHost, type InventoryInterface } from "../../../infra/src/inventory.ts";
import { dpdkFilePrefix, dpdkRuntimeDir, holdDpdkRuntimeDirs } from "../../../infra/src/dpdk-runtime.ts";
import type { ExecResult, Transport } from "../transport/transport.ts";

/** RFC 2544 section 9.1's Ethernet frame sizes, FCS included. */
export const RFC2544_FRAME_SIZES = [64, 128, 256, 512, 1024, 1280, 1518] as const;
const FCS = 4;

export const rfc2544Schema = z.strictObject({
  /** The host with (at least) two test interfaces: the first sends, the second receives. */
  tester: z.string().min(1),
  /** The device under test (next hop of the tester's first interface) [the lab's host with role dut]. */
  dut: z.string().min(1).optional(),
  frame_sizes: z.array(z.number().int().min(64).max(1518)).min(1).default([...RFC2544_FRAME_SIZES]),
  /** Seconds of traffic per trial (RFC 2544 asks 60; a lab on shared cores uses a few). */
  trial_duration: z.number().positive().default(2),
  /** The highest rate tried, frames per second. */
  max_rate: z.number().positive(),
  /** The search stops when the bracket is this fraction of max_rate wide. */
  resolution: z.number().positive().max(0.5).default(0.02),
  /** Frames lost that still count as no loss, as a fraction of those sent (RFC 2544: 0). */
  loss_tolerance: z.number().min(0).max(1).default(0),
  /** Trials per frame size at most. */
  max_trials: z.number().int().min(1).max(40).default(12),
});
export type Rfc2544Spec = z.infer<typeof rfc2544Schema>;

export interface Latency {
  readonly samples: number;
  readonly min_us: number;
  readonly mean_us: number;
  readonly p50_us: number;
  readonly p90_us: number;
  readonly p99_us: number;
  readonly p999_us: number;
  readonly max_us: number;
}

export interface Sequence {
  readonly received: number;
  readonly lost: number;
  readonly reordered: number;
  readonly duplicates: number;
}

export interface Trial {
  readonly pps: number;
  readonly sent: number;
  readonly received: number;
  readonly lost: number;
  readonly reordered: number;
  readonly duplicates: number;
  /** Departure rate the tester reached (its pacer); below the offered rate the trial cannot pass. */
  readonly achievedPps: number;
  readonly latency: Latency | null;
  /** Why the trial could not be run or read, if it could not. */
  readonly error?: string;
}

export interface SearchOptions {
  readonly maxRate: number;
  readonly resolution: number;
  readonly lossTolerance: number;
  readonly maxTrials: number;
}

export interface SizeResult {
  readonly frameSize: number;
  /** Highest rate that passed (0: none did). */
  readonly pps: number;
  /** Layer-2 bit rate at that rate, FCS included. */
  readonly mbps: number;
  /** pps as a share of max_rate, in percent. */
  readonly percentOfMax: number;
  /** The passing trial's one-way latency. */
  readonly latency: Latency | null;
  /**
   * What stopped the search going higher: frames lost at the DUT, the tester not
   * reaching the rate (then the figure is the tester's, not the DUT's), or
   * nothing below max_rate.
   */
  readonly limitedBy: "loss" | "tester" | "max_rate";
  readonly trials: Trial[];
  readonly error?: string;
}

export interface Rfc2544Result {
  readonly schema: "wirelab/rfc2544@1";
  readonly step: string;
  readonly tester: string;
  readonly dut: string;
  readonly maxRate: number;
  readonly trialDuration: number;
  readonly resolution: number;
  readonly sizes: SizeResult[];
}

/** A trial passes when the tester offered the rate and the DUT lost no more than the tolerance. */
export function trialPassed(t: Trial, lossTolerance: number): boolean {
  if (t.error || t.sent === 0) return false;
  if (t.achievedPps < 0.98 * t.pps) return false;
  return t.lost <= lossTolerance * t.sent;
}

/**
 * Binary search for the highest passing rate in (0, maxRate]: maxRate is tried
 * first (a DUT that keeps up is done in one trial), then the middle of the
 * bracket between the highest pass and the lowest failure, until the bracket
 * is narrower than resolution × maxRate or the trials run out.
 */
export async function searchThroughput(trial: (pps: number) => Promise<Trial>, o: SearchOptions): Promise<{ pps: number; best: Trial | null; trials: Trial[] }> {
  const trials: Trial[] = [];
  let lo = 0;
  let hi = o.maxRate;
  let best: Trial | null = null;
  let next = o.maxRate;
  const step = o.resolution * o.maxRate;
  while (trials.length < o.maxTrials) {
    const pps = Math.max(1, Math.round(next));
    const t = await trial(pps);
    trials.push(t);
    if (t.error && !t.sent) break;
    if (trialPassed(t, o.lossTolerance)) {
      lo = pps;
      best = t;
    } else {
      hi = pps;
    }
    if (hi - lo <= step || lo >= o.maxRate) break;
    next = (lo + hi) / 2;
  }
  return { pps: lo, best, trials };
}

/** Why no rate above `pps` passed: the lowest failing trial above it says. */
export function limitOf(pps: number, trials: readonly Trial[], maxRate: number): SizeResult["limitedBy"] {
  if (pps >= maxRate) return "max_rate";
  const failed = trials.filter((t) => t.pps > pps).sort((a, b) => a.pps - b.pps)[0];
  return failed && !failed.error && failed.achievedPps < 0.98 * failed.pps && failed.lost === 0 ? "tester" : "loss";
}

/** Layer-2 megabits per second of `pps` frames of `frameSize` bytes (FCS included). */
export function mbps(pps: number, frameSize: number): number {
  return (pps * frameSize * 8) / 1e6;
}

function segmentOf(host: InventoryHost, ifc: InventoryInterface, inv: Inventory, dutName: string | undefined): { dut: InventoryHost; mac: string } {
  const duts = inv.hosts.filter((h) => (dutName ? h.name === dutName : h.role === "dut"));
  for (const d of duts) {
    const near = d.interfaces.find((i) => i.segment === ifc.segment);
    if (near) return { dut: d, mac: near.mac };
  }
  throw new Error(`rfc2544: no ${dutName ? `host '${dutName}'` : "dut host"} on ${host.name}'s segment ${ifc.segment}`);
}

export interface TwoPortRun {
  /** Frames per second and how many (the engine ends on the count, then lingers for the last ones). */
  readonly pps: number;
  readonly count: number;
  /** Frame size without FCS. */
  readonly size: number;
  /** Next hop of port 0 (a DUT); absent: port 0 resolves port 1's address by ARP (back-to-back). */
  readonly dstMac?: string;
  readonly runId: string;
  readonly lcore?: number;
}

export interface TwoPortPlan {
  readonly argv: string[];
  readonly filePrefix: string;
}

/** One engine on a host's first two test interfaces: stamped UDP from the first to the second's address. */
export function twoPortCommand(inv: Inventory, hostName: string, run: TwoPortRun): TwoPortPlan {
  const host = inv.hosts.find((h) => h.name === hostName);
  if (!host) throw new Error(`no host '${hostName}' in the lab`);
  const [out, back] = host.interfaces;
  if (!out || !back) throw new Error(`host '${host.name}' needs two test interfaces (it has ${host.interfaces.length})`);
  const attach = (i: InventoryInterface) => {
    if (i.dpdk.pci) return ["-a", i.dpdk.pci];
    if (i.dpdk.vdev) return ["--vdev", i.dpdk.vdev];
    throw new Error(`${host.name} ${i.name} has no DPDK attachment (vdev or pci) in the inventory`);
  };
  const filePrefix = dpdkFilePrefix(inv.lab.prefix, run.runId, host.name);
  const argv = [
    toolsOf(host).engine,
    ...out.dpdk.eal, ...attach(out), ...attach(back),
    "--file-prefix", filePrefix, "-l", String(run.lcore ?? 0), "--log-level", "lib.eal:error",
    "--",
    "--role", "tx", "--port", "0", "--port", "1", "--stamp",
    "--protocol", "udp", "--mode", "rate", "--pps", String(run.pps), "--count", String(run.count),
    "--size", String(run.size),
    "--src-ip", out.ipv4, "--dst-ip", back.ipv4,
    ...(run.dstMac ? ["--dst-mac", run.dstMac] : []),
  ];
  return { argv, filePrefix };
}

/** The engine command of one trial on the tester: through the DUT at `pps` for trial_duration seconds' worth of frames. */
export function trialCommand(inv: Inventory, spec: Rfc2544Spec, frameSize: number, pps: number, runId: string): TwoPortPlan & { dut: string } {
  const tester = inv.hosts.find((h) => h.name === spec.tester);
  if (!tester) throw new Error(`rfc2544: no host '${spec.tester}' in the lab`);
  if (tester.interfaces.length < 2) throw new Error(`rfc2544: host '${tester.name}' needs two test interfaces (it has ${tester.interfaces.length})`);
  const { dut, mac } = segmentOf(tester, tester.interfaces[0]!, inv, spec.dut);
  const count = Math.max(1, Math.round(pps * spec.trial_duration));
  const plan = twoPortCommand(inv, tester.name, { pps, count, size: frameSize - FCS, dstMac: mac, runId });
  return { ...plan, argv: [...plan.argv, "--stats-interval", String(Math.max(1, spec.trial_duration))], dut: dut.name };
}

/** Runs a two-port engine to its end (a timeout only catches a hang) and removes its DPDK runtime files. */
export async function execTwoPort(inv: Inventory, t: Transport, plan: TwoPortPlan, timeoutMs: number, stop?: AbortSignal): Promise<ExecResult> {
  const release = inv.backend === "netns" ? holdDpdkRuntimeDirs([plan.filePrefix]) : () => undefined;
  try {
    return await t.exec(plan.argv, { signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), ...(stop ? [stop] : [])]) });
  } finally {
    release();
    await t.exec(["rm", "-rf", dpdkRuntimeDir(plan.filePrefix)]).catch(() => undefined);
  }
}

interface SummaryLine {
  type?: string;
  sequence?: Sequence;
  latency?: Latency;
  pacing?: { achieved_pps?: number } | null;
}

/** A trial's figures from the engine's output (its summary line). */
export function readTrial(pps: number, stdout: string, failure?: string): Trial {
  let summary: SummaryLine | undefined;
  for (const line of stdout.split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      const j = JSON.parse(line) as SummaryLine;
      if (j.type === "summary") summary = j;
    } catch {
      // a cut line at the end of a killed run
    }
  }
  const seq = summary?.sequence;
  if (!summary || !seq) return { pps, sent: 0, received: 0, lost: 0, reordered: 0, duplicates: 0, achievedPps: 0, latency: null, error: failure ?? "no summary with sequence figures from the engine" };
  return {
    pps,
    sent: seq.received + seq.lost,
    received: seq.received,
    lost: seq.lost,
    reordered: seq.reordered,
    duplicates: seq.duplicates,
    achievedPps: summary.pacing?.achieved_pps ?? 0,
    latency: summary.latency && summary.latency.samples > 0 ? summary.latency : null,
    ...(failure ? { error: failure } : {}),
  };
}

export interface RunRfc2544Options {
  readonly step: string;
  readonly runId: string;
  readonly transport: (host: string) => Transport;
  readonly signal?: AbortSignal;
  readonly log?: (line: string) => void;
  readonly onTrial?: (frameSize: number, t: Trial) => void;
}

/** The search for every frame size, on the lab's tester and DUT. */
export async function runRfc2544(inv: Inventory, spec: Rfc2544Spec, options: RunRfc2544Options): Promise<Rfc2544Result> {
  const sizes: SizeResult[] = [];
  let dutName = spec.dut ?? "";
  let n = 0;
  for (const frameSize of spec.frame_sizes) {
    if (options.signal?.aborted) break;
    const trial = async (pps: number): Promise<Trial> => {
      if (options.signal?.aborted) return readTrial(pps, "", "stopped by signal");
      const plan = trialCommand(inv, spec, frameSize, pps, `${options.runId}t${n++}`);
      dutName = plan.dut;
      const r = await execTwoPort(inv, options.transport(spec.tester), plan, (spec.trial_duration * 3 + 30) * 1000, options.signal);
      const failure = r.code === 0 ? undefined : `engine exited ${r.code ?? r.signal}: ${r.stderr.trim().split("\n").at(-1) ?? ""}`;
      const result = readTrial(pps, r.stdout, failure);
      options.log?.(`rfc2544 ${frameSize} B @ ${pps} pps: sent ${result.sent}, lost ${result.lost}, achieved ${Math.round(result.achievedPps)} pps${result.error ? ` (${result.error})` : ""}`);
      options.onTrial?.(frameSize, result);
      return result;
    };
    try {
      const found = await searchThroughput(trial, { maxRate: spec.max_rate, resolution: spec.resolution, lossTolerance: spec.loss_tolerance, maxTrials: spec.max_trials });
      const broken = found.trials.find((t) => t.error);
      sizes.push({
        frameSize,
        pps: found.pps,
        mbps: mbps(found.pps, frameSize),
        percentOfMax: (100 * found.pps) / spec.max_rate,
        latency: found.best?.latency ?? null,
        limitedBy: limitOf(found.pps, found.trials, spec.max_rate),
        trials: found.trials,
        ...(broken && !found.best ? { error: broken.error! } : {}),
      });
    } catch (err) {
      sizes.push({ frameSize, pps: 0, mbps: 0, percentOfMax: 0, latency: null, limitedBy: "loss", trials: [], error: (err as Error).message.split("\n")[0]! });
    }
  }
  return { schema: "wirelab/rfc2544@1", step: options.step, tester: spec.tester, dut: dutName, maxRate: spec.max_rate, trialDuration: spec.trial_duration, resolution: spec.resolution, sizes };
}
