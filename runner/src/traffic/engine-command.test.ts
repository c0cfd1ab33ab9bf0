// The engine's EAL arguments as they depend on the backend: lcores, and the
// device allowed exactly once.
import { expect, test } from "bun:test";
import { type Inventory } from "../../../infra/src/inventory.ts";
import { parseInventory } from "../../../infra/src/inventory-schema.ts";
import { validateSpec } from "./traffic-spec.ts";
import { rxInvocation, txInvocation } from "./engine-command.ts";

function inventory(backend: "netns" | "libvirt"): Inventory {
  const host = (name: string, n: number) => ({
    name, role: name, mgmt: { ip: `198.19.9.${n}` }, defaultTransport: backend === "netns" ? "netns" : "ssh",
    transports: backend === "netns" ? { netns: { namespace: `ec-${name}` } } : { ssh: { host: `198.19.9.${n}`, port: 22, user: "root", keyPath: "/k", hostKey: "SHA256:" + "A".repeat(43) } },
    interfaces: [{
      name: "eth1", segment: "br-test", mac: `02:00:00:00:00:0${n}`, ipv4: `198.18.9.${n}`, prefixLen: 24,
      pci: backend === "netns" ? null : "0000:00:04.0",
      dpdk: backend === "netns" ? { vdev: `net_af_packet${n},iface=eth1` } : { pci: "0000:00:04.0", driver: "uio_pci_generic" },
    }],
    capabilities: { xdp: "native", afXdp: true, afPacket: true, dpdkPci: backend !== "netns", hugepages: 64 },
  });
  return parseInventory({
    schema: "wirelab/inventory@1", backend, createdAt: "2026-01-01T00:00:00Z",
    lab: { name: "ec", prefix: "ec" }, management: { subnet: "198.19.9.0/24", gateway: "198.19.9.254" },
    hosts: [host("tx", 1), host("rx", 2)],
  });
}

const spec = validateSpec({ tx: "tx", rx: "rx", protocol: "udp", mode: "rate", pps: 100, duration: 1 });
const lcore = (argv: readonly string[]) => argv[argv.indexOf("-l") + 1];

test("netns: both engines share this machine, so they get a core each", () => {
  const inv = inventory("netns");
  expect(lcore(txInvocation(inv, spec, inv.hosts[0]!, inv.hosts[1]!, { runId: "r" }).argv)).toBe("0");
  expect(lcore(rxInvocation(inv, spec, inv.hosts[1]!, { runId: "r" }).argv)).toBe("1");
});

test("VMs and metal hosts are machines of their own: core 0 on each (a 1-vCPU VM has no core 1)", () => {
  const inv = inventory("libvirt");
  const tx = txInvocation(inv, spec, inv.hosts[0]!, inv.hosts[1]!, { runId: "r" }).argv;
  const rx = rxInvocation(inv, spec, inv.hosts[1]!, { runId: "r" }).argv;
  expect([lcore(tx), lcore(rx)]).toEqual(["0", "0"]);
  // The PCI device is allowed once, and no vdev is made up for it.
  for (const argv of [tx, rx]) {
    expect(argv.filter((a) => a === "-a")).toHaveLength(1);
    expect(argv[argv.indexOf("-a") + 1]).toBe("0000:00:04.0");
    expect(argv).not.toContain("--vdev");
  }
});

test("explicit lcores win on any backend", () => {
  const inv = inventory("libvirt");
  expect(lcore(rxInvocation(inv, spec, inv.hosts[1]!, { runId: "r", lcores: { tx: 0, rx: 3 } }).argv)).toBe("3");
});
