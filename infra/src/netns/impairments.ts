// Link impairments on the netns lab. Every impairment sits in the lab's switch
// namespace, never inside a host: a host's own qdiscs, XDP programs and AF_XDP
// sockets (which bypass the host's qdiscs) are left as they are, and removing
// the switch namespace at `down` removes every qdisc, filter, program and ifb.
//   ingress of a host interface (what it receives): the egress of its switch port.
//   egress of a host interface (what it sends): the ingress of its switch port,
//     and for queueing impairments (netem, rate) an ifb the port redirects to.
import { existsSync } from "node:fs";
import { join, relative } from "node:path";
import { IMPAIR_PATHS, unsupportedOn, type ImpairPath } from "../impair-paths.ts";
import type { ImpairPoint, Direction } from "../impair-points.ts";
import { describeImpairment, formatRate, kindsOf, type Impairment } from "../impair-spec.ts";
import type { Lab, TestInterface } from "../lab-model.ts";
import { BUILD_DIR } from "../repo.ts";
import { run, runChecked } from "../process.ts";
import { buildWire, needsWire, readWire, removeWire, startWireEngine, tcPart, wireRefusal, wirePart, WIRE_ENGINE, type WireCounters, type WireRecorder } from "./impair-wire.ts";
import { registryRecorder } from "./wire-recorder.ts";

export const IMPAIR_OBJECT = join(BUILD_DIR, "xdp", "impair.bpf.o");
const IMPAIR_PROG = "wl_impair";
/** Filter preferences on a port's clsact hooks: the impairing program first, then the redirect to the ifb. */
const PREF_BPF = 1;
const PREF_IFB = 2;

export interface PathChoice {
  readonly path?: ImpairPath;
  /** Why this path (or why none): shown by doctor and in refusals. */
  readonly why: string;
}

let detected: Promise<PathChoice> | undefined;

/**
 * The path this machine gets: netem where a throwaway namespace accepts a netem qdisc; else, where it
 * accepts clsact, the BPF classifier, TBF and an ifb, the wire (with those) when the engine is built,
 * tc-bpf when not; WIRELAB_IMPAIR_PATH forces one (to compare them).
 */
export function detectImpairPath(): Promise<PathChoice> {
  detected ??= probe();
  return detected;
}

async function probe(): Promise<PathChoice> {
  const forced = process.env.WIRELAB_IMPAIR_PATH;
  if (forced) {
    if (!(IMPAIR_PATHS as readonly string[]).includes(forced)) return { why: `WIRELAB_IMPAIR_PATH='${forced}' is not one of ${IMPAIR_PATHS.join(", ")}` };
    return { path: forced as ImpairPath, why: "forced by WIRELAB_IMPAIR_PATH" };
  }
  // An anonymous namespace from unshare disappears with its shell: nothing to clean up.
  const netem = await run(["unshare", "-n", "tc", "qdisc", "add", "dev", "lo", "root", "netem", "delay", "1ms"]);
  if (netem.code === 0) return { path: "netem", why: "the kernel has sch_netem" };
  const noNetem = "no sch_netem in this kernel";
  if (!existsSync(IMPAIR_OBJECT)) return { why: `${noNetem}; and ${IMPAIR_OBJECT} is not built (bun run build)` };
  const script = [
    "ip link add wlimp0 type ifb",
    "tc qdisc add dev lo clsact",
    `tc filter add dev lo egress pref ${PREF_BPF} bpf direct-action obj "$0" sec tc`,
    "tc qdisc add dev lo root tbf rate 1mbit burst 4k latency 10ms",
    `tc filter add dev lo ingress pref ${PREF_IFB} u32 match u32 0 0 action mirred egress redirect dev wlimp0`,
  ].join(" && ");
  const bpf = await run(["unshare", "-n", "sh", "-c", script, IMPAIR_OBJECT]);
  if (bpf.code === 0) {
    if (existsSync(WIRE_ENGINE)) return { path: "wire", why: `${noNetem}: delay, jitter and reorder by the engine as a wire` };
    return { path: "tc-bpf", why: `${noNetem}; and ${WIRE_ENGINE} is not built (no wire for delay, jitter, reorder)` };
  }
  return { why: `${noNetem}; and the tc-bpf path fails too: ${bpf.stderr.trim().split("\n")[0] ?? `exit ${bpf.code}`}` };
}

