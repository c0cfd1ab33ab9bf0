// Smoke: the two-host lab comes up, tx and rx reach each other over br-test
// through both transports, and the lab goes away again, also when a check fails.
import { describe, expect, test } from "bun:test";
import { runTraffic } from "../src/traffic/run-traffic.ts";
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

test("traffic through the engine, with both engines started and stopped over SSH", async () => {
  const r = await runTraffic(
    lab.inventory,
    { tx: "tx", rx: "rx", protocol: "icmp", mode: "rate", pps: 500, count: 500, checks: { minRxRatio: 1, minAnswerRatio: 0.99 } },
    { runId: `ssh${process.pid % 1000}`, transport: (h) => lab.transport(h, "ssh") },
  );
  expect(r.reason).toBeUndefined();
  expect(r.state).toBe("passed");
  expect(r.rx.icmp.rx_packets).toBe(500);
  expect(r.tx.icmp.answers_matched).toBeGreaterThanOrEqual(495);
  // Stopped by process group over SSH: nothing of the run is left on either host.
  for (const host of ["tx", "rx"]) {
    const left = await lab.transport(host, "ssh").exec(["pgrep", "-x", "wirelab-engine"]);
    expect(left.stdout.trim()).toBe("");
  }
}, 60000);
