// One reading of a host's counters: /proc/stat per core, /proc/meminfo and the
// test interfaces' /sys/class/net/<if>/statistics, all from ONE shell command so
// a stats interval costs one round trip per host reached over SSH. Namespaces on
// the runner's machine share one reading instead (local-sampler.ts).

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
 * Only the lines the parsers read leave the host: /proc/stat's interrupt line alone is kilobytes
 * the runner would otherwise read and split every interval.
 */
export function snapshotCommand(interfaces: readonly string[]): string[] {
  for (const i of interfaces) if (!IF_NAME.test(i)) throw new Error(`monitor: '${i}' is not an interface name`);
  const ifs = interfaces.map((i) => `echo '@@if ${i}'; grep . /sys/class/net/${i}/statistics/* 2>/dev/null`).join("; ");
  return ["sh", "-c", `echo '@@stat'; grep '^cpu' /proc/stat; echo '@@mem'; grep -E '^(MemTotal|MemAvailable|MemFree):' /proc/meminfo${ifs ? `; ${ifs}` : ""}`];
}

/**
 * The same snapshot printed every intervalS seconds by one long-lived shell on the host, each
 * followed by an end marker: the runner reads a stream instead of starting a process per reading.
 * Each snapshot is gathered first and written at once, so the runner wakes once per host per
 * interval instead of once per command's output.
 */
export function snapshotLoopCommand(interfaces: readonly string[], intervalS: number): string[] {
  if (!(intervalS > 0)) throw new Error(`monitor: interval ${intervalS} s must be positive`);
  const once = snapshotCommand(interfaces)[2]!;
  return ["sh", "-c", `while :; do s=$(${once}); printf '%s\n${SNAPSHOT_END}\n' "$s"; sleep ${intervalS}; done`];
}

export const SNAPSHOT_END = "@@end";

// The parsers run for every host every interval, too rarely for the JIT to warm them up: one precompiled
// regular expression over the whole text each, instead of splitting into lines and fields.

/** A cpu line: its name and 4 to 8 counters (older kernels print fewer columns). */
const CPU_LINE = /^(cpu\d*)[ \t]+(\d+)[ \t]+(\d+)[ \t]+(\d+)[ \t]+(\d+)(?:[ \t]+(\d+))?(?:[ \t]+(\d+))?(?:[ \t]+(\d+))?(?:[ \t]+(\d+))?/gm;

export function parseProcStat(text: string): Record<string, CpuTimes> {
  const cpus: Record<string, CpuTimes> = {};
  // Missing columns are zero.
  const n = (v: string | undefined) => (v === undefined ? 0 : Number(v));
  for (const m of text.matchAll(CPU_LINE)) {
    cpus[m[1]!] = { user: n(m[2]), nice: n(m[3]), system: n(m[4]), idle: n(m[5]), iowait: n(m[6]), irq: n(m[7]), softirq: n(m[8]), steal: n(m[9]) };
  }
  return cpus;
}

const MEMINFO = /^(MemTotal|MemAvailable|MemFree):[ \t]+(\d+)/gm;

export function parseMeminfo(text: string): { totalKb: number; availableKb: number } {
  const kb: Record<string, number> = {};
  for (const m of text.matchAll(MEMINFO)) kb[m[1]!] ??= Number(m[2]);
  // MemAvailable exists since Linux 3.14; before that, free is the closest.
  return { totalKb: kb.MemTotal ?? 0, availableKb: kb.MemAvailable || kb.MemFree || 0 };
}

/** "path/to/counter:value" (what `grep .` prints for each file), one a line. */
const COUNTER_LINE = /([a-z0-9_]+):(\d+)[ \t\r]*$/gm;

/** Lines "/sys/class/net/eth1/statistics/rx_packets:123" → { rx_packets: 123 }. */
export function parseInterfaceStats(text: string): Record<string, number> {
  const counters: Record<string, number> = {};
  for (const m of text.matchAll(COUNTER_LINE)) counters[m[1]!] = Number(m[2]);
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
