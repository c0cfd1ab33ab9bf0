// The zod schema of inventory.json (types and values in inventory.ts), and parseInventory:
// every inventory read from a file, a Pulumi output or a request goes through it.
import { z } from "zod";
import { INVENTORY_SCHEMA, type Inventory } from "./inventory.ts";
import { ROLES } from "./lab-schema.ts";
import { FINGERPRINT_RE } from "./ssh-host-key.ts";

const fingerprint = z
  .string()
  .regex(FINGERPRINT_RE, "must be an OpenSSH SHA256 fingerprint (SHA256:<43 base64 chars>)");

export const netnsTransportSchema = z.strictObject({
  namespace: z.string().min(1),
});

export const sshTransportSchema = z.strictObject({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  user: z.string().min(1),
  /** Path of the private key on the machine running the runner; the key itself never enters the inventory. */
  keyPath: z.string().min(1),
  /** Pinned host key: connections to a host presenting another key are refused. */
  hostKey: fingerprint,
});

export const dpdkAttachmentSchema = z.strictObject({
  /** EAL --vdev argument for a kernel interface (namespaces, VMs without binding). */
  vdev: z.string().optional(),
  /** PCI address bound to a DPDK driver (VMs, metal). */
  pci: z.string().optional(),
  driver: z.string().optional(),
  /** Extra EAL arguments this host needs (e.g. --no-huge where no hugepages are reserved). */
  eal: z.array(z.string()).default([]),
});

export const inventoryInterfaceSchema = z.strictObject({
  name: z.string().min(1),
  segment: z.string().min(1),
  mac: z.string().regex(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/),
  ipv4: z.string().min(7),
  prefixLen: z.number().int().min(0).max(32),
  /** Present where the lab gives this interface IPv6 (optional, so v4-only inventories parse as before). */
  ipv6: z.string().min(2).optional(),
  prefixLen6: z.number().int().min(0).max(128).optional(),
  pci: z.string().nullable(),
  /** Transmit and receive queues of the interface (absent in inventories written before labs had them: 1). */
  queues: z.number().int().min(1).max(64).optional(),
  dpdk: dpdkAttachmentSchema,
  /** netns labs: the switch-side end of this interface's veth (XDP_TX on a veth needs XDP on its peer). */
  peer: z.strictObject({ namespace: z.string(), dev: z.string() }).optional(),
});

export const capabilitiesSchema = z.strictObject({
  xdp: z.enum(["native", "generic", "none"]),
  afXdp: z.boolean(),
  afPacket: z.boolean(),
  dpdkPci: z.boolean(),
  hugepages: z.number().int().min(0),
});

/** Where wirelab's own binaries are on the host; absent fields default to /opt/wirelab/build/... */
export const toolsSchema = z.strictObject({
  engine: z.string().optional(),
  xdp: z.string().optional(),
  sink: z.string().optional(),
  /** Directory holding the XDP programs' .bpf.o files. */
  bpfDir: z.string().optional(),
  /** bpffs directory the XDP programs' pins go under (one `<prefix>-<host>-<dev>` directory each). */
  bpfPinRoot: z.string().optional(),
});

export const inventoryHostSchema = z.strictObject({
  name: z.string().min(1),
  role: z.enum(ROLES),
  mgmt: z.strictObject({ ip: z.string().min(7) }),
  defaultTransport: z.enum(["netns", "ssh"]),
  transports: z.strictObject({
    netns: netnsTransportSchema.optional(),
    ssh: sshTransportSchema.optional(),
  }),
  interfaces: z.array(inventoryInterfaceSchema),
  routes: z.array(z.strictObject({ to: z.string(), via: z.string() })).default([]),
  capabilities: capabilitiesSchema,
  tools: toolsSchema.optional(),
});

export const inventorySchema = z
  .strictObject({
    schema: z.literal(INVENTORY_SCHEMA),
    backend: z.enum(["netns", "libvirt", "metal"]),
    createdAt: z.string(),
    lab: z.strictObject({
      name: z.string(),
      prefix: z.string(),
      file: z.string().optional(),
      sha256: z.string().optional(),
    }),
    management: z.strictObject({ subnet: z.string(), gateway: z.string() }),
    hosts: z.array(inventoryHostSchema).min(1),
  })
  .superRefine((inv, ctx) => {
    inv.hosts.forEach((h, i) => {
      if (!h.transports[h.defaultTransport]) {
        ctx.addIssue({ code: "custom", path: ["hosts", i, "defaultTransport"], message: `host '${h.name}' has no ${h.defaultTransport} transport` });
      }
    });
  });

/** Validates parsed JSON as an inventory; throws one line naming the source, the field and the problem. */
export function parseInventory(value: unknown, source = "inventory"): Inventory {
  const result = inventorySchema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("").replace(/^\./, "");
  throw new Error(`${source}: ${field || "(root)"}: ${issue.message}`);
}

