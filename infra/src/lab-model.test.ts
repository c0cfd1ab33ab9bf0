import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseLab } from "./lab-model.ts";
import { labErrorOf as labError } from "./testing/lab-error-of.ts";

const labsDir = join(import.meta.dir, "..", "labs");

describe("example labs", () => {
  for (const file of readdirSync(labsDir).filter((f) => f.endsWith(".yaml"))) {
    test(`${file} parses and every kernel name fits IFNAMSIZ`, () => {
      const lab = parseLab(readFileSync(join(labsDir, file), "utf8"), file);
      const links = [
        lab.management.bridge,
        lab.management.uplink,
        lab.management.switchUplink,
        ...lab.segments.map((s) => s.bridge),
        ...lab.hosts.flatMap((h) => [h.mgmt.switchPort, ...h.interfaces.map((i) => i.switchPort)]),
      ];
      for (const name of links) {
        expect(name.length).toBeLessThanOrEqual(15);
        expect(name.startsWith(`${lab.prefix}-`)).toBe(true);
      }
      for (const h of lab.hosts) expect(h.namespace).toBe(`${lab.prefix}-${h.name}`);
      expect(lab.switchNamespace).toBe(`${lab.prefix}-sw`);
      expect(new Set(links).size).toBe(links.length);
    });
  }

  test("two-host assigns addresses from 198.18.0.0/15 in host order", () => {
    const lab = parseLab(readFileSync(join(labsDir, "two-host.yaml"), "utf8"));
    expect(lab.segments).toEqual([{ name: "br-test", index: 0, subnet: "198.18.0.0/24", prefixLen: 24, bridge: "two-host-t0", mtu: 1500 }]);
    expect(lab.hosts.map((h) => h.interfaces[0]!.ip)).toEqual(["198.18.0.1", "198.18.0.2"]);
    expect(lab.hosts.map((h) => h.interfaces[0]!.ifname)).toEqual(["eth1", "eth1"]);
    expect(lab.management.subnet.startsWith("198.19.")).toBe(true);
    expect(lab.hosts[0]!.mgmt.ip).not.toBe(lab.management.gateway);
    const macs = lab.hosts.flatMap((h) => [h.mgmt.mac, ...h.interfaces.map((i) => i.mac)]);
    expect(new Set(macs).size).toBe(macs.length);
    for (const mac of macs) expect(mac).toMatch(/^02:/);
  });

  test("dut gives tx and rx routes through the dut and turns forwarding on", () => {
    const lab = parseLab(readFileSync(join(labsDir, "dut.yaml"), "utf8"));
    const [tx, dut, rx] = lab.hosts;
    expect(dut!.forwarding).toBe(true);
    expect(tx!.routes).toEqual([{ to: "198.18.11.0/24", via: "198.18.10.254" }]);
    expect(rx!.routes).toEqual([{ to: "198.18.10.0/24", via: "198.18.11.254" }]);
    expect(dut!.interfaces.map((i) => i.ifname)).toEqual(["eth1", "eth2"]);
    expect(tx!.interfaces[0]!.ip).toBe("198.18.10.1");
  });
});

