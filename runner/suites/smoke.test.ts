// Smoke: the two-host lab comes up, tx and rx reach each other over br-test
// through both transports, and the lab goes away again, also when a check fails.
import { describe, expect, test } from "bun:test";
import { useLab } from "./use-lab.ts";

const lab = useLab("two-host", { ssh: true });

for (const kind of ["netns", "ssh"] as const) {
  describe(`reachability over br-test through the ${kind} transport`, () => {
    for (const [from, to] of [["tx", "rx"], ["rx", "tx"]] as const) {
      test(`${from} -> ${to}`, async () => {
        const target = lab.inventory.hosts.find((h) => h.name === to)!.interfaces[0]!;
        const t = lab.transport(from, kind);
        const ping = await t.exec(["ping", "-c", "3", "-i", "0.2", "-W", "1", "-I", "eth1", target.ipv4]);
        expect(ping.code).toBe(0);
        expect(ping.stdout).toMatch(/3 packets transmitted, 3 received/);
        // The answer came from the peer's own test NIC: its MAC is the one in the inventory.
        const neigh = await t.exec(["ip", "neigh", "show", target.ipv4, "dev", "eth1"]);
        expect(neigh.stdout).toContain(target.mac);
      });
    }
  });
}

test("the test network carries nothing but the lab's own addresses", () => {
  for (const host of lab.inventory.hosts) {
    for (const ifc of host.interfaces) expect(ifc.ipv4.startsWith("198.18.") || ifc.ipv4.startsWith("198.19.")).toBe(true);
  }
});
