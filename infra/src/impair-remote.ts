// Link impairments on a machine of its own (a VM, a metal host), reached by
// whatever runs commands there (SSH): netem in that machine's kernel, on the
// host's test interface. What the host sends is the interface's root qdisc;
// what it receives is redirected from its ingress to an ifb whose root is
// netem, the same split the netns backend makes on the switch side.
// A NIC bound to DPDK is not the kernel's, and nothing in the kernel can
// impair it: that is refused with one line, never passed over.
import { unsupportedOn } from "./impair-paths.ts";
import type { Direction, ImpairPoint } from "./impair-points.ts";
import { describeImpairment, kindsOf } from "./impair-spec.ts";
import { netemArgs } from "./netns/impairments.ts";

export interface CommandResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}
/** Runs one command (an argument array) on the host. */
export type RemoteExec = (argv: readonly string[]) => Promise<CommandResult>;

/** The ifb that queues what `ifname` receives (interface names are at most 15 bytes). */
export const remoteIfb = (ifname: string) => `wlifb-${ifname}`.slice(0, 15);

async function must(exec: RemoteExec, host: string, argv: string[], what: string): Promise<string> {
  const r = await exec(argv);
  if (r.code !== 0) throw new Error(`${host}: ${what} failed: ${(r.stderr || r.stdout).trim().split("\n")[0] ?? `exit ${r.code}`}`);
  return r.stdout;
}

/** Whether the host's kernel has sch_netem, tried in a throwaway namespace; undefined when it has, else why not. */
export async function remoteNetemMissing(exec: RemoteExec, host: string): Promise<string | undefined> {
  const r = await exec(["unshare", "-n", "tc", "qdisc", "add", "dev", "lo", "root", "netem", "delay", "1ms"]);
  return r.code === 0 ? undefined : `${host}: no sch_netem in its kernel (${(r.stderr || r.stdout).trim().split("\n")[0]})`;
}

interface Qdisc {
  kind: string;
  root?: boolean;
  handle?: string;
  options?: Record<string, unknown>;
}

async function qdiscs(exec: RemoteExec, dev: string): Promise<Qdisc[]> {
  const r = await exec(["tc", "-j", "qdisc", "show", "dev", dev]);
  return r.code === 0 && r.stdout.trim() ? (JSON.parse(r.stdout) as Qdisc[]) : [];
}

export interface RemoteApplied {
  readonly host: string;
  readonly ifname: string;
  readonly direction: Direction;
  readonly asked: string;
  /** The netem qdisc's options as the kernel reports them, or none. */
  readonly applied: string;
}

/** What the kernel holds at one point: the netem options on the interface (egress) or its ifb (ingress). */
export async function readRemotePoint(exec: RemoteExec, ifname: string, direction: Direction): Promise<string> {
  const q = (await qdiscs(exec, direction === "egress" ? ifname : remoteIfb(ifname))).find((x) => x.root && x.kind === "netem");
  return q ? `netem ${JSON.stringify(q.options ?? {})}` : "none";
}

/**
 * Makes each point carry exactly its spec (empty: nothing) with netem on the host's kernel interface,
 * after refusing, in one line, what cannot be done: no netem, or an interface the kernel does not have.
 */
export async function applyRemoteImpairments(execOf: (host: string) => RemoteExec, points: readonly ImpairPoint[]): Promise<RemoteApplied[]> {
  const asked = points.filter((p) => kindsOf(p.spec).length > 0);
  const refused = unsupportedOn("netem", asked);
  if (refused) throw new Error(refused);
  for (const host of new Set(asked.map((p) => p.host))) {
    const why = await remoteNetemMissing(execOf(host), host);
    if (why) throw new Error(`${asked.find((p) => p.host === host)!.source}: ${why}`);
  }
  for (const p of points) {
    const link = await execOf(p.host)(["ip", "-j", "link", "show", "dev", p.ifname]);
    if (link.code !== 0) {
      throw new Error(`${p.source}: ${p.host} has no kernel interface ${p.ifname} (a NIC bound to DPDK is not the kernel's to impair; release it first: systemctl stop wirelab-dpdk-bind)`);
    }
  }
  const out: RemoteApplied[] = [];
  for (const p of points) {
    const exec = execOf(p.host);
    const any = kindsOf(p.spec).length > 0;
    if (p.direction === "egress") {
      if (any) await must(exec, p.host, ["tc", "qdisc", "replace", "dev", p.ifname, "root", "netem", ...netemArgs(p.spec)], `netem on ${p.ifname}`);
      else if ((await qdiscs(exec, p.ifname)).some((q) => q.root && q.kind === "netem")) await must(exec, p.host, ["tc", "qdisc", "del", "dev", p.ifname, "root"], `removing netem from ${p.ifname}`);
    } else {
      const ifb = remoteIfb(p.ifname);
      if (any) {
        if ((await exec(["ip", "link", "show", "dev", ifb])).code !== 0) await must(exec, p.host, ["ip", "link", "add", ifb, "type", "ifb"], `creating ${ifb}`);
        await must(exec, p.host, ["ip", "link", "set", ifb, "up"], `setting ${ifb} up`);
        if (!(await qdiscs(exec, p.ifname)).some((q) => q.kind === "ingress")) await must(exec, p.host, ["tc", "qdisc", "add", "dev", p.ifname, "handle", "ffff:", "ingress"], `an ingress qdisc on ${p.ifname}`);
        const filters = await exec(["tc", "-j", "filter", "show", "dev", p.ifname, "parent", "ffff:"]);
        const redirected = filters.code === 0 && filters.stdout.trim() !== "" && (JSON.parse(filters.stdout) as { kind?: string }[]).some((f) => f.kind === "matchall");
        if (!redirected) await must(exec, p.host, ["tc", "filter", "add", "dev", p.ifname, "parent", "ffff:", "protocol", "all", "pref", "1", "matchall", "action", "mirred", "egress", "redirect", "dev", ifb], `redirecting ${p.ifname} to ${ifb}`);
        await must(exec, p.host, ["tc", "qdisc", "replace", "dev", ifb, "root", "netem", ...netemArgs(p.spec)], `netem on ${ifb}`);
      } else {
        if ((await qdiscs(exec, p.ifname)).some((q) => q.kind === "ingress")) await must(exec, p.host, ["tc", "qdisc", "del", "dev", p.ifname, "ingress"], `removing the ingress qdisc of ${p.ifname}`);
        if ((await exec(["ip", "link", "show", "dev", ifb])).code === 0) await must(exec, p.host, ["ip", "link", "del", ifb], `removing ${ifb}`);
      }
    }
    out.push({ host: p.host, ifname: p.ifname, direction: p.direction, asked: describeImpairment(p.spec), applied: await readRemotePoint(exec, p.ifname, p.direction) });
  }
  return out;
}

/** What is left of impairments on a host's interface: netem qdiscs, an ingress qdisc, the ifb (empty when clean). */
export async function remoteLeftovers(exec: RemoteExec, ifname: string): Promise<string[]> {
  const left = (await qdiscs(exec, ifname)).filter((q) => q.kind === "netem" || q.kind === "ingress").map((q) => `${q.kind} qdisc on ${ifname}`);
  if ((await exec(["ip", "link", "show", "dev", remoteIfb(ifname)])).code === 0) left.push(`ifb ${remoteIfb(ifname)}`);
  return left;
}

