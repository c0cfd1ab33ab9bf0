// Every monitored lab host that is a namespace on this machine, sampled by ONE
// process per stats interval, however many hosts and runs want them. /proc/stat
// and /proc/meminfo are the machine's, the same for every namespace, so they are
// read once; a namespace's interface counters are read through a process parked
// in it (`ip netns exec` gave it a sysfs of that namespace, which
// /proc/<pid>/root/sys shows to anyone). An interval then costs the runner one
// read and one parse for all its hosts, and the machine three processes (the
// snapshot's subshell, grep, sleep) instead of some five per host.
import { NetnsTransport } from "../transport/netns-transport.ts";
import type { RemoteProcess } from "../transport/transport.ts";
import type { CpuTimes, HostSnapshot } from "./host-snapshot.ts";

export interface LocalHost {
  readonly name: string;
  /** "" is this machine's own namespace. */
  readonly namespace: string;
  readonly interfaces: readonly string[];
}

export interface LocalSubscription {
  /** Takes no more interval readings, makes one last reading of its hosts (the interval cut short), then leaves. */
  finish(): Promise<void>;
}

type OnSnapshot = (host: string, snapshot: HostSnapshot) => void;
type OnError = (host: string, message: string) => void;

const IF_NAME = /^[A-Za-z0-9_.@-]{1,15}$/;
const END = "@@end";
const HERE = new NetnsTransport("monitor", "");

/** A process parked in a namespace for its sysfs; it ends when its stdin closes, so a runner that dies leaves none. */
interface Holder {
  refs: number;
  /** Where its hosts' interfaces are under /proc: "<pid>/root", or "" for this machine's own namespace. */
  root?: string;
  error?: string;
  ready: Promise<void>;
  stop(): void;
}

const holders = new Map<string, Holder>();

function hold(namespace: string): Holder {
  const held = holders.get(namespace);
  if (held) {
    held.refs++;
    return held;
  }
  const holder: Holder = { refs: 1, ready: Promise.resolve(), stop() {} };
  if (!namespace) {
    holder.root = "";
  } else {
    // The sysfs is mounted before `echo`, and exec keeps the pid: once it speaks, /proc/<pid>/root/sys is the namespace's.
    const proc = Bun.spawn(["ip", "netns", "exec", namespace, "sh", "-c", "echo; exec cat"], {
      // Its own process group, as every sampling process: Ctrl-C on the runner must not end it before the last reading.
      detached: true,
      stdin: "pipe",
      stdout: "pipe",
      stderr: "pipe",
    });
    holder.stop = () => proc.kill();
    holder.ready = (async () => {
      const reader = proc.stdout.getReader();
      const first = await reader.read();
      reader.releaseLock();
      if (!first.done) {
        holder.root = `${proc.pid}/root`;
        return;
      }
      const said = (await new Response(proc.stderr).text()).trim().split("\n")[0] ?? "";
      await proc.exited;
      holder.error = `monitor: namespace ${namespace}: exited ${proc.exitCode ?? proc.signalCode}${said ? `: ${said}` : ""}`;
    })();
  }
  holders.set(namespace, holder);
  return holder;
}

function release(namespace: string): void {
  const holder = holders.get(namespace)!;
  if (--holder.refs > 0) return;
  holders.delete(namespace);
  holder.stop();
}

class Subscriber implements LocalSubscription {
  /** Takes the loop's readings; a subscriber joining a running loop first gets a reading of its own. */
  attached = false;
  finishing = false;

  constructor(
    readonly sampler: LocalSampler,
    readonly hosts: readonly LocalHost[],
    readonly onSnapshot: OnSnapshot,
    readonly onError: OnError,
  ) {}

  reading(r: Reading): void {
    if (!r.cpus.cpu) {
      for (const h of this.hosts) this.onError(h.name, "monitor: no 'cpu' line in /proc/stat output");
      return;
    }
    for (const h of this.hosts) {
      const holder = holders.get(h.namespace);
      if (holder?.root === undefined) continue;
      const interfaces: Record<string, Readonly<Record<string, number>>> = {};
      // An interface gone (or a namespace that died) reads as no counters, as a host's own `grep` of it would.
      for (const i of h.interfaces) interfaces[i] = r.interfaces.get(`${holder.root}/sys/class/net/${i}`) ?? {};
      this.onSnapshot(h.name, { atMs: r.atMs, cpus: r.cpus, memory: r.memory, interfaces });
    }
  }

