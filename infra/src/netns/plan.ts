// What the netns backend builds for a lab, as data: the ip batches for the
// root namespace, the lab's switch namespace and each host, and the objects
// `status` expects. Pure.
//
// Layout: each host is a namespace (eth0 management, eth1.. test). The lab's
// bridges live in a switch namespace of their own, `<prefix>-sw`, with bridge
// netfilter off there: in the root namespace br_netfilter would run every IPv4
// frame through the machine's iptables and drop malformed headers, and a test
// LAN must carry what the engine sends. The root namespace keeps one veth, the
// management uplink with the gateway address, so every host's eth0 is reachable.
import type { Host, Lab } from "../lab-model.ts";
import { ipv6AddressLines, ipv6Sysctls } from "./ipv6-host.ts";

export interface LiveState {
  /** Links in the root namespace, by name. */
  readonly rootLinks: ReadonlySet<string>;
  /** Links in the lab's switch namespace (empty when it does not exist). */
  readonly switchLinks: ReadonlySet<string>;
  /** Network namespaces under /run/netns. */
  readonly namespaces: ReadonlySet<string>;
}

export interface NamespaceSetup {
  readonly name: string;
  readonly namespace: string;
  /** Shell run inside the namespace before its batch (sysctls, which must precede the links coming up). */
  readonly preamble: string;
  /** Commands run in the namespace while its batch runs, each in the background, and waited for (offloads: independent of the batch). */
  readonly alongside: readonly string[];
  readonly batch: readonly string[];
}

export interface ExpectedLink {
  readonly name: string;
  readonly kind: "bridge" | "veth";
  readonly master?: string;
  /** What it is for, as `status` names it. */
  readonly label: string;
}

/** The links of the switch namespace: bridges, host ports, the management uplink's switch end. */
export function expectedSwitchLinks(lab: Lab): ExpectedLink[] {
  const links: ExpectedLink[] = [
    { name: lab.management.bridge, kind: "bridge", label: "management bridge" },
    { name: lab.management.switchUplink, kind: "veth", master: lab.management.bridge, label: "management uplink (switch end)" },
  ];
  for (const seg of lab.segments) links.push({ name: seg.bridge, kind: "bridge", label: `bridge of network '${seg.name}'` });
  for (const host of lab.hosts) {
    links.push({ name: host.mgmt.switchPort, kind: "veth", master: lab.management.bridge, label: `port of ${host.name} eth0` });
    for (const ifc of host.interfaces) {
      links.push({ name: ifc.switchPort, kind: "veth", master: segmentOf(lab, ifc.segment).bridge, label: `port of ${host.name} ${ifc.ifname}` });
    }
  }
  return links;
}

function segmentOf(lab: Lab, name: string) {
  return lab.segments.find((s) => s.name === name)!;
}

const sysctl = (key: string, value: number) => `echo ${value} > /proc/sys/${key.replaceAll(".", "/")}`;

/**
 * Root-namespace batch: namespaces, every veth (both ends placed straight into their
 * namespaces), the uplink and its gateway address. Creates what is missing and
 * re-asserts the rest, so `up` is idempotent and repairs a half-built lab.
 */
export function rootBatch(lab: Lab, live: LiveState, mark: string): string[] {
  const lines: string[] = [];
  for (const ns of labNamespaces(lab)) {
    if (!live.namespaces.has(ns)) lines.push(`netns add ${ns}`);
  }
  const { uplink, switchUplink, gateway, prefixLen } = lab.management;
  if (!live.rootLinks.has(uplink)) lines.push(`link add ${uplink} type veth peer name ${switchUplink} netns ${lab.switchNamespace}`);
  // No IPv6 link-local address (set while down: one is made when a link comes up), so nothing of the root's own leaves it.
  lines.push(`link set ${uplink} alias ${mark}`, `link set ${uplink} addrgenmode none`, `addr replace ${gateway}/${prefixLen} dev ${uplink}`, `link set ${uplink} up`);
  const veth = (host: Host, port: string, ifname: string, mac: string, mtu: number, queues: number) => {
    if (!live.switchLinks.has(port)) {
      // Both ends get the queues: the switch end's tx queue picks the host end's rx queue, so flows spread over them.
      const q = queues > 1 ? ` numtxqueues ${queues} numrxqueues ${queues}` : "";
      lines.push(`link add ${port} mtu ${mtu}${q} netns ${lab.switchNamespace} type veth peer name ${ifname} address ${mac} mtu ${mtu}${q} netns ${host.namespace}`);
    }
  };
  for (const host of lab.hosts) {
    veth(host, host.mgmt.switchPort, host.mgmt.ifname, host.mgmt.mac, 1500, 1);
    for (const ifc of host.interfaces) veth(host, ifc.switchPort, ifc.ifname, ifc.mac, segmentOf(lab, ifc.segment).mtu, ifc.queues);
  }
  return lines;
}

