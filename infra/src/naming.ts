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

/**
 * The lab's switch: a namespace of its own holding the bridges. Bridges in the root
 * namespace would run every IPv4 frame through br_netfilter (the machine's iptables,
 * and header validation that drops malformed frames); a test LAN must be a plain wire.
 */
export const SWITCH_HOST_NAME = "sw";

export function switchNamespaceName(prefix: string): string {
  return namespaceName(prefix, SWITCH_HOST_NAME);
}

/** Root-namespace end of the management uplink: holds the gateway address. */
export function uplinkName(prefix: string): string {
  return `${prefix}-gw`;
}

/** Switch-namespace end of the management uplink, a port of the management bridge. */
export function switchUplinkName(prefix: string): string {
  return `${prefix}-up`;
}

export function managementBridgeName(prefix: string): string {
  return `${prefix}-mg`;
}

export function segmentBridgeName(prefix: string, segmentIndex: number): string {
  return `${prefix}-t${segmentIndex}`;
}

/** Switch-side end of the veth whose other end is eth<ifIndex> of host <hostIndex>. */
export function switchPortName(prefix: string, hostIndex: number, ifIndex: number): string {
  return `${prefix}-h${hostIndex}i${ifIndex}`;
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
