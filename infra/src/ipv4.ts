// IPv4 arithmetic on 32-bit unsigned integers. Pure: no I/O.

export interface Cidr {
  readonly network: number;
  readonly prefixLen: number;
}

const IPV4_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function parseIpv4(text: string): number | undefined {
  const m = IPV4_RE.exec(text);
  if (!m) return undefined;
  let value = 0;
  for (let i = 1; i <= 4; i++) {
    const octet = Number(m[i]);
    if (octet > 255 || (m[i]!.length > 1 && m[i]!.startsWith("0"))) return undefined;
    value = value * 256 + octet;
  }
  return value >>> 0;
}

export function formatIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => (value >>> shift) & 0xff).join(".");
}

export function maskOf(prefixLen: number): number {
  return prefixLen === 0 ? 0 : (0xffffffff << (32 - prefixLen)) >>> 0;
}

/** Parses "a.b.c.d/n"; the address must be the network address itself. */
export function parseCidr(text: string): Cidr | string {
  const [addr, len, extra] = text.split("/");
  if (extra !== undefined || addr === undefined || len === undefined) return `'${text}' is not a CIDR like 198.18.0.0/24`;
  const ip = parseIpv4(addr);
  if (ip === undefined) return `'${addr}' is not an IPv4 address`;
  if (!/^\d{1,2}$/.test(len) || Number(len) > 32) return `'/${len}' is not a prefix length (0-32)`;
  const prefixLen = Number(len);
  if ((ip & ~maskOf(prefixLen)) >>> 0 !== 0) {
    return `'${text}' has host bits set; the network is ${formatIpv4((ip & maskOf(prefixLen)) >>> 0)}/${prefixLen}`;
  }
  return { network: ip, prefixLen };
}

export function formatCidr(cidr: Cidr): string {
  return `${formatIpv4(cidr.network)}/${cidr.prefixLen}`;
}

export function cidrContains(outer: Cidr, ip: number): boolean {
  return ((ip & maskOf(outer.prefixLen)) >>> 0) === outer.network;
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  const len = Math.min(a.prefixLen, b.prefixLen);
  const mask = maskOf(len);
  return ((a.network & mask) >>> 0) === ((b.network & mask) >>> 0);
}

export function broadcastOf(cidr: Cidr): number {
  return (cidr.network | ~maskOf(cidr.prefixLen)) >>> 0;
}

/** Usable host addresses (network and broadcast excluded, except /31 and /32). */
export function hostRange(cidr: Cidr): { first: number; last: number } {
  if (cidr.prefixLen >= 31) return { first: cidr.network, last: broadcastOf(cidr) };
  return { first: cidr.network + 1, last: broadcastOf(cidr) - 1 };
}

/** RFC 2544 benchmarking range: every address a lab uses comes from here. */
export const BENCHMARK_RANGE: Cidr = { network: parseIpv4("198.18.0.0")!, prefixLen: 15 };

export function insideBenchmarkRange(cidr: Cidr): boolean {
  return cidr.prefixLen >= BENCHMARK_RANGE.prefixLen && cidrContains(BENCHMARK_RANGE, cidr.network);
}
