// Recovery for the VM suite after a crashed run (SIGKILL, a lost session): the
// libvirt objects named with the suite's own prefix are removed with the same
// delete scripts the program declares, so the next run starts clean.
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { DOMAIN_DELETE, NETWORK_DELETE, POOL_DELETE } from "../scripts.ts";
import { virsh } from "./libvirtd.ts";

function named(uri: string, list: string, prefix: string): string[] {
  return virsh(uri, list, "--all", "--name").stdout.split("\n").map((s) => s.trim()).filter((s) => s.startsWith(prefix));
}

function run(script: string, uri: string, name: string): string | undefined {
  const r = spawnSync("/bin/bash", ["-c", script], { env: { ...process.env, WL_URI: uri, WL_NAME: name }, encoding: "utf8", timeout: 120_000 });
  return r.status === 0 ? undefined : `${name}: exit ${r.status}: ${(r.stderr ?? "").trim()}`;
}

/** Domains first (they hold the networks and volumes), then networks, then pools with their volumes. Returns failures. */
export function sweepPrefix(uri: string, prefix: string, poolDir: string): string[] {
  const failures: string[] = [];
  for (const d of named(uri, "list", prefix)) failures.push(...[run(DOMAIN_DELETE, uri, d)].filter((f): f is string => f !== undefined));
  for (const n of named(uri, "net-list", prefix)) failures.push(...[run(NETWORK_DELETE, uri, n)].filter((f): f is string => f !== undefined));
  for (const p of named(uri, "pool-list", prefix)) {
    // Volumes first, or pool-delete refuses a non-empty directory.
    for (const vol of virsh(uri, "vol-list", p).stdout.split("\n").map((l) => l.trim().split(/\s+/)[0]).filter(Boolean)) virsh(uri, "vol-delete", vol!, "--pool", p);
    failures.push(...[run(POOL_DELETE, uri, p)].filter((f): f is string => f !== undefined));
  }
  rmSync(poolDir, { recursive: true, force: true });
  return failures;
}
