// One point of the sweep, the method of xdp/tests/compare.sh in TypeScript:
// receiver up (XDP + threaded NAPI pinned + sink), 1 s settle, 1 s of
// background on the receive CPU with no traffic, then counters at both ends of
// the generator's run, then everything undone.
import { run } from "../../../../infra/src/process.ts";
import type { Inventory } from "../../../../infra/src/inventory.ts";
import { runTraffic } from "../../traffic/run-traffic.ts";
import type { Transport } from "../../transport/transport.ts";
import type { XdpStats } from "../xdp-output.ts";
import type { BenchConfig, BenchTarget } from "./bench-config.ts";
import type { BenchPoint } from "./bench-point.ts";
import { cpuDelta, takeCpuSnapshot } from "./cpu-snapshot.ts";
import { programFor } from "./bench-plan.ts";
import { perfInstructions } from "./perf-probe.ts";
import type { ReceiverMode } from "./presets.ts";
import { startReceiver, type Receiver } from "./receiver.ts";

export interface PointContext {
  readonly inventory: Inventory;
  readonly config: BenchConfig;
  readonly target: BenchTarget;
  readonly transport: (host: string) => Transport;
  readonly hz: number;
  readonly perf: boolean;
  readonly runId: string;
  readonly signal: AbortSignal;
  readonly log: (line: string) => void;
}

/** The switch end of the receiver's veth: frames put on the receiver's ring, and refused because it was full. */
async function peerCounters(peer: { namespace: string; dev: string } | undefined): Promise<{ tx: number; dropped: number } | undefined> {
  if (!peer) return undefined;
  const r = await run(["ip", "-n", peer.namespace, "-j", "-s", "link", "show", "dev", peer.dev]);
  if (r.code !== 0) return undefined;
  const link = (JSON.parse(r.stdout) as { stats64?: { tx: { packets: number; dropped: number } } }[])[0];
  return link?.stats64 ? { tx: link.stats64.tx.packets, dropped: link.stats64.tx.dropped } : undefined;
}

function absorbedBy(mode: ReceiverMode, x0: XdpStats, x1: XdpStats, sinkEth: number | undefined): number {
  if (mode === "xdp-drop") return (x1.actions?.drop ?? 0) - (x0.actions?.drop ?? 0);
  if (mode === "xdp-count") return (x1.protocols?.frames.packets ?? 0) - (x0.protocols?.frames.packets ?? 0);
  return sinkEth ?? 0;
}

