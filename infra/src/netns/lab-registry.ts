// The labs up on this machine, whatever checkout or state directory brought
// them up: one file per prefix under /run (gone at reboot, like the namespaces).
// `up` reads it to refuse a prefix whose names could collide with another lab's:
// prefix `sqp` host `b-sw` is namespace `sqp-b-sw`, the switch of lab `sqp-b`.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { withFileLock } from "./file-lock.ts";

export const REGISTRY_DIR = "/run/wirelab/labs";

export interface RegisteredLab {
  readonly labId: string;
  readonly name: string;
  readonly prefix: string;
  readonly file?: string;
  readonly stateDir: string;
}

/** Two prefixes whose kernel names can coincide: equal, or one is the other plus `-…`. */
export function prefixesClash(a: string, b: string): boolean {
  return a === b || a.startsWith(`${b}-`) || b.startsWith(`${a}-`);
}

export function registeredLabs(dir = REGISTRY_DIR): RegisteredLab[] {
  if (!existsSync(dir)) return [];
  const labs: RegisteredLab[] = [];
  for (const entry of readdirSync(dir).filter((e) => e.endsWith(".json"))) {
    try {
      labs.push(JSON.parse(readFileSync(join(dir, entry), "utf8")) as RegisteredLab);
    } catch {
      // Half-written by a process killed mid-write: it names no lab.
    }
  }
  return labs;
}

/**
 * Registers the lab under a machine-wide lock, or throws one line naming the lab it would
 * collide with. `isLive` tells whether a registered lab still has objects (a stale entry,
 * left by a lab whose objects are gone, is dropped).
 */
export async function claimPrefix(lab: RegisteredLab, isLive: (other: RegisteredLab) => boolean, dir = REGISTRY_DIR): Promise<void> {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  await withFileLock(
    join(dir, ".lock"),
    (pid) => `the lab registry ${dir} is locked by pid ${pid ?? "?"} for more than 10 s`,
    async () => {
      for (const other of registeredLabs(dir)) {
        if (other.labId === lab.labId || !prefixesClash(other.prefix, lab.prefix)) continue;
        if (!isLive(other)) {
          rmSync(entryPath(dir, other.prefix), { force: true });
          continue;
        }
        const how = other.prefix === lab.prefix ? "is the prefix of" : "overlaps the prefix of";
        throw new Error(
          `prefix '${lab.prefix}' of lab '${lab.name}' ${how} lab '${other.name}' (prefix '${other.prefix}'${other.file ? `, ${other.file}` : ""}), which is up: ` +
            "their namespace names could collide; give one lab another prefix",
        );
      }
      const path = entryPath(dir, lab.prefix);
      writeFileSync(`${path}.tmp`, JSON.stringify(lab) + "\n", { mode: 0o644 });
      renameSync(`${path}.tmp`, path);
    },
    10000,
  );
}

/** Drops the lab's entry (only its own: another lab may have registered the prefix since). */
export function releasePrefix(labId: string, prefix: string, dir = REGISTRY_DIR): void {
  const path = entryPath(dir, prefix);
  const current = registeredLabs(dir).find((l) => l.prefix === prefix);
  if (current?.labId === labId) rmSync(path, { force: true });
}

function entryPath(dir: string, prefix: string): string {
  return join(dir, `${prefix}.json`);
}
