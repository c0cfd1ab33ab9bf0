// Dual stack in the lab model: IPv6 addresses from 2001:2::/48, one /64 per
// network, explicit `ip6:` checked like `ip:`, errors as one line.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseLab } from "./lab-model.ts";
import { labErrorOf as labError } from "./testing/lab-error-of.ts";

const host = (name: string, role: string, ifs = "") => `  - name: ${name}\n    role: ${role}\n${ifs}`;

describe("automatic IPv6 addresses", () => {
  test("the dual-stack example: every test interface has a v4 and a v6 address, management v4 only", () => {
    const lab = parseLab(readFileSync(join(import.meta.dir, "..", "labs", "dual-stack.yaml"), "utf8"));
    expect(lab.ipv6).toBe(true);
    expect(lab.segments[0]!.ipv6).toEqual({ subnet: "2001:2:0:42::/64", prefixLen: 64, acceptRa: false });
    expect(lab.hosts.map((h) => [h.interfaces[0]!.ip, h.interfaces[0]!.ip6, h.interfaces[0]!.prefixLen6])).toEqual([
      ["198.18.66.1", "2001:2:0:42::1", 64],
      ["198.18.66.2", "2001:2:0:42::2", 64],
    ]);
    expect(Object.keys(lab.hosts[0]!.mgmt)).not.toContain("ip6");
  });

  test("one /64 per network by index, addresses counting up around explicit ones", () => {
    const lab = parseLab(
      `name: l\nipv6: true\nnetworks:\n  - name: a\n  - name: b\n  - name: c\nhosts:\n` +
        host("x", "tx", "    interfaces: [{network: a, ip6: '2001:2::1'}, {network: c}]\n") +
        host("y", "rx", "    interfaces: [{network: a}, {network: b, ip6: '2001:2:0:1:0:0:0:00ff'}]\n") +
        host("z", "rx", "    interfaces: [{network: a}]\n"),
    );
    expect(lab.segments.map((s) => s.ipv6?.subnet)).toEqual(["2001:2::/64", "2001:2:0:1::/64", "2001:2:0:2::/64"]);
    expect(lab.hosts.map((h) => h.interfaces.map((i) => i.ip6))).toEqual([
      ["2001:2::1", "2001:2:0:2::1"],
      ["2001:2::2", "2001:2:0:1::ff"],
      ["2001:2::3"],
    ]);
  });

  test("per network: IPv6 on one network of a v4 lab, off on one of a dual-stack lab", () => {
    const lab = parseLab(`name: l\nnetworks:\n  - name: a\n  - name: b\n    ipv6: true\n    accept_ra: true\nhosts:\n` + host("x", "dut", "    interfaces: [{network: a}, {network: b}]\n"));
    expect(lab.ipv6).toBe(true);
    expect(lab.segments.map((s) => s.ipv6)).toEqual([undefined, { subnet: "2001:2:0:1::/64", prefixLen: 64, acceptRa: true }]);
    expect(lab.hosts[0]!.interfaces.map((i) => i.ip6)).toEqual([undefined, "2001:2:0:1::1"]);
    const off = parseLab(`name: l\nipv6: true\nnetworks:\n  - name: a\n    ipv6: false\nhosts:\n` + host("x", "tx"));
    expect(off.ipv6).toBe(false);
    expect(off.hosts[0]!.interfaces[0]!.ip6).toBeUndefined();
  });

  test("hosts beside a dual-stack DUT reach its far /64 through its v6 address, as they do over v4", () => {
    const text = readFileSync(join(import.meta.dir, "..", "labs", "dut.yaml"), "utf8").replace(/^name: dut$/m, "name: dut\nipv6: true");
    const [tx, dut, rx] = parseLab(text).hosts;
    expect(dut!.interfaces.map((i) => i.ip6)).toEqual(["2001:2::2", "2001:2:0:1::1"]);
    expect(tx!.routes).toEqual([
      { to: "198.18.11.0/24", via: "198.18.10.254" },
      { to: "2001:2:0:1::/64", via: "2001:2::2" },
    ]);
    expect(rx!.routes).toEqual([
      { to: "198.18.10.0/24", via: "198.18.11.254" },
      { to: "2001:2::/64", via: "2001:2:0:1::1" },
    ]);
    expect(dut!.routes).toEqual([]);
  });

  test("a route to a network through a lab host covers IPv6 too", () => {
    const lab = parseLab(
      `name: l\nipv6: true\nnetworks:\n  - name: a\n  - name: b\nhosts:\n` +
        host("x", "tx", "    routes: [{to: b, via: y}]\n") +
        host("y", "both", "    interfaces: [{network: a}, {network: b}]\n"),
    );
    expect(lab.hosts[0]!.routes).toEqual([
      { to: "198.18.1.0/24", via: "198.18.0.2" },
      { to: "2001:2:0:1::/64", via: "2001:2::2" },
    ]);
  });

  test("a v4-only lab has no IPv6 anywhere", () => {
    const lab = parseLab(readFileSync(join(import.meta.dir, "..", "labs", "two-host.yaml"), "utf8"));
    expect(lab.ipv6).toBe(false);
    expect(lab.segments.every((s) => s.ipv6 === undefined)).toBe(true);
    expect(lab.hosts.every((h) => h.interfaces.every((i) => i.ip6 === undefined && i.prefixLen6 === undefined))).toBe(true);
  });
});