describe("bad lab files get one line naming file, line, field and problem", () => {
  const cases: [string, string, RegExp][] = [
    ["unknown role", "name: l\nhosts:\n  - name: a\n    role: router\n", /^bad\.yaml:4: hosts\[0\]\.role: must be one of tx, rx/],
    ["duplicate host", "name: l\nhosts:\n  - name: a\n    role: tx\n  - name: a\n    role: rx\n", /^bad\.yaml:5: hosts\[1\]\.name: duplicate host 'a'$/],
    [
      "overlapping subnets",
      "name: l\nnetworks:\n  - name: a\n    subnet: 198.18.0.0/16\n  - name: b\n    subnet: 198.18.4.0/24\nhosts:\n  - name: h\n    role: tx\n",
      /^bad\.yaml:6: networks\[1\]\.subnet: 198\.18\.4\.0\/24 overlaps network 'a' \(198\.18\.0\.0\/16\)$/,
    ],
    ["bad YAML", "name: l\nhosts: [\n", /^bad\.yaml:\d+: not valid YAML: /],
    ["unknown field", "name: l\nhots: []\nhosts:\n  - name: a\n    role: tx\n", /^bad\.yaml:2: hots: unknown field 'hots'$/],
    ["missing hosts", "name: l\n", /^bad\.yaml:1: hosts: is required$/],
    ["address outside the benchmark range", "name: l\nnetworks:\n  - name: a\n    subnet: 10.0.0.0/24\nhosts:\n  - name: h\n    role: tx\n", /outside 198\.18\.0\.0\/15/],
    ["ip outside its network", "name: l\nhosts:\n  - name: h\n    role: tx\n    interfaces:\n      - ip: 198.18.9.1\n", /^bad\.yaml:6: hosts\[0\]\.interfaces\[0\]\.ip: 198\.18\.9\.1 is not a host address of network 'br-test'/],
    ["unknown network", "name: l\nhosts:\n  - name: h\n    role: tx\n    interfaces:\n      - network: nope\n", /unknown network 'nope'/],
    ["name too long without prefix", "name: a-very-long-lab\nhosts:\n  - name: h\n    role: tx\n", /^bad\.yaml:1: name: name 'a-very-long-lab' is longer than 8 chars; set 'prefix'/],
    ["reserved host name", "name: l\nhosts:\n  - name: sw\n    role: tx\n", /^bad\.yaml:3: hosts\[0\]\.name: host name 'sw' is reserved for the lab's switch namespace$/],
    ["not a mapping", "- a\n- b\n", /^bad\.yaml:1: a lab file is a YAML mapping/],
    ["yes is not a boolean", "name: l\nipv6: yes\nhosts:\n  - name: a\n    role: tx\n", /^bad\.yaml:2: ipv6: expected true or false, got the string "yes" \(YAML booleans are true and false\)$/],
    ["quoted mtu", "name: l\nnetworks:\n  - name: a\n    mtu: '1500'\nhosts:\n  - name: a\n    role: tx\n", /^bad\.yaml:4: networks\[0\]\.mtu: expected a number, got the string "1500" \(a quoted number is a string\)$/],
    ["fractional mtu", "name: l\nnetworks:\n  - name: a\n    mtu: 1500.5\nhosts:\n  - name: a\n    role: tx\n", /^bad\.yaml:4: networks\[0\]\.mtu: expected a whole number, got number 1500\.5$/],
    ["hosts as a mapping", "name: l\nhosts:\n  a:\n    role: tx\n", /^bad\.yaml:2: hosts: expected a list, got a mapping$/],
    ["hosts left empty", "name: l\nhosts:\n", /^bad\.yaml:2: hosts: expected a list, got an empty value$/],
    ["vm as a number", "name: l\nhosts:\n  - name: a\n    role: tx\n    vm: 4\n", /^bad\.yaml:5: hosts\[0\]\.vm: expected a mapping, got number 4$/],
    ["missing role", "name: l\nhosts:\n  - name: a\n", /^bad\.yaml:3: hosts\[0\]\.role: is required$/],
    ["unknown alias", "name: l\nhosts: *nope\n", /^bad\.yaml:2: not valid YAML: alias '\*nope' names no anchor defined before it$/],
    [
      "alias bomb",
      `name: l\n${["a", "b", "c", "d", "e", "f"].map((k, i) => `${k}: &${k} [${Array(9).fill(i === 0 ? "x" : `*${"abcdef"[i - 1]}`).join(", ")}]`).join("\n")}\nhosts: [{name: h, role: tx}]\n`,
      /^bad\.yaml: not valid YAML: Excessive alias count/,
    ],
    ["default route", "name: l\nhosts:\n  - name: a\n    role: tx\n    routes: [{to: 0.0.0.0/0, via: 198.18.0.9}]\n", /^bad\.yaml:5: hosts\[0\]\.routes\[0\]\.to: '0\.0\.0\.0\/0' is a default route: no lab route may leave the machine$/],
    ["IPv6 default route", "name: l\nhosts:\n  - name: a\n    role: tx\n    routes: [{to: '::/0', via: 198.18.0.9}]\n", /^bad\.yaml:5: hosts\[0\]\.routes\[0\]\.to: '::\/0' is a default route/],
    ["route named default", "name: l\nhosts:\n  - name: a\n    role: tx\n    routes: [{to: default, via: 198.18.0.9}]\n", /routes\[0\]\.to: 'default' is a default route/],
    [
      "route via the management gateway",
      "name: l\nmanagement: {subnet: 198.19.5.0/24}\nhosts:\n  - name: a\n    role: tx\n    routes: [{to: 198.18.9.0/24, via: 198.19.5.1}]\n",
      /^bad\.yaml:6: hosts\[0\]\.routes\[0\]\.via: 198\.19\.5\.1 is the management gateway: no lab route may leave the machine$/,
    ],
    [
      "route via an address off the host's test networks",
      "name: l\nhosts:\n  - name: a\n    role: tx\n    routes: [{to: 198.18.9.0/24, via: 198.18.3.1}]\n",
      /^bad\.yaml:5: hosts\[0\]\.routes\[0\]\.via: 198\.18\.3\.1 is on none of the test networks of 'a' \(198\.18\.0\.0\/24\): no lab route may leave the machine$/,
    ],
    [
      "queues above 64",
      "name: l\nnetworks: [{name: a}, {name: b}]\nhosts:\n  - name: gen\n    role: tx\n    interfaces:\n      - network: a\n      - network: b\n        queues: 65\n",
      /^bad\.yaml:9: hosts\[0\]\.interfaces\[1\]\.queues: host 'gen' interface eth2: queues must be 1 to 64, got 65$/,
    ],
    ["zero queues", "name: l\nhosts:\n  - name: a\n    role: rx\n    interfaces: [{queues: 0}]\n", /^bad\.yaml:5: hosts\[0\]\.interfaces\[0\]\.queues: host 'a' interface eth1: queues must be 1 to 64, got 0$/],
    ["fractional queues", "name: l\nhosts:\n  - name: a\n    role: rx\n    interfaces: [{queues: 1.5}]\n", /^bad\.yaml:5: hosts\[0\]\.interfaces\[0\]\.queues: expected a whole number, got number 1\.5$/],
    [
      "queues on a passed-through VF",
      "name: l\nhosts:\n  - name: a\n    role: tx\n    vm: {hostdev: '0000:3b:02.1'}\n    interfaces: [{queues: 4}]\n",
      /^bad\.yaml:6: hosts\[0\]\.interfaces\[0\]\.queues: host 'a' interface eth1 is the VF of vm\.hostdev: its queues are the device's own$/,
    ],
    ["duplicate ip", "name: l\nhosts:\n  - name: a\n    role: tx\n    interfaces: [{ip: 198.18.0.5}]\n  - name: b\n    role: rx\n    interfaces: [{ip: 198.18.0.5}]\n", /198\.18\.0\.5 is already used/],
  ];
  for (const [what, text, pattern] of cases) {
    test(what, () => {
      const err = labError(text);
      expect(err.message).toMatch(pattern);
      expect(err.message.includes("\n")).toBe(false);
    });
  }

  test("a route through a lab address on the host's test network is kept", () => {
    const lab = parseLab("name: l\nhosts:\n  - name: a\n    role: tx\n    routes: [{to: 198.18.9.0/24, via: 198.18.0.9}]\n");
    expect(lab.hosts[0]!.routes).toEqual([{ to: "198.18.9.0/24", via: "198.18.0.9" }]);
  });

  test("queues: 1 unless the lab file says, per interface", () => {
    const lab = parseLab("name: l\nnetworks: [{name: a}, {name: b}]\nhosts:\n  - name: g\n    role: tx\n    interfaces: [{network: a, queues: 4}, {network: b}]\n  - name: r\n    role: rx\n    interfaces: [{network: a, queues: 64}]\n");
    expect(lab.hosts.map((h) => h.interfaces.map((i) => i.queues))).toEqual([[4, 1], [64]]);
  });

  test("a long lab name works with an explicit prefix", () => {
    const lab = parseLab("name: a-very-long-lab\nprefix: avl\nhosts:\n  - name: h\n    role: tx\n");
    expect(lab.hosts[0]!.namespace).toBe("avl-h");
  });
});