/** Where a point lives in the switch namespace. */
interface Site {
  readonly ns: string;
  readonly port: string;
  /** The ifb that queues what the host sends (egress points only). */
  readonly ifb: string;
  /** The port's clsact hook that sees the point's frames. */
  readonly hook: "egress" | "ingress";
}

/** The ifb of a switch port `<prefix>-h<H>i<I>` is `<prefix>-b<H>i<I>` (as short, in the switch namespace). */
export function ifbName(port: string): string {
  return port.replace(/-h(\d+)i(\d+)$/, "-b$1i$2");
}

/** True for the links impairments add to a lab's switch namespace (so `status` does not call them extra). */
export function isImpairLinkName(prefix: string, name: string): boolean {
  return name.startsWith(`${prefix}-`) && /^b\d+i\d+$/.test(name.slice(prefix.length + 1));
}

function siteOf(lab: Lab, host: string, ifname: string, direction: Direction): Site {
  const h = lab.hosts.find((x) => x.name === host);
  if (!h) throw new Error(`lab '${lab.name}' has no host '${host}' (hosts: ${lab.hosts.map((x) => x.name).join(", ")})`);
  const ifc = h.interfaces.find((i) => i.ifname === ifname);
  if (!ifc) throw new Error(`host '${host}' has no test interface '${ifname}' (it has ${h.interfaces.map((i) => i.ifname).join(", ")})`);
  return { ns: lab.switchNamespace, port: ifc.switchPort, ifb: ifbName(ifc.switchPort), hook: direction === "ingress" ? "egress" : "ingress" };
}

const inNs = (ns: string, argv: string[]) => ["nsenter", `--net=/run/netns/${ns}`, ...argv];

async function tc(site: Site, args: string[], what: string): Promise<string> {
  return runChecked(inNs(site.ns, ["tc", ...args]), what);
}

interface TcFilter {
  kind?: string;
  pref?: number;
  options?: { prog?: { id?: number; name?: string } };
}
interface TcQdisc {
  kind: string;
  root?: boolean;
  options?: Record<string, unknown>;
}

/** What the kernel holds for one point: the program on the hook, the queueing qdisc, the ifb redirect. */
interface SiteState {
  progId?: number;
  redirect: boolean;
  clsact: boolean;
  otherHookFilters: boolean;
  /** The root qdisc that does the point's queueing impairments (tbf or netem), on the port or the ifb. */
  queue?: TcQdisc;
  ifb: boolean;
}

async function jsonOf<T>(argv: string[]): Promise<T[]> {
  const r = await run(argv);
  if (r.code !== 0 || !r.stdout.trim()) return [];
  return JSON.parse(r.stdout) as T[];
}

async function readSite(site: Site): Promise<SiteState> {
  const other = site.hook === "egress" ? "ingress" : "egress";
  const [filters, otherFilters, qdiscs, links] = await Promise.all([
    jsonOf<TcFilter>(inNs(site.ns, ["tc", "-j", "filter", "show", "dev", site.port, site.hook])),
    jsonOf<TcFilter>(inNs(site.ns, ["tc", "-j", "filter", "show", "dev", site.port, other])),
    jsonOf<TcQdisc>(inNs(site.ns, ["tc", "-j", "qdisc", "show", "dev", site.port])),
    jsonOf<{ ifname: string }>(inNs(site.ns, ["ip", "-j", "link", "show", "dev", site.ifb])),
  ]);
  const ifb = links.some((l) => l.ifname === site.ifb);
  const queueOn = site.hook === "egress" ? qdiscs : ifb ? await jsonOf<TcQdisc>(inNs(site.ns, ["tc", "-j", "qdisc", "show", "dev", site.ifb])) : [];
  const queue = queueOn.find((q) => q.root && (q.kind === "tbf" || q.kind === "netem"));
  const prog = filters.find((f) => f.kind === "bpf" && f.options?.prog?.name === IMPAIR_PROG)?.options?.prog?.id;
  return {
    ...(prog !== undefined ? { progId: prog } : {}),
    redirect: filters.some((f) => f.kind === "u32" && f.pref === PREF_IFB),
    clsact: qdiscs.some((q) => q.kind === "clsact"),
    // Filters on the point's own hook that are not the impairment's (queue-keep.ts) keep the clsact too.
    otherHookFilters: otherFilters.some((f) => f.kind !== undefined) || filters.some((f) => f.kind !== undefined && f.pref !== PREF_BPF && f.pref !== PREF_IFB),
    ...(queue ? { queue } : {}),
    ifb,
  };
}

