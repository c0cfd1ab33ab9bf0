// Which process drives a run: its PID and the kernel's start time of that
// process. The PID alone could, after the runner died, name a later process
// that reused it, and keep a dead run 'running' for ever; the pair names one
// process only.
import { readFileSync } from "node:fs";

interface ProcStat {
  state: string;
  /** Clock ticks after boot (field 22 of /proc/PID/stat). */
  start: number;
}

function procStat(pid: number): ProcStat | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces and parentheses: the fields after it start past the last ')'.
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { state: rest[0]!, start: Number(rest[19]) };
  } catch {
    return undefined;
  }
}

/** This process's start time, stored beside its PID with each run it starts. */
export function ownStart(): number | null {
  return procStat(process.pid)?.start ?? null;
}

/** Whether the runner that started a run still runs: the PID exists, is not a zombie, and (when known) started then. */
export function runnerAlive(pid: number, start: number | null): boolean {
  const stat = procStat(pid);
  if (!stat || stat.state === "Z") return false;
  return start === null || stat.start === start;
}
