// The engine as a wire (`--role impair`) on one host interface of a netns lab:
// where the kernel has no netem, delay, jitter and reordering are done by a
// DPDK engine between the host and its switch port. The host's veth peer
// leaves the switch namespace for a wire namespace of its own (`to-host`); a
// new veth (`to-switch`) joins that namespace to the bridge under the switch
// port's old name, so everything else that names the port (tc impairments,
// status) keeps working. The engine forwards between the two, one process per
// interface, both directions; changing its settings restarts it.
//   egress (what the host sends): received on to-host, the engine's port 0.
//   ingress (what it receives): received on to-switch, its port 1.
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import type { Direction } from "../impair-points.ts";
import type { Distribution, Impairment } from "../impair-spec.ts";
import type { Host, Lab, TestInterface } from "../lab-model.ts";
import { run, runChecked } from "../process.ts";
import { BUILD_DIR } from "../repo.ts";
import { dpdkFilePrefix } from "../dpdk-runtime.ts";
import type { RecordedProcess } from "./ownership.ts";
import { namespaceInode, namespaces, pidsInNamespace, processStartTime } from "./system.ts";
import { WIRE_LOG_DIR, wireLogPath, wireNamespaceName } from "./wire-names.ts";

export const WIRE_ENGINE = join(BUILD_DIR, "engine", "wirelab-engine");
export const WIRE_HOST_IF = "to-host";
export const WIRE_SWITCH_IF = "to-switch";
/** The frame size the engine's mbufs hold: a segment with a larger MTU cannot be wired. */
const WIRE_MAX_MTU = 1500;

/** What the kernel-side bookkeeping of a lab hears about the wire's objects (ownership.ts' record). */
export interface WireRecorder {
  namespace(name: string, inode: number | undefined): void;
  process(what: string, proc: RecordedProcess | undefined): void;
}

const WIRE_FIELDS = ["delay", "jitter", "distribution", "reorder"] as const;

/** The part of a spec the wire does: delay, jitter (with its distribution), reorder. */
export function wirePart(spec: Impairment): Impairment {
  const out: { -readonly [K in keyof Impairment]: Impairment[K] } = {};
  for (const k of WIRE_FIELDS) if (spec[k] !== undefined) (out as Record<string, unknown>)[k] = spec[k];
  return out;
}

/** The rest, done in the switch namespace by tc (loss, corrupt, duplicate, rate). */
export function tcPart(spec: Impairment): Impairment {
  const out: Record<string, unknown> = { ...spec };
  for (const k of WIRE_FIELDS) delete out[k];
  return out as Impairment;
}

export const needsWire = (spec: Impairment | undefined) => spec !== undefined && (spec.delay !== undefined || spec.reorder !== undefined);

/** The engine's arguments for the two directions (its --dir 0 is what the host sends). */
export function wireArgs(egress: Impairment | undefined, ingress: Impairment | undefined): string[] {
  const a: string[] = [];
  for (const [dir, spec] of [["0", egress], ["1", ingress]] as const) {
    if (!needsWire(spec)) continue;
    a.push("--dir", dir, "--delay", `${spec!.delay ?? 0}ms`);
    if (spec!.jitter !== undefined) a.push("--jitter", `${spec!.jitter}ms`, "--distribution", spec!.distribution ?? "uniform");
    if (spec!.reorder) a.push("--reorder", `${spec!.reorder.percent}%`, "--gap", String(spec!.reorder.gap ?? 1));
  }
  return a;
}

/** One direction of the engine's start line (`config.directions[i]`). */
interface DirConfig {
  delay_ms: number;
  jitter_ms: number;
  distribution: string;
  reorder: number;
  gap: number;
}
/** One direction of its stats lines. */
export interface WireCounters {
  received: number;
  forwarded: number;
  delayed: number;
  dropped: number;
  overflow: number;
  reordered: number;
  duplicated: number;
  corrupted: number;
  queue: number;
}

/** The spec an engine direction carries, read back from its start line. */
export function specOfConfig(d: DirConfig): Impairment {
  if (!d.delay_ms && !d.reorder) return {};
  return {
    delay: d.delay_ms,
    ...(d.jitter_ms ? { jitter: d.jitter_ms, distribution: d.distribution as Distribution } : {}),
    ...(d.reorder ? { reorder: { percent: d.reorder, ...(d.gap > 1 ? { gap: d.gap } : {}) } } : {}),
  };
}

export interface WireState {
  readonly namespace: string;
  readonly pid?: number;
  readonly log: string;
  readonly egress: Impairment;
  readonly ingress: Impairment;
  readonly counters?: Record<Direction, WireCounters>;
}

const inNs = (ns: string, argv: string[]) => ["nsenter", `--net=/run/netns/${ns}`, ...argv];

interface EngineLine {
  type: string;
  config?: { directions?: DirConfig[] };
  directions?: WireCounters[];
}

function logLines(path: string): EngineLine[] {
  if (!existsSync(path)) return [];
  const out: EngineLine[] = [];
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      out.push(JSON.parse(line) as EngineLine);
    } catch {
      // A line being written.
    }
  }
  return out;
}

