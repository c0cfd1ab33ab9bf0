// The receiving side of one point: the XDP program (every mode has one, see
// programFor), threaded NAPI pinned to the receive CPU, and for the baselines
// wirelab-sink pinned beside it. stop() undoes it all in the order the kernel
// needs: threaded setting back while NAPI exists, sink, then detach.
import type { RemoteProcess, Transport } from "../../transport/transport.ts";
import { parseXdpLine, type XdpStats } from "../xdp-output.ts";
import { startXdp, type XdpSession } from "../xdp-session.ts";
import type { BenchConfig, BenchTarget } from "./bench-config.ts";
import { programFor, sinkArgv } from "./bench-plan.ts";
import type { ReceiverMode } from "./presets.ts";
import { enableThreadedNapi, type ThreadedNapi } from "./threaded-napi.ts";

export interface SinkSummary {
  protocols: Record<string, { packets: number; bytes: number }>;
  kernel_drops?: number;
  cpu?: { user_s: number; system_s: number };
}

export interface Receiver {
  readonly xdp: XdpSession;
  readonly napi: ThreadedNapi | undefined;
  readonly sinkPid: number | undefined;
  /** pids whose CPU time is the receive work: napi thread(s) and the sink. */
  readonly taskPids: number[];
  /** Counters read from the pins (the program's and the kernel's BPF run stats). */
  xdpStats(): Promise<XdpStats>;
  stop(): Promise<{ xdp: XdpStats | undefined; sink: SinkSummary | undefined; errors: string[] }>;
}

export async function startReceiver(transport: Transport, config: BenchConfig, target: BenchTarget, mode: ReceiverMode): Promise<Receiver> {
  const xdp = await startXdp(transport, { tool: target.tools.xdp, dev: target.dst.dev, pinDir: target.pinDir, prog: programFor(mode), interval: 1 });
  let napi: ThreadedNapi | undefined;
  let sink: RemoteProcess | undefined;
  let sinkSummary: SinkSummary | undefined;
  const undo = async () => {
    const errors: string[] = [];
    await napi?.restore().catch((e: Error) => errors.push(e.message));
    if (sink) await sink.stop(3000);
    const x = await xdp.stop().catch((e: Error) => {
      errors.push(e.message);
      return undefined;
    });
    return { xdp: x, sink: sinkSummary, errors };
  };
  try {
    napi = await enableThreadedNapi(transport, target.dst.dev, config.rxCpu);
    const argv = sinkArgv(config, target, mode);
    if (argv) {
      let ready!: () => void;
      const isReady = new Promise<void>((r) => (ready = r));
      const stderr: string[] = [];
      sink = await transport.spawn(argv, {
        onStdoutLine: (line) => {
          if (!line.startsWith("{")) return;
          const msg = JSON.parse(line) as { type: string } & SinkSummary;
          if (msg.type === "ready") ready();
          else if (msg.type === "summary") sinkSummary = msg;
        },
        onStderrLine: (line) => stderr.push(line),
      });
      const up = await Promise.race([isReady.then(() => true), sink.exited.then(() => false), Bun.sleep(10000).then(() => false)]);
      if (!up) throw new Error(`${transport.host}: wirelab-sink did not start: ${stderr.at(-1) ?? "no output"}`);
    }
    if (config.rt) {
      for (const pid of [...napi.threads.map((t) => t.pid), ...(sink ? [sink.pgid] : [])]) {
        const argv = ["chrt", "-f", "-p", "50", String(pid)];
        const r = await transport.exec(argv);
        if (r.code !== 0) throw new Error(`${transport.host}: cannot make ${pid} SCHED_FIFO: ${r.stderr.trim().split("\n")[0]} (try --no-rt)`);
      }
    }
  } catch (err) {
    await undo();
    throw err;
  }
  // With `ip netns exec` (and ssh's exec) the command keeps the leader's pid: the group id is the sink's pid.
  const sinkPid = sink?.pgid;
  return {
    xdp,
    napi,
    sinkPid,
    taskPids: [...(napi?.threads.map((t) => t.pid) ?? []), ...(sinkPid ? [sinkPid] : [])],
    async xdpStats() {
      const argv = [target.tools.xdp, "stats", "--json", "--pin-dir", target.pinDir];
      const r = await transport.exec(argv);
      const s = r.stdout.split("\n").map(parseXdpLine).find((m): m is XdpStats => m?.type === "stats" || m?.type === "summary");
      if (!s) throw new Error(`${transport.host}: wirelab-xdp stats said nothing usable: ${r.stderr.trim().split("\n").at(-1) ?? ""}`);
      return s;
    },
    stop: undo,
  };
}
