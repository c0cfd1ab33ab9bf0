// One reading of a host's counters: /proc/stat per core, /proc/meminfo and the
// test interfaces' /sys/class/net/<if>/statistics, all from ONE shell command so
// a stats interval costs one round trip per host (one exec over SSH, one fork in a netns).

export interface CpuTimes {
  readonly user: number;
  readonly nice: number;
  readonly system: number;
  readonly idle: number;
  readonly iowait: number;
  readonly irq: number;
  readonly softirq: number;
  readonly steal: number;
}

export interface HostSnapshot {
  /** Milliseconds (monotonic enough: performance.now on the runner), for rates. */
  readonly atMs: number;
  /** "cpu" (all cores) and "cpu0".. in jiffies. */
  readonly cpus: Readonly<Record<string, CpuTimes>>;
  readonly memory: { readonly totalKb: number; readonly availableKb: number };
  /** Interface name → counter name (rx_packets, tx_bytes, rx_dropped, ...) → value. */
  readonly interfaces: Readonly<Record<string, Readonly<Record<string, number>>>>;
}

const IF_NAME = /^[A-Za-z0-9_.@-]{1,15}$/;

/**
 * The shell command that prints one snapshot. Markers separate the three parts; `grep .` over the
 * statistics files prints "path:value" per counter. Inside a netns, `ip netns exec` has remounted /sys,
 * so these are the namespace's own interfaces; /proc/stat and /proc/meminfo are the machine's.
 */
export function snapshotCommand(interfaces: readonly string[]): string[] {
  for (const i of interfaces) if (!IF_NAME.test(i)) throw new Error(`monitor: '${i}' is not an interface name`);
  const ifs = interfaces.map((i) => `echo '@@if ${i}'; grep . /sys/class/net/${i}/statistics/* 2>/dev/null`).join("; ");
  return ["sh", "-c", `echo '@@stat'; cat /proc/stat; echo '@@mem'; cat /proc/meminfo${ifs ? `; ${ifs}` : ""}`];
}

/**
 * The same snapshot printed every intervalS seconds by one long-lived shell on the host, each
 * followed by an end marker: the runner reads a stream instead of starting a process per reading.
 */
export function snapshotLoopCommand(interfaces: readonly string[], intervalS: number): string[] {
  if (!(intervalS > 0)) throw new Error(`monitor: interval ${intervalS} s must be positive`);
  const once = snapshotCommand(interfaces)[2]!;
  return ["sh", "-c", `while :; do ${once}; echo '${SNAPSHOT_END}'; sleep ${intervalS}; done`];
}

export const SNAPSHOT_END = "@@end";

export function parseProcStat(text: string): Record<string, CpuTimes> {
  const cpus: Record<string, CpuTimes> = {};
  for (const line of text.split("\n")) {
    if (!line.startsWith("cpu")) continue;
    const [name, ...fields] = line.trim().split(/\s+/);
    const n = fields.map(Number);
    if (!name || n.length < 4 || n.some((v) => !Number.isFinite(v))) continue;
    // Older kernels print fewer columns; missing ones are zero.
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = n;
    cpus[name] = { user, nice, system, idle, iowait, irq, softirq, steal };
  }
  return cpus;
}

export function parseMeminfo(text: string): { totalKb: number; availableKb: number } {
  const value = (key: string) => {
    const m = new RegExp(`^${key}:\\s+(\\d+)`, "m").exec(text);
    return m ? Number(m[1]) : 0;
  };
  const totalKb = value("MemTotal");
  // MemAvailable exists since Linux 3.14; before that, free is the closest.
  const availableKb = value("MemAvailable") || value("MemFree");
  return { totalKb, availableKb };
}

/** Lines "/sys/class/net/eth1/statistics/rx_packets:123" → { rx_packets: 123 }. */
export function parseInterfaceStats(text: string): Record<string, number> {
  const counters: Record<string, number> = {};
  for (const line of text.split("\n")) {
    const m = /([a-z0-9_]+):(\d+)\s*$/.exec(line.trim());
    if (m) counters[m[1]!] = Number(m[2]);
  }
  return counters;
}

export function parseSnapshot(output: string, atMs: number): HostSnapshot {
  const parts = output.split(/^@@/m);
  let stat = "";
  let mem = "";
  const interfaces: Record<string, Record<string, number>> = {};
  for (const part of parts) {
    const nl = part.indexOf("\n");
    const head = (nl < 0 ? part : part.slice(0, nl)).trim();
    const body = nl < 0 ? "" : part.slice(nl + 1);
    if (head === "stat") stat = body;
    else if (head === "mem") mem = body;
    else if (head.startsWith("if ")) interfaces[head.slice(3)] = parseInterfaceStats(body);
  }
  const cpus = parseProcStat(stat);
  if (!cpus.cpu) throw new Error("monitor: no 'cpu' line in /proc/stat output");
  return { atMs, cpus, memory: parseMeminfo(mem), interfaces };
}
