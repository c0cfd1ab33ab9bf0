// IPv6 on a netns host's test interfaces: static addresses without DAD, no
// router advertisements unless the network asks, nothing v6 on management;
// and the checks `up` and `status` make of it.
//
// DAD is off on the test interfaces (accept_dad=0, and `nodad` on each static
// address): the lab model already guarantees every address is unique on its
// private bridge, and a tentative address cannot be used as a source, so
// traffic started right after `up` would lose its first packets.
import type { Host, Lab, Segment } from "../lab-model.ts";
import { parseIpv6 } from "../ipv6.ts";
import { run } from "../process.ts";

/** The sysctls (key, value) a host needs for IPv6; empty where the lab has none (plan.ts then turns v6 off). */
export function ipv6Sysctls(lab: Lab, host: Host): [string, number][] {
  if (!lab.ipv6) return [];
  const out: [string, number][] = [
    // Interfaces made later (by a test) start quiet too.
    ["net.ipv6.conf.default.accept_ra", 0],
    ["net.ipv6.conf.default.autoconf", 0],
    ["net.ipv6.conf.all.forwarding", host.forwarding ? 1 : 0],
    // Management stays IPv4: no link-local, no router solicitation, no MLD there.
    [`net.ipv6.conf.${host.mgmt.ifname}.disable_ipv6`, 1],
  ];
  for (const ifc of host.interfaces) {
    const seg = segmentOf(lab, ifc.segment);
    const key = (name: string) => `net.ipv6.conf.${ifc.ifname}.${name}`;
    if (!seg.ipv6) {
      out.push([key("disable_ipv6"), 1]);
      continue;
    }
    // A forwarding host takes router advertisements only with accept_ra=2.
    const ra = seg.ipv6.acceptRa ? (host.forwarding ? 2 : 1) : 0;
    out.push([key("disable_ipv6"), 0], [key("accept_dad"), 0], [key("accept_ra"), ra], [key("autoconf"), seg.ipv6.acceptRa ? 1 : 0]);
  }
  return out;
}

/** `ip -batch` lines setting an interface's static IPv6 address, if it has one. */
export function ipv6AddressLines(ifc: Host["interfaces"][number]): string[] {
  return ifc.ip6 === undefined ? [] : [`addr replace ${ifc.ip6}/${ifc.prefixLen6} dev ${ifc.ifname} nodad`];
}

/** One address of `ip -j addr show`, the fields read here. */
interface KernelAddr {
  family: string;
  local: string;
  prefixlen: number;
  scope: string;
  tentative?: boolean;
  dadfailed?: boolean;
  dynamic?: boolean;
}

export interface KernelLink {
  ifname: string;
  addr_info: KernelAddr[];
}

export interface Ipv6Drift {
  readonly missing: string[];
  readonly extra: string[];
}

/** A global IPv6 address found on a test interface, as `status` shows it. */
export interface LiveIpv6 {
  readonly ifname: string;
  readonly address: string;
}

/**
 * Compares a host's addresses (`ip -j addr show`) and its RA-learned routes (`ip -j -6
 * route show proto ra`) with the lab: each static v6 address present, not tentative, DAD
 * not failed; no v6 on management; nothing learned from a router where none was asked for.
 */
export function ipv6Drift(lab: Lab, host: Host, links: readonly KernelLink[], raRoutes: readonly { dst: string; dev?: string }[]): Ipv6Drift {
  const missing: string[] = [];
  const extra: string[] = [];
  const v6 = (ifname: string) => links.find((l) => l.ifname === ifname)?.addr_info.filter((a) => a.family === "inet6") ?? [];
  for (const ifc of host.interfaces) {
    const addrs = v6(ifc.ifname);
    const acceptRa = segmentOf(lab, ifc.segment).ipv6?.acceptRa ?? false;
    if (ifc.ip6 !== undefined) {
      const want = parseIpv6(ifc.ip6);
      const got = addrs.find((a) => parseIpv6(a.local) === want && a.prefixlen === ifc.prefixLen6);
      const label = `address ${ifc.ip6}/${ifc.prefixLen6} on ${host.name} ${ifc.ifname}`;
      if (!got) missing.push(label);
      else if (got.dadfailed) missing.push(`${label} usable (duplicate address detection failed)`);
      else if (got.tentative) missing.push(`${label} past duplicate address detection (still tentative)`);
    }
    for (const a of addrs) {
      const mine = ifc.ip6 !== undefined && parseIpv6(a.local) === parseIpv6(ifc.ip6);
      if (!mine && (a.tentative || a.dadfailed)) {
        missing.push(`address ${a.local} on ${host.name} ${ifc.ifname} past duplicate address detection (${a.dadfailed ? "it failed" : "still tentative"})`);
      }
      if (mine || a.scope === "link") continue;
      if (a.dynamic && acceptRa) continue;
      extra.push(`address ${a.local}/${a.prefixlen} on ${host.name} ${ifc.ifname}${a.dynamic ? " (learned from a router advertisement)" : ""}`);
    }
  }
  for (const a of v6(host.mgmt.ifname)) extra.push(`IPv6 address ${a.local}/${a.prefixlen} on ${host.name} ${host.mgmt.ifname} (management is IPv4 only)`);
  for (const r of raRoutes) {
    const ifc = host.interfaces.find((i) => i.ifname === r.dev);
    if (ifc && segmentOf(lab, ifc.segment).ipv6?.acceptRa) continue;
    extra.push(`route ${r.dst} on ${host.name}${r.dev ? ` ${r.dev}` : ""} (learned from a router advertisement)`);
  }
  return { missing, extra };
}