/** The switch namespace: bridges that are plain wires, every port attached and up. */
export function switchSetup(lab: Lab, live: LiveState, mark: string): NamespaceSetup {
  const preamble = [
    // A namespace starts with bridge netfilter on wherever br_netfilter is loaded: turn it off here.
    "for f in iptables ip6tables arptables; do [ -e /proc/sys/net/bridge/bridge-nf-call-$f ] && echo 0 > /proc/sys/net/bridge/bridge-nf-call-$f; done",
    sysctl("net.ipv6.conf.all.disable_ipv6", 1),
    sysctl("net.ipv6.conf.default.disable_ipv6", 1),
  ].join("; ");
  // A bridge takes a VLAN tag out of the frame into the skb; a port offloading tag insertion would hand
  // it to the host still outside the frame, where XDP (and the engine's AF_XDP) never sees it.
  const alongside = lab.hosts.flatMap((h) => h.interfaces).map((i) => `ethtool -K ${i.switchPort} tx-vlan-hw-insert off tx-vlan-stag-hw-insert off >/dev/null 2>&1 || true`);
  // The loopback's alias marks the namespace as this lab's (see ownership.ts).
  const batch: string[] = [`link set lo alias ${mark}`];
  const bridge = (name: string, mtu: number) => {
    if (!live.switchLinks.has(name)) batch.push(`link add ${name} type bridge stp_state 0 forward_delay 0 mcast_snooping 0`);
    batch.push(`link set ${name} alias ${mark}`, `link set ${name} mtu ${mtu} up`);
  };
  bridge(lab.management.bridge, 1500);
  for (const seg of lab.segments) bridge(seg.bridge, seg.mtu);
  for (const link of expectedSwitchLinks(lab).filter((l) => l.master)) batch.push(`link set ${link.name} master ${link.master} up`);
  return { name: "switch", namespace: lab.switchNamespace, preamble, alongside, batch };
}

/** Per-host setup inside its namespace: addresses, routes, and a quiet, checksum-correct test interface. */
export function hostSetups(lab: Lab, mark: string): NamespaceSetup[] {
  return lab.hosts.map((host) => {
    const testIfs = host.interfaces.map((i) => i.ifname);
    const preamble = [
      // IPv6 off unless the lab asks: router solicitations and MLD would pollute the counters.
      ...(lab.ipv6 ? [] : [sysctl("net.ipv6.conf.all.disable_ipv6", 1), sysctl("net.ipv6.conf.default.disable_ipv6", 1)]),
      ...ipv6Sysctls(lab, host).map(([key, value]) => sysctl(key, value)),
      sysctl("net.ipv4.ip_forward", host.forwarding ? 1 : 0),
      // Routed DUT traffic arrives on one interface and leaves on another: no reverse-path filter.
      ...(host.forwarding ? [sysctl("net.ipv4.conf.all.rp_filter", 0), sysctl("net.ipv4.conf.default.rp_filter", 0)] : []),
    ].join("; ");
    // veth leaves TCP/UDP checksums to the receiver; the engine, AF_PACKET and pcaps need them filled in.
    const alongside = testIfs.map((i) => `ethtool -K ${i} tx off >/dev/null 2>&1 || true`);
    const batch = [
      `link set lo alias ${mark}`,
      "link set lo up",
      `addr replace ${host.mgmt.ip}/${host.mgmt.prefixLen} dev ${host.mgmt.ifname}`,
      `link set ${host.mgmt.ifname} up`,
      ...host.interfaces.flatMap((i) => [`addr replace ${i.ip}/${i.prefixLen} dev ${i.ifname}`, ...ipv6AddressLines(i), `link set ${i.ifname} up`]),
      ...host.routes.map((r) => `route replace ${r.to} via ${r.via}`),
    ];
    return { name: host.name, namespace: host.namespace, preamble, alongside, batch };
  });
}

/**
 * What `down` removes, given only objects already judged the lab's: root links one by one
 * (normally just the uplink), then the namespaces, whose interfaces and veth peers the kernel
 * tears down with them.
 */
export function teardownBatch(rootLinks: readonly string[], namespaces: readonly string[]): string[] {
  return [...rootLinks.map((l) => `link del ${l}`), ...namespaces.map((ns) => `netns del ${ns}`)];
}

/** Every namespace name the lab file gives: its switch and one per host. */
export function labNamespaces(lab: Lab): string[] {
  return [lab.switchNamespace, ...lab.hosts.map((h) => h.namespace)];
}
