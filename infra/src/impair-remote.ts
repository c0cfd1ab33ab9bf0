// Link impairments on a machine of its own (a VM, a metal host), reached by
// whatever runs commands there (SSH): netem in that machine's kernel, on the
// host's test interface. What the host sends is the interface's root qdisc;
// what it receives is redirected from its ingress to an ifb whose root is
// netem, the same split the netns backend makes on the switch side.
// A NIC bound to DPDK is not the kernel's, and nothing in the kernel can
// impair it: that is refused with one line, never passed over.
import { unsupportedOn } from "./impair-paths.ts";
import type { Direction, ImpairPoint } from "./impair-points.ts";
import { describeImpairment, kindsOf, type Impairment } from "./impair-spec.ts";
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

/**
 * The tc and ip command lines for one point, the single source of them: applyRemoteImpairments runs
 * them one by one over SSH, remotePointScript joins them into the script the Pulumi program declares.
 */
export const remoteLines = {
  link: (dev: string) => ["ip", "link", "show", "dev", dev],
  qdiscs: (dev: string) => ["tc", "qdisc", "show", "dev", dev],
  filters: (dev: string) => ["tc", "filter", "show", "dev", dev, "parent", "ffff:"],
  netem: (dev: string, spec: Impairment) => ["tc", "qdisc", "replace", "dev", dev, "root", "netem", ...netemArgs(spec)],
  delRoot: (dev: string) => ["tc", "qdisc", "del", "dev", dev, "root"],
  addIfb: (ifb: string) => ["ip", "link", "add", ifb, "type", "ifb"],
  upIfb: (ifb: string) => ["ip", "link", "set", ifb, "up"],
  delIfb: (ifb: string) => ["ip", "link", "del", ifb],
  addIngress: (dev: string) => ["tc", "qdisc", "add", "dev", dev, "handle", "ffff:", "ingress"],
  delIngress: (dev: string) => ["tc", "qdisc", "del", "dev", dev, "ingress"],
  redirect: (dev: string, ifb: string) => ["tc", "filter", "add", "dev", dev, "parent", "ffff:", "protocol", "all", "pref", "1", "matchall", "action", "mirred", "egress", "redirect", "dev", ifb],
} as const;

/** The one-line refusal for an interface the kernel does not have (a DPDK-held NIC, a missing one). */
export const notInKernel = (host: string, ifname: string) =>
  `${host} has no kernel interface ${ifname} (a NIC bound to DPDK is not the kernel's to impair; release it first: systemctl stop wirelab-dpdk-bind)`;

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

/**
 * A replace on a netem root changes only what it names: reorder, corruption and rate (sent to the kernel
 * only when given) stay from the setting before, and a "loss 5%" read back with reorder 25% in it. Each
 * setting starts from no netem.
 */