/** The running wire of an interface, as its engine says (start line: settings; last stats line: counters). */
export function readWire(ifc: TestInterface): WireState | undefined {
  const ns = wireNamespaceName(ifc.switchPort);
  if (!namespaces().has(ns)) return undefined;
  const pid = pidsInNamespace(ns)[0];
  const lines = pid === undefined ? [] : logLines(wireLogPath(ns));
  const dirs = lines.find((l) => l.type === "start")?.config?.directions;
  const last = lines.filter((l) => l.directions).at(-1)?.directions;
  return {
    namespace: ns,
    ...(pid !== undefined ? { pid } : {}),
    log: wireLogPath(ns),
    egress: dirs?.[0] ? specOfConfig(dirs[0]) : {},
    ingress: dirs?.[1] ? specOfConfig(dirs[1]) : {},
    ...(last?.[0] && last[1] ? { counters: { egress: last[0], ingress: last[1] } } : {}),
  };
}

const whatOf = (host: Host, ifc: TestInterface) => `impair wire of ${host.name} ${ifc.ifname}`;

async function switchMark(lab: Lab): Promise<string> {
  const r = await run(["ip", "-n", lab.switchNamespace, "-j", "link", "show", "lo"]);
  const alias = r.code === 0 ? (JSON.parse(r.stdout) as { ifalias?: string }[])[0]?.ifalias : undefined;
  if (!alias) throw new Error(`the switch namespace ${lab.switchNamespace} carries no lab mark: is lab '${lab.name}' up?`);
  return alias;
}

function segmentOf(lab: Lab, ifc: TestInterface) {
  return lab.segments.find((s) => s.name === ifc.segment)!;
}

/** Why this interface cannot be wired, or undefined. */
export function wireRefusal(lab: Lab, host: Host, ifc: TestInterface): string | undefined {
  if (ifc.queues > 1) return `${host.name} ${ifc.ifname} has ${ifc.queues} queues: the wire engine forwards one queue`;
  const mtu = segmentOf(lab, ifc).mtu;
  if (mtu > WIRE_MAX_MTU) return `${host.name} ${ifc.ifname} is on a network with MTU ${mtu}: the wire engine forwards frames up to MTU ${WIRE_MAX_MTU}`;
  if (!existsSync(WIRE_ENGINE)) return `${WIRE_ENGINE} is not built: run 'bun run build'`;
  return undefined;
}

/** Splits the link: the switch port into the wire namespace, a new veth from there to the bridge. */
export async function buildWire(lab: Lab, host: Host, ifc: TestInterface, rec: WireRecorder): Promise<void> {
  const refused = wireRefusal(lab, host, ifc);
  if (refused) throw new Error(refused);
  const ns = wireNamespaceName(ifc.switchPort);
  const mark = await switchMark(lab);
  const { bridge, mtu } = segmentOf(lab, ifc);
  rec.namespace(ns, 0);
  await runChecked(["ip", "netns", "add", ns], `creating the wire namespace ${ns}`);
  rec.namespace(ns, namespaceInode(ns));
  await runChecked(
    inNs(ns, ["sh", "-c", "echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6; echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6; ip link set lo alias \"$0\" && ip link set lo up", mark]),
    `marking the wire namespace ${ns}`,
  );
  await runChecked(["ip", "-n", lab.switchNamespace, "link", "set", ifc.switchPort, "netns", ns], `moving ${ifc.switchPort} into ${ns}`);
  const batch = [
    `link set ${ifc.switchPort} name ${WIRE_HOST_IF}`,
    `link add ${WIRE_SWITCH_IF} mtu ${mtu} type veth peer name ${ifc.switchPort} mtu ${mtu} netns ${lab.switchNamespace}`,
    `link set ${WIRE_HOST_IF} up`,
    `link set ${WIRE_SWITCH_IF} up`,
  ];
  await runChecked(["ip", "-n", ns, "-batch", "-"], `joining ${ns} to the bridge ${bridge}`, batch.join("\n") + "\n");
  await attachPort(lab, ifc.switchPort, bridge);
}

/** A switch port on its bridge, up, with VLAN tags kept in the frame (as plan.ts sets every port). */
async function attachPort(lab: Lab, port: string, bridge: string): Promise<void> {
  await runChecked(["ip", "-n", lab.switchNamespace, "link", "set", port, "master", bridge, "up"], `attaching ${port} to ${bridge}`);
  await run(inNs(lab.switchNamespace, ["ethtool", "-K", port, "tx-vlan-hw-insert", "off", "tx-vlan-stag-hw-insert", "off"]));
}