/** netem's arguments for a spec (tc-netem(8)); percentages and times as tc writes them. */
export function netemArgs(spec: Impairment): string[] {
  const a: string[] = ["limit", "10000"];
  if (spec.delay !== undefined) {
    a.push("delay", `${spec.delay}ms`);
    if (spec.jitter !== undefined) a.push(`${spec.jitter}ms`);
    if (spec.distribution !== undefined) a.push("distribution", spec.distribution);
  }
  if (spec.loss !== undefined) a.push("loss", "random", `${spec.loss}%`);
  if (spec.lossBursts) {
    const g = spec.lossBursts;
    a.push("loss", "gemodel", `${g.p}%`, `${g.r}%`, `${g.bad}%`, `${g.good}%`);
  }
  if (spec.corrupt !== undefined) a.push("corrupt", `${spec.corrupt}%`);
  if (spec.duplicate !== undefined) a.push("duplicate", `${spec.duplicate}%`);
  if (spec.reorder) a.push("reorder", `${spec.reorder.percent}%`, ...(spec.reorder.gap ? ["gap", String(spec.reorder.gap)] : []));
  if (spec.rate !== undefined) a.push("rate", `${spec.rate}bit`);
  return a;
}

/** TBF for a rate: a 10 ms bucket (at least a few full frames) and 50 ms of queue. */
export function tbfArgs(rateBps: number): string[] {
  const burst = Math.max(Math.ceil(rateBps / 8 / 100), 4 * 1514);
  return ["tbf", "rate", `${rateBps}bit`, "burst", String(burst), "latency", "50ms"];
}

const U32_MAX = 0xffffffff;
/** A probability in percent as the program's threshold on a 32-bit random number. */
export function threshold(percent: number | undefined): number {
  return Math.min(U32_MAX, Math.round(((percent ?? 0) / 100) * 2 ** 32));
}
const percentOf = (t: number) => +((t / 2 ** 32) * 100).toFixed(4);

/** The program's parameter map value (struct impair_params in xdp/impair.bpf.c), little-endian. */
export function paramsBytes(spec: Impairment, ingressHook: boolean): number[] {
  const ge = spec.lossBursts;
  const words = [
    threshold(ge ? ge.good : spec.loss),
    threshold(ge?.p),
    threshold(ge?.r),
    threshold(ge?.bad),
    threshold(spec.corrupt),
    threshold(spec.duplicate),
    ge ? 1 : 0,
    ingressHook ? 1 : 0,
  ];
  return words.flatMap((w) => [w & 0xff, (w >>> 8) & 0xff, (w >>> 16) & 0xff, (w >>> 24) & 0xff]);
}

interface ProgMaps {
  params?: number;
  stats?: number;
}

async function progMaps(progId: number): Promise<ProgMaps> {
  const prog = JSON.parse(await runChecked(["bpftool", "-j", "prog", "show", "id", String(progId)], `bpftool prog show id ${progId}`)) as { map_ids?: number[] };
  const out: ProgMaps = {};
  for (const id of prog.map_ids ?? []) {
    const m = JSON.parse(await runChecked(["bpftool", "-j", "map", "show", "id", String(id)], `bpftool map show id ${id}`)) as { name: string };
    if (m.name === "impair_params") out.params = id;
    if (m.name === "impair_stats") out.stats = id;
  }
  return out;
}

const KEY0 = ["key", "hex", "00", "00", "00", "00"];
const hex = (bytes: number[]) => bytes.map((b) => b.toString(16).padStart(2, "0"));

async function ensureClsact(site: Site): Promise<void> {
  const r = await run(inNs(site.ns, ["tc", "qdisc", "add", "dev", site.port, "clsact"]));
  if (r.code !== 0 && !/File exists|Exclusivity flag on/.test(r.stderr)) throw new Error(`adding clsact on ${site.port} failed: ${r.stderr.trim().split("\n")[0]}`);
}