  async finish(): Promise<void> {
    if (this.finishing) return;
    this.finishing = true;
    this.attached = false;
    await this.sampler.leave(this);
  }
}

interface Reading {
  readonly atMs: number;
  readonly cpus: Record<string, CpuTimes>;
  readonly memory: { readonly totalKb: number; readonly availableKb: number };
  /** "<root>/sys/class/net/<if>" → counter → value. */
  readonly interfaces: Map<string, Record<string, number>>;
}

// One precompiled expression per part over the whole text: grep prefixes each line with its file.
const CPU_LINE = /^stat:(cpu\d*)[ \t]+(\d+)[ \t]+(\d+)[ \t]+(\d+)[ \t]+(\d+)(?:[ \t]+(\d+))?(?:[ \t]+(\d+))?(?:[ \t]+(\d+))?(?:[ \t]+(\d+))?/gm;
const MEMINFO = /^meminfo:(MemTotal|MemAvailable|MemFree):[ \t]+(\d+)/gm;
const COUNTER = /^((?:\d+\/root)?\/sys\/class\/net\/[^/\n]+)\/statistics\/([a-z0-9_]+):(\d+)/gm;

export function parseReading(text: string, atMs: number): Reading {
  const cpus: Record<string, CpuTimes> = {};
  const n = (v: string | undefined) => (v === undefined ? 0 : Number(v));
  for (const m of text.matchAll(CPU_LINE)) {
    cpus[m[1]!] = { user: n(m[2]), nice: n(m[3]), system: n(m[4]), idle: n(m[5]), iowait: n(m[6]), irq: n(m[7]), softirq: n(m[8]), steal: n(m[9]) };
  }
  const kb: Record<string, number> = {};
  for (const m of text.matchAll(MEMINFO)) kb[m[1]!] ??= Number(m[2]);
  const interfaces = new Map<string, Record<string, number>>();
  for (const m of text.matchAll(COUNTER)) {
    let counters = interfaces.get(m[1]!);
    if (!counters) interfaces.set(m[1]!, (counters = {}));
    counters[m[2]!] = Number(m[3]);
  }
  // MemAvailable exists since Linux 3.14; before that, free is the closest.
  return { atMs, cpus, memory: { totalKb: kb.MemTotal ?? 0, availableKb: kb.MemAvailable || kb.MemFree || 0 }, interfaces };
}

/** The grep that prints one reading, run in /proc: the machine's CPU and memory lines, then every named interface's counters. */
export function readingCommand(roots: ReadonlyMap<string, ReadonlySet<string>>): string {
  const paths: string[] = [];
  for (const [root, interfaces] of roots) {
    for (const i of interfaces) {
      if (!IF_NAME.test(i)) throw new Error(`monitor: '${i}' is not an interface name`);
      paths.push(`${root}/sys/class/net/${i}/statistics/*`);
    }
  }
  return `grep -E '^(cpu|MemTotal:|MemAvailable:|MemFree:|[0-9])' stat meminfo ${paths.join(" ")} 2>/dev/null`;
}

/** The hosts' interfaces by where their sysfs is, for hosts whose namespace is held. */
function rootsOf(subscribers: Iterable<Subscriber>): Map<string, Set<string>> {
  const roots = new Map<string, Set<string>>();
  for (const s of subscribers) {
    for (const h of s.hosts) {
      const root = holders.get(h.namespace)?.root;
      if (root === undefined) continue;
      let set = roots.get(root);
      if (!set) roots.set(root, (set = new Set()));
      for (const i of h.interfaces) set.add(i);
    }
  }
  return roots;
}

/** Where an end marker's line starts in `text` (a line of its own), or -1. */
function endAt(text: string): number {
  if (text.startsWith(`${END}\n`)) return 0;
  const at = text.indexOf(`\n${END}\n`);
  return at < 0 ? -1 : at + 1;
}

/** One loop for one interval, restarted (in step with the old one) when the set of interfaces it reads changes. */
class LocalSampler {
  private readonly subscribers = new Set<Subscriber>();
  private loop?: RemoteProcess;
  private command = "";
  private lastReadingMs = 0;
  private pending = "";
  private queue: Promise<void> = Promise.resolve();
  private scheduled = false;

