// What a lab owns: every kernel object it made is written into its record as
// it is made and marked in the kernel with the lab's id (an interface alias;
// for a namespace, the alias of its loopback). `down` removes only what the
// record names or the mark claims, so a namespace merely named like the lab's
// (another lab with a longer prefix, a pod, an `ip netns add` by hand) is
// never touched, and `up` never adopts one.
import { existsSync, readFileSync, realpathSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

/** Marks carry this prefix; the id after it names one lab file. */
export const MARK_PREFIX = "wirelab:";

/**
 * A lab's identity is its file (real path), not its name: two files both saying
 * `name: x` are two labs. Without a file (a lab built from text) the state directory stands in.
 */
export function labIdOf(labFile: string | undefined, stateDir: string): string {
  let key: string;
  try {
    key = labFile ? `file:${realpathSync(labFile)}` : `state:${resolve(stateDir)}`;
  } catch {
    key = `file:${resolve(labFile!)}`;
  }
  // Bun's hasher, not node:crypto: that module alone costs a `lab` process about 10 ms to load.
  return new Bun.CryptoHasher("sha256").update(key).digest("hex").slice(0, 12);
}

export function labMark(labId: string): string {
  return `${MARK_PREFIX}${labId}`;
}

export interface RecordedProcess {
  readonly pid: number;
  /** Start time in clock ticks since boot: with the PID it names one process. */
  readonly start: number;
  readonly what: string;
}

export interface OwnershipRecord {
  readonly schema: 1;
  readonly labId: string;
  readonly name: string;
  readonly prefix: string;
  readonly file?: string;
  /**
   * Namespace name → nsfs inode of the namespace this lab created under that name; PENDING
   * while it is being made (written before `ip netns add`, so a kill mid-way strands nothing).
   */
  namespaces: Record<string, number>;
  /** Root-namespace link name → ifindex of the link this lab created (PENDING while being made). */
  rootLinks: Record<string, number>;
  processes: RecordedProcess[];
}

/** Recorded before the object is made: its kernel identity is not known yet. */
export const PENDING = 0;

export function recordPath(stateDir: string): string {
  return join(stateDir, "objects.json");
}

export function readRecord(stateDir: string): OwnershipRecord | undefined {
  const path = recordPath(stateDir);
  if (!existsSync(path)) return undefined;
  try {
    const r = JSON.parse(readFileSync(path, "utf8")) as OwnershipRecord;
    if (r.schema !== 1 || typeof r.labId !== "string") throw new Error("unknown schema");
    return r;
  } catch (err) {
    throw new Error(`${path}: not a wirelab ownership record (${(err as Error).message}); it lists what the lab made, so it is left for you to inspect`);
  }
}

export function newRecord(labId: string, lab: { name: string; prefix: string }, file?: string): OwnershipRecord {
  return { schema: 1, labId, name: lab.name, prefix: lab.prefix, ...(file ? { file } : {}), namespaces: {}, rootLinks: {}, processes: [] };
}

/** Written atomically: a crash mid-write leaves the previous record, never half of one. */
export function writeRecord(stateDir: string, record: OwnershipRecord): void {
  const path = recordPath(stateDir);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(record, null, 2) + "\n", { mode: 0o600 });
  renameSync(tmp, path);
}

export function removeRecord(stateDir: string): void {
  rmSync(recordPath(stateDir), { force: true });
}

/** What the kernel says about an object with one of the lab's names. */
export interface Observed {
  /** nsfs inode (namespace) or ifindex (link). */
  readonly id: number;
  /** Its mark: the loopback's alias (namespace) or the link's alias; "" when none. */
  readonly alias: string;
}

export type Verdict = { readonly ours: true } | { readonly ours: false; readonly why: string };

/**
 * Ours when it carries our mark, or when the record names this very object (same inode or
 * ifindex: made by us, and a crash came before the mark). Anything else is someone else's.
 */
export function judge(observed: Observed, recordedId: number | undefined, labId: string): Verdict {
  if (observed.alias === labMark(labId)) return { ours: true };
  if (observed.alias.startsWith(MARK_PREFIX)) return { ours: false, why: `carries another lab's mark (${observed.alias})` };
  if (recordedId !== undefined && recordedId === observed.id) return { ours: true };
  // Being made by this lab when its `up` was killed, before its mark was set.
  if (recordedId === PENDING && observed.alias === "") return { ours: true };
  if (recordedId !== undefined) return { ours: false, why: "the lab made one with this name, but this is another object (recreated since)" };
  return { ours: false, why: observed.alias ? `not made by this lab (alias '${observed.alias}', no wirelab mark)` : "not made by this lab (no wirelab mark, not in its record)" };
}

/** Refusals, one line per object: what it is and why it was not touched. */
export class OwnershipError extends Error {
  override name = "OwnershipError";
  constructor(
    readonly summary: string,
    readonly lines: readonly string[],
  ) {
    super([summary, ...lines.map((l) => `  ${l}`)].join("\n"));
  }
}