/** The ifb that queues what the host sends, with the port's ingress redirected to it. */
async function ensureIfb(site: Site, state: SiteState): Promise<void> {
  if (!state.ifb) {
    await runChecked(inNs(site.ns, ["ip", "link", "add", site.ifb, "type", "ifb"]), `creating ifb ${site.ifb}`);
    await runChecked(inNs(site.ns, ["ip", "link", "set", site.ifb, "up"]), `setting ${site.ifb} up`);
  }
  if (!state.redirect) {
    await ensureClsact(site);
    await tc(site, ["filter", "add", "dev", site.port, "ingress", "pref", String(PREF_IFB), "u32", "match", "u32", "0", "0", "action", "mirred", "egress", "redirect", "dev", site.ifb], `redirecting ${site.port} to ${site.ifb}`);
  }
}

async function dropIfb(site: Site, state: SiteState): Promise<void> {
  if (state.redirect) await tc(site, ["filter", "del", "dev", site.port, "ingress", "pref", String(PREF_IFB)], `removing the redirect on ${site.port}`);
  if (state.ifb) await runChecked(inNs(site.ns, ["ip", "link", "del", site.ifb]), `removing ifb ${site.ifb}`);
}

/** Sets the queueing part (a netem or tbf root qdisc, or none) where the point's frames queue. */
async function setQueue(site: Site, state: SiteState, qdisc: string[] | undefined): Promise<void> {
  if (site.hook === "egress") {
    if (qdisc) await tc(site, ["qdisc", "replace", "dev", site.port, "root", ...qdisc], `setting ${qdisc[0]} on ${site.port}`);
    else if (state.queue) await tc(site, ["qdisc", "del", "dev", site.port, "root"], `removing ${state.queue.kind} from ${site.port}`);
    return;
  }
  if (qdisc) {
    await ensureIfb(site, state);
    await tc(site, ["qdisc", "replace", "dev", site.ifb, "root", ...qdisc], `setting ${qdisc[0]} on ${site.ifb}`);
  } else await dropIfb(site, state);
}

async function setProgram(site: Site, state: SiteState, spec: Impairment | undefined): Promise<void> {
  if (!spec) {
    if (state.progId !== undefined) await tc(site, ["filter", "del", "dev", site.port, site.hook, "pref", String(PREF_BPF)], `removing the impairing program from ${site.port}`);
    return;
  }
  let progId = state.progId;
  if (progId === undefined) {
    if (!existsSync(IMPAIR_OBJECT)) throw new Error(`${IMPAIR_OBJECT} is not built: run 'bun run build'`);
    await ensureClsact(site);
    await tc(site, ["filter", "add", "dev", site.port, site.hook, "pref", String(PREF_BPF), "bpf", "direct-action", "obj", IMPAIR_OBJECT, "sec", "tc"], `attaching the impairing program to ${site.port} ${site.hook}`);
    progId = (await readSite(site)).progId;
    if (progId === undefined) throw new Error(`the impairing program is not on ${site.port} ${site.hook} after attaching it`);
  }
  const maps = await progMaps(progId);
  if (maps.params === undefined) throw new Error(`program ${progId} on ${site.port} has no impair_params map`);
  // A running program takes new parameters at its next frame; the Gilbert-Elliott state carries on.
  await runChecked(["bpftool", "map", "update", "id", String(maps.params), ...KEY0, "value", "hex", ...hex(paramsBytes(spec, site.hook === "ingress"))], `setting the parameters of program ${progId}`);
}

const needsProgram = (s: Impairment) => s.loss !== undefined || s.lossBursts !== undefined || s.corrupt !== undefined || s.duplicate !== undefined;

/** Makes one point carry exactly `spec` (empty: nothing) on `path`, changing what is already there in place. */
async function reconcile(path: ImpairPath, site: Site, spec: Impairment): Promise<void> {
  const state = await readSite(site);
  if (path === "netem") {
    const any = describeImpairment(spec) !== "none";
    if (state.progId !== undefined) await setProgram(site, state, undefined);
    await setQueue(site, state, any ? ["netem", ...netemArgs(spec)] : undefined);
  } else {
    // tc-bpf, or the wire's tc part (the caller passes what is left once the wire took its part)
    await setProgram(site, state, needsProgram(spec) ? spec : undefined);
    await setQueue(site, state, spec.rate !== undefined ? tbfArgs(spec.rate) : undefined);
  }
  const after = await readSite(site);
  if (after.clsact && after.progId === undefined && !after.redirect && !after.otherHookFilters) {
    await tc(site, ["qdisc", "del", "dev", site.port, "clsact"], `removing clsact from ${site.port}`);
  }
}