  constructor(readonly intervalS: number) {}

  join(sub: Subscriber): void {
    this.subscribers.add(sub);
    for (const h of sub.hosts) hold(h.namespace);
    this.schedule();
  }

  async leave(sub: Subscriber): Promise<void> {
    // Its holders are still there for the last reading.
    await Promise.all(sub.hosts.map((h) => holders.get(h.namespace)?.ready));
    await this.readOnce(sub);
    this.subscribers.delete(sub);
    for (const h of sub.hosts) release(h.namespace);
    this.schedule();
    await this.queue;
  }

  /** Changes in the same turn (runs started together) come to one start of the loop. */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.queue = this.queue.then(() => {
      this.scheduled = false;
      return this.reconcile();
    });
  }

  private async reconcile(): Promise<void> {
    await Promise.all([...this.subscribers].flatMap((s) => s.hosts.map((h) => holders.get(h.namespace)!.ready)));
    for (const s of this.subscribers) {
      for (const h of s.hosts) {
        const error = holders.get(h.namespace)?.error;
        if (error && !s.attached) s.onError(h.name, error);
      }
    }
    const running = this.loop !== undefined;
    const joining = [...this.subscribers].filter((s) => !s.attached && !s.finishing);
    // Joining a loop under way: a reading now, so the run's first interval starts when it does.
    if (running) await Promise.all(joining.map((s) => this.readOnce(s)));
    for (const s of joining) s.attached = true;

    const command = this.subscribers.size ? readingCommand(rootsOf(this.subscribers)) : "";
    if (command === this.command && running) return;
    // The next reading when the old loop would have taken it: runs already sampled keep their intervals.
    const delayS = running ? Math.max(0, this.intervalS - (performance.now() - this.lastReadingMs) / 1000) : 0;
    const old = this.loop;
    this.loop = undefined;
    this.command = command;
    await old?.stop(1000);
    this.pending = "";
    if (!command) return;
    const delay = delayS > 0.01 ? `sleep ${delayS.toFixed(2)}; ` : "";
    // The trap makes the shell wait for its sleep when stopped: an orphaned sleep's zombie would keep the group "alive".
    this.loop = await HERE.spawn(["sh", "-c", `trap 'exit 0' TERM; cd /proc && ${delay}while :; do s=$(${command}); printf '%s\\n${END}\\n' "$s"; sleep ${this.intervalS}; done`], {
      captureLimit: 0,
      onStdoutText: (text) => this.text(text),
    });
  }

  private text(text: string): void {
    this.pending += text;
    for (let end = endAt(this.pending); end >= 0; end = endAt(this.pending)) {
      const body = this.pending.slice(0, Math.max(0, end - 1));
      this.pending = this.pending.slice(end + END.length + 1);
      // Stamped when it arrives: the read's own latency then shifts both ends of an interval alike.
      this.lastReadingMs = performance.now();
      const reading = parseReading(body, this.lastReadingMs);
      for (const s of this.subscribers) if (s.attached) s.reading(reading);
    }
  }

  /** One reading of the subscriber's hosts alone, outside the loop. */
  private async readOnce(sub: Subscriber): Promise<void> {
    const roots = rootsOf([sub]);
    if (!roots.size) return;
    try {
      const r = await HERE.exec(["sh", "-c", `cd /proc && ${readingCommand(roots)}`], { captureLimit: 256 * 1024 });
      sub.reading(parseReading(r.stdout, performance.now()));
    } catch (err) {
      for (const h of sub.hosts) sub.onError(h.name, (err as Error).message.split("\n")[0]!);
    }
  }
}

const samplers = new Map<number, LocalSampler>();

/** Samples `hosts` (namespaces on this machine) every intervalS with every other monitor of this runner that does. */
export function sampleLocal(intervalS: number, hosts: readonly LocalHost[], onSnapshot: OnSnapshot, onError: OnError): LocalSubscription {
  let sampler = samplers.get(intervalS);
  if (!sampler) samplers.set(intervalS, (sampler = new LocalSampler(intervalS)));
  const sub = new Subscriber(sampler, hosts, onSnapshot, onError);
  sampler.join(sub);
  return sub;
}
