// The lab an `xdp bench` runs on: an inventory given (--inventory, or
// WIRELAB_INVENTORY), the lab's own if it is up, or the netns lab brought up
// here and taken down again at the end. Hosts and tools resolved once.
import { existsSync } from "node:fs";
import { inventoryHost, toolsOf, type Inventory, type InventoryHost } from "../../../../infra/src/inventory.ts";
import { inventoryPath } from "../../../../infra/src/netns-lab.ts";
import { loadInventory, loadLab } from "../../lab-files.ts";
import { startLab } from "../../lab-fixture.ts";
import { labStateDir } from "../../paths.ts";
import { transportFor } from "../../transport/index.ts";
import type { Transport } from "../../transport/transport.ts";
import { pinDirFor } from "../xdp-session.ts";
import type { BenchTarget } from "./bench-config.ts";

export interface BenchLab {
  readonly inventory: Inventory;
  /** True when this run brought the lab up (and so takes it down). */
  readonly owned: boolean;
  transport(host: string): Transport;
  close(): Promise<void>;
}

export async function openBenchLab(options: { inventory?: string; lab: string; bringUp: boolean }): Promise<BenchLab> {
  const { lab } = loadLab(options.lab);
  const given = options.inventory ?? process.env.WIRELAB_INVENTORY;
  const upAlready = existsSync(inventoryPath(labStateDir(lab.name)));
  if (given || upAlready || !options.bringUp) {
    const inventory = loadInventory(given ? { inventory: given } : { lab: options.lab });
    const transports = new Map<string, Transport>();
    return {
      inventory,
      owned: false,
      transport(host) {
        let t = transports.get(host);
        if (!t) transports.set(host, (t = transportFor(inventoryHost(inventory, host))));
        return t;
      },
      async close() {
        await Promise.all([...transports.values()].map((t) => t.close()));
      },
    };
  }
  const fixture = await startLab(options.lab, { ssh: false });
  return { inventory: fixture.inventory, owned: fixture.owned, transport: (h) => fixture.transport(h), close: () => fixture.down() };
}

/** A host by name, or else the lab's only host of that role (gen: tx, dst: xdp). */
function pick(inv: Inventory, name: string | undefined, fallbackName: string, role: string): InventoryHost {
  if (name) return inventoryHost(inv, name);
  const byName = inv.hosts.find((h) => h.name === fallbackName);
  if (byName) return byName;
  const byRole = inv.hosts.filter((h) => h.role === role);
  if (byRole.length === 1) return byRole[0]!;
  throw new Error(`lab '${inv.lab.name}' has no host '${fallbackName}' and ${byRole.length} of role ${role}: name one with --${fallbackName}`);
}

export function benchTarget(inv: Inventory, gen?: string, dst?: string): BenchTarget {
  const g = pick(inv, gen, "gen", "tx");
  const d = pick(inv, dst, "dst", "xdp");
  if (g.name === d.name) throw new Error(`--gen and --dst must differ ('${g.name}')`);
  const gi = g.interfaces[0];
  const di = d.interfaces[0];
  if (!gi || !di) throw new Error(`hosts '${g.name}' and '${d.name}' need a test interface each`);
  const tools = toolsOf(d);
  return {
    gen: { name: g.name, dev: gi.name, ip: gi.ipv4 },
    dst: { name: d.name, dev: di.name, ip: di.ipv4, ...(di.peer ? { peer: di.peer } : {}) },
    pinDir: pinDirFor(tools.bpfPinRoot, inv.lab.prefix, d.name, di.name),
    tools: { engine: toolsOf(g).engine, xdp: tools.xdp, sink: tools.sink },
    labName: inv.lab.name,
  };
}