export interface PointState {
  readonly host: string;
  readonly ifname: string;
  readonly direction: Direction;
  /** What the kernel holds, read back: the program's parameters, the qdisc and its options (and the wire engine's settings). */
  readonly applied: string;
  /** The kernel objects (and the wire engine) carrying it. */
  readonly objects: string[];
  /** The program's own counts (tc-bpf): frames seen, dropped, corrupted, duplicated. */
  readonly counters?: { seen: number; dropped: number; corrupted: number; duplicated: number };
  /** The wire engine's counts for this direction (wire path). */
  readonly wire?: WireCounters;
}

interface MapLookup {
  formatted?: { value?: Record<string, number> };
}
interface PercpuEntry {
  key: string[];
  values: { cpu: number; value: string[] }[];
}

const u64le = (bytes: string[]) => bytes.reduce((acc, b, i) => acc + Number.parseInt(b, 16) * 2 ** (8 * i), 0);

/** The program's parameters read back as a spec (percentages as the thresholds give them). */
async function programSpec(progId: number): Promise<Impairment> {
  const maps = await progMaps(progId);
  if (maps.params === undefined) return {};
  const v = (JSON.parse(await runChecked(["bpftool", "-j", "map", "lookup", "id", String(maps.params), ...KEY0], "reading impair_params")) as MapLookup).formatted?.value;
  if (!v) return {};
  return {
    ...(v.flags! & 1 ? { lossBursts: { p: percentOf(v.ge_p!), r: percentOf(v.ge_r!), bad: percentOf(v.ge_bad!), good: percentOf(v.loss!) } } : v.loss ? { loss: percentOf(v.loss) } : {}),
    ...(v.corrupt ? { corrupt: percentOf(v.corrupt) } : {}),
    ...(v.duplicate ? { duplicate: percentOf(v.duplicate) } : {}),
  };
}

/** What tc holds at a point (program and TBF), as a spec: kept across a wire being made or removed. */
async function tcSpecOf(site: Site): Promise<Impairment> {
  const state = await readSite(site);
  const prog = state.progId !== undefined ? await programSpec(state.progId) : {};
  return { ...prog, ...(state.queue?.kind === "tbf" ? { rate: Number(state.queue.options?.rate ?? 0) * 8 } : {}) };
}

/** The point as the kernel holds it, or undefined when nothing impairs it. */
async function describeSite(site: Site, host: string, ifname: string, direction: Direction): Promise<PointState | undefined> {
  const state = await readSite(site);
  if (state.progId === undefined && !state.queue) return undefined;
  const parts: string[] = [];
  const objects: string[] = [];
  let counters: PointState["counters"];
  if (state.progId !== undefined) {
    objects.push(`bpf program ${state.progId} (${IMPAIR_PROG}) on ${site.port} ${site.hook}`);
    const v = await programSpec(state.progId);
    const g = v.lossBursts;
    if (g) parts.push(`loss bursts p=${g.p}% r=${g.r}% bad=${g.bad}% good=${g.good}%`);
    else if (v.loss) parts.push(`loss ${v.loss}%`);
    if (v.corrupt) parts.push(`corrupt ${v.corrupt}%`);
    if (v.duplicate) parts.push(`duplicate ${v.duplicate}%`);
    const maps = await progMaps(state.progId);
    if (maps.stats !== undefined) {
      const entries = JSON.parse(await runChecked(["bpftool", "-j", "map", "dump", "id", String(maps.stats)], "reading impair_stats")) as PercpuEntry[];
      const sum = (k: number) => entries.filter((e) => u64le(e.key) === k).flatMap((e) => e.values).reduce((a, c) => a + u64le(c.value), 0);
      counters = { seen: sum(0), dropped: sum(1), corrupted: sum(2), duplicated: sum(3) };
    }
  }
  if (state.queue) {
    const dev = site.hook === "egress" ? site.port : site.ifb;
    objects.push(`${state.queue.kind} qdisc on ${dev}${site.hook === "ingress" ? ` (ifb; ${site.port} ingress redirects to it)` : ""}`);
    if (state.queue.kind === "tbf") parts.push(`rate ${formatRate(Number(state.queue.options?.rate ?? 0) * 8)}`);
    else parts.push(`netem ${JSON.stringify(state.queue.options ?? {})}`);
  }
  return { host, ifname, direction, applied: parts.join(" ") || "none", objects, ...(counters ? { counters } : {}) };
}

