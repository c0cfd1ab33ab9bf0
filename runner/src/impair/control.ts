// One way to read and change a running lab's link impairments, whatever built
// the lab: the CLI (`lab impair`), the API (/lab/impairments) and a scenario's
// `impair:` steps all go through an ImpairmentControl, so a VM or metal lab
// gets every one of them, not only the netns lab.
//   netns       the lab's switch namespace on this machine (netem or tc-bpf, what the kernel has)
//   libvirt/metal  netem in each host's own kernel, over the inventory's SSH transports
import { existsSync } from "node:fs";
import type { ImpairPath } from "../../../infra/src/impair-paths.ts";
import type { Direction, ImpairPoint } from "../../../infra/src/impair-points.ts";
import { applyRemoteImpairments, readRemotePoint, remoteNetemMissing, type RemoteExec } from "../../../infra/src/impair-remote.ts";
import type { Inventory } from "../../../infra/src/inventory.ts";
import type { Lab } from "../../../infra/src/lab-model.ts";
import { applyImpairments, detectImpairPath, readImpairments, type AppliedPoint, type PathChoice, type PointState } from "../../../infra/src/netns-impair.ts";
import { loadLab } from "../lab-files.ts";
import { transportFor, type Transport } from "../transport/index.ts";

export type { AppliedPoint, PathChoice, PointState };

export interface ImpairmentControl {
  readonly lab: Lab;
  /** Where the impairments are made, for the lines a person reads ("the lab's switch namespace", "each host's kernel over SSH"). */
  readonly where: string;
  /** The path this lab gets, or why it gets none. */
  path(): Promise<PathChoice>;
  /** What is held now at every impaired point. */
  read(): Promise<PointState[]>;
  /** Makes each point carry exactly its spec (an empty spec clears it). */
  apply(points: readonly ImpairPoint[]): Promise<{ path: ImpairPath; points: AppliedPoint[] }>;
}

/** The netns backend's impairments on `lab`: kernel objects in its switch namespace. */
export function netnsControl(lab: Lab): ImpairmentControl {
  return {
    lab,
    where: "the lab's switch namespace",
    path: detectImpairPath,
    read: () => readImpairments(lab),
    apply: (points) => applyImpairments(lab, points),
  };
}

/**
 * Runs `work` with one SSH transport per host it touches, opened on first use and closed after, so a
 * control holds no connection between calls (an API server may keep one for days).
 */
async function withHosts<T>(inv: Inventory, work: (execOf: (host: string) => RemoteExec) => Promise<T>): Promise<T> {
  const open = new Map<string, Transport>();
  const execOf = (host: string): RemoteExec => (argv) => {
    let t = open.get(host);
    if (!t) {
      const h = inv.hosts.find((x) => x.name === host);
      if (!h) throw new Error(`inventory of lab '${inv.lab.name}' has no host '${host}'`);
      t = transportFor(h, "ssh");
      open.set(host, t);
    }
    return t.exec(argv);
  };
  try {
    return await work(execOf);
  } finally {
    await Promise.all([...open.values()].map((t) => t.close()));
  }
}

/** netem in each host's own kernel (VMs, metal hosts, or any lab whose hosts answer SSH). */
export function sshControl(inv: Inventory, lab: Lab): ImpairmentControl {
  const points = () => lab.hosts.flatMap((h) => h.interfaces.flatMap((i) => (["egress", "ingress"] as const).map((direction: Direction) => ({ host: h.name, ifname: i.ifname, direction }))));
  return {
    lab,
    where: "each host's kernel, over SSH",
    path: () =>
      withHosts(inv, async (execOf) => {
        for (const h of lab.hosts) {
          const why = await remoteNetemMissing(execOf(h.name), h.name);
          if (why) return { why };
        }
        return { path: "netem" as const, why: `sch_netem in the kernel of ${lab.hosts.map((h) => h.name).join(", ")}` };
      }),
    read: () =>
      withHosts(inv, async (execOf) => {
        const out: PointState[] = [];
        for (const p of points()) {
          const applied = await readRemotePoint(execOf(p.host), p.ifname, p.direction);
          if (applied !== "none") out.push({ ...p, applied, objects: [`${p.host}: netem on ${p.ifname} ${p.direction}`] });
        }
        return out;
      }),
    apply: (asked) =>
      withHosts(inv, async (execOf) => ({
        path: "netem" as const,
        points: (await applyRemoteImpairments(execOf, asked)).map((p) => ({ ...p, objects: p.applied === "none" ? [] : [`${p.host}: netem on ${p.ifname} ${p.direction}`] })),
      })),
  };
}

/** The lab an inventory was built from (its lab file), to resolve hosts, interfaces and networks. */
export function labOfInventory(inv: Inventory): Lab {
  const file = inv.lab.file;
  if (!file) throw new Error(`inventory of lab '${inv.lab.name}' names no lab file: pass the ${inv.backend} lab's inventory written by 'pulumi stack output'`);
  if (!existsSync(file)) throw new Error(`lab '${inv.lab.name}': its lab file ${file} is not readable here`);
  return loadLab(file).lab;
}

/** The control for a lab built by any backend. */
export function controlFor(inv: Inventory, lab: Lab = labOfInventory(inv)): ImpairmentControl {
  return inv.backend === "netns" ? netnsControl(lab) : sshControl(inv, lab);
}
