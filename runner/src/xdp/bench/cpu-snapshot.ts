// Receive-side CPU counters read on the receiving host in one command, so the
// two ends of a window are taken as close together as possible:
//   - /proc/stat of the receiving CPU (user, nice, system, idle, iowait, irq,
//     softirq in clock ticks): everything that ran there, other tenants included;
//   - per task (the napi thread, the receiver process): on-CPU ns from
//     schedstat and utime/stime ticks from stat: the receive work itself.
import { checked, type Transport } from "../../transport/transport.ts";

export interface CpuTicks {
  user: number;
  nice: number;
  system: number;
  idle: number;
  iowait: number;
  irq: number;
  softirq: number;
}

export interface TaskTime {
  pid: number;
  onCpuNs: number;
  utimeTicks: number;
  stimeTicks: number;
}

export interface CpuSnapshot {
  readonly at: number;
  readonly cpu: CpuTicks;
  readonly tasks: TaskTime[];
}

export async function takeCpuSnapshot(transport: Transport, cpu: number, pids: readonly number[]): Promise<CpuSnapshot> {
  const script = `grep '^cpu${cpu} ' /proc/stat; for p in ${pids.join(" ")}; do echo "S $p $(cat /proc/$p/schedstat 2>/dev/null)"; echo "T $p $(cat /proc/$p/stat 2>/dev/null)"; done`;
  const argv = ["sh", "-c", script];
  const out = checked(transport.host, argv, await transport.exec(argv)).stdout;
  const at = Date.now() / 1000;
  let ticks: CpuTicks | undefined;
  const tasks = new Map<number, TaskTime>();
  const task = (pid: number) => {
    let t = tasks.get(pid);
    if (!t) tasks.set(pid, (t = { pid, onCpuNs: 0, utimeTicks: 0, stimeTicks: 0 }));
    return t;
  };
  for (const line of out.split("\n")) {
    if (line.startsWith(`cpu${cpu} `)) {
      const f = line.trim().split(/\s+/).slice(1).map(Number);
      ticks = { user: f[0]!, nice: f[1]!, system: f[2]!, idle: f[3]!, iowait: f[4]!, irq: f[5]!, softirq: f[6]! };
    } else if (line.startsWith("S ")) {
      const [, pid, ns] = line.split(/\s+/);
      if (ns) task(Number(pid)).onCpuNs = Number(ns);
    } else if (line.startsWith("T ")) {
      const m = /^T (\d+) .*\) (.*)$/.exec(line);
      if (!m) continue;
      // Fields after "comm) ": state is [0], utime is field 14 of stat, i.e. [11], stime [12].
      const rest = m[2]!.split(" ");
      const t = task(Number(m[1]));
      t.utimeTicks = Number(rest[11]);
      t.stimeTicks = Number(rest[12]);
    }
  }
  if (!ticks) throw new Error(`${transport.host}: no cpu${cpu} line in /proc/stat (does the host have that CPU?)`);
  return { at, cpu: ticks, tasks: [...tasks.values()] };
}

export interface CpuDelta {
  secs: number;
  /** Clock ticks on the receiving CPU over the window. */
  user: number;
  system: number;
  /** softirq + irq */
  softirq: number;
  idle: number;
  /** On-CPU time of the tracked tasks, ns, and its user/system split in ticks. */
  taskNs: number;
  taskUserTicks: number;
  taskSystemTicks: number;
}

export function cpuDelta(a: CpuSnapshot, b: CpuSnapshot): CpuDelta {
  const d = (k: keyof CpuTicks) => b.cpu[k] - a.cpu[k];
  let taskNs = 0;
  let taskUserTicks = 0;
  let taskSystemTicks = 0;
  for (const t1 of b.tasks) {
    // A task that vanished or appeared mid-window is counted only for what both ends saw.
    const t0 = a.tasks.find((t) => t.pid === t1.pid);
    if (!t0) continue;
    taskNs += t1.onCpuNs - t0.onCpuNs;
    taskUserTicks += t1.utimeTicks - t0.utimeTicks;
    taskSystemTicks += t1.stimeTicks - t0.stimeTicks;
  }
  return {
    secs: b.at - a.at,
    user: d("user") + d("nice"),
    system: d("system"),
    softirq: d("softirq") + d("irq"),
    idle: d("idle") + d("iowait"),
    taskNs,
    taskUserTicks,
    taskSystemTicks,
  };
}