/** A point with the wire's part (the engine's own settings and counts) added to what tc holds. */
async function describePoint(lab: Lab, host: string, ifname: string, direction: Direction, wire = readWire(ifcOf(lab, host, ifname))): Promise<PointState | undefined> {
  const tcState = await describeSite(siteOf(lab, host, ifname, direction), host, ifname, direction);
  const spec = wire?.[direction];
  const wired = spec !== undefined && describeImpairment(spec) !== "none";
  if (!wired) return tcState;
  const w = `wire: ${describeImpairment(spec)}`;
  const engine = `wire engine${wire!.pid !== undefined ? ` pid ${wire!.pid}` : " (not running)"} in namespace ${wire!.namespace} (log ${wire!.log})`;
  return {
    host,
    ifname,
    direction,
    applied: tcState ? `${w}; ${tcState.applied}` : w,
    objects: [engine, ...(tcState?.objects ?? [])],
    ...(tcState?.counters ? { counters: tcState.counters } : {}),
    ...(wire!.counters ? { wire: wire!.counters[direction] } : {}),
  };
}

function ifcOf(lab: Lab, host: string, ifname: string): TestInterface {
  siteOf(lab, host, ifname, "egress"); // the one-line errors for an unknown host or interface
  return lab.hosts.find((h) => h.name === host)!.interfaces.find((i) => i.ifname === ifname)!;
}

/** Every impaired point of a running lab, as the kernel (and the wire engines) hold it. */
export async function readImpairments(lab: Lab): Promise<PointState[]> {
  const out: PointState[] = [];
  for (const h of lab.hosts) {
    for (const i of h.interfaces) {
      const wire = readWire(i);
      for (const direction of ["egress", "ingress"] as const) {
        const s = await describePoint(lab, h.name, i.ifname, direction, wire);
        if (s) out.push(s);
      }
    }
  }
  return out;
}

export interface AppliedPoint {
  readonly host: string;
  readonly ifname: string;
  readonly direction: Direction;
  readonly asked: string;
  readonly applied: string;
  readonly objects: string[];
}

/** The path for these points, or a one-line refusal naming the first impairment it cannot do. */
export async function choosePath(points: readonly ImpairPoint[], lab?: Lab): Promise<ImpairPath> {
  const choice = await detectImpairPath();
  if (!choice.path) throw new Error(`${points[0]?.source ?? "impair"}: no impairment path on this machine: ${choice.why}`);
  const refused = unsupportedOn(choice.path, points, choice.why);
  if (refused) throw new Error(refused);
  if (choice.path === "wire" && lab) {
    for (const p of points.filter((x) => needsWire(x.spec))) {
      const host = lab.hosts.find((h) => h.name === p.host);
      const ifc = host?.interfaces.find((i) => i.ifname === p.ifname);
      const why = host && ifc ? wireRefusal(lab, host, ifc) : undefined;
      if (why) throw new Error(`${p.source}: ${kindsOf(p.spec).filter((k) => ["delay", "jitter", "reorder"].includes(k)).join(", ")} not possible here: ${why}`);
    }
  }
  return choice.path;
}

const sameSpec = (a: Impairment, b: Impairment) => describeImpairment(a) === describeImpairment(b);

/**
 * The wire path on one host interface: the wire engine for delay, jitter and reorder (made,
 * restarted with new settings, or removed), tc for the rest. Directions not asked keep theirs.
 */
