// The engine's arguments for the run's IP family, VLAN tags and workers.
import { expect, test } from "bun:test";
import { type Inventory } from "../../../infra/src/inventory.ts";
import { parseInventory } from "../../../infra/src/inventory-schema.ts";
import { validateSpec, type TrafficSpec } from "./traffic-spec.ts";
import { attachArgs, lcoreArgs, rxInvocation, txInvocation } from "./engine-command.ts";

function inventory(v6: boolean): Inventory {
  const host = (name: string, n: number) => ({
    name, role: name, mgmt: { ip: `198.19.9.${n}` }, defaultTransport: "netns",
    transports: { netns: { namespace: `ef-${name}` } },
    interfaces: [{
      name: "eth1", segment: "br-test", mac: `02:00:00:00:00:0${n}`, ipv4: `198.18.9.${n}`, prefixLen: 24,
      ...(v6 ? { ipv6: `2001:2:0:9::${n}`, prefixLen6: 64 } : {}),
      pci: null, dpdk: { vdev: `net_af_xdp${n},iface=eth1` },
    }],
    capabilities: { xdp: "native", afXdp: true, afPacket: true, dpdkPci: false, hugepages: 64 },
  });
  return parseInventory({
    schema: "wirelab/inventory@1", backend: "netns", createdAt: "2026-01-01T00:00:00Z",
    lab: { name: "ef", prefix: "ef" }, management: { subnet: "198.19.9.0/24", gateway: "198.19.9.254" },
    hosts: [host("tx", 1), host("rx", 2)],
  });
}

const engineArgs = (argv: readonly string[]) => argv.slice(argv.indexOf("--") + 1);
const tx = (inv: Inventory, spec: TrafficSpec) => engineArgs(txInvocation(inv, spec, inv.hosts[0]!, inv.hosts[1]!, { runId: "r" }).argv);
const rx = (inv: Inventory, spec: TrafficSpec) => engineArgs(rxInvocation(inv, spec, inv.hosts[1]!, { runId: "r" }).argv);
const after = (args: readonly string[], flag: string) => args.flatMap((a, i) => (a === flag ? [args[i + 1]] : []));

test("--ip-version 6: the sender goes between the hosts' IPv6 addresses; the receiver answers for both families", () => {
  const inv = inventory(true);
  const spec = validateSpec({ tx: "tx", rx: "rx", protocol: "icmp", mode: "rate", pps: 10, ipVersion: 6 });
  const t = tx(inv, spec);
  expect(after(t, "--ip-version")).toEqual(["6"]);
  expect(after(t, "--src-ip")).toEqual(["2001:2:0:9::1"]);
  expect(after(t, "--dst-ip")).toEqual(["2001:2:0:9::2"]);
  expect(after(rx(inv, spec), "--ip")).toEqual(["198.18.9.2", "2001:2:0:9::2"]);
  // DNS over IPv6 asks for AAAA records: the receiver holds one per name beside its A record.
  const dns = validateSpec({ tx: "tx", rx: "rx", protocol: "dns", mode: "rate", ipVersion: 6, domains: ["a.wirelab.test", "b.wirelab.test"] });
  expect(after(rx(inv, dns), "--dns-record")).toEqual(["a.wirelab.test=198.18.255.1", "b.wirelab.test=198.18.255.2", "a.wirelab.test=2001:2:0:ffff::1", "b.wirelab.test=2001:2:0:ffff::2"]);
});

test("without --ip-version nothing changes for the sender: IPv4 addresses, no --ip-version", () => {
  const inv = inventory(true);
  const t = tx(inv, validateSpec({ tx: "tx", rx: "rx", protocol: "udp", mode: "rate" }));
  expect(t).not.toContain("--ip-version");
  expect(after(t, "--src-ip")).toEqual(["198.18.9.1"]);
});