/** Joins the link again: the host's veth peer back into the switch under its name, the wire namespace gone. */
export async function removeWire(lab: Lab, host: Host, ifc: TestInterface, rec: WireRecorder): Promise<void> {
  const ns = wireNamespaceName(ifc.switchPort);
  await stopWireEngine(host, ifc, rec);
  if (!namespaces().has(ns)) return;
  // Deleting to-switch deletes its peer, the bridge port standing in for the host's.
  await run(["ip", "-n", ns, "link", "del", WIRE_SWITCH_IF]);
  const back = await run(["ip", "-n", ns, "link", "set", WIRE_HOST_IF, "netns", lab.switchNamespace]);
  if (back.code === 0) {
    await runChecked(["ip", "-n", lab.switchNamespace, "link", "set", WIRE_HOST_IF, "name", ifc.switchPort], `renaming ${WIRE_HOST_IF} back to ${ifc.switchPort}`);
    await attachPort(lab, ifc.switchPort, segmentOf(lab, ifc).bridge);
  }
  await runChecked(["ip", "netns", "del", ns], `removing the wire namespace ${ns}`);
  rec.namespace(ns, undefined);
  rmSync(wireLogPath(ns), { force: true });
}

/** Ends the engine of a wire (every process in its namespace), SIGTERM then SIGKILL after 3 s. */
export async function stopWireEngine(host: Host, ifc: TestInterface, rec: WireRecorder): Promise<void> {
  const ns = wireNamespaceName(ifc.switchPort);
  const procs = pidsInNamespace(ns).map((pid) => ({ pid, start: processStartTime(pid) }));
  const same = (p: { pid: number; start: number | undefined }) => p.start !== undefined && processStartTime(p.pid) === p.start;
  for (const p of procs) if (same(p)) process.kill(p.pid, "SIGTERM");
  const deadline = Date.now() + 3000;
  while (procs.some(same) && Date.now() < deadline) await Bun.sleep(20);
  for (const p of procs) if (same(p)) process.kill(p.pid, "SIGKILL");
  while (procs.some(same)) await Bun.sleep(20);
  rec.process(whatOf(host, ifc), undefined);
}

/** Starts the engine on a built wire with these settings (replacing a running one) and waits for its start line. */
export async function startWireEngine(lab: Lab, host: Host, ifc: TestInterface, egress: Impairment | undefined, ingress: Impairment | undefined, rec: WireRecorder): Promise<void> {
  await stopWireEngine(host, ifc, rec);
  const ns = wireNamespaceName(ifc.switchPort);
  // An engine ended by SIGKILL leaves its af_xdp program attached, and the next engine's socket would not bind:
  // both ends are this wire's own interfaces, so whatever XDP is on them is a dead engine's.
  for (const dev of [WIRE_HOST_IF, WIRE_SWITCH_IF]) await run(["ip", "-n", ns, "link", "set", "dev", dev, "xdp", "off"]);
  mkdirSync(WIRE_LOG_DIR, { recursive: true, mode: 0o755 });
  const log = wireLogPath(ns);
  const cpus = availableParallelism();
  const argv = [
    "ip", "netns", "exec", ns, WIRE_ENGINE,
    "--no-huge", "-m", "256", "--no-pci", "--file-prefix", dpdkFilePrefix(lab.prefix, "wire", ifc.switchPort.slice(lab.prefix.length + 1)),
    // One lcore free to run on any CPU: the wire sleeps when idle and must not be pinned behind a busy-polling engine.
    "--lcores", `0@(0-${cpus - 1})`, "--log-level", "lib.eal:error",
    "--vdev", `net_af_xdp0,iface=${WIRE_HOST_IF}`, "--vdev", `net_af_xdp1,iface=${WIRE_SWITCH_IF}`,
    // SCHED_FIFO: woken when a frame is due, not a time slice later on a busy machine (it sleeps between polls).
    "--", "--role", "impair", "--port", "0", "--port", "1", "--stats-interval", "1", "--rt-priority", "10",
    ...wireArgs(egress, ingress),
  ];
  const fd = openSync(log, "w", 0o644);
  let proc;
  try {
    proc = Bun.spawn(argv, { stdin: "ignore", stdout: fd, stderr: fd });
  } finally {
    closeSync(fd);
  }
  proc.unref();
  const deadline = Date.now() + 20000;
  for (;;) {
    if (logLines(log).some((l) => l.type === "start")) break;
    const exited = proc.exitCode !== null || proc.signalCode !== null;
    if (exited || Date.now() > deadline) {
      const text = existsSync(log) ? readFileSync(log, "utf8") : "";
      // The engine's own line says what failed; the driver's line before it says why.
      const why = text.split("\n").filter((l) => /wirelab-engine:|rror|[Ff]ail|Cannot/.test(l)).slice(-2).join("; ") || (exited ? `exit ${proc.exitCode}` : "no start line in 20 s");
      if (!exited) proc.kill("SIGKILL");
      throw new Error(`the wire engine of ${host.name} ${ifc.ifname} did not start: ${why.trim()} (log ${log})`);
    }
    await Bun.sleep(50);
  }
  const start = processStartTime(proc.pid);
  if (start !== undefined) rec.process(whatOf(host, ifc), { pid: proc.pid, start, what: whatOf(host, ifc) });
}
