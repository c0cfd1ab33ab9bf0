// The topology model: a lab file validated, defaulted and addressed. Pure: the
// caller reads the file; every backend (netns, libvirt, metal) builds from this.
import {
  cidrContains,
  cidrsOverlap,
  formatCidr,
  formatIpv4,
  hostRange,
  insideBenchmarkRange,
  parseCidr,
  parseIpv4,
  type Cidr,
} from "./ipv4.ts";
import { impairPoints, type ImpairPoint } from "./impair-points.ts";
import {
  cidr6Contains,
  cidrs6Overlap,
  formatCidr6,
  formatIpv6,
  insideBenchmarkRange6,
  parseCidr6,
  parseIpv6,
  reservedInSubnet6,
  SEGMENT_PREFIX_LEN6,
  type Cidr6,
} from "./ipv6.ts";
import { LabError } from "./lab-error.ts";
import { formatPath, parseYamlFile, type Path } from "./yaml-file.ts";
import { labFileSchema, type HostFile, type LabFile, type Role } from "./lab-schema.ts";
import {
  defaultMac,
  fnv1a,
  managementBridgeName,
  MAX_HOSTS,
  MAX_PREFIX_LEN,
  namespaceName,
  PREFIX_RE,
  segmentBridgeName,
  switchNamespaceName,
  switchPortName,
  switchUplinkName,
  SWITCH_HOST_NAME,
  uplinkName,
} from "./naming.ts";

export type { Role } from "./lab-schema.ts";

export interface Segment {
  readonly name: string;
  readonly index: number;
  readonly subnet: string;
  readonly prefixLen: number;
  readonly bridge: string;
  readonly mtu: number;
  /** Present where the network has IPv6: its /64 and whether hosts take router advertisements there. */
  readonly ipv6?: { readonly subnet: string; readonly prefixLen: number; readonly acceptRa: boolean };
}

export interface HostInterface {
  /** Name inside the host: eth0 is management, eth1.. are test interfaces (as in the VMs). */
  readonly ifname: string;
  readonly ip: string;
  readonly prefixLen: number;
  readonly mac: string;
  /** Switch-side end of the veth, a bridge port in the lab's switch namespace (netns backend). */
  readonly switchPort: string;
}

export interface TestInterface extends HostInterface {
  readonly segment: string;
  /** IPv6 address (RFC 5952 text) where the segment has IPv6. */
  readonly ip6?: string;
  readonly prefixLen6?: number;
  readonly pci?: string;
  /** Transmit and receive queues, one per engine worker (1 unless the lab file asks for more). */
  readonly queues: number;
}

export interface Route {
  readonly to: string;
  readonly via: string;
}

export interface Host {
  readonly name: string;
  readonly index: number;
  readonly role: Role;
  readonly namespace: string;
  readonly mgmt: HostInterface;
  readonly interfaces: readonly TestInterface[];
  readonly routes: readonly Route[];
  /** True where the host routes between its segments (a DUT). */
  readonly forwarding: boolean;
  readonly vm?: HostFile["vm"];
  readonly metal?: HostFile["metal"];
  /** false: the test NICs stay the kernel's on a VM or metal host, whatever the role. */
  readonly dpdk?: false;
}

export interface Lab {
  readonly name: string;
  readonly prefix: string;
  readonly description?: string;
  /** True where at least one test network has IPv6 (management never has). */
  readonly ipv6: boolean;
  readonly nat: boolean;
  readonly management: {
    readonly subnet: string;
    readonly prefixLen: number;
    readonly gateway: string;
    readonly bridge: string;
    /** netns backend: the root-namespace veth holding the gateway address, and its switch-side end. */
    readonly uplink: string;
    readonly switchUplink: string;
  };
  /** netns backend: the namespace that holds the lab's bridges. */
  readonly switchNamespace: string;
  readonly segments: readonly Segment[];
  readonly hosts: readonly Host[];
  /** Link impairments by host interface and direction (impair-points.ts). */
  readonly impairments: readonly ImpairPoint[];
}

export const DEFAULT_SEGMENT = "br-test";
export const MAX_QUEUES = 64;


/** Parses and validates a lab file's text. Throws LabError (one line: file, line, field, problem). */
export function parseLab(text: string, file = "<lab>"): Lab {
  const { data, fail } = parseYamlFile(text, file, labFileSchema, LabError, "a lab file is a YAML mapping with at least 'name' and 'hosts'");
  return buildLab(data, fail);
}

