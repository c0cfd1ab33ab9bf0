// The VM suite's lab: its prefix, where it keeps its pool and where it writes
// the inventory of a lab kept running (WIRELAB_VM_KEEP=1), and how to remove it.
import { existsSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sweepPrefix } from "./sweep.ts";

export const VM_PREFIX = "wlt-pul";
export const VM_POOL_DIR = `/var/tmp/${VM_PREFIX}-pool`;
/** Where the inventory of the running lab is written, for traffic suites run against it. */
export const VM_INVENTORY = `/var/tmp/${VM_PREFIX}-inventory.json`;

/** libvirt keeps per-network runtime files (port dirs, dnsmasq pid file) after net-destroy; the lab's go too. */
export function removeNetworkRuntimeFiles(): void {
  for (const dir of ["/run/libvirt/network", "/var/lib/libvirt/dnsmasq"]) {
    for (const entry of existsSync(dir) ? readdirSync(dir) : []) {
      if (entry.startsWith(`${VM_PREFIX}-`)) rmSync(join(dir, entry), { recursive: true, force: true });
    }
  }
}

/** Everything the suite's lab made, by prefix: domains, networks, pool and its directory, runtime files, work dirs, the inventory. */
export function removeVmLab(uri: string): string[] {
  const failures = sweepPrefix(uri, `${VM_PREFIX}-`, VM_POOL_DIR);
  removeNetworkRuntimeFiles();
  // Earlier runs' work dirs (a kept lab's client key among them): named with the suite's prefix.
  for (const entry of readdirSync(tmpdir())) {
    if (entry.startsWith(`${VM_PREFIX}-vm-`)) rmSync(join(tmpdir(), entry), { recursive: true, force: true });
  }
  rmSync(VM_INVENTORY, { force: true });
  return failures;
}
