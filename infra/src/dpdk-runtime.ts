// DPDK runtime files of the lab's engines. EAL keeps /var/run/dpdk/<file-prefix>
// (about 3.3 MB: config, fbarray) and, with hugepages, <file-prefix>map_* files
// until it exits cleanly; an engine killed with its runner leaves them. They are
// removed as soon as no process holds them, by the next run and by `lab down`.
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { join } from "node:path";

export const DPDK_RUN_DIR = "/var/run/dpdk";
export const HUGEPAGE_DIR = "/dev/hugepages";

/**
 * A file prefix per lab, run and host: two engines on one machine must not share DPDK's
 * runtime files. `_` ends the lab prefix (a prefix never holds one), so lab `sqp` never
 * claims the files of lab `sqp-b`.
 */
export function dpdkFilePrefix(labPrefix: string, runId: string, host: string): string {
  return `${labFilePrefixStem(labPrefix)}${runId}-${host}`.slice(0, 60);
}

export function dpdkRuntimeDir(filePrefix: string): string {
  return `${DPDK_RUN_DIR}/${filePrefix}`;
}

function labFilePrefixStem(labPrefix: string): string {
  return `wl-${labPrefix}_`;
}

/**
 * Makes the runtime dirs of a run's engines and holds each open until `release`: between an
 * engine's start and its EAL opening them, another run's sweep would take them for stale.
 */
export function holdDpdkRuntimeDirs(filePrefixes: readonly string[], root = DPDK_RUN_DIR): () => void {
  const fds = filePrefixes.map((p) => {
    const dir = join(root, p);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return openSync(dir, "r");
  });
  return () => {
    for (const fd of fds.splice(0)) closeSync(fd);
  };
}

/** /var/run is a symlink to /run: the kernel names open files by the latter. */
function canonical(path: string): string {
  return path.replace(/^\/var\/run\//, "/run/");
}

/** Every path (canonical) some process has open or mapped under the given roots (/proc/PID/fd and /proc/PID/maps). */
export function pathsInUse(roots: readonly string[]): Set<string> {
  const wanted = roots.map(canonical);
  const under = (p: string) => wanted.some((r) => p.startsWith(`${r}/`));
  const used = new Set<string>();
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        try {
          const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
          if (under(target)) used.add(target);
        } catch {
          // Closed while we looked.
        }
      }
      for (const line of readFileSync(`/proc/${pid}/maps`, "utf8").split("\n")) {
        const path = line.slice(line.indexOf("/"));
        if (line.includes("/") && under(path)) used.add(path.replace(/ \(deleted\)$/, ""));
      }
    } catch {
      // The process ended while we looked.
    }
  }
  return used;
}

/**
 * Removes the lab's DPDK runtime dirs and hugepage files that no process holds (the engine
 * that made them is gone); those of a running engine stay. Returns what was removed.
 */
export function removeStaleDpdkFiles(labPrefix: string, roots = { run: DPDK_RUN_DIR, huge: HUGEPAGE_DIR }): string[] {
  // Without root another user's open files are invisible: every dir would look unheld.
  if (process.getuid?.() !== 0) return [];
  const stem = labFilePrefixStem(labPrefix);
  const candidates: string[] = [];
  for (const dir of [roots.run, roots.huge]) {
    if (!existsSync(dir)) continue;
    for (const entry of readdirSync(dir)) if (entry.startsWith(stem)) candidates.push(join(dir, entry));
  }
  if (candidates.length === 0) return [];
  const used = [...pathsInUse([roots.run, roots.huge])];
  const removed: string[] = [];
  for (const path of candidates) {
    const c = canonical(path);
    if (used.some((u) => u === c || u.startsWith(`${c}/`))) continue;
    rmSync(path, { recursive: true, force: true });
    removed.push(path);
  }
  return removed;
}