export async function measurePoint(ctx: PointContext, mode: ReceiverMode, rate: number, seq: number): Promise<BenchPoint> {
  const { config, target } = ctx;
  const dst = ctx.transport(target.dst.name);
  const receiver: Receiver = await startReceiver(dst, config, target, mode);
  let stopped: Awaited<ReturnType<Receiver["stop"]>> | undefined;
  try {
    await Bun.sleep(1000);
    // The receive CPU's load with no traffic: how much of the window's /proc/stat is someone else.
    const b0 = await takeCpuSnapshot(dst, config.rxCpu, []);
    await Bun.sleep(1000);
    const b1 = await takeCpuSnapshot(dst, config.rxCpu, []);
    const bg = cpuDelta(b0, b1);
    const bgBusy = bg.user + bg.system + bg.softirq;
    const background = bgBusy + bg.idle > 0 ? bgBusy / (bgBusy + bg.idle) : null;

    const x0 = await receiver.xdpStats();
    const p0 = await peerCounters(target.dst.peer);
    const c0 = await takeCpuSnapshot(dst, config.rxCpu, receiver.taskPids);
    const perf = ctx.perf ? perfInstructions(dst, config.rxCpu, config.duration) : undefined;
    const traffic = await runTraffic(
      ctx.inventory,
      {
        tx: target.gen.name, rx: target.dst.name, protocol: "udp",
        ...(rate === 0 ? { mode: "continuous" as const } : { mode: "rate" as const, pps: rate }),
        duration: config.duration, size: config.size, dstPort: config.port, receiver: "none",
      },
      { runId: `${ctx.runId}${seq}`, transport: ctx.transport, signal: ctx.signal, lcores: { tx: config.txCpu, rx: config.rxCpu }, log: ctx.log },
    );
    const instructions = perf ? await perf : null;
    await Bun.sleep(300); // let the ring drain into the receiver
    const c1 = await takeCpuSnapshot(dst, config.rxCpu, receiver.taskPids);
    const p1 = await peerCounters(target.dst.peer);
    const x1 = await receiver.xdpStats();
    const napiThreads = receiver.napi?.threads.map((t) => t.comm) ?? [];
    stopped = await receiver.stop();

    const gen = traffic.hosts.find((h) => h.role === "tx");
    const secs = gen?.summary?.duration_s ?? config.duration;
    const offered = traffic.tx.udp.tx_packets;
    const delivered = p0 && p1 ? p1.tx - p0.tx : null;
    const ringDropped = p0 && p1 ? p1.dropped - p0.dropped : null;
    const absorbed = absorbedBy(mode, x0, x1, stopped.sink?.protocols.frames?.packets);
    const mpkt = (delivered ?? absorbed) / 1e6;
    const d = cpuDelta(c0, c1);
    const perM = (v: number | null) => (v === null || mpkt <= 0 ? null : round(v / mpkt, 1));
    const ticksMs = (ticks: number) => (ticks / ctx.hz) * 1000;
    const taskMs = d.taskNs / 1e6;
    const taskTicks = d.taskUserTicks + d.taskSystemTicks;
    const taskUserMs = receiver.taskPids.length ? (taskTicks > 0 ? (taskMs * d.taskUserTicks) / taskTicks : 0) : null;
    const runCnt = (x1.bpf?.run_cnt ?? 0) - (x0.bpf?.run_cnt ?? 0);
    const runNs = (x1.bpf?.run_time_ns ?? 0) - (x0.bpf?.run_time_ns ?? 0);
    const errors = [
      ...(traffic.state !== "passed" ? [`generator: ${traffic.reason ?? traffic.state}`] : []),
      ...(receiver.taskPids.length === 0 ? ["no napi thread found: receive work may run on the generator's CPU"] : []),
      ...stopped.errors,
    ];
    return {
      mode,
      target_pps: rate,
      duration_s: round(secs, 3),
      offered,
      delivered,
      ring_dropped: ringDropped,
      absorbed,
      offered_pps: Math.round(offered / secs),
      absorbed_pps: Math.round(absorbed / secs),
      loss: offered > 0 ? round(Math.max(0, 1 - absorbed / offered), 5) : 0,
      task_ms_per_mpkt: receiver.taskPids.length ? perM(taskMs) : null,
      task_user_ms_per_mpkt: perM(taskUserMs),
      task_system_ms_per_mpkt: taskUserMs === null ? null : perM(taskMs - taskUserMs),
      cpu_user_ms_per_mpkt: perM(ticksMs(d.user)),
      cpu_system_ms_per_mpkt: perM(ticksMs(d.system)),
      cpu_softirq_ms_per_mpkt: perM(ticksMs(d.softirq)),
      cpu_busy_ms_per_mpkt: perM(ticksMs(d.user + d.system + d.softirq)),
      rx_cpu_background_busy: background === null ? null : round(background, 3),
      instructions_per_packet: instructions !== null && mpkt > 0 ? Math.round(instructions / (mpkt * 1e6)) : null,
      xdp_ns_per_packet: runCnt > 0 ? round(runNs / runCnt, 1) : null,
      xdp_prog: programFor(mode),
      xdp_attach_mode: receiver.xdp.loaded.mode,
      xdp_obj_sha256: receiver.xdp.loaded.obj_sha256,
      napi_threads: napiThreads,
      sink_kernel_drops: stopped.sink?.kernel_drops ?? null,
      ...(errors.length ? { error: errors.join("; ") } : {}),
    };
  } finally {
    if (!stopped) await receiver.stop();
  }
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