function buildLab(file: LabFile, fail: (path: Path, problem: string) => never): Lab {
  const prefix = file.prefix ?? file.name;
  if (!PREFIX_RE.test(prefix)) {
    fail(
      file.prefix ? ["prefix"] : ["name"],
      file.prefix
        ? `prefix '${prefix}' must be 1-${MAX_PREFIX_LEN} lowercase letters, digits or '-', starting with a letter`
        : `name '${prefix}' is longer than ${MAX_PREFIX_LEN} chars; set 'prefix' (at most ${MAX_PREFIX_LEN}) to name kernel objects`,
    );
  }
  if (prefix.endsWith("-")) fail(["prefix"], `prefix '${prefix}' must not end with '-'`);
  if (file.hosts.length > MAX_HOSTS) fail(["hosts"], `at most ${MAX_HOSTS} hosts per lab`);

  // Management network: one /24 per lab by default, picked from the lab prefix so two labs coexist.
  const mgmtText = file.management?.subnet ?? `198.19.${1 + (fnv1a(prefix) % 250)}.0/24`;
  const mgmtCidr = checkedCidr(mgmtText, ["management", "subnet"], fail);
  if (mgmtCidr.prefixLen > 29) fail(["management", "subnet"], `${mgmtText} is too small for a management network (at most /29)`);

  const segmentFiles = file.networks ?? [{ name: DEFAULT_SEGMENT, mtu: 1500 }];
  const segments: Segment[] = [];
  const segmentCidrs: Cidr[] = [];
  const segmentCidrs6: (Cidr6 | undefined)[] = [];
  segmentFiles.forEach((seg, index) => {
    const path = ["networks", index] as const;
    if (segments.some((s) => s.name === seg.name)) fail([...path, "name"], `duplicate network '${seg.name}'`);
    const cidr = checkedCidr(seg.subnet ?? `198.18.${index}.0/24`, [...path, "subnet"], fail);
    if (cidrsOverlap(cidr, mgmtCidr)) {
      fail([...path, "subnet"], `${formatCidr(cidr)} overlaps the management network ${formatCidr(mgmtCidr)}`);
    }
    const clash = segments.findIndex((_, i) => cidrsOverlap(cidr, segmentCidrs[i]!));
    if (clash >= 0) {
      fail([...path, "subnet"], `${formatCidr(cidr)} overlaps network '${segments[clash]!.name}' (${segments[clash]!.subnet})`);
    }
    segmentCidrs.push(cidr);
    const cidr6 = segmentSubnet6(seg, index, file.ipv6, segments, segmentCidrs6, fail);
    segmentCidrs6.push(cidr6);
    segments.push({
      name: seg.name,
      index,
      subnet: formatCidr(cidr),
      prefixLen: cidr.prefixLen,
      bridge: segmentBridgeName(prefix, index),
      mtu: seg.mtu,
      ...(cidr6 ? { ipv6: { subnet: formatCidr6(cidr6), prefixLen: cidr6.prefixLen, acceptRa: seg.accept_ra ?? false } } : {}),
    });
  });

  const seenHosts = new Set<string>();
  file.hosts.forEach((h, i) => {
    if (h.name === SWITCH_HOST_NAME) fail(["hosts", i, "name"], `host name '${SWITCH_HOST_NAME}' is reserved for the lab's switch namespace`);
    if (seenHosts.has(h.name)) fail(["hosts", i, "name"], `duplicate host '${h.name}'`);
    seenHosts.add(h.name);
  });

  // Addresses: explicit ones first (so automatic ones never take them), then in host order.
  const taken = new Map<string, Set<number>>(segments.map((s) => [s.name, new Set<number>()]));
  const taken6 = segments.map(() => new Set<bigint>());
  const takenMacs = new Map<string, Path>();
  const resolved = file.hosts.map((h, hi) =>
    (h.interfaces ?? [{}]).map((ifc, ii) => {
      const path = ["hosts", hi, "interfaces", ii] as const;
      const segName = ifc.network ?? segments[0]!.name;
      const segIndex = segments.findIndex((s) => s.name === segName);
      if (segIndex < 0) {
        fail([...path, "network"], `unknown network '${segName}' (networks: ${segments.map((s) => s.name).join(", ")})`);
      }
      let ip: number | undefined;
      if (ifc.ip !== undefined) {
        ip = parseIpv4(ifc.ip);
        if (ip === undefined) fail([...path, "ip"], `'${ifc.ip}' is not an IPv4 address`);
        const cidr = segmentCidrs[segIndex]!;
        const range = hostRange(cidr);
        if (!cidrContains(cidr, ip!) || ip! < range.first || ip! > range.last) {
          fail([...path, "ip"], `${ifc.ip} is not a host address of network '${segName}' (${formatCidr(cidr)})`);
        }
        if (taken.get(segName)!.has(ip!)) fail([...path, "ip"], `${ifc.ip} is already used on network '${segName}'`);
        taken.get(segName)!.add(ip!);
      }
      const ip6 = ifc.ip6 === undefined ? undefined : explicitIp6(ifc.ip6, segments[segIndex]!, segmentCidrs6[segIndex], taken6[segIndex]!, [...path, "ip6"], fail);
      return { segIndex, ip, ip6, ifc, path };
    }),
  );
  for (const ifcs of resolved) {
    for (const r of ifcs) {
      if (r.ip !== undefined) continue;
      const cidr = segmentCidrs[r.segIndex]!;
      const used = taken.get(segments[r.segIndex]!.name)!;
      const range = hostRange(cidr);
      let next = range.first;
      while (next <= range.last && used.has(next)) next++;
      if (next > range.last) fail(r.path, `network '${segments[r.segIndex]!.name}' (${formatCidr(cidr)}) has no free address left`);
      used.add(next);
      r.ip = next;
    }
  }
  // IPv6 interface IDs count up from ::1 per /64, as the v4 host numbers do.
  for (const r of resolved.flat()) {
    const cidr6 = segmentCidrs6[r.segIndex];
    if (r.ip6 !== undefined || !cidr6) continue;
    let next = cidr6.network + 1n;
    while (taken6[r.segIndex]!.has(next)) next++;
    taken6[r.segIndex]!.add(next);
    r.ip6 = next;
  }

  const mgmtRange = hostRange(mgmtCidr);
  const gateway = mgmtRange.first;
  if (mgmtRange.first + file.hosts.length > mgmtRange.last) {
    fail(["management", "subnet"], `${formatCidr(mgmtCidr)} has room for ${mgmtRange.last - mgmtRange.first} hosts, the lab has ${file.hosts.length}`);
  }

  const hosts: Host[] = file.hosts.map((h, hi) => {
    if (resolved[hi]!.length > 1 && new Set(resolved[hi]!.map((r) => r.segIndex)).size !== resolved[hi]!.length) {
      fail(["hosts", hi, "interfaces"], `host '${h.name}' has two interfaces on the same network`);
    }
    const interfaces: TestInterface[] = resolved[hi]!.map((r, ii) => {
      const macAddr = (r.ifc.mac ?? defaultMac(prefix, hi, ii + 1)).toLowerCase();
      const other = takenMacs.get(macAddr);
      if (other) fail([...r.path, "mac"], `MAC ${macAddr} is already used by ${formatPath(other)}`);
      takenMacs.set(macAddr, r.path);
      const seg = segments[r.segIndex]!;
      const queues = r.ifc.queues ?? 1;
      const ifname = `eth${ii + 1}`;
      if (queues < 1 || queues > MAX_QUEUES) fail([...r.path, "queues"], `host '${h.name}' interface ${ifname}: queues must be 1 to ${MAX_QUEUES}, got ${queues}`);
      // A passed-through VF brings its own queues; the lab cannot size them.
      if (r.ifc.queues !== undefined && ii === 0 && h.vm?.hostdev) fail([...r.path, "queues"], `host '${h.name}' interface ${ifname} is the VF of vm.hostdev: its queues are the device's own`);
      return {
        ifname,
        segment: seg.name,
        ip: formatIpv4(r.ip!),
        prefixLen: seg.prefixLen,
        ...(r.ip6 !== undefined ? { ip6: formatIpv6(r.ip6), prefixLen6: seg.ipv6!.prefixLen } : {}),
        mac: macAddr,
        switchPort: switchPortName(prefix, hi, ii + 1),
        ...(r.ifc.pci ? { pci: r.ifc.pci.toLowerCase() } : {}),
        queues,
      };
    });
    return {
      name: h.name,
      index: hi,
      role: h.role,
      namespace: namespaceName(prefix, h.name),
      mgmt: {
        ifname: "eth0",
        ip: formatIpv4(gateway + 1 + hi),
        prefixLen: mgmtCidr.prefixLen,
        mac: defaultMac(prefix, hi, 0),
        switchPort: switchPortName(prefix, hi, 0),
      },
      interfaces,
      routes: [],
      forwarding: h.role === "dut",
      ...(h.vm ? { vm: h.vm } : {}),
      ...(h.metal ? { metal: h.metal } : {}),
      ...(h.dpdk === false ? { dpdk: false as const } : {}),
    };
  });

  const withRoutes = hosts.map((host, hi) => ({
    ...host,
    routes: [...explicitRoutes(file.hosts[hi]!, hi, hosts, segments, formatIpv4(gateway), fail), ...dutRoutes(host, hosts, segments)].filter(
      (r, i, all) => all.findIndex((o) => o.to === r.to) === i,
    ),
  }));

  return {
    name: file.name,
    prefix,
    ...(file.description !== undefined ? { description: file.description } : {}),
    ipv6: segments.some((s) => s.ipv6),
    nat: file.nat,
    management: {
      subnet: formatCidr(mgmtCidr),
      prefixLen: mgmtCidr.prefixLen,
      gateway: formatIpv4(gateway),
      bridge: managementBridgeName(prefix),
      uplink: uplinkName(prefix),
      switchUplink: switchUplinkName(prefix),
    },
    switchNamespace: switchNamespaceName(prefix),
    segments,
    hosts: withRoutes,
    impairments: impairPoints(file, (h, i) => hosts[h]!.interfaces[i]!.segment),
  };
}

