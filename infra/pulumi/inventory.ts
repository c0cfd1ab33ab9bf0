// The stack's `inventory` output: the same schema the netns backend writes,
// built from the lab model plus what only exists after `up` (host keys, metal
// capabilities and bindings).
import { INVENTORY_SCHEMA, testInterfaceFields, type Capabilities, type Inventory, type InventoryHost, type InventoryInterface } from "../src/inventory.ts";
import { parseInventory } from "../src/inventory-schema.ts";
import type { Host, Lab } from "../src/lab-model.ts";
import { bindsDpdk, testNicGuestPci } from "./names.ts";

export interface InventoryMeta {
  readonly labFile?: string;
  readonly labSha256: string;
  readonly sshUser: string;
  readonly sshPrivateKeyPath: string;
  readonly createdAt: string;
}

function kernelNic(n: number, ifname: string, hugepages: number): InventoryInterface["dpdk"] {
  return { vdev: `net_af_xdp${n},iface=${ifname}`, eal: hugepages > 0 ? ["--no-pci"] : ["--no-pci", "--no-huge", "-m", "256"] };
}

/** The test NICs: those in `bound` (index → PCI address) go to DPDK, the others stay kernel interfaces. */
function interfaces(host: Host, hugepages: number, bound: ReadonlyMap<number, string>, driver: string | undefined): InventoryInterface[] {
  return host.interfaces.map((ifc, n) => {
    const pci = bound.get(n) ?? null;
    const dpdk = bindsDpdk(host) && pci !== null && driver !== undefined && driver !== "none";
    return {
      name: ifc.ifname,
      segment: ifc.segment,
      mac: ifc.mac,
      ...testInterfaceFields(ifc),
      pci,
      dpdk: dpdk
        ? // The runner adds `-a <pci>` itself from `pci`.
          { pci: pci!, driver: driver!, eal: hugepages > 0 ? [] : ["--no-huge", "-m", "256"] }
        : kernelNic(n, ifc.ifname, hugepages),
    };
  });
}

function wrap(lab: Lab, backend: "libvirt" | "metal", meta: InventoryMeta, hosts: InventoryHost[]): Inventory {
  return parseInventory(
    {
      schema: INVENTORY_SCHEMA,
      backend,
      createdAt: meta.createdAt,
      lab: { name: lab.name, prefix: lab.prefix, ...(meta.labFile ? { file: meta.labFile } : {}), sha256: meta.labSha256 },
      management: { subnet: lab.management.subnet, gateway: lab.management.gateway },
      hosts,
    },
    `inventory of lab '${lab.name}'`,
  );
}

/** VMs: everything is known from the model except each host key, which the program generated. */
export function libvirtInventory(lab: Lab, meta: InventoryMeta & { hugepages: number }, fingerprints: Record<string, string>): Inventory {
  return wrap(
    lab,
    "libvirt",
    meta,
    lab.hosts.map((host) => {
      // Without a vIOMMU a virtio NIC goes to uio_pci_generic; a passed-through VF to vfio-pci.
      const driver = bindsDpdk(host) ? (host.vm?.hostdev ? "vfio-pci" : "uio_pci_generic") : "none";
      return {
        name: host.name,
        role: host.role,
        mgmt: { ip: host.mgmt.ip },
        defaultTransport: "ssh",
        transports: {
          ssh: { host: host.mgmt.ip, port: 22, user: meta.sshUser, keyPath: meta.sshPrivateKeyPath, hostKey: fingerprints[host.name]! },
        },
        // The bind unit hands every test NIC to DPDK, each at its fixed guest slot.
        interfaces: interfaces(host, meta.hugepages, new Map(host.interfaces.map((_, n) => [n, testNicGuestPci(n)])), driver),
        routes: host.routes.map((r) => ({ to: r.to, via: r.via })),
        capabilities: { xdp: "native", afXdp: true, afPacket: true, dpdkPci: bindsDpdk(host), hugepages: meta.hugepages },
      };
    }),
  );
}

export interface MetalHostFacts {
  readonly address: string;
  readonly port: number;
  readonly user: string;
  readonly hostKey: string;
  readonly capabilities: Capabilities;
  readonly dpdkEnv: Record<string, string>;
}

/** Metal: addresses and keys from config, binding and capabilities as the host reported them. */
export function metalInventory(lab: Lab, meta: InventoryMeta, facts: Record<string, MetalHostFacts>): Inventory {
  return wrap(
    lab,
    "metal",
    meta,
    lab.hosts.map((host) => {
      const f = facts[host.name]!;
      const pci = f.dpdkEnv.WIRELAB_DPDK_PCI || host.metal?.pci || null;
      const driver = f.dpdkEnv.WIRELAB_DPDK_DRIVER;
      // A metal host names one test NIC (metal.test_nic): the first.
      const nics = interfaces(host, f.capabilities.hugepages, pci === null ? new Map() : new Map([[0, pci]]), driver);
      // On metal the kernel name of the test NIC is the lab's test_nic, not eth1.
      if (nics[0] && host.metal) nics[0] = { ...nics[0], name: host.metal.test_nic, dpdk: nics[0].dpdk.vdev ? kernelNic(0, host.metal.test_nic, f.capabilities.hugepages) : nics[0].dpdk };
      return {
        name: host.name,
        role: host.role,
        mgmt: { ip: f.address },
        defaultTransport: "ssh",
        transports: { ssh: { host: f.address, port: f.port, user: f.user, keyPath: meta.sshPrivateKeyPath, hostKey: f.hostKey } },
        interfaces: nics,
        routes: host.routes.map((r) => ({ to: r.to, via: r.via })),
        capabilities: f.capabilities,
      };
    }),
  );
}
