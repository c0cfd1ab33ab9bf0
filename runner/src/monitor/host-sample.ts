// What a host spent over one stats interval: the difference of two snapshots,
// CPU as percent of each core's time, interface counters as deltas and rates.
import type { CpuTimes, HostSnapshot } from "./host-snapshot.ts";

export interface CoreUsage {
  /** Percent of the interval's time on this core (all cores: of the machine's time). */
  readonly user: number;
  readonly system: number;
  readonly softirq: number;
  readonly idle: number;
  /** 100 - idle - iowait: what the core did for anyone. */
  readonly busy: number;
}

export interface InterfaceDelta {
  /** Counters at the end of the interval. */
  readonly total: Readonly<Record<string, number>>;
  /** Increase over the interval (a counter that went backwards, e.g. a re-created veth, counts from zero). */
  readonly delta: Readonly<Record<string, number>>;
  readonly rxPps: number;
  readonly txPps: number;
}

export interface HostSample {
  readonly host: string;
  readonly at: string;
  readonly intervalS: number;
  /** "cpu" is the whole machine; "cpu0".. per core. */
  readonly cpu: Readonly<Record<string, CoreUsage>>;
  readonly memory: { readonly totalKb: number; readonly availableKb: number; readonly usedPct: number };
  readonly interfaces: Readonly<Record<string, InterfaceDelta>>;
}

const round = (v: number) => Math.round(v * 100) / 100;

export function coreUsage(a: CpuTimes, b: CpuTimes): CoreUsage {
  const d = (k: keyof CpuTimes) => Math.max(0, b[k] - a[k]);
  const total = d("user") + d("nice") + d("system") + d("idle") + d("iowait") + d("irq") + d("softirq") + d("steal");
  // A core that saw no tick (offline, or an interval shorter than a jiffy) reads as idle.
  if (total === 0) return { user: 0, system: 0, softirq: 0, idle: 100, busy: 0 };
  const pct = (v: number) => round((100 * v) / total);
  return { user: pct(d("user") + d("nice")), system: pct(d("system")), softirq: pct(d("softirq")), idle: pct(d("idle")), busy: pct(total - d("idle") - d("iowait")) };
}

export function hostSample(host: string, prev: HostSnapshot, cur: HostSnapshot): HostSample {
  const intervalS = Math.max(1e-3, (cur.atMs - prev.atMs) / 1000);
  const cpu: Record<string, CoreUsage> = {};
  for (const [name, times] of Object.entries(cur.cpus)) {
    const before = prev.cpus[name];
    if (before) cpu[name] = coreUsage(before, times);
  }
  const interfaces: Record<string, InterfaceDelta> = {};
  for (const [name, total] of Object.entries(cur.interfaces)) {
    const before = prev.interfaces[name] ?? {};
    const delta: Record<string, number> = {};
    for (const [k, v] of Object.entries(total)) delta[k] = v >= (before[k] ?? 0) ? v - (before[k] ?? 0) : v;
    interfaces[name] = { total, delta, rxPps: round((delta.rx_packets ?? 0) / intervalS), txPps: round((delta.tx_packets ?? 0) / intervalS) };
  }
  const { totalKb, availableKb } = cur.memory;
  return {
    host,
    at: new Date().toISOString(),
    intervalS: round(intervalS),
    cpu,
    memory: { totalKb, availableKb, usedPct: totalKb ? round((100 * (totalKb - availableKb)) / totalKb) : 0 },
    interfaces,
  };
}
