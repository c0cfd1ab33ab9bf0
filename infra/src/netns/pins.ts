// XDP pins of a lab's programs: `<namespace>-<dev>` under a bpffs outside /sys
// (the runner's xdp session names them so), removed with the lab's namespaces.
import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_TOOLS } from "../inventory.ts";

/** Where the XDP pins of netns labs live (the inventory's tools.bpfPinRoot). */
export const BPF_PIN_ROOT = DEFAULT_TOOLS.bpfPinRoot;

/** The entries under the pin root (none when it does not exist). */
export function pinEntries(root = BPF_PIN_ROOT): string[] {
  return existsSync(root) ? readdirSync(root) : [];
}

/**
 * Removes the pins of the given namespaces' devices: exactly `<ns>-<dev>`, never every entry
 * starting with the lab prefix (lab `sqp` must not take lab `sqp-b`'s). Returns what went.
 */
export function removePins(devicesByNamespace: ReadonlyMap<string, Iterable<string>>, root = BPF_PIN_ROOT): string[] {
  if (!existsSync(root)) return [];
  const wanted = new Set<string>();
  for (const [ns, devs] of devicesByNamespace) for (const dev of devs) wanted.add(`${ns}-${dev}`);
  const removed: string[] = [];
  for (const entry of readdirSync(root)) {
    if (!wanted.has(entry)) continue;
    rmSync(join(root, entry), { recursive: true, force: true });
    removed.push(join(root, entry));
  }
  return removed;
}
