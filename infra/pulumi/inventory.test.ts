// The stack's inventory output for a dual-stack lab: VMs and metal hosts carry
// their test NIC's v6 address, and the inventory schema accepts it.
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseLab } from "../src/lab-model.ts";
import { libvirtInventory, metalInventory } from "./inventory.ts";
import { dpdkBindCommand } from "./metal-scripts.ts";

const lab = parseLab(readFileSync(join(import.meta.dir, "..", "labs", "dual-stack.yaml"), "utf8"), "dual-stack");
const meta = { labSha256: "0".repeat(64), sshUser: "lab", sshPrivateKeyPath: "/k/id", createdAt: "2026-01-01T00:00:00Z" };
const hostKey = `SHA256:${"A".repeat(43)}`;

test("libvirt: every test NIC has ipv6 and prefixLen6 beside its v4 address", () => {
  const inv = libvirtInventory(lab, { ...meta, hugepages: 0 }, { tx: hostKey, rx: hostKey });
  expect(inv.hosts.map((h) => [h.interfaces[0]!.ipv4, h.interfaces[0]!.ipv6, h.interfaces[0]!.prefixLen6])).toEqual([
    ["198.18.66.1", "2001:2:0:42::1", 64],
    ["198.18.66.2", "2001:2:0:42::2", 64],
  ]);
});

test("metal: the inventory says the v6 address the lab gives the test NIC, and so does the host's dpdk.conf", () => {
  const facts = Object.fromEntries(
    lab.hosts.map((h, i) => [
      h.name,
      {
        address: `192.0.2.${10 + i}`,
        port: 22,
        user: "root",
        hostKey,
        capabilities: { xdp: "native" as const, afXdp: true, afPacket: true, dpdkPci: false, hugepages: 0 },
        dpdkEnv: {},
      },
    ]),
  );
  const inv = metalInventory(lab, meta, facts);
  expect(inv.hosts[1]!.interfaces[0]).toMatchObject({ ipv6: "2001:2:0:42::2", prefixLen6: 64 });
  // The host's own record of its test addresses (/etc/wirelab/dpdk.conf) has it too.
  const metalHost = { ...lab.hosts[1]!, metal: { address: "192.0.2.11", port: 22, user: "root", test_nic: "enp3s0" } };
  expect(dpdkBindCommand("/opt/wirelab", metalHost, 0)).toContain("\nTEST_IPV6=2001:2:0:42::2/64' > /etc/wirelab/dpdk.conf");
});

test("a v4-only lab's inventory has no v6 fields", () => {
  const v4 = parseLab(readFileSync(join(import.meta.dir, "..", "labs", "two-host.yaml"), "utf8"));
  const inv = libvirtInventory(v4, { ...meta, hugepages: 0 }, { tx: hostKey, rx: hostKey });
  expect(Object.keys(inv.hosts[0]!.interfaces[0]!)).not.toContain("ipv6");
});