test("--ip-version 6 on a lab without IPv6 addresses names the host and the way out", () => {
  const inv = inventory(false);
  expect(() => tx(inv, validateSpec({ tx: "tx", rx: "rx", protocol: "udp", mode: "rate", ipVersion: 6 }))).toThrow(
    "--ip-version 6: host 'tx' has no IPv6 address on eth1 in the inventory (a lab file with 'ipv6: true' gives one, e.g. the dual-stack lab)",
  );
  expect(after(rx(inv, validateSpec({ tx: "tx", rx: "rx", protocol: "udp", mode: "rate" })), "--ip")).toEqual(["198.18.9.2"]);
});

test("VLAN tags go to both engines outer first, as ID or ID,PCP: the receiver is a host on that VLAN", () => {
  const inv = inventory(false);
  const spec = validateSpec({ tx: "tx", rx: "rx", protocol: "udp", mode: "rate", vlan: [{ id: 100, pcp: 5 }, { id: 200 }] });
  expect(after(tx(inv, spec), "--vlan")).toEqual(["100,5", "200"]);
  expect(after(rx(inv, spec), "--vlan")).toEqual(["100,5", "200"]);
});

test("bad tags and worker counts are refused by the spec, naming the field", () => {
  const base = { tx: "tx", rx: "rx", protocol: "udp", mode: "rate" } as const;
  expect(() => validateSpec({ ...base, vlan: [{ id: 4095 }] })).toThrow("vlan: VLAN ID 4095 is outside 1..4094");
  expect(() => validateSpec({ ...base, vlan: [{ id: 1, pcp: 8 }] })).toThrow("vlan: PCP 8 is outside 0..7");
  expect(() => validateSpec({ ...base, vlan: [{ id: 1 }, { id: 2 }, { id: 3 }] })).toThrow("vlan: 3 tags: at most 2 (outer, inner)");
  expect(() => validateSpec({ ...base, workers: 0 })).toThrow("workers: must be a whole number 1..64");
  expect(() => validateSpec({ ...base, ipVersion: 5 as 4 })).toThrow("ipVersion: must be 4 or 6");
});

test("--workers N: both engines get it; N lcores laid out from their own core in a netns lab, N+1 on a host of its own", () => {
  const inv = inventory(false);
  const spec = validateSpec({ tx: "tx", rx: "rx", protocol: "udp", mode: "rate", workers: 2 });
  const txArgv = txInvocation(inv, spec, inv.hosts[0]!, inv.hosts[1]!, { runId: "r" }).argv;
  const rxArgv = rxInvocation(inv, spec, inv.hosts[1]!, { runId: "r" }).argv;
  expect(after(engineArgs(txArgv), "--workers")).toEqual(["2"]);
  expect(after(engineArgs(rxArgv), "--workers")).toEqual(["2"]);
  expect(lcoreArgs(0, 2, true, 2)).toEqual(["--lcores", "0@0,1@1"]);
  expect(lcoreArgs(1, 2, true, 2)).toEqual(["--lcores", "0@1,1@0"]);
  expect(lcoreArgs(1, 1, true, 2)).toEqual(["-l", "1"]);
  expect(lcoreArgs(0, 3, false)).toEqual(["-l", "0-3"]);
  expect(txArgv).toContain("--lcores");
});

test("--workers N: a queue each: N af_xdp vdevs on the interface (start_queue=q), af_packet qpairs, PCI as it is", () => {
  expect(attachArgs({ vdev: "net_af_xdp0,iface=eth1" }, 1)).toEqual(["--vdev", "net_af_xdp0,iface=eth1"]);
  expect(attachArgs({ vdev: "net_af_xdp0,iface=eth1,queue_count=2" }, 2)).toEqual(["--vdev", "net_af_xdp0,iface=eth1,start_queue=0", "--vdev", "net_af_xdp1,iface=eth1,start_queue=1"]);
  expect(attachArgs({ vdev: "net_af_packet3,iface=eth1" }, 2)).toEqual(["--vdev", "net_af_packet3,iface=eth1,qpairs=2"]);
  expect(attachArgs({ pci: "0000:00:04.0" }, 4)).toEqual(["-a", "0000:00:04.0"]);
});
