// The lab file as written by a person: a zod schema over the YAML. Defaults
// and cross-field rules (addresses, overlaps, references) live in lab-model.ts.
import { z } from "zod";
import { interfaceImpairSchema, networkImpairSchema } from "./impair-schema.ts";

export const ROLES = ["tx", "rx", "both", "dut", "xdp", "sink"] as const;
export type Role = (typeof ROLES)[number];

const hostName = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,30}$/, "must be lowercase letters, digits and '-', starting with a letter, at most 31 chars");

const segmentName = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,30}$/, "must be lowercase letters, digits and '-', starting with a letter, at most 31 chars");

const mac = z
  .string()
  .regex(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i, "must be a MAC like 02:00:00:00:00:01");

const pciAddress = z
  .string()
  .regex(/^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/i, "must be a PCI address like 0000:03:00.0");

export const interfaceSchema = z.strictObject({
  network: segmentName.optional(),
  ip: z.string().optional(),
  /** An explicit IPv6 address inside the network's /64 (the network must have IPv6). */
  ip6: z.string().optional(),
  mac: mac.optional(),
  pci: pciAddress.optional(),
  /** Transmit and receive queues (veth queues, virtio-net multiqueue); the range is checked in lab-model.ts. */
  queues: z.number().int().optional(),
  impair: interfaceImpairSchema.optional(),
});

export const routeSchema = z.strictObject({
  to: z.string(),
  via: z.string(),
});

export const vmSchema = z.strictObject({
  vcpus: z.number().int().min(1).max(64).default(2),
  memory_mib: z.number().int().min(256).max(262144).default(2048),
  disk_gib: z.number().int().min(2).max(2048).default(8),
  hostdev: pciAddress.optional(),
});

export const metalSchema = z.strictObject({
  address: z.string().min(1),
  port: z.number().int().min(1).max(65535).default(22),
  user: z.string().min(1).default("root"),
  test_nic: z.string().min(1),
  pci: pciAddress.optional(),
});

export const hostSchema = z.strictObject({
  name: hostName,
  role: z.enum(ROLES, { message: `must be one of ${ROLES.join(", ")}` }),
  interfaces: z.array(interfaceSchema).min(1).max(9).optional(),
  routes: z.array(routeSchema).optional(),
  vm: vmSchema.optional(),
  metal: metalSchema.optional(),
  /** false: the VM/metal boot unit leaves this host's test NICs to the kernel (netem impairments need them there). */
  dpdk: z.literal(false).optional(),
});

export const segmentSchema = z.strictObject({
  name: segmentName,
  subnet: z.string().optional(),
  /** IPv6 on this network; absent: the lab's `ipv6`. */
  ipv6: z.boolean().optional(),
  /** The network's /64 inside 2001:2::/48; absent: 2001:2:0:<index>::/64. */
  subnet6: z.string().optional(),
  /** Hosts accept router advertisements (and autoconfigure from them) on this network; off by default. */
  accept_ra: z.boolean().optional(),
  mtu: z.number().int().min(576).max(9000).default(1500),
  impair: networkImpairSchema.optional(),
});

export const labFileSchema = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, "must be lowercase letters, digits and '-', starting with a letter"),
  prefix: z.string().optional(),
  description: z.string().optional(),
  ipv6: z.boolean().default(false),
  nat: z.boolean().default(false),
  management: z.strictObject({ subnet: z.string().optional() }).optional(),
  networks: z.array(segmentSchema).min(1).optional(),
  hosts: z.array(hostSchema).min(1, "a lab needs at least one host"),
});

export type LabFile = z.infer<typeof labFileSchema>;
export type HostFile = z.infer<typeof hostSchema>;