async function applyWire(lab: Lab, hostName: string, ifname: string, asked: Partial<Record<Direction, Impairment>>, rec: WireRecorder): Promise<void> {
  const host = lab.hosts.find((h) => h.name === hostName)!;
  const ifc = ifcOf(lab, hostName, ifname);
  const sites = { egress: siteOf(lab, hostName, ifname, "egress"), ingress: siteOf(lab, hostName, ifname, "ingress") };
  const wire = readWire(ifc);
  const current = { egress: wire?.egress ?? {}, ingress: wire?.ingress ?? {} };
  const want = {
    egress: asked.egress ? wirePart(asked.egress) : current.egress,
    ingress: asked.ingress ? wirePart(asked.ingress) : current.ingress,
  };
  const need = needsWire(want.egress) || needsWire(want.ingress);
  const tcWant: Partial<Record<Direction, Impairment>> = {
    ...(asked.egress ? { egress: tcPart(asked.egress) } : {}),
    ...(asked.ingress ? { ingress: tcPart(asked.ingress) } : {}),
  };
  if (need !== (wire !== undefined)) {
    // tc's objects sit on the switch port being replaced: read them back, clear them, set them again after.
    for (const d of ["egress", "ingress"] as const) {
      tcWant[d] ??= await tcSpecOf(sites[d]);
      await reconcile("tc-bpf", sites[d], {});
    }
    if (need) {
      try {
        await buildWire(lab, host, ifc, rec);
        await startWireEngine(lab, host, ifc, want.egress, want.ingress, rec);
      } catch (err) {
        // The link stays whole: no half-made wire without its engine.
        await removeWire(lab, host, ifc, rec).catch(() => {});
        for (const d of ["egress", "ingress"] as const) await reconcile("tc-bpf", sites[d], tcWant[d]!).catch(() => {});
        throw err;
      }
    } else await removeWire(lab, host, ifc, rec);
  } else if (need && (wire!.pid === undefined || !sameSpec(want.egress, current.egress) || !sameSpec(want.ingress, current.ingress))) {
    await startWireEngine(lab, host, ifc, want.egress, want.ingress, rec);
  }
  for (const d of ["egress", "ingress"] as const) if (tcWant[d]) await reconcile("wire", sites[d], tcWant[d]!);
}

/** Sets each point to its spec (an empty spec clears it) and reads back what the kernel holds. */
export async function applyImpairments(lab: Lab, points: readonly ImpairPoint[], rec: WireRecorder = registryRecorder(lab)): Promise<{ path: ImpairPath; points: AppliedPoint[] }> {
  const path = await choosePath(points.filter((p) => describeImpairment(p.spec) !== "none"), lab);
  const out: AppliedPoint[] = [];
  if (path === "wire") {
    const byIf = new Map<string, Partial<Record<Direction, Impairment>>>();
    for (const p of points) {
      ifcOf(lab, p.host, p.ifname);
      const key = `${p.host}\u0000${p.ifname}`;
      byIf.set(key, { ...byIf.get(key), [p.direction]: p.spec });
    }
    for (const [key, asked] of byIf) {
      const [host, ifname] = key.split("\u0000") as [string, string];
      await applyWire(lab, host, ifname, asked, rec);
    }
  } else {
    for (const p of points) await reconcile(path, siteOf(lab, p.host, p.ifname, p.direction), p.spec);
  }
  for (const p of points) {
    const now = await describePoint(lab, p.host, p.ifname, p.direction);
    out.push({ host: p.host, ifname: p.ifname, direction: p.direction, asked: describeImpairment(p.spec), applied: now?.applied ?? "none", objects: now?.objects ?? [] });
  }
  return { path, points: out };
}

/**
 * The `up` hook: refuses, before anything is built, impairments the machine cannot do;
 * `apply` then sets the lab file's impairments once the switch namespace exists (a wire's
 * namespace and engine go into the lab's record through `rec`).
 */
export async function planLabImpairments(lab: Lab, labFile?: string): Promise<{ apply(rec?: WireRecorder): Promise<void> }> {
  if (lab.impairments.length === 0) return { apply: async () => {} };
  try {
    await choosePath(lab.impairments, lab);
  } catch (err) {
    throw labFile ? new Error(`${relative(process.cwd(), labFile) || labFile}: ${(err as Error).message}`) : err;
  }
  return {
    apply: async (rec?: WireRecorder) => {
      await applyImpairments(lab, lab.impairments, rec);
    },
  };
}
