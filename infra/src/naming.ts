// Kernel object names for a lab. Linux interface names are at most 15 bytes
// (IFNAMSIZ - 1), so names are built from a short lab prefix plus indexes
// rather than from host and network names; the lab model keeps the mapping.

export const MAX_PREFIX_LEN = 8;
export const MAX_HOSTS = 99;
export const MAX_INTERFACES_PER_HOST = 9;
export const PREFIX_RE = /^[a-z][a-z0-9-]{0,7}$/;

export function namespaceName(prefix: string, host: string): string {
  return `${prefix}-${host}`;
}

export function managementBridgeName(prefix: string): string {
  return `${prefix}-mg`;
}

export function segmentBridgeName(prefix: string, segmentIndex: number): string {
  return `${prefix}-t${segmentIndex}`;
}

/** Root-namespace end of the veth whose other end is eth<ifIndex> of host <hostIndex>. */
export function rootVethName(prefix: string, hostIndex: number, ifIndex: number): string {
  return `${prefix}-h${hostIndex}i${ifIndex}`;
}

/** Every root-namespace link a lab with this prefix can ever create, including ones from an older lab file. */
export function isLabLinkName(prefix: string, name: string): boolean {
  if (!name.startsWith(`${prefix}-`)) return false;
  const rest = name.slice(prefix.length + 1);
  return rest === "mg" || /^t\d+$/.test(rest) || /^h\d+i\d+$/.test(rest);
}

export function isLabNamespaceName(prefix: string, name: string): boolean {
  return name.startsWith(`${prefix}-`) && /^[a-z][a-z0-9-]*$/.test(name.slice(prefix.length + 1));
}

/** FNV-1a, 32 bit: stable small hashes for default subnets and MACs. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** Locally administered unicast MAC, unique per (lab, host, interface). */
export function defaultMac(prefix: string, hostIndex: number, ifIndex: number): string {
  const h = fnv1a(prefix);
  const bytes = [0x02, (h >>> 8) & 0xff, h & 0xff, 0x00, hostIndex & 0xff, ifIndex & 0xff];
  return bytes.map((b) => b.toString(16).padStart(2, "0")).join(":");
}

/**
 * Link group for a lab's root-namespace links: `down` deletes the whole group in
 * one kernel operation (one teardown instead of one per link). Verified before use,
 * since two prefixes can hash alike.
 */
export function labLinkGroup(prefix: string): number {
  return 0x57000000 | (fnv1a(prefix) & 0xffffff);
}
