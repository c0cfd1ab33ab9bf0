// The lab a test suite runs on: the inventory given in WIRELAB_INVENTORY, or a
// netns lab brought up here and torn down by the suite that brought it up.
import { existsSync, readFileSync } from "node:fs";
import { inventoryHost, type Inventory } from "../../infra/src/inventory.ts";
import { parseInventory } from "../../infra/src/inventory-schema.ts";
import { NetnsBackend } from "../../infra/src/netns-lab.ts";
import { loadLab } from "./lab-files.ts";
import { labStateDir } from "./paths.ts";
import { transportFor, type TransportKind } from "./transport/index.ts";
import type { Transport } from "./transport/transport.ts";

/** A lab reached through its inventory: one transport per host and kind, opened on first use. */
export interface ReachedLab {
  readonly inventory: Inventory;
  transport(host: string, kind?: TransportKind): Transport;
  closeTransports(): Promise<void>;
}

export interface LabFixture extends ReachedLab {
  /** True when this fixture brought the lab up and so tears it down. */
  readonly owned: boolean;
  /** Closes the transports and, when this fixture brought the lab up, brings it down. */
  down(): Promise<void>;
}

export async function startLab(name = "two-host", options: { ssh?: boolean } = {}): Promise<LabFixture> {
  const given = process.env.WIRELAB_INVENTORY;
  let inventory: Inventory;
  let owned = false;
  if (given) {
    if (!existsSync(given)) throw new Error(`WIRELAB_INVENTORY: no file '${given}'`);
    inventory = parseInventory(JSON.parse(readFileSync(given, "utf8")), given);
    // A suite written for another topology would fail on a missing host somewhere deep: say it here.
    const missing = loadLab(name).lab.hosts.map((h) => h.name).filter((n) => !inventory.hosts.some((h) => h.name === n));
    if (missing.length > 0) throw new Error(`WIRELAB_INVENTORY: this suite is written for lab '${name}', and lab '${inventory.lab.name}' has no host ${missing.join(", ")}`);
  } else {
    const { lab, file, sha256 } = loadLab(name);
    const backend = new NetnsBackend();
    const before = await backend.status(lab, { stateDir: labStateDir(lab.name), labFile: file });
    inventory = await backend.up(lab, { stateDir: labStateDir(lab.name), ssh: options.ssh ?? true, labFile: file, labSha256: sha256 });
    // A lab someone else brought up stays up after the suite; only a lab this suite made goes away.
    owned = before.state === "down";
  }
  const reached = inventoryLab(inventory);
  return {
    inventory,
    owned,
    transport: reached.transport,
    closeTransports: reached.closeTransports,
    async down() {
      await reached.closeTransports();
      if (owned) {
        const { lab, file } = loadLab(name);
        await new NetnsBackend().down(lab, { stateDir: labStateDir(lab.name), labFile: file });
      }
    },
  };
}

/**
 * A lab given by its inventory (VMs, metal, a netns lab someone else runs): reached,
 * never brought up or torn down here. `kind` is the transport when a caller asks for
 * none [each host's default].
 */
export function inventoryLab(inventory: Inventory, kind?: TransportKind): ReachedLab {
  const transports = new Map<string, Transport>();
  return {
    inventory,
    transport(host, k) {
      const h = inventoryHost(inventory, host);
      const chosen = k ?? kind;
      const key = `${host}/${chosen ?? h.defaultTransport}`;
      let t = transports.get(key);
      if (!t) transports.set(key, (t = transportFor(h, chosen)));
      return t;
    },
    async closeTransports() {
      await Promise.all([...transports.values()].map((t) => t.close()));
      transports.clear();
    },
  };
}