describe("bad IPv6 in lab files gets one line naming file, line, field and problem", () => {
  const v6 = "name: l\nipv6: true\n";
  const cases: [string, string, RegExp][] = [
    ["subnet6 outside 2001:2::/48", `${v6}networks:\n  - name: a\n    subnet6: 2001:db8::/64\nhosts:\n${host("h", "tx")}`, /^bad\.yaml:5: networks\[0\]\.subnet6: 2001:db8::\/64 is outside 2001:2::\/48, the IPv6 benchmarking range/],
    ["subnet6 not a /64", `${v6}networks:\n  - name: a\n    subnet6: 2001:2::/56\nhosts:\n${host("h", "tx")}`, /^bad\.yaml:5: networks\[0\]\.subnet6: 2001:2::\/56 is a \/56; a network's IPv6 subnet is one \/64$/],
    ["subnet6 with host bits", `${v6}networks:\n  - name: a\n    subnet6: 2001:2::1/64\nhosts:\n${host("h", "tx")}`, /^bad\.yaml:5: networks\[0\]\.subnet6: '2001:2::1\/64' has host bits set; the network is 2001:2::\/64$/],
    ["subnet6 not an address", `${v6}networks:\n  - name: a\n    subnet6: 2001:2::zz/64\nhosts:\n${host("h", "tx")}`, /^bad\.yaml:5: networks\[0\]\.subnet6: '2001:2::zz' is not an IPv6 address$/],
    [
      "overlapping subnet6",
      `${v6}networks:\n  - name: a\n    subnet6: 2001:2:0:7::/64\n  - name: b\n    subnet6: 2001:2:0:7:0::/64\nhosts:\n${host("h", "tx")}`,
      /^bad\.yaml:7: networks\[1\]\.subnet6: 2001:2:0:7::\/64 overlaps network 'a' \(2001:2:0:7::\/64\)$/,
    ],
    ["subnet6 on a v4-only network", `name: l\nnetworks:\n  - name: a\n    subnet6: 2001:2::/64\nhosts:\n${host("h", "tx")}`, /^bad\.yaml:4: networks\[0\]\.subnet6: network 'a' has no IPv6: set 'ipv6: true' on it or on the lab$/],
    ["accept_ra on a v4-only network", `name: l\nnetworks:\n  - name: a\n    accept_ra: true\nhosts:\n${host("h", "tx")}`, /^bad\.yaml:4: networks\[0\]\.accept_ra: network 'a' has no IPv6/],
    ["ip6 on a v4-only network", `name: l\nhosts:\n${host("h", "tx", "    interfaces:\n      - ip6: 2001:2::5\n")}`, /^bad\.yaml:6: hosts\[0\]\.interfaces\[0\]\.ip6: network 'br-test' has no IPv6: set 'ipv6: true' on the lab or the network$/],
    ["ip6 not an address", `${v6}hosts:\n${host("h", "tx", "    interfaces:\n      - ip6: 198.18.0.5\n")}`, /^bad\.yaml:7: hosts\[0\]\.interfaces\[0\]\.ip6: '198\.18\.0\.5' is not an IPv6 address$/],
    ["ip6 outside its /64", `${v6}hosts:\n${host("h", "tx", "    interfaces:\n      - ip6: 2001:2:0:9::5\n")}`, /^bad\.yaml:7: hosts\[0\]\.interfaces\[0\]\.ip6: 2001:2:0:9::5 is not inside network 'br-test' \(2001:2::\/64\)$/],
    ["ip6 the subnet-router anycast address", `${v6}hosts:\n${host("h", "tx", "    interfaces:\n      - ip6: '2001:2::'\n")}`, /^bad\.yaml:7: hosts\[0\]\.interfaces\[0\]\.ip6: 2001:2:: is the subnet-router anycast address of network 'br-test' \(2001:2::\/64\), not a host address$/],
    ["ip6 a reserved anycast address", `${v6}hosts:\n${host("h", "tx", "    interfaces:\n      - ip6: '2001:2::ffff:ffff:ffff:fffe'\n")}`, /ip6: 2001:2::ffff:ffff:ffff:fffe is a reserved subnet anycast address \(RFC 2526\)/],
    [
      "duplicate ip6, also when written another way",
      `${v6}hosts:\n${host("a", "tx", "    interfaces: [{ip6: '2001:2::5'}]\n")}${host("b", "rx", "    interfaces: [{ip6: '2001:2:0:0::0005'}]\n")}`,
      /^bad\.yaml:9: hosts\[1\]\.interfaces\[0\]\.ip6: 2001:2::5 is already used on network 'br-test'$/,
    ],
    ["ip6 as a number", `${v6}hosts:\n${host("h", "tx", "    interfaces:\n      - ip6: 5\n")}`, /^bad\.yaml:7: hosts\[0\]\.interfaces\[0\]\.ip6: expected a string, got number 5$/],
  ];
  for (const [what, text, pattern] of cases) {
    test(what, () => {
      const err = labError(text);
      expect(err.message).toMatch(pattern);
      expect(err.message.includes("\n")).toBe(false);
    });
  }
});