function checkedCidr(text: string, path: Path, fail: (path: Path, problem: string) => never): Cidr {
  const cidr = parseCidr(text);
  if (typeof cidr === "string") return fail(path, cidr);
  if (!insideBenchmarkRange(cidr)) {
    return fail(path, `${text} is outside 198.18.0.0/15, the benchmarking range every lab address must come from`);
  }
  return cidr;
}

/** A network's /64 where it has IPv6 (its own `ipv6`, else the lab's), checked like the v4 subnets. */
function segmentSubnet6(
  seg: { name: string; ipv6?: boolean | undefined; subnet6?: string | undefined; accept_ra?: boolean | undefined },
  index: number,
  labIpv6: boolean,
  before: readonly Segment[],
  beforeCidrs: readonly (Cidr6 | undefined)[],
  fail: (path: Path, problem: string) => never,
): Cidr6 | undefined {
  const path = ["networks", index] as const;
  if (!(seg.ipv6 ?? labIpv6)) {
    const off = `network '${seg.name}' has no IPv6: set 'ipv6: true' on it or on the lab`;
    if (seg.subnet6 !== undefined) fail([...path, "subnet6"], off);
    if (seg.accept_ra !== undefined) fail([...path, "accept_ra"], off);
    return undefined;
  }
  const text = seg.subnet6 ?? `2001:2:0:${index.toString(16)}::/${SEGMENT_PREFIX_LEN6}`;
  const cidr = parseCidr6(text);
  if (typeof cidr === "string") return fail([...path, "subnet6"], cidr);
  if (!insideBenchmarkRange6(cidr)) fail([...path, "subnet6"], `${text} is outside 2001:2::/48, the IPv6 benchmarking range every lab address must come from`);
  if (cidr.prefixLen !== SEGMENT_PREFIX_LEN6) fail([...path, "subnet6"], `${text} is a /${cidr.prefixLen}; a network's IPv6 subnet is one /${SEGMENT_PREFIX_LEN6}`);
  const clash = beforeCidrs.findIndex((other) => other !== undefined && cidrs6Overlap(cidr, other));
  if (clash >= 0) fail([...path, "subnet6"], `${formatCidr6(cidr)} overlaps network '${before[clash]!.name}' (${before[clash]!.ipv6!.subnet})`);
  return cidr;
}

