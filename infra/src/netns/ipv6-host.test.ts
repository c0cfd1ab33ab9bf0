import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseLab } from "../lab-model.ts";
import { ipv6AddressLines, ipv6Drift, ipv6SysctlDrift, ipv6Sysctls, type KernelLink } from "./ipv6-host.ts";

const dual = parseLab(readFileSync(join(import.meta.dir, "..", "..", "labs", "dual-stack.yaml"), "utf8"));
const [tx] = dual.hosts;

describe("setup", () => {
  test("test interfaces take no router advertisements and skip DAD; management has no IPv6", () => {
    const sysctls = new Map(ipv6Sysctls(dual, tx!));
    expect(sysctls.get("net.ipv6.conf.eth1.accept_ra")).toBe(0);
    expect(sysctls.get("net.ipv6.conf.eth1.autoconf")).toBe(0);
    expect(sysctls.get("net.ipv6.conf.eth1.accept_dad")).toBe(0);
    expect(sysctls.get("net.ipv6.conf.eth1.disable_ipv6")).toBe(0);
    expect(sysctls.get("net.ipv6.conf.eth0.disable_ipv6")).toBe(1);
    expect(sysctls.get("net.ipv6.conf.default.accept_ra")).toBe(0);
    expect(sysctls.get("net.ipv6.conf.all.forwarding")).toBe(0);
    expect(ipv6AddressLines(tx!.interfaces[0]!)).toEqual(["addr replace 2001:2:0:42::1/64 dev eth1 nodad"]);
  });

  test("a network that asks for router advertisements gets them (accept_ra=2 on a forwarding host); a v4-only one has v6 off", () => {
    const lab = parseLab("name: l\nnetworks:\n  - name: a\n  - name: b\n    ipv6: true\n    accept_ra: true\nhosts:\n  - name: d\n    role: dut\n    interfaces: [{network: a}, {network: b}]\n");
    const sysctls = new Map(ipv6Sysctls(lab, lab.hosts[0]!));
    expect(sysctls.get("net.ipv6.conf.eth1.disable_ipv6")).toBe(1);
    expect(sysctls.get("net.ipv6.conf.eth2.accept_ra")).toBe(2);
    expect(sysctls.get("net.ipv6.conf.eth2.autoconf")).toBe(1);
    expect(sysctls.get("net.ipv6.conf.all.forwarding")).toBe(1);
    expect(ipv6AddressLines(lab.hosts[0]!.interfaces[0]!)).toEqual([]);
  });

  test("a v4-only lab gets nothing from here", () => {
    const lab = parseLab(readFileSync(join(import.meta.dir, "..", "..", "labs", "two-host.yaml"), "utf8"));
    expect(ipv6Sysctls(lab, lab.hosts[0]!)).toEqual([]);
    expect(ipv6AddressLines(lab.hosts[0]!.interfaces[0]!)).toEqual([]);
  });
});

describe("drift", () => {
  const addr = (local: string, extra: Record<string, unknown> = {}) => ({ family: "inet6", local, prefixlen: 64, scope: local.startsWith("fe80") ? "link" : "global", ...extra });
  const v4 = { family: "inet", local: "198.18.66.1", prefixlen: 24, scope: "global" };
  const links = (eth1: object[], eth0: object[] = []): KernelLink[] => [
    { ifname: "eth0", addr_info: [{ family: "inet", local: "198.19.1.2", prefixlen: 24, scope: "global" }, ...eth0] } as KernelLink,
    { ifname: "eth1", addr_info: [v4, ...eth1] } as KernelLink,
  ];

  test("none when the address is there and nothing is tentative or learned", () => {
    expect(ipv6Drift(dual, tx!, links([addr("2001:2:0:42::1"), addr("fe80::1")]), [])).toEqual({ missing: [], extra: [] });
  });

  test("a missing, tentative or duplicate address is missing; a tentative link-local too", () => {
    expect(ipv6Drift(dual, tx!, links([]), []).missing).toEqual(["address 2001:2:0:42::1/64 on tx eth1"]);
    expect(ipv6Drift(dual, tx!, links([addr("2001:2:0:42::1", { tentative: true })]), []).missing).toEqual([
      "address 2001:2:0:42::1/64 on tx eth1 past duplicate address detection (still tentative)",
    ]);
    expect(ipv6Drift(dual, tx!, links([addr("2001:2:0:42::1", { dadfailed: true, tentative: true })]), []).missing[0]).toMatch(/failed\)$/);
    expect(ipv6Drift(dual, tx!, links([addr("2001:2:0:42::1"), addr("fe80::1", { tentative: true })]), []).missing).toEqual([
      "address fe80::1 on tx eth1 past duplicate address detection (still tentative)",
    ]);
  });

  test("a sysctl changed since up (RAs turned on, say) is drift", () => {
    const want = ipv6Sysctls(dual, tx!).map(([, v]) => String(v));
    expect(ipv6SysctlDrift(dual, tx!, want)).toEqual([]);
    const changed = ipv6Sysctls(dual, tx!).map(([k, v]) => (k === "net.ipv6.conf.eth1.accept_ra" ? "1" : String(v)));
    expect(ipv6SysctlDrift(dual, tx!, changed)).toEqual(["net.ipv6.conf.eth1.accept_ra = 0 on tx (it is 1)"]);
    expect(ipv6SysctlDrift(dual, tx!, want.slice(0, -1))).toEqual([`${ipv6Sysctls(dual, tx!).at(-1)![0]} = ${want.at(-1)} on tx (it is -)`]);
  });

  test("RA-learned addresses and routes, other global addresses and v6 on management are extra", () => {
    const d = ipv6Drift(
      dual,
      tx!,
      links([addr("2001:2:0:42::1"), addr("2001:2:0:42:ff:fe00:1", { dynamic: true }), addr("2001:2:0:42::99")], [addr("fe80::5")]),
      [{ dst: "2001:2:0:7::/64", dev: "eth1" }],
    );
    expect(d.missing).toEqual([]);
    expect(d.extra).toEqual([
      "address 2001:2:0:42:ff:fe00:1/64 on tx eth1 (learned from a router advertisement)",
      "address 2001:2:0:42::99/64 on tx eth1",
      "IPv6 address fe80::5/64 on tx eth0 (management is IPv4 only)",
      "route 2001:2:0:7::/64 on tx eth1 (learned from a router advertisement)",
    ]);
  });
});
