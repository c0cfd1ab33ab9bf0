// IPv6 arithmetic on 128-bit bigints, the counterpart of ipv4.ts. Pure: no I/O.
import { parseIpv4 } from "./ipv4.ts";

export interface Cidr6 {
  readonly network: bigint;
  readonly prefixLen: number;
}

const ALL_ONES = (1n << 128n) - 1n;
const HEXTET_RE = /^[0-9a-f]{1,4}$/i;

/** Parses an IPv6 address (RFC 4291 text forms, a dotted IPv4 tail included); no zone index. */
export function parseIpv6(text: string): bigint | undefined {
  if (text.includes("%") || text.split("::").length > 2) return undefined;
  let body = text;
  let tail: number[] = [];
  const v4 = /^(.*:)(\d{1,3}(?:\.\d{1,3}){3})$/.exec(text);
  if (v4) {
    const ip4 = parseIpv4(v4[2]!);
    if (ip4 === undefined) return undefined;
    tail = [ip4 >>> 16, ip4 & 0xffff];
    body = v4[1]!.endsWith("::") ? v4[1]! : v4[1]!.slice(0, -1);
  }
  const hextets = (part: string) => (part === "" ? [] : part.split(":"));
  let groups: string[];
  if (body.includes("::")) {
    const [head, rest] = body.split("::") as [string, string];
    const h = hextets(head);
    const r = hextets(rest);
    const missing = 8 - tail.length - h.length - r.length;
    if (missing < 1) return undefined;
    groups = [...h, ...Array<string>(missing).fill("0"), ...r];
  } else {
    groups = hextets(body);
    if (groups.length + tail.length !== 8) return undefined;
  }
  if (!groups.every((g) => HEXTET_RE.test(g))) return undefined;
  let value = 0n;
  for (const g of [...groups.map((g) => Number.parseInt(g, 16)), ...tail]) value = (value << 16n) | BigInt(g);
  return value;
}

/** RFC 5952 text: lower case, no leading zeros, the longest run of two or more zero groups as '::'. */
export function formatIpv6(value: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt(112 - 16 * i)) & 0xffffn));
  let best = { start: -1, len: 1 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.len) best = { start: i, len: j - i };
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.start < 0) return hex.join(":");
  return `${hex.slice(0, best.start).join(":")}::${hex.slice(best.start + best.len).join(":")}`;
}

export function maskOf6(prefixLen: number): bigint {
  return prefixLen === 0 ? 0n : (ALL_ONES << BigInt(128 - prefixLen)) & ALL_ONES;
}

/** Parses "addr/n"; the address must be the network address itself. */
export function parseCidr6(text: string): Cidr6 | string {
  const [addr, len, extra] = text.split("/");
  if (extra !== undefined || addr === undefined || len === undefined) return `'${text}' is not an IPv6 CIDR like 2001:2::/64`;
  const ip = parseIpv6(addr);
  if (ip === undefined) return `'${addr}' is not an IPv6 address`;
  if (!/^\d{1,3}$/.test(len) || Number(len) > 128) return `'/${len}' is not a prefix length (0-128)`;
  const prefixLen = Number(len);
  if ((ip & ~maskOf6(prefixLen) & ALL_ONES) !== 0n) {
    return `'${text}' has host bits set; the network is ${formatIpv6(ip & maskOf6(prefixLen))}/${prefixLen}`;
  }
  return { network: ip, prefixLen };
}

export function formatCidr6(cidr: Cidr6): string {
  return `${formatIpv6(cidr.network)}/${cidr.prefixLen}`;
}

export function cidr6Contains(outer: Cidr6, ip: bigint): boolean {
  return (ip & maskOf6(outer.prefixLen)) === outer.network;
}

export function cidrs6Overlap(a: Cidr6, b: Cidr6): boolean {
  const mask = maskOf6(Math.min(a.prefixLen, b.prefixLen));
  return (a.network & mask) === (b.network & mask);
}

/** RFC 5180 benchmarking range, the v6 counterpart of 198.18.0.0/15. */
export const BENCHMARK_RANGE6: Cidr6 = { network: parseIpv6("2001:2::")!, prefixLen: 48 };

export function insideBenchmarkRange6(cidr: Cidr6): boolean {
  return cidr.prefixLen >= BENCHMARK_RANGE6.prefixLen && cidr6Contains(BENCHMARK_RANGE6, cidr.network);
}

/** Every segment is one /64 (SLAAC-sized, as RFC 4291 expects of a link). */
export const SEGMENT_PREFIX_LEN6 = 64;

/**
 * Why an address of a /64 cannot be a host's, or undefined when it can: interface ID 0 is
 * the subnet-router anycast address (RFC 4291 2.6.1), the top 128 IDs are reserved subnet
 * anycast addresses (RFC 2526).
 */
export function reservedInSubnet6(cidr: Cidr6, ip: bigint): string | undefined {
  const id = ip & ~maskOf6(cidr.prefixLen) & ALL_ONES;
  if (id === 0n) return "is the subnet-router anycast address";
  if (cidr.prefixLen === SEGMENT_PREFIX_LEN6 && id >= 0xffffffffffffff80n) return "is a reserved subnet anycast address (RFC 2526)";
  return undefined;
}
