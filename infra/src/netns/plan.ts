// What the netns backend builds for a lab, as data: the ip batches for the
// root namespace and for each host, and the objects `status` expects. Pure.
import type { Host, Lab } from "../lab-model.ts";
import { isLabLinkName, isLabNamespaceName, labLinkGroup } from "../naming.ts";

export interface LiveState {
  /** Links in the root namespace, by name. */
  readonly rootLinks: ReadonlySet<string>;
  /** Network namespaces under /run/netns. */
  readonly namespaces: ReadonlySet<string>;
}

export interface HostSetup {
  readonly host: string;
  readonly namespace: string;
  /** Shell run inside the namespace before its batch (sysctls, offloads). */
  readonly preamble: string;
  readonly batch: readonly string[];
}

export interface ExpectedLink {
  readonly name: string;
  readonly kind: "bridge" | "veth";
  readonly master?: string;
}

export function expectedRootLinks(lab: Lab): ExpectedLink[] {
  const links: ExpectedLink[] = [{ name: lab.management.bridge, kind: "bridge" }];
  for (const seg of lab.segments) links.push({ name: seg.bridge, kind: "bridge" });
  for (const host of lab.hosts) {
    links.push({ name: host.mgmt.rootVeth, kind: "veth", master: lab.management.bridge });
    for (const ifc of host.interfaces) {
      links.push({ name: ifc.rootVeth, kind: "veth", master: lab.segments.find((s) => s.name === ifc.segment)!.bridge });
    }
  }
  return links;
}

/**
 * Root-namespace batch that creates what is missing and re-asserts what exists,
 * so `up` is idempotent and also repairs a lab left half-built by a killed `up`.
 */
export function rootBatch(lab: Lab, live: LiveState): string[] {
  const lines: string[] = [];
  const group = labLinkGroup(lab.prefix);
  for (const host of lab.hosts) {
    if (!live.namespaces.has(host.namespace)) lines.push(`netns add ${host.namespace}`);
  }
  const bridge = (name: string, mtu: number) => {
    if (!live.rootLinks.has(name)) lines.push(`link add ${name} type bridge stp_state 0 forward_delay 0 mcast_snooping 0`);
    // No IPv6 link-local address, so the root side puts no frames of its own (MLD, router solicitations) on a
    // test segment. The mode must be set while the link is down: an address is made when it comes up.
    lines.push(`link set ${name} addrgenmode none`, `link set ${name} mtu ${mtu} group ${group} up`);
  };
  bridge(lab.management.bridge, 1500);
  lines.push(`addr replace ${lab.management.gateway}/${lab.management.prefixLen} dev ${lab.management.bridge}`);
  for (const seg of lab.segments) bridge(seg.bridge, seg.mtu);

  const veth = (host: Host, rootName: string, ifname: string, mac: string, mtu: number, master: string) => {
    if (!live.rootLinks.has(rootName)) {
      lines.push(`link add ${rootName} mtu ${mtu} type veth peer name ${ifname} address ${mac} mtu ${mtu} netns ${host.namespace}`);
    }
    lines.push(`link set ${rootName} addrgenmode none`, `link set ${rootName} master ${master} group ${group} up`);
  };
  for (const host of lab.hosts) {
    veth(host, host.mgmt.rootVeth, host.mgmt.ifname, host.mgmt.mac, 1500, lab.management.bridge);
    for (const ifc of host.interfaces) {
      const seg = lab.segments.find((s) => s.name === ifc.segment)!;
      veth(host, ifc.rootVeth, ifc.ifname, ifc.mac, seg.mtu, seg.bridge);
    }
  }
  return lines;
}

/** Per-host setup inside its namespace: addresses, routes, and a quiet, checksum-correct test interface. */
export function hostSetups(lab: Lab): HostSetup[] {
  return lab.hosts.map((host) => {
    const testIfs = host.interfaces.map((i) => i.ifname);
    const sysctl = (key: string, value: number) => `echo ${value} > /proc/sys/${key.replaceAll(".", "/")}`;
    const preamble = [
      // IPv6 off unless the lab asks: router solicitations and MLD would pollute the counters.
      ...(lab.ipv6 ? [] : [sysctl("net.ipv6.conf.all.disable_ipv6", 1), sysctl("net.ipv6.conf.default.disable_ipv6", 1)]),
      sysctl("net.ipv4.ip_forward", host.forwarding ? 1 : 0),
      // Routed DUT traffic arrives on one interface and leaves on another: no reverse-path filter.
      ...(host.forwarding ? [sysctl("net.ipv4.conf.all.rp_filter", 0), sysctl("net.ipv4.conf.default.rp_filter", 0)] : []),
      // veth leaves TCP/UDP checksums to the receiver; the engine, AF_PACKET and pcaps need them filled in.
      ...testIfs.map((i) => `ethtool -K ${i} tx off >/dev/null 2>&1 || true`),
    ].join("; ");
    const batch = [
      "link set lo up",
      `addr replace ${host.mgmt.ip}/${host.mgmt.prefixLen} dev ${host.mgmt.ifname}`,
      `link set ${host.mgmt.ifname} up`,
      ...host.interfaces.flatMap((i) => [`addr replace ${i.ip}/${i.prefixLen} dev ${i.ifname}`, `link set ${i.ifname} up`]),
      ...host.routes.map((r) => `route replace ${r.to} via ${r.via}`),
    ];
    return { host: host.name, namespace: host.namespace, preamble, batch };
  });
}

export interface Teardown {
  readonly namespaces: string[];
  readonly rootLinks: string[];
  /** The lab's link group, when every link in it is the lab's own and so it can go in one operation. */
  readonly group?: number;
}

/**
 * Everything `down` removes: the lab's expected objects plus anything else that
 * carries the lab prefix in the shape wirelab names things (an older lab file,
 * a host since removed), so a crash or an edit never strands an object.
 */
export function teardownPlan(lab: Lab, live: LiveState, linkGroups?: ReadonlyMap<string, number>): Teardown {
  const namespaces = [...live.namespaces].filter(
    (ns) => lab.hosts.some((h) => h.namespace === ns) || isLabNamespaceName(lab.prefix, ns),
  );
  const links = [...live.rootLinks].filter((l) => isLabLinkName(lab.prefix, l));
  // Veths before bridges: deleting a veth removes its peer at once, while a namespace's veths go asynchronously.
  links.sort((a, b) => Number(/-(mg|t\d+)$/.test(a)) - Number(/-(mg|t\d+)$/.test(b)));
  const group = labLinkGroup(lab.prefix);
  const members = linkGroups ? [...linkGroups].filter(([, g]) => g === group).map(([name]) => name) : [];
  const groupIsOurs = members.length > 0 && members.every((name) => isLabLinkName(lab.prefix, name));
  return { namespaces, rootLinks: links, ...(groupIsOurs ? { group } : {}) };
}

export function teardownBatch(plan: Teardown, linkGroups?: ReadonlyMap<string, number>): string[] {
  const single = plan.group === undefined ? plan.rootLinks : plan.rootLinks.filter((l) => linkGroups?.get(l) !== plan.group);
  return [
    ...(plan.group === undefined ? [] : [`link del group ${plan.group}`]),
    ...single.map((l) => `link del ${l}`),
    ...plan.namespaces.map((ns) => `netns del ${ns}`),
  ];
}
