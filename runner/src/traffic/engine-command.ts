// The engine's command line for a host in a run: EAL arguments from the
// inventory's DPDK attachment, engine arguments from the traffic spec.
import { toolsOf, type Inventory, type InventoryHost, type InventoryInterface } from "../../../infra/src/inventory.ts";
import { dpdkFilePrefix } from "../../../infra/src/dpdk-runtime.ts";
import { SPEC_FIELDS } from "./spec-schema.ts";
import type { TrafficSpec } from "./traffic-spec.ts";
import { vlanArg } from "./vlan-tag.ts";
import { cpus } from "node:os";

export { dpdkFilePrefix, dpdkRuntimeDir } from "../../../infra/src/dpdk-runtime.ts";

export interface EngineInvocation {
  readonly host: string;
  readonly role: "tx" | "rx";
  readonly argv: string[];
  readonly pcap?: string;
  /** DPDK's --file-prefix: its runtime files live in /var/run/dpdk/<prefix> until removed. */
  readonly filePrefix: string;
}

function testInterface(host: InventoryHost): InventoryInterface {
  const ifc = host.interfaces[0];
  if (!ifc) throw new Error(`host '${host.name}' has no test interface`);
  return ifc;
}

/** The MAC frames from `from` to `to` are addressed to: the peer itself, or the router on the way. */
export function nextHopMac(inv: Inventory, from: InventoryHost, to: InventoryHost): string {
  const mine = testInterface(from);
  const theirs = to.interfaces.find((i) => i.segment === mine.segment);
  if (theirs) return theirs.mac;
  const target = testInterface(to).ipv4;
  const route = from.routes.find((r) => inSubnet(target, r.to));
  if (!route) throw new Error(`host '${from.name}' has no route to ${to.name} (${target}): they share no network and no route leads there`);
  for (const h of inv.hosts) {
    const via = h.interfaces.find((i) => i.ipv4 === route.via);
    if (via) return via.mac;
  }
  throw new Error(`next hop ${route.via} from '${from.name}' is no host of the lab`);
}

function inSubnet(ip: string, cidr: string): boolean {
  const [net, len] = cidr.split("/");
  const toInt = (a: string) => a.split(".").reduce((acc, o) => acc * 256 + Number(o), 0);
  const bits = Number(len);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return ((toInt(ip) & mask) >>> 0) === ((toInt(net!) & mask) >>> 0);
}

/**
 * One lcore runs everything for a single worker. On a host of its own, N workers get N+1 lcores: the main one
 * prints the stats lines. In a netns lab both engines are threads on this machine's CPUs, so each gets N lcores
 * (its last worker runs on the main lcore and prints the lines itself), laid out from the role's own core and
 * wrapping round (`--lcores ID@CPU`): a third busy-polling thread per engine on a two-core machine starved a
 * worker sharing a core with the peer's poller (a 2-worker run never finished its --count).
 */
export function lcoreArgs(lcore: number, workers: number, netns: boolean, cpuCount = cpus().length): string[] {
  if (workers <= 1) return ["-l", String(lcore)];
  if (!netns) return ["-l", `${lcore}-${lcore + workers}`];
  const n = Math.max(1, cpuCount);
  const map = Array.from({ length: workers }, (_, i) => `${i}@${(lcore + i) % n}`);
  return ["--lcores", map.join(",")];
}

/**
 * The device for N workers, each with its own queue pair. A PCI device is configured with N queues by the engine
 * itself. DPDK 22.11's net_af_xdp takes its queue count from the interface's combined channels, which a veth does
 * not report: one vdev per queue (start_queue=q) on the same interface, which the engine takes as one port's
 * queues (the interface needs N queues: a lab interface's queues: N). net_af_packet fans one socket per queue
 * pair (qpairs=N) out over any interface.
 */
export function attachArgs(dpdk: { pci?: string | null; vdev?: string | null }, workers: number): string[] {
  if (dpdk.pci) return ["-a", dpdk.pci];
  if (!dpdk.vdev) return [];
  if (workers <= 1) return ["--vdev", dpdk.vdev];
  const [name = "", ...params] = dpdk.vdev.split(",");
  const own = params.filter((p) => !/^(start_queue|queue_count|qpairs)=/.test(p));
  if (name.startsWith("net_af_xdp")) {
    return Array.from({ length: workers }, (_, q) => ["--vdev", [`net_af_xdp${q}`, ...own, `start_queue=${q}`].join(",")]).flat();
  }
  if (name.startsWith("net_af_packet")) return ["--vdev", [name, ...own, `qpairs=${workers}`].join(",")];
  return ["--vdev", dpdk.vdev];
}

function ealArgs(inv: Inventory, host: InventoryHost, filePrefix: string, lcore: number, workers: number): string[] {
  const ifc = testInterface(host);
  const attach = attachArgs(ifc.dpdk, workers);
  if (attach.length === 0) throw new Error(`host '${host.name}' ${ifc.name} has no DPDK attachment (vdev or pci) in the inventory`);
  return [...ifc.dpdk.eal, ...attach, "--file-prefix", filePrefix, ...lcoreArgs(lcore, workers, inv.backend === "netns"), "--log-level", "lib.eal:error"];
}

