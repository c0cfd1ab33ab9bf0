// What a packet costs a tool in CPU time, and a fixed background load to
// measure it under: both for `bun run bench engine`, which compares the
// engine with dpdk-testpmd on the same machine, quiet and busy alike.
import { readdirSync, readFileSync } from "node:fs";

/** The sum of `read(file)` over a process's threads' /proc files named `name`; NaN once the process is gone. */
function sumOverThreads(pid: number, name: string, read: (text: string) => number): number {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return NaN;
  }
  let total = 0;
  for (const t of tasks) {
    try {
      total += read(readFileSync(`/proc/${pid}/task/${t}/${name}`, "utf8"));
    } catch {
      // a thread that ended between the listing and the read ran no more
    }
  }
  return total;
}

/**
 * Nanoseconds a process has run on a CPU so far, all its threads (the data
 * lcore, the main lcore, the PMD's), from /proc/PID/task/TID/schedstat. The
 * kernel's work on the way out (AF_XDP copy mode, veth) is done in the
 * sending thread's syscalls, so it is counted too.
 */
export function cpuNs(pid: number): number {
  return sumOverThreads(pid, "schedstat", (text) => Number(text.split(" ")[0]));
}

let nsPerTick: number | undefined;

/** Nanoseconds per clock tick of /proc's utime (USER_HZ: 100 on Linux's mainstream ABIs), asked when first needed. */
function tickNs(): number {
  if (nsPerTick === undefined) {
    let hz = NaN;
    try {
      hz = Number(Bun.spawnSync(["getconf", "CLK_TCK"]).stdout.toString().trim());
    } catch {
      // no getconf on PATH: the ABI's value
    }
    nsPerTick = 1e9 / (Number.isFinite(hz) && hz > 0 ? hz : 100);
  }
  return nsPerTick;
}

/**
 * Nanoseconds a process has spent in user mode so far, all its threads, from
 * /proc/PID/task/TID/stat (in clock ticks: 10 ms, so only a window of seconds
 * makes it a figure). Of what cpuNs counts, this is the tool's own code and
 * libraries; the rest is the kernel's path, which both tools share.
 */
export function userNs(pid: number): number {
  // utime is the 14th field; the 2nd (comm, in parentheses) may hold spaces
  const ticks = sumOverThreads(pid, "stat", (text) => Number(text.slice(text.lastIndexOf(")") + 2).split(" ")[11]));
  return Number.isNaN(ticks) ? NaN : ticks * tickNs();
}

export interface BackgroundLoad {
  readonly what: string;
  stop(): Promise<void>;
}

/**
 * One busy loop pinned to `cpu` (the tools' data core): every tool measured
 * while it runs shares that core with the same competitor, the way a traffic
 * generator shares its machine with the lab.
 */
export function startBackgroundLoad(cpu: number): BackgroundLoad {
  const p = Bun.spawn(["taskset", "-c", String(cpu), "sh", "-c", "while :; do :; done"], { stdout: "ignore", stderr: "ignore" });
  return {
    what: `one busy loop pinned to CPU ${cpu} (taskset; sh 'while :; do :; done'), pid ${p.pid}`,
    stop: async () => {
      p.kill("SIGKILL");
      await p.exited;
    },
  };
}