async function freshNetem(exec: RemoteExec, host: string, dev: string): Promise<void> {
  if ((await qdiscs(exec, dev)).some((q) => q.root && q.kind === "netem")) await must(exec, host, remoteLines.delRoot(dev), `removing the earlier netem from ${dev}`);
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
    const link = await execOf(p.host)(remoteLines.link(p.ifname));
    if (link.code !== 0) throw new Error(`${p.source}: ${notInKernel(p.host, p.ifname)}`);
  }
  const out: RemoteApplied[] = [];
  for (const p of points) {
    const exec = execOf(p.host);
    const any = kindsOf(p.spec).length > 0;
    if (p.direction === "egress") {
      if (any) {
        await freshNetem(exec, p.host, p.ifname);
        await must(exec, p.host, remoteLines.netem(p.ifname, p.spec), `netem on ${p.ifname}`);
      }
      else if ((await qdiscs(exec, p.ifname)).some((q) => q.root && q.kind === "netem")) await must(exec, p.host, remoteLines.delRoot(p.ifname), `removing netem from ${p.ifname}`);
    } else {
      const ifb = remoteIfb(p.ifname);
      if (any) {
        if ((await exec(remoteLines.link(ifb))).code !== 0) await must(exec, p.host, remoteLines.addIfb(ifb), `creating ${ifb}`);
        await must(exec, p.host, remoteLines.upIfb(ifb), `setting ${ifb} up`);
        if (!(await qdiscs(exec, p.ifname)).some((q) => q.kind === "ingress")) await must(exec, p.host, remoteLines.addIngress(p.ifname), `an ingress qdisc on ${p.ifname}`);
        const filters = await exec(["tc", "-j", "filter", "show", "dev", p.ifname, "parent", "ffff:"]);
        const redirected = filters.code === 0 && filters.stdout.trim() !== "" && (JSON.parse(filters.stdout) as { kind?: string }[]).some((f) => f.kind === "matchall");
        if (!redirected) await must(exec, p.host, remoteLines.redirect(p.ifname, ifb), `redirecting ${p.ifname} to ${ifb}`);
        await freshNetem(exec, p.host, ifb);
        await must(exec, p.host, remoteLines.netem(ifb, p.spec), `netem on ${ifb}`);
      } else {
        if ((await qdiscs(exec, p.ifname)).some((q) => q.kind === "ingress")) await must(exec, p.host, remoteLines.delIngress(p.ifname), `removing the ingress qdisc of ${p.ifname}`);
        if ((await exec(remoteLines.link(ifb))).code === 0) await must(exec, p.host, remoteLines.delIfb(ifb), `removing ${ifb}`);
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


const sh = (argv: readonly string[]) => argv.map((a) => (/^[A-Za-z0-9_.:\/%=@+-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(" ");
const quiet = (argv: readonly string[]) => `${sh(argv)} >/dev/null 2>&1`;

/** Shell lines (POSIX sh) that take a point's netem off its interface; nothing there is not an error. */
function deleteLines(p: Pick<ImpairPoint, "ifname" | "direction">): string[] {
  if (p.direction === "egress") return [`if ${sh(remoteLines.qdiscs(p.ifname))} 2>/dev/null | grep -q '^qdisc netem '; then ${sh(remoteLines.delRoot(p.ifname))}; fi`];
  const ifb = remoteIfb(p.ifname);
  return [
    `if ${sh(remoteLines.qdiscs(p.ifname))} 2>/dev/null | grep -q '^qdisc ingress '; then ${sh(remoteLines.delIngress(p.ifname))}; fi`,
    `if ${quiet(remoteLines.link(ifb))}; then ${sh(remoteLines.delIfb(ifb))}; fi`,
  ];
}

/**
 * One point as a create and a delete script for a command run on the host (the Pulumi program's
 * remote.Command): the same lines applyRemoteImpairments runs, guarded so that running either twice
 * is harmless. A create that fails part way takes back what it made; an interface the kernel does not
 * hold (bound to DPDK) is the one-line refusal, before anything is touched.
 */
export function remotePointScript(p: ImpairPoint): { create: string; delete: string } {
  const refuse = `${p.source}: ${notInKernel(p.host, p.ifname)}`;
  const undo = deleteLines(p).join("; ");
  const lines = ["set -eu", `if ! ${quiet(remoteLines.link(p.ifname))}; then echo ${sh([refuse])} >&2; exit 1; fi`, `trap 'rc=$?; if [ "$rc" -ne 0 ]; then set +e; ${undo.replace(/'/g, `'\\''`)}; fi; exit $rc' EXIT`];
  // A netem already there is taken off first: a replace would keep what it does not name (see freshNetem).
  const fresh = (dev: string) => `if ${sh(remoteLines.qdiscs(dev))} 2>/dev/null | grep -q '^qdisc netem '; then ${sh(remoteLines.delRoot(dev))}; fi`;
  if (p.direction === "egress") lines.push(fresh(p.ifname), sh(remoteLines.netem(p.ifname, p.spec)));
  else {
    const ifb = remoteIfb(p.ifname);
    lines.push(
      `${quiet(remoteLines.link(ifb))} || ${sh(remoteLines.addIfb(ifb))}`,
      sh(remoteLines.upIfb(ifb)),
      `${sh(remoteLines.qdiscs(p.ifname))} | grep -q '^qdisc ingress ' || ${sh(remoteLines.addIngress(p.ifname))}`,
      `${sh(remoteLines.filters(p.ifname))} | grep -q matchall || ${sh(remoteLines.redirect(p.ifname, ifb))}`,
      fresh(ifb),
      sh(remoteLines.netem(ifb, p.spec)),
    );
  }
  return { create: lines.join("\n") + "\n", delete: deleteLines(p).join("\n") + "\n" };
}