/** The host's test address in the run's family: IPv6 only where the inventory gives one (a lab with ipv6: true). */
function addressOf(host: InventoryHost, spec: TrafficSpec): string {
  const ifc = testInterface(host);
  if (spec.ipVersion !== 6) return ifc.ipv4;
  if (!ifc.ipv6) throw new Error(`--ip-version 6: host '${host.name}' has no IPv6 address on ${ifc.name} in the inventory (a lab file with 'ipv6: true' gives one, e.g. the dual-stack lab)`);
  return ifc.ipv6;
}

export interface EngineOptions {
  readonly runId: string;
  /** Where each host writes its pcap, when the spec asks for a capture. */
  readonly pcapPath?: (host: string) => string;
  /** lcore per role [netns: tx 0, rx 1; elsewhere 0 on each host]. */
  readonly lcores?: { tx: number; rx: number };
}

/**
 * In a netns lab every host is this machine, so the two engines get a core each; VMs and
 * metal hosts are machines of their own, where core 0 is the one sure to exist (a 1-vCPU VM).
 */
function lcoreFor(inv: Inventory, role: "tx" | "rx", options: EngineOptions): number {
  if (options.lcores) return options.lcores[role];
  return inv.backend === "netns" && role === "rx" ? 1 : 0;
}

/** EAL arguments for an engine of `role` on a host (the replay sender uses the tx side's), one worker. */
export function engineEal(inv: Inventory, host: InventoryHost, filePrefix: string, role: "tx" | "rx", options: Pick<EngineOptions, "lcores">): string[] {
  return ealArgs(inv, host, filePrefix, lcoreFor(inv, role, { runId: "", ...options }), 1);
}

/** The spec's fields as the sender's options, by the engine names of the one field table (spec-schema.ts). */
export function senderOptions(spec: TrafficSpec): string[] {
  return Object.entries(SPEC_FIELDS).flatMap(([key, f]) => {
    const value: unknown = spec[key as keyof TrafficSpec];
    const engine = "engine" in f ? f.engine : undefined;
    if (engine === undefined || value === undefined) return [];
    return (Array.isArray(value) ? value : [value]).flatMap((v) => [engine, String(v)]);
  });
}

const vlanArgs = (spec: TrafficSpec): string[] => (spec.vlan ?? []).flatMap((t) => ["--vlan", vlanArg(t)]);

export function rxInvocation(inv: Inventory, spec: TrafficSpec, rx: InventoryHost, options: EngineOptions): EngineInvocation {
  const ifc = testInterface(rx);
  const pcap = spec.capture ? options.pcapPath?.(rx.name) : undefined;
  const args = [
    "--role", "rx",
    // A dual-stack host answers for both of its addresses, whichever family the run sends.
    "--ip", ifc.ipv4,
    ...(ifc.ipv6 ? ["--ip", ifc.ipv6] : []),
    ...(spec.workers !== undefined ? ["--workers", String(spec.workers)] : []),
    // The receiver is a host on the sender's VLAN: frames of another VLAN (or untagged) are not its own.
    ...vlanArgs(spec),
    "--stats-interval", String(spec.statsInterval ?? 1),
    ...(spec.udpEcho ? ["--udp-echo"] : []),
    ...(spec.domains ?? []).flatMap((d, i) => ["--dns-record", `${d}=198.18.255.${(i % 250) + 1}`]),
    // Over IPv6 the sender asks for AAAA records: each name gets one too.
    ...(spec.ipVersion === 6 ? (spec.domains ?? []).flatMap((d, i) => ["--dns-record", `${d}=2001:2:0:ffff::${((i % 250) + 1).toString(16)}`]) : []),
    ...(pcap ? ["--pcap", pcap] : []),
  ];
  const filePrefix = dpdkFilePrefix(inv.lab.prefix, options.runId, rx.name);
  return { host: rx.name, role: "rx", filePrefix, argv: [toolsOf(rx).engine, ...ealArgs(inv, rx, filePrefix, lcoreFor(inv, "rx", options), spec.workers ?? 1), "--", ...args], ...(pcap ? { pcap } : {}) };
}

export function txInvocation(inv: Inventory, spec: TrafficSpec, tx: InventoryHost, rx: InventoryHost, options: EngineOptions): EngineInvocation {
  const pcap = spec.capture ? options.pcapPath?.(tx.name) : undefined;
  const args = [
    "--role", "tx",
    ...senderOptions(spec),
    "--src-ip", addressOf(tx, spec),
    "--dst-ip", addressOf(rx, spec),
    "--dst-mac", nextHopMac(inv, tx, rx),
    ...vlanArgs(spec),
    "--stats-interval", String(spec.statsInterval ?? 1),
    ...(pcap ? ["--pcap", pcap] : []),
  ];
  const filePrefix = dpdkFilePrefix(inv.lab.prefix, options.runId, tx.name);
  return { host: tx.name, role: "tx", filePrefix, argv: [toolsOf(tx).engine, ...ealArgs(inv, tx, filePrefix, lcoreFor(inv, "tx", options), spec.workers ?? 1), "--", ...args], ...(pcap ? { pcap } : {}) };
}
