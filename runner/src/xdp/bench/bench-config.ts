// What one `xdp bench` invocation measures, settled once from the command line.
import type { ReceiverMode } from "./presets.ts";

export interface BenchConfig {
  readonly preset: string;
  readonly modes: readonly ReceiverMode[];
  /** Offered pps per point; 0 = generator maximum. */
  readonly rates: readonly number[];
  readonly duration: number;
  /** Frame size in bytes (the engine's --size). */
  readonly size: number;
  readonly gen: string;
  readonly dst: string;
  /** The receiving side's CPU: napi thread and receiver are pinned here. */
  readonly rxCpu: number;
  /** The generator's CPU (its DPDK lcore). */
  readonly txCpu: number;
  /** UDP destination port of the generated datagrams; the socket baseline binds it. */
  readonly port: number;
  /**
   * Run the napi thread and the sink SCHED_FIFO 50, so other tenants on a shared
   * CPU do not starve the receiver (what loses packets then is the ring
   * overflowing while it waits). Changes who waits, not the cost per packet.
   */
  readonly rt: boolean;
}

export interface BenchTarget {
  readonly gen: { name: string; dev: string; ip: string };
  readonly dst: { name: string; dev: string; ip: string; peer?: { namespace: string; dev: string } };
  readonly pinDir: string;
  readonly tools: { engine: string; xdp: string; sink: string };
  readonly labName: string;
}
