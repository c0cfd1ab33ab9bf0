import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { LabError } from "./lab-error.ts";
import { parseLab } from "./lab-model.ts";

const labsDir = join(import.meta.dir, "..", "labs");

function labError(text: string): LabError {
  try {
    parseLab(text, "bad.yaml");
  } catch (err) {
    if (err instanceof LabError) return err;
    throw err;
  }
  throw new Error("expected a LabError");
}

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
    ["duplicate ip", "name: l\nhosts:\n  - name: a\n    role: tx\n    interfaces: [{ip: 198.18.0.5}]\n  - name: b\n    role: rx\n    interfaces: [{ip: 198.18.0.5}]\n", /198\.18\.0\.5 is already used/],
  ];
  for (const [what, text, pattern] of cases) {
    test(what, () => {
      const err = labError(text);
      expect(err.message).toMatch(pattern);
      expect(err.message.includes("\n")).toBe(false);
    });
  }

  test("a long lab name works with an explicit prefix", () => {
    const lab = parseLab("name: a-very-long-lab\nprefix: avl\nhosts:\n  - name: h\n    role: tx\n");
    expect(lab.hosts[0]!.namespace).toBe("avl-h");
  });
});
