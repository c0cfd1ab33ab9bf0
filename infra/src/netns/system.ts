// What the netns backend reads of the machine: the root namespace's links,
// namespaces and routes, and processes, straight from /sys, /run, /proc.
import { existsSync, readdirSync, readFileSync, readlinkSync, statSync } from "node:fs";

export function rootLinks(): Set<string> {
  return new Set(readdirSync("/sys/class/net"));
}

export function namespaces(): Set<string> {
  return existsSync("/run/netns") ? new Set(readdirSync("/run/netns")) : new Set();
}

export function linkIsUp(name: string): boolean {
  try {
    return (Number.parseInt(readFileSync(`/sys/class/net/${name}/flags`, "utf8"), 16) & 1) === 1;
  } catch {
    return false;
  }
}

export interface KernelRoute {
  iface: string;
  network: number;
  prefixLen: number;
}

/** IPv4 routes of the root namespace's main table, from /proc/net/route. */
export function rootRoutes(): KernelRoute[] {
  const lines = readFileSync("/proc/net/route", "utf8").trim().split("\n").slice(1);
  const le = (hex: string) => {
    const v = Number.parseInt(hex, 16);
    return (((v & 0xff) << 24) | (((v >>> 8) & 0xff) << 16) | (((v >>> 16) & 0xff) << 8) | ((v >>> 24) & 0xff)) >>> 0;
  };
  return lines.map((line) => {
    const f = line.split(/\s+/);
    const mask = le(f[7]!);
    let prefixLen = 0;
    while (prefixLen < 32 && ((mask << prefixLen) & 0x80000000) !== 0) prefixLen++;
    return { iface: f[0]!, network: le(f[1]!), prefixLen };
  });
}

/** PIDs of processes whose network namespace is the named one (what `ip netns pids` does, without a process). */
export function pidsInNamespace(ns: string): number[] {
  return pidsInNamespaces([ns]).get(ns) ?? [];
}

/** PIDs of the processes in each of the named namespaces (those that exist), from one pass over /proc. */
export function pidsInNamespaces(names: Iterable<string>): Map<string, number[]> {
  const byLink = new Map<string, number[]>();
  const found = new Map<string, number[]>();
  for (const ns of names) {
    const inode = namespaceInode(ns);
    if (inode === undefined) continue;
    const pids: number[] = [];
    found.set(ns, pids);
    byLink.set(`net:[${inode}]`, pids);
  }
  if (byLink.size === 0) return found;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      byLink.get(readlinkSync(`/proc/${entry}/ns/net`))?.push(Number(entry));
    } catch {
      // The process ended while we looked, or is not ours to read.
    }
  }
  return found;
}

/**
 * The process's start time in clock ticks since boot (field 22 of /proc/PID/stat): with the
 * PID it names one process, so a PID the kernel has since given to another is never signalled.
 */
export function processStartTime(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[0] === "Z" ? undefined : Number(fields[19]);
  } catch {
    return undefined;
  }
}

/** The network namespace's identity (the nsfs inode `ip netns` bind-mounted), or undefined when there is none. */
export function namespaceInode(ns: string): number | undefined {
  try {
    return statSync(`/run/netns/${ns}`).ino;
  } catch {
    return undefined;
  }
}

/** A root-namespace link's alias and index, read from /sys (undefined when the link does not exist). */
export function rootLinkIdentity(name: string): { alias: string; ifindex: number } | undefined {
  try {
    const alias = readFileSync(`/sys/class/net/${name}/ifalias`, "utf8").trim();
    return { alias, ifindex: Number(readFileSync(`/sys/class/net/${name}/ifindex`, "utf8").trim()) };
  } catch {
    return undefined;
  }
}

/** True while the process runs; a zombie counts as gone (PID 1 here may reap late). */
export function processAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}
