import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseLab } from "../lab-model.ts";
import { labLinkGroup } from "../naming.ts";
import { expectedRootLinks, hostSetups, rootBatch, teardownBatch, teardownPlan } from "./plan.ts";

const lab = parseLab(readFileSync(join(import.meta.dir, "..", "..", "labs", "dut.yaml"), "utf8"));
const none = { rootLinks: new Set<string>(), namespaces: new Set<string>() };

describe("rootBatch", () => {
  test("creates every namespace, bridge and veth on an empty machine", () => {
    const lines = rootBatch(lab, none);
    expect(lines.filter((l) => l.startsWith("netns add"))).toEqual(["netns add dut-tx", "netns add dut-dut", "netns add dut-rx"]);
    expect(lines.filter((l) => l.includes("type bridge")).length).toBe(3);
    expect(lines.filter((l) => l.includes("type veth")).length).toBe(7);
    expect(lines).toContain("link add dut-h1i2 mtu 1500 type veth peer name eth2 address " + lab.hosts[1]!.interfaces[1]!.mac + " mtu 1500 netns dut-dut");
    for (const l of lines.filter((l) => l.startsWith("link set") && !l.endsWith("addrgenmode none"))) expect(l).toContain(`group ${labLinkGroup("dut")}`);
    // Every root link gets addrgenmode none before it comes up.
    for (const name of expectedRootLinks(lab).map((l) => l.name)) {
      expect(lines.indexOf(`link set ${name} addrgenmode none`)).toBeLessThan(lines.findIndex((l) => l.startsWith(`link set ${name} `) && l.endsWith(" up")));
    }
  });

  test("re-asserts but does not re-create what exists (idempotent up)", () => {
    const live = { rootLinks: new Set(expectedRootLinks(lab).map((l) => l.name)), namespaces: new Set(lab.hosts.map((h) => h.namespace)) };
    const lines = rootBatch(lab, live);
    expect(lines.some((l) => l.startsWith("netns add") || l.startsWith("link add"))).toBe(false);
    expect(lines.filter((l) => l.startsWith("link set")).length).toBe(2 * expectedRootLinks(lab).length);
  });
});

describe("hostSetups", () => {
  test("the DUT forwards and has no reverse-path filter; the others route through it", () => {
    const [tx, dut] = hostSetups(lab);
    expect(dut!.preamble).toContain("echo 1 > /proc/sys/net/ipv4/ip_forward");
    expect(dut!.preamble).toContain("rp_filter");
    expect(tx!.preamble).toContain("echo 0 > /proc/sys/net/ipv4/ip_forward");
    expect(tx!.batch).toContain("route replace 198.18.11.0/24 via 198.18.10.254");
    expect(tx!.preamble).toContain("disable_ipv6");
    expect(tx!.preamble).toContain("ethtool -K eth1 tx off");
  });
});

describe("teardown", () => {
  const names = expectedRootLinks(lab).map((l) => l.name);
  const live = { rootLinks: new Set([...names, "dut-h7i1", "eth0", "dutiful0", "other-t0"]), namespaces: new Set(["dut-tx", "dut-old", "dutx", "two-host-tx"]) };

  test("takes the lab's objects, also ones an older lab file made, and nothing else", () => {
    const plan = teardownPlan(lab, live);
    expect(plan.rootLinks.sort()).toEqual([...names, "dut-h7i1"].sort());
    expect(plan.namespaces.sort()).toEqual(["dut-old", "dut-tx"]);
  });

  test("deletes the link group in one operation when every member is the lab's", () => {
    const groups = new Map(names.map((n) => [n, labLinkGroup("dut")] as [string, number]));
    groups.set("dut-h7i1", 0);
    const plan = teardownPlan(lab, live, groups);
    expect(plan.group).toBe(labLinkGroup("dut"));
    expect(teardownBatch(plan, groups)).toEqual([`link del group ${labLinkGroup("dut")}`, "link del dut-h7i1", "netns del dut-tx", "netns del dut-old"]);
  });

  test("falls back to one link at a time when a foreign link shares the group", () => {
    const groups = new Map(names.map((n) => [n, labLinkGroup("dut")] as [string, number]));
    groups.set("eth0", labLinkGroup("dut"));
    const plan = teardownPlan(lab, live, groups);
    expect(plan.group).toBeUndefined();
    const batch = teardownBatch(plan, groups);
    expect(batch.some((l) => l.includes("group"))).toBe(false);
    expect(batch).not.toContain("link del eth0");
    // Veths go before the bridges they are attached to.
    expect(batch.findIndex((l) => l === "link del dut-h0i1")).toBeLessThan(batch.findIndex((l) => l === "link del dut-t0"));
  });
});