/** The host's IPv6 sysctls that differ from what `up` set: values read in ipv6Sysctls' order ("-" where unreadable). */
export function ipv6SysctlDrift(lab: Lab, host: Host, values: readonly string[]): string[] {
  return ipv6Sysctls(lab, host).flatMap(([key, want], i) =>
    values[i]?.trim() === String(want) ? [] : [`${key} = ${want} on ${host.name} (it is ${values[i]?.trim() || "-"})`],
  );
}

/** Reads a host's addresses, RA-learned routes and IPv6 sysctls and compares them with the lab. */
export async function hostIpv6Drift(lab: Lab, host: Host): Promise<Ipv6Drift & { live: LiveIpv6[] }> {
  if (!lab.ipv6) return { missing: [], extra: [], live: [] };
  // /proc/sys/net shows the reader's own namespace; the paths hold only sysctl keys and interface names.
  const paths = ipv6Sysctls(lab, host).map(([key]) => `/proc/sys/${key.replaceAll(".", "/")}`);
  const [addrs, routes, sysctls] = await Promise.all([
    run(["ip", "-n", host.namespace, "-j", "addr", "show"]),
    run(["ip", "-n", host.namespace, "-j", "-6", "route", "show", "proto", "ra"]),
    run(["nsenter", `--net=/run/netns/${host.namespace}`, "sh", "-c", `for f in ${paths.join(" ")}; do cat $f 2>/dev/null || echo -; done`]),
  ]);
  if (addrs.code !== 0) return { missing: [`addresses of ${host.name} readable (${addrs.stderr.trim()})`], extra: [], live: [] };
  const parse = <T>(text: string): T[] => (text.trim() ? (JSON.parse(text) as T[]) : []);
  const links = parse<KernelLink>(addrs.stdout);
  const live = links
    .filter((l) => host.interfaces.some((i) => i.ifname === l.ifname))
    .flatMap((l) => l.addr_info.filter((a) => a.family === "inet6" && a.scope === "global").map((a) => ({ ifname: l.ifname, address: `${a.local}/${a.prefixlen}` })));
  const drift = ipv6Drift(lab, host, links, routes.code === 0 ? parse<{ dst: string; dev?: string }>(routes.stdout) : []);
  return { missing: [...drift.missing, ...ipv6SysctlDrift(lab, host, sysctls.stdout.split("\n"))], extra: drift.extra, live };
}

/**
 * Waits until every host's static v6 addresses are in place and none is tentative, so
 * traffic may start when `up` returns; throws one line naming what is not, after timeoutMs.
 */
export async function awaitIpv6Ready(lab: Lab, timeoutMs = 5000): Promise<void> {
  if (!lab.ipv6) return;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const drift = await Promise.all(lab.hosts.map((h) => hostIpv6Drift(lab, h)));
    const notReady = drift.flatMap((d) => d.missing);
    if (notReady.length === 0) return;
    const failed = notReady.some((m) => /failed\)$/.test(m));
    if (failed || Date.now() > deadline) {
      throw new Error(`lab '${lab.name}': IPv6 not ready${failed ? "" : ` after ${timeoutMs} ms`}: ${notReady.join("; ")}`);
    }
    await Bun.sleep(50);
  }
}

function segmentOf(lab: Lab, name: string): Segment {
  return lab.segments.find((s) => s.name === name)!;
}
