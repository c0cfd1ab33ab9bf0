// One measured point of the sweep, as written to results.json/csv/md.
// All CPU figures are milliseconds per million packets DELIVERED to the
// receiver (put on its veth ring), the work the receiving side was given.
import type { ReceiverMode } from "./presets.ts";

export interface BenchPoint {
  mode: ReceiverMode;
  /** Asked-for pps; 0 = generator maximum. */
  target_pps: number;
  duration_s: number;
  /** Frames the generator sent (its own count). */
  offered: number;
  /** Frames put on the receiving veth's ring (its peer's tx_packets); null where the lab has no visible peer. */
  delivered: number | null;
  /** Frames refused because the receiver's ring was full (the peer's tx_dropped). */
  ring_dropped: number | null;
  /** Frames the receiver counted: socket datagrams read, AF_PACKET frames read, or XDP verdicts. */
  absorbed: number;
  offered_pps: number;
  absorbed_pps: number;
  /** 1 - absorbed/offered, floored at 0. */
  loss: number;
  /** On-CPU time (schedstat) of the napi thread + receiver process, and its user/system split. */
  task_ms_per_mpkt: number | null;
  task_user_ms_per_mpkt: number | null;
  task_system_ms_per_mpkt: number | null;
  /** /proc/stat of the receiving CPU over the window, raw: other tenants included. */
  cpu_user_ms_per_mpkt: number | null;
  cpu_system_ms_per_mpkt: number | null;
  cpu_softirq_ms_per_mpkt: number | null;
  cpu_busy_ms_per_mpkt: number | null;
  /** Share of the receiving CPU busy in the second before the point, no traffic: the noise floor. */
  rx_cpu_background_busy: number | null;
  /** perf stat -e instructions on the receiving CPU / delivered; null where the PMU is not available. */
  instructions_per_packet: number | null;
  /** BPF run_time_ns / run_cnt of the attached program over the window. */
  xdp_ns_per_packet: number | null;
  xdp_prog: string;
  xdp_attach_mode: string;
  xdp_obj_sha256: string;
  napi_threads: string[];
  sink_kernel_drops: number | null;
  /** Why this point has no numbers or partial ones. */
  error?: string;
}

export const CSV_COLUMNS = [
  "mode", "target_pps", "duration_s", "offered", "delivered", "ring_dropped", "absorbed", "offered_pps", "absorbed_pps", "loss",
  "task_ms_per_mpkt", "task_user_ms_per_mpkt", "task_system_ms_per_mpkt",
  "cpu_user_ms_per_mpkt", "cpu_system_ms_per_mpkt", "cpu_softirq_ms_per_mpkt", "cpu_busy_ms_per_mpkt", "rx_cpu_background_busy",
  "instructions_per_packet", "xdp_ns_per_packet", "xdp_prog", "xdp_attach_mode", "sink_kernel_drops", "error",
] as const satisfies readonly (keyof BenchPoint)[];
