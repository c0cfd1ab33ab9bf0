import { describe, expect, test } from "bun:test";
import { cidr6Contains, cidrs6Overlap, formatIpv6, insideBenchmarkRange6, parseCidr6, parseIpv6, reservedInSubnet6 } from "./ipv6.ts";

describe("parseIpv6 / formatIpv6", () => {
  test("round-trips to RFC 5952 text", () => {
    const cases: [string, string][] = [
      ["2001:2::1", "2001:2::1"],
      ["2001:0002:0000:0000:0000:0000:0000:0001", "2001:2::1"],
      ["2001:DB8::A", "2001:db8::a"],
      ["::", "::"],
      ["::1", "::1"],
      ["1::", "1::"],
      // One zero group stays a 0; of two equal runs the first is compressed.
      ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"],
      ["2001:0:0:1:0:0:1:1", "2001::1:0:0:1:1"],
      ["2001:db8:0:0:1:0:0:0", "2001:db8:0:0:1::"],
      ["::ffff:198.18.0.1", "::ffff:c612:1"],
      ["1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"],
    ];
    for (const [input, want] of cases) expect(formatIpv6(parseIpv6(input)!)).toBe(want);
  });

  test("refuses what is not an address", () => {
    for (const bad of ["", ":", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "1::2::3", "12345::", "g::1", "fe80::1%eth0", ":1::", "1:2:3:4:5:6:7:8::", "::1.2.3.256", "198.18.0.1"]) {
      expect(parseIpv6(bad)).toBeUndefined();
    }
  });
});

describe("CIDRs", () => {
  test("parse, with host bits and bad lengths refused", () => {
    expect(parseCidr6("2001:2:0:5::/64")).toEqual({ network: parseIpv6("2001:2:0:5::")!, prefixLen: 64 });
    expect(parseCidr6("2001:2::1/64")).toBe("'2001:2::1/64' has host bits set; the network is 2001:2::/64");
    expect(parseCidr6("2001:2::/129")).toBe("'/129' is not a prefix length (0-128)");
    expect(parseCidr6("2001:2::")).toMatch(/is not an IPv6 CIDR/);
    expect(parseCidr6("2001:2::x/64")).toBe("'2001:2::x' is not an IPv6 address");
  });

  test("containment, overlap and the RFC 5180 range", () => {
    const a = parseCidr6("2001:2:0:1::/64") as Exclude<ReturnType<typeof parseCidr6>, string>;
    expect(cidr6Contains(a, parseIpv6("2001:2:0:1::ffff")!)).toBe(true);
    expect(cidr6Contains(a, parseIpv6("2001:2:0:2::1")!)).toBe(false);
    expect(cidrs6Overlap(a, parseCidr6("2001:2::/48") as typeof a)).toBe(true);
    expect(cidrs6Overlap(a, parseCidr6("2001:2:0:2::/64") as typeof a)).toBe(false);
    expect(insideBenchmarkRange6(a)).toBe(true);
    expect(insideBenchmarkRange6(parseCidr6("2001:db8::/64") as typeof a)).toBe(false);
    expect(insideBenchmarkRange6(parseCidr6("2001::/32") as typeof a)).toBe(false);
  });

  test("subnet-router anycast and RFC 2526 reserved anycast are no host addresses", () => {
    const a = parseCidr6("2001:2:0:1::/64") as Exclude<ReturnType<typeof parseCidr6>, string>;
    expect(reservedInSubnet6(a, parseIpv6("2001:2:0:1::")!)).toBe("is the subnet-router anycast address");
    expect(reservedInSubnet6(a, parseIpv6("2001:2:0:1:ffff:ffff:ffff:ff80")!)).toMatch(/RFC 2526/);
    expect(reservedInSubnet6(a, parseIpv6("2001:2:0:1:ffff:ffff:ffff:ff7f")!)).toBeUndefined();
    expect(reservedInSubnet6(a, parseIpv6("2001:2:0:1::1")!)).toBeUndefined();
  });
});