/** An `ip6:` from the lab file: a unicast address of the interface's /64, not yet used there. */
function explicitIp6(
  text: string,
  segment: Segment,
  cidr: Cidr6 | undefined,
  taken: Set<bigint>,
  path: Path,
  fail: (path: Path, problem: string) => never,
): bigint {
  if (!cidr) return fail(path, `network '${segment.name}' has no IPv6: set 'ipv6: true' on the lab or the network`);
  const ip = parseIpv6(text);
  if (ip === undefined) return fail(path, `'${text}' is not an IPv6 address`);
  if (!cidr6Contains(cidr, ip)) fail(path, `${text} is not inside network '${segment.name}' (${formatCidr6(cidr)})`);
  const reserved = reservedInSubnet6(cidr, ip);
  if (reserved) fail(path, `${text} ${reserved} of network '${segment.name}' (${formatCidr6(cidr)}), not a host address`);
  if (taken.has(ip)) fail(path, `${formatIpv6(ip)} is already used on network '${segment.name}'`);
  taken.add(ip);
  return ip;
}

function explicitRoutes(
  file: HostFile,
  hostIndex: number,
  hosts: readonly Host[],
  segments: readonly Segment[],
  mgmtGateway: string,
  fail: (path: Path, problem: string) => never,
): Route[] {
  // No lab route may lead out of the machine: not a default route, not through the management gateway
  // (the root namespace, which may NAT to the world), only through a lab host on one of this host's test networks.
  const leaves = "no lab route may leave the machine";
  return (file.routes ?? []).flatMap((route, ri) => {
    const path = ["hosts", hostIndex, "routes", ri] as const;
    const seg = segments.find((s) => s.name === route.to);
    let to: string;
    if (seg) to = seg.subnet;
    else {
      if (route.to === "default" || /^[0-9a-f:]*:[0-9a-f:]*\/0$/i.test(route.to)) fail([...path, "to"], `'${route.to}' is a default route: ${leaves}`);
      const cidr = parseCidr(route.to);
      if (typeof cidr === "string") fail([...path, "to"], `'${route.to}' is neither a network name nor a CIDR: ${cidr}`);
      if ((cidr as Cidr).prefixLen === 0) fail([...path, "to"], `'${route.to}' is a default route: ${leaves}`);
      to = formatCidr(cidr as Cidr);
    }
    const self = hosts[hostIndex]!;
    const viaHost = hosts.find((h) => h.name === route.via);
    let via: string | undefined;
    if (viaHost) {
      const hop = viaHost.interfaces.find((vi) => self.interfaces.some((si) => si.segment === vi.segment));
      if (!hop) return fail([...path, "via"], `host '${route.via}' shares no network with '${self.name}'`);
      // A network through a lab host: over IPv6 too, where that network and the hop's network have it.
      const v6 = seg?.ipv6 && hop.ip6 !== undefined ? [{ to: seg.ipv6.subnet, via: hop.ip6 }] : [];
      return [{ to, via: hop.ip }, ...v6];
    } else if (parseIpv4(route.via) !== undefined) {
      if (route.via === mgmtGateway) fail([...path, "via"], `${route.via} is the management gateway: ${leaves}`);
      const mine = self.interfaces.map((i) => segments.find((sg) => sg.name === i.segment)!);
      if (!mine.some((sg) => cidrContains(parseCidr(sg.subnet) as Cidr, parseIpv4(route.via)!))) {
        fail([...path, "via"], `${route.via} is on none of the test networks of '${self.name}' (${mine.map((sg) => sg.subnet).join(", ")}): ${leaves}`);
      }
      via = route.via;
    } else {
      fail([...path, "via"], `'${route.via}' is neither a host name nor an IPv4 address`);
    }
    return [{ to, via: via! }];
  });
}

