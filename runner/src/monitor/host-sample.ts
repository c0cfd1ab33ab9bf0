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
  const user = Math.max(0, b.user - a.user) + Math.max(0, b.nice - a.nice);
  const system = Math.max(0, b.system - a.system);
  const idle = Math.max(0, b.idle - a.idle);
  const iowait = Math.max(0, b.iowait - a.iowait);
  const softirq = Math.max(0, b.softirq - a.softirq);
  const total = user + system + idle + iowait + Math.max(0, b.irq - a.irq) + softirq + Math.max(0, b.steal - a.steal);
  // A core that saw no tick (offline, or an interval shorter than a jiffy) reads as idle.
  if (total === 0) return { user: 0, system: 0, softirq: 0, idle: 100, busy: 0 };
  return { user: round((100 * user) / total), system: round((100 * system) / total), softirq: round((100 * softirq) / total), idle: round((100 * idle) / total), busy: round((100 * (total - idle - iowait)) / total) };
}

/** Runs for every host every interval, too rarely to be JIT-compiled: plain loops, no per-field closures. */
export function hostSample(host: string, prev: HostSnapshot, cur: HostSnapshot): HostSample {
  const intervalS = Math.max(1e-3, (cur.atMs - prev.atMs) / 1000);
  const cpu: Record<string, CoreUsage> = {};
  for (const name in cur.cpus) {
    const before = prev.cpus[name];
    if (before) cpu[name] = coreUsage(before, cur.cpus[name]!);
  }
  const interfaces: Record<string, InterfaceDelta> = {};
  for (const name in cur.interfaces) {
    const total = cur.interfaces[name]!;
    const before = prev.interfaces[name] ?? {};
    const delta: Record<string, number> = {};
    for (const k in total) {
      const v = total[k]!;
      const was = before[k] ?? 0;
      delta[k] = v >= was ? v - was : v;
    }
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
