import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseLab } from "../lab-model.ts";
import { expectedSwitchLinks, hostSetups, labNamespaces, rootBatch, switchSetup, teardownBatch } from "./plan.ts";

const lab = parseLab(readFileSync(join(import.meta.dir, "..", "..", "labs", "dut.yaml"), "utf8"));
const mark = "wirelab:0123456789ab";
const none = { rootLinks: new Set<string>(), switchLinks: new Set<string>(), namespaces: new Set<string>() };
const everything = {
  rootLinks: new Set([lab.management.uplink]),
  switchLinks: new Set(expectedSwitchLinks(lab).map((l) => l.name)),
  namespaces: new Set([lab.switchNamespace, ...lab.hosts.map((h) => h.namespace)]),
};

describe("rootBatch", () => {
  test("creates the switch and host namespaces and every veth, both ends placed in their namespaces", () => {
    const lines = rootBatch(lab, none, mark);
    expect(lines.filter((l) => l.startsWith("netns add"))).toEqual(["netns add dut-sw", "netns add dut-tx", "netns add dut-dut", "netns add dut-rx"]);
    // 3 hosts x eth0 + 4 test interfaces = 7 host veths, plus the management uplink.
    expect(lines.filter((l) => l.includes("type veth")).length).toBe(8);
    expect(lines).toContain(`link add dut-h1i2 mtu 1500 netns dut-sw type veth peer name eth2 address ${lab.hosts[1]!.interfaces[1]!.mac} mtu 1500 netns dut-dut`);
    expect(lines).toContain("link add dut-gw type veth peer name dut-up netns dut-sw");
    // No bridge in the root namespace: br_netfilter would see every frame there.
    expect(lines.some((l) => l.includes("type bridge"))).toBe(false);
    // The uplink gets no IPv6 address: addrgenmode is set before it comes up.
    expect(lines.indexOf("link set dut-gw addrgenmode none")).toBeLessThan(lines.indexOf("link set dut-gw up"));
  });

  test("an interface with queues gets them on both veth ends; the others keep the kernel's default", () => {
    const q = parseLab("name: q\nhosts:\n  - name: a\n    role: tx\n    interfaces: [{queues: 8}]\n  - name: b\n    role: rx\n");
    const lines = rootBatch(q, none, mark);
    expect(lines).toContain(`link add q-h0i1 mtu 1500 numtxqueues 8 numrxqueues 8 netns q-sw type veth peer name eth1 address ${q.hosts[0]!.interfaces[0]!.mac} mtu 1500 numtxqueues 8 numrxqueues 8 netns q-a`);
    expect(lines.filter((l) => l.includes("numtxqueues")).length).toBe(1);
  });

  test("re-asserts but does not re-create what exists (idempotent up)", () => {
    const lines = rootBatch(lab, everything, mark);
    expect(lines.some((l) => l.startsWith("netns add") || l.startsWith("link add"))).toBe(false);
    expect(lines).toContain(`addr replace ${lab.management.gateway}/24 dev dut-gw`);
  });
});

describe("switchSetup", () => {
  test("bridges are plain wires: bridge netfilter and IPv6 off, no STP, every port on its bridge", () => {
    const s = switchSetup(lab, none, mark);
    expect(s.namespace).toBe("dut-sw");
    expect(s.preamble).toContain("bridge-nf-call-$f");
    expect(s.preamble).toContain("disable_ipv6");
    // tags stay in the frames a test port hands to its host (XDP/AF_XDP see them)
    for (const ifc of lab.hosts.flatMap((h) => h.interfaces)) expect(s.alongside.join("\n")).toContain(`ethtool -K ${ifc.switchPort} tx-vlan-hw-insert off`);
    expect(s.batch.filter((l) => l.includes("type bridge")).length).toBe(3);
    expect(s.batch).toContain("link add dut-t1 type bridge stp_state 0 forward_delay 0 mcast_snooping 0");
    expect(s.batch).toContain("link set dut-h1i2 master dut-t1 up");
    expect(s.batch).toContain("link set dut-up master dut-mg up");
    // Bridges come up before their ports are attached.
    expect(s.batch.indexOf("link set dut-t0 mtu 1500 up")).toBeLessThan(s.batch.indexOf("link set dut-h0i1 master dut-t0 up"));
  });

  test("an existing switch is not re-created", () => {
    expect(switchSetup(lab, everything, mark).batch.some((l) => l.startsWith("link add"))).toBe(false);
  });
});

describe("hostSetups", () => {
  test("the DUT forwards and has no reverse-path filter; the others route through it", () => {
    const [tx, dut] = hostSetups(lab, mark);
    expect(dut!.preamble).toContain("echo 1 > /proc/sys/net/ipv4/ip_forward");
    expect(dut!.preamble).toContain("rp_filter");
    expect(tx!.preamble).toContain("echo 0 > /proc/sys/net/ipv4/ip_forward");
    expect(tx!.batch).toContain("route replace 198.18.11.0/24 via 198.18.10.254");
    expect(tx!.preamble).toContain("disable_ipv6");
    expect(tx!.alongside.join("\n")).toContain("ethtool -K eth1 tx off");
  });
});

describe("marks", () => {
  test("the uplink, the switch's loopback and bridges, and every host's loopback carry the lab's mark", () => {
    const root = rootBatch(lab, none, mark);
    // Marked right after it is made, before anything else is done with it.
    expect(root.indexOf(`link set dut-gw alias ${mark}`)).toBe(root.indexOf("link add dut-gw type veth peer name dut-up netns dut-sw") + 1);
    const sw = switchSetup(lab, none, mark);
    expect(sw.batch[0]).toBe(`link set lo alias ${mark}`);
    expect(sw.batch).toContain(`link set dut-t1 alias ${mark}`);
    for (const h of hostSetups(lab, mark)) expect(h.batch[0]).toBe(`link set lo alias ${mark}`);
  });
});

describe("teardown", () => {
  test("root links go first, then every namespace; only what it is given", () => {
    expect(teardownBatch(["dut-gw"], labNamespaces(lab))).toEqual(["link del dut-gw", "netns del dut-sw", "netns del dut-tx", "netns del dut-dut", "netns del dut-rx"]);
    expect(teardownBatch([], [])).toEqual([]);
  });
});
