// inventory.json: the one contract between whatever built a lab (netns
// backend, Pulumi libvirt or metal) and the runner. The runner reads nothing else.
// Its types and values; the zod schema that validates one is inventory-schema.ts,
// loaded only by who reads an inventory from outside.
import type { z } from "zod";
import type {
  capabilitiesSchema,
  inventoryHostSchema,
  inventoryInterfaceSchema,
  inventorySchema,
  sshTransportSchema,
  toolsSchema,
} from "./inventory-schema.ts";
import type { TestInterface } from "./lab-model.ts";

export const INVENTORY_SCHEMA = "wirelab/inventory@1";

export type Inventory = z.infer<typeof inventorySchema>;
export type InventoryHost = z.infer<typeof inventoryHostSchema>;
export type InventoryInterface = z.infer<typeof inventoryInterfaceSchema>;
export type SshTransportSpec = z.infer<typeof sshTransportSchema>;
export type Capabilities = z.infer<typeof capabilitiesSchema>;
export type Tools = z.infer<typeof toolsSchema>;

export const DEFAULT_TOOLS: Required<Tools> = {
  engine: "/opt/wirelab/build/engine/wirelab-engine",
  xdp: "/opt/wirelab/build/xdp/wirelab-xdp",
  sink: "/opt/wirelab/build/xdp/wirelab-sink",
  bpfDir: "/opt/wirelab/build/xdp",
  // Outside /sys, so `ip netns exec` (which remounts /sys) still sees the pins.
  bpfPinRoot: "/run/wirelab/bpf",
};

export function toolsOf(host: InventoryHost): Required<Tools> {
  return { ...DEFAULT_TOOLS, ...host.tools };
}

/** A test interface as every backend writes it: addresses (v4 always, v6 where the lab has it) and queues. */
export function testInterfaceFields(ifc: TestInterface): Pick<InventoryInterface, "ipv4" | "prefixLen" | "ipv6" | "prefixLen6" | "queues"> {
  return { ipv4: ifc.ip, prefixLen: ifc.prefixLen, ...(ifc.ip6 !== undefined ? { ipv6: ifc.ip6, prefixLen6: ifc.prefixLen6! } : {}), queues: ifc.queues };
}

export function inventoryHost(inv: Inventory, name: string): InventoryHost {
  const host = inv.hosts.find((h) => h.name === name);
  if (!host) throw new Error(`no host '${name}' in lab '${inv.lab.name}' (hosts: ${inv.hosts.map((h) => h.name).join(", ")})`);
  return host;
}
