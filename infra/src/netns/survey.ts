// Which kernel objects named like a lab's are the lab's own: everything its
// record names and everything the lab file names, plus any namespace with the
// lab's prefix, each judged by its mark and the record (ownership.ts).
import type { Lab } from "../lab-model.ts";
import { judge, type OwnershipRecord } from "./ownership.ts";
import { labNamespaces } from "./plan.ts";
import { namespaceInode, namespaces, rootLinkIdentity } from "./system.ts";
import { run } from "../process.ts";

export interface NamespaceLink {
  ifname: string;
  master?: string;
  flags: string[];
  ifalias?: string;
}

/** Links inside a namespace, from one `ip -j link show` (empty when it cannot be read). */
export async function namespaceLinks(namespace: string): Promise<NamespaceLink[]> {
  const r = await run(["ip", "-n", namespace, "-j", "link", "show"]);
  return r.code === 0 ? (JSON.parse(r.stdout) as NamespaceLink[]) : [];
}

export interface Foreign {
  readonly kind: "netns" | "link";
  readonly name: string;
  readonly why: string;
}

export interface Survey {
  /** The lab's own namespaces, with the links each holds now where they were listed (see surveyNamespaces). */
  readonly namespaces: Map<string, NamespaceLink[] | undefined>;
  readonly rootLinks: string[];
  /** Objects with the lab's names that are someone else's. */
  readonly foreign: Foreign[];
}

export function foreignLine(f: Foreign): string {
  return `${f.kind} ${f.name}: ${f.why}; left alone`;
}

export async function survey(lab: Lab, record: OwnershipRecord, labId: string): Promise<Survey> {
  const [namespaces, roots] = [await surveyNamespaces(lab, record, labId), surveyRootLinks(lab, record, labId)];
  return { namespaces: namespaces.own, rootLinks: roots.own, foreign: sortedForeign([...namespaces.foreign, ...roots.foreign]) };
}

export function sortedForeign(foreign: Foreign[]): Foreign[] {
  return foreign.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * The namespaces with the lab's names (its record's, its file's, any with its prefix): its own, and the foreign.
 * One the record names by its very inode is the lab's without a look inside (its links then undefined): only the
 * lab's `up` records a namespace's inode, having made it, and never marks one it did not make, so the mark could
 * say nothing else. Any other is judged by its loopback's mark, its links listed by one `ip` process.
 */
export async function surveyNamespaces(lab: Lab, record: OwnershipRecord, labId: string): Promise<{ own: Map<string, NamespaceLink[] | undefined>; foreign: Foreign[] }> {
  const live = namespaces();
  const candidates = new Set([...Object.keys(record.namespaces), ...labNamespaces(lab), ...[...live].filter((n) => n.startsWith(`${lab.prefix}-`))]);
  const own = new Map<string, NamespaceLink[] | undefined>();
  const foreign: Foreign[] = [];
  await Promise.all(
    [...candidates].filter((ns) => live.has(ns)).map(async (ns) => {
      const inode = namespaceInode(ns);
      if (inode === undefined) return;
      if (record.namespaces[ns] === inode) {
        own.set(ns, undefined);
        return;
      }
      const links = await namespaceLinks(ns);
      const alias = links.find((l) => l.ifname === "lo")?.ifalias ?? "";
      const verdict = judge({ id: inode, alias }, record.namespaces[ns], labId);
      if (verdict.ours) own.set(ns, links);
      else foreign.push({ kind: "netns", name: ns, why: verdict.why });
    }),
  );
  return { own, foreign };
}

/** The root-namespace links with the lab's names (its record's and its uplink), from /sys alone: no process, so `down` can start removing them at once. */
export function surveyRootLinks(lab: Lab, record: OwnershipRecord, labId: string): { own: string[]; foreign: Foreign[] } {
  const own: string[] = [];
  const foreign: Foreign[] = [];
  for (const name of new Set([...Object.keys(record.rootLinks), lab.management.uplink])) {
    const seen = rootLinkIdentity(name);
    if (!seen) continue;
    const verdict = judge({ id: seen.ifindex, alias: seen.alias }, record.rootLinks[name], labId);
    if (verdict.ours) own.push(name);
    else foreign.push({ kind: "link", name, why: verdict.why });
  }
  return { own, foreign };
}

/** True while any object the record names still exists as that same object. */
export function recordLive(record: OwnershipRecord): boolean {
  return (
    Object.entries(record.namespaces).some(([ns, inode]) => namespaceInode(ns) === inode) ||
    Object.entries(record.rootLinks).some(([name, ifindex]) => rootLinkIdentity(name)?.ifindex === ifindex)
  );
}
