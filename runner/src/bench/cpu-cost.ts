// What a packet costs a tool in CPU time, and a fixed background load to
// measure it under: both for `bun run bench engine`, which compares the
// engine with dpdk-testpmd on the same machine, quiet and busy alike.
import { readdirSync, readFileSync } from "node:fs";

/**
 * Nanoseconds a process has run on a CPU so far, all its threads (the data
 * lcore, the main lcore, the PMD's), from /proc/PID/task/TID/schedstat. The
 * kernel's work on the way out (AF_XDP copy mode, veth) is done in the
 * sending thread's syscalls, so it is counted too.
 */
export function cpuNs(pid: number): number {
  let total = 0;
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return NaN;
  }
  for (const t of tasks) {
    try {
      total += Number(readFileSync(`/proc/${pid}/task/${t}/schedstat`, "utf8").split(" ")[0]);
    } catch {
      // a thread that ended between the listing and the read ran no more
    }
  }
  return total;
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
