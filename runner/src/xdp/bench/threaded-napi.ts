// Threaded NAPI on the receiving veth, its kthread pinned to the receive CPU.
// Without it a veth's receive work runs in softirq on the SENDER's CPU, which
// hides the baseline's stack cost on the generator's core. A veth has NAPI
// (and so can be threaded) only while an XDP program is attached to it, and
// the setting can only be written back while that NAPI still exists: restore
// it BEFORE detaching.
import { checked, type Transport } from "../../transport/transport.ts";

export interface NapiThread {
  readonly pid: number;
  readonly comm: string;
}

const LIST_NAPI = `for p in /proc/[0-9]*; do c=$(cat $p/comm 2>/dev/null); case "$c" in napi/*) echo "\${p#/proc/} $c";; esac; done`;

export async function napiThreads(transport: Transport): Promise<NapiThread[]> {
  const r = await transport.exec(["sh", "-c", LIST_NAPI]);
  return r.stdout
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => {
      const [pid, comm] = l.trim().split(/\s+/);
      return { pid: Number(pid), comm: comm ?? "" };
    });
}

export async function readThreaded(transport: Transport, dev: string): Promise<string> {
  const r = await transport.exec(["cat", `/sys/class/net/${dev}/threaded`]);
  return r.code === 0 ? r.stdout.trim() : "";
}

export async function writeThreaded(transport: Transport, dev: string, value: string): Promise<boolean> {
  const r = await transport.exec(["sh", "-c", `echo ${value} > /sys/class/net/${dev}/threaded`]);
  return r.code === 0;
}

export interface ThreadedNapi {
  /** The napi kthreads this switch created (normally one per receive queue). */
  readonly threads: NapiThread[];
  readonly previous: string;
  /** Writes the previous setting back; call while the XDP program is still attached. */
  restore(): Promise<void>;
}

/**
 * Turns threaded NAPI on for `dev` and pins the new napi thread(s) to `cpu`.
 * The new thread is found by difference: other namespaces have their own `napi/eth1-*`.
 */
export async function enableThreadedNapi(transport: Transport, dev: string, cpu: number): Promise<ThreadedNapi> {
  const previous = (await readThreaded(transport, dev)) || "0";
  const before = new Set((await napiThreads(transport)).map((t) => t.pid));
  if (!(await writeThreaded(transport, dev, "1"))) throw new Error(`${transport.host}: cannot switch ${dev} to threaded NAPI (is an XDP program attached?)`);
  let threads: NapiThread[] = [];
  for (let i = 0; i < 20 && threads.length === 0; i++) {
    await Bun.sleep(50);
    threads = (await napiThreads(transport)).filter((t) => !before.has(t.pid) && t.comm.startsWith(`napi/${dev}-`));
  }
  // Already threaded before we came: the thread exists already and is not new; take this device's.
  if (threads.length === 0 && previous === "1") threads = (await napiThreads(transport)).filter((t) => t.comm.startsWith(`napi/${dev}-`));
  for (const t of threads) {
    const argv = ["taskset", "-p", "-c", String(cpu), String(t.pid)];
    checked(transport.host, argv, await transport.exec(argv));
  }
  return {
    threads,
    previous,
    async restore() {
      if (previous !== "1") await writeThreaded(transport, dev, previous);
    },
  };
}