/** Hosts beside a DUT reach the DUT's other segments through it (over IPv6 too, where both ends have it). */
function dutRoutes(host: Host, hosts: readonly Host[], segments: readonly Segment[]): Route[] {
  if (host.role === "dut") return [];
  const routes: Route[] = [];
  const mine = new Set(host.interfaces.map((i) => i.segment));
  for (const dut of hosts) {
    if (dut.role !== "dut") continue;
    const shared = dut.interfaces.find((i) => mine.has(i.segment));
    if (!shared) continue;
    for (const far of dut.interfaces) {
      if (mine.has(far.segment)) continue;
      const farSegment = segments.find((s) => s.name === far.segment)!;
      routes.push({ to: farSegment.subnet, via: shared.ip });
      // Dual stack: the far /64 through the DUT's v6 address, where both networks have IPv6.
      if (farSegment.ipv6 && shared.ip6 !== undefined) {
        routes.push({ to: farSegment.ipv6.subnet, via: shared.ip6 });
      }
    }
  }
  return routes;
}

/** Whether a VM or metal host's boot unit hands its test NICs to DPDK: by role (xdp and dut keep them in the kernel), unless `dpdk: false`. */
export function bindsDpdk(host: Pick<Host, "role" | "dpdk">): boolean {
  return host.dpdk !== false && (host.role === "tx" || host.role === "rx" || host.role === "both" || host.role === "sink");
}

/**
 * Impairments on a VM are netem in its kernel, on the host's own interface: one on a NIC the boot
 * unit hands to DPDK cannot be done. The first such point as one line naming host and interface.
 */
export function impairedDpdkNic(lab: Lab): string | undefined {
  const p = lab.impairments.find((i) => bindsDpdk(lab.hosts.find((h) => h.name === i.host)!));
  if (!p) return undefined;
  const host = lab.hosts.find((h) => h.name === p.host)!;
  return `${p.source}: ${p.host} ${p.ifname} is bound to DPDK in the VM (role ${host.role}); netem needs it in the kernel: set 'dpdk: false' on host ${p.host}`;
}
