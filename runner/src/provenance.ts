// Where a run's figures came from: enough to tell two runs' conditions apart.
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { toolsOf, type Inventory } from "../../infra/src/inventory.ts";
import { REPO_ROOT } from "./paths.ts";

export interface Provenance {
  kernel: string;
  cpuModel: string;
  cpus: number;
  dpdkVersion: string | null;
  engineSha256: string | null;
  xdpToolSha256: string | null;
  labName: string;
  labSha256: string | null;
  backend: string;
  gitCommit: string | null;
  loadAverage: number[];
}

function sha256Of(path: string): string | null {
  return existsSync(path) ? createHash("sha256").update(readFileSync(path)).digest("hex") : null;
}

function read(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}

function gitCommit(): string | null {
  const head = read(join(REPO_ROOT, ".git", "HEAD"))?.trim();
  if (!head) return null;
  if (!head.startsWith("ref: ")) return head;
  const ref = head.slice(5);
  const loose = read(join(REPO_ROOT, ".git", ref))?.trim();
  if (loose) return loose;
  const packed = read(join(REPO_ROOT, ".git", "packed-refs")) ?? "";
  return packed.split("\n").find((l) => l.endsWith(` ${ref}`))?.split(" ")[0] ?? null;
}

function dpdkVersion(): string | null {
  for (const dir of ["/usr/lib/x86_64-linux-gnu/pkgconfig", "/usr/lib/pkgconfig", "/usr/local/lib/pkgconfig"]) {
    const pc = read(join(dir, "libdpdk.pc"));
    const v = pc && /^Version:\s*(\S+)/m.exec(pc)?.[1];
    if (v) return v;
  }
  return null;
}

/** Binaries are hashed where this machine can read them (netns labs); remote hosts' are left null. */
export function provenance(inv: Inventory): Provenance {
  const local = inv.hosts.find((h) => h.transports.netns);
  const tools = local ? toolsOf(local) : undefined;
  const cpuinfo = read("/proc/cpuinfo") ?? "";
  return {
    kernel: read("/proc/sys/kernel/osrelease")?.trim() ?? "unknown",
    cpuModel: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? "unknown",
    cpus: cpuinfo.split("\n").filter((l) => l.startsWith("processor")).length,
    dpdkVersion: dpdkVersion(),
    engineSha256: tools ? sha256Of(tools.engine) : null,
    xdpToolSha256: tools ? sha256Of(tools.xdp) : null,
    labName: inv.lab.name,
    labSha256: inv.lab.sha256 ?? null,
    backend: inv.backend,
    gitCommit: gitCommit(),
    loadAverage: (read("/proc/loadavg") ?? "0 0 0").split(" ").slice(0, 3).map(Number),
  };
}
