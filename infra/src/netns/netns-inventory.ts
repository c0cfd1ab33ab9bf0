// The inventory a netns lab writes: hosts reached by `ip netns exec` (and SSH
// when asked), engines attached to veths with AF_XDP, this checkout's tools.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { BUILD_DIR } from "../repo.ts";
import { BPF_PIN_ROOT } from "./pins.ts";
import { INVENTORY_SCHEMA, testInterfaceFields, type Inventory, type InventoryHost } from "../inventory.ts";
import type { Lab } from "../lab-model.ts";

function hugepagesFree(): number {
  const m = /HugePages_Free:\s+(\d+)/.exec(readFileSync("/proc/meminfo", "utf8"));
  return m ? Number(m[1]) : 0;
}

export function netnsInventory(
  lab: Lab,
  options: { labFile?: string; labSha256?: string; ssh?: { clientKey: string; fingerprints: Map<string, string> } },
): Inventory {
  const hugepages = hugepagesFree();
  const hosts: InventoryHost[] = lab.hosts.map((host) => {
    const fingerprint = options.ssh?.fingerprints.get(host.name);
    return {
      name: host.name,
      role: host.role,
      mgmt: { ip: host.mgmt.ip },
      defaultTransport: "netns",
      transports: {
        netns: { namespace: host.namespace },
        ...(options.ssh && fingerprint
          ? { ssh: { host: host.mgmt.ip, port: 22, user: "root", keyPath: options.ssh.clientKey, hostKey: fingerprint } }
          : {}),
      },
      interfaces: host.interfaces.map((i, n) => ({
        name: i.ifname,
        segment: i.segment,
        mac: i.mac,
        ...testInterfaceFields(i),
        pci: null,
        peer: { namespace: lab.switchNamespace, dev: i.switchPort },
        dpdk: {
          vdev: `net_af_xdp${n},iface=${i.ifname}`,
          eal: hugepages > 0 ? ["--no-pci"] : ["--no-pci", "--no-huge", "-m", "256"],
        },
      })),
      routes: host.routes.map((r) => ({ to: r.to, via: r.via })),
      capabilities: { xdp: "native", afXdp: true, afPacket: true, dpdkPci: false, hugepages },
      // Namespaces share this machine's files: the tools are this checkout's builds.
      tools: {
        engine: join(BUILD_DIR, "engine", "wirelab-engine"),
        xdp: join(BUILD_DIR, "xdp", "wirelab-xdp"),
        sink: join(BUILD_DIR, "xdp", "wirelab-sink"),
        bpfDir: join(BUILD_DIR, "xdp"),
        bpfPinRoot: BPF_PIN_ROOT,
      },
    };
  });
  return {
    schema: INVENTORY_SCHEMA,
    backend: "netns",
    createdAt: new Date().toISOString(),
    lab: {
      name: lab.name,
      prefix: lab.prefix,
      ...(options.labFile ? { file: options.labFile } : {}),
      ...(options.labSha256 ? { sha256: options.labSha256 } : {}),
    },
    management: { subnet: lab.management.subnet, gateway: lab.management.gateway },
    hosts,
  };
}
