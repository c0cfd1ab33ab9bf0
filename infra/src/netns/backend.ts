// The embedded default backend: hosts are network namespaces, links are veth
// pairs into prefixed Linux bridges, the management bridge reaches every host.
// It touches only what it made: every object goes into the lab's record as it
// is made and carries the lab's mark (ownership.ts); `down` removes exactly that.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Inventory } from "../inventory.ts";
import { cidrsOverlap, parseCidr, type Cidr } from "../ipv4.ts";
import type { Lab } from "../lab-model.ts";
import { awaitIpv6Ready, hostIpv6Drift } from "./ipv6-host.ts";
import { withFileLock } from "./file-lock.ts";
import { claimPrefix, releasePrefix, type RegisteredLab } from "./lab-registry.ts";
import { netnsInventory } from "./netns-inventory.ts";
import { labIdOf, labMark, newRecord, OwnershipError, PENDING, readRecord, removeRecord, writeRecord, type OwnershipRecord, type RecordedProcess } from "./ownership.ts";
import { pinEntries, removePins } from "./pins.ts";
import { expectedSwitchLinks, hostSetups, labNamespaces, rootBatch, switchSetup, teardownBatch, type LiveState } from "./plan.ts";
import type { SshFiles } from "./sshd.ts";
import { foreignLine, namespaceLinks, recordLive, sortedForeign, survey, surveyNamespaces, surveyRootLinks, type NamespaceLink, type Survey } from "./survey.ts";
import { linkIsUp, namespaceInode, namespaces, pidsInNamespaces, processStartTime, rootLinkIdentity, rootLinks, rootRoutes } from "./system.ts";
import { run, which, type RunResult } from "../process.ts";
// What only one of up, down or status uses (sshd, wires, queues, DPDK runtime files) is imported where it is
// used, once that action has its first process running: a `lab` command is a process of its own, and loading
// a module costs it about a millisecond, on the path users wait for unless a kernel operation runs meanwhile.

export { BPF_PIN_ROOT } from "./pins.ts";
export { netnsInventory } from "./netns-inventory.ts";

/** Where a lab's state lives and which file it is: the file is the lab's identity (two files may share a name). */
export interface LabOptions {
  /** Directory for this lab's runtime state (keys, pid files, inventory, the record of what it made). */
  readonly stateDir: string;
  readonly labFile?: string;
}

export interface UpOptions extends LabOptions {
  /** Start an OpenSSH server on each host and put SSH transports in the inventory. */
  readonly ssh?: boolean;
  readonly labSha256?: string;
  readonly onProgress?: (message: string) => void;
}

export interface StatusReport {
  readonly lab: string;
  readonly backend: Inventory["backend"];
  readonly state: "up" | "down" | "degraded";
  /** Objects the lab should have and does not, each a short phrase naming the object and what it is for. */
  readonly missing: string[];
  /** Objects this lab made (its record or mark) that the lab file does not describe. */
  readonly extra: string[];
  /** `ipv6`: the global IPv6 addresses found on the host's test interfaces, where the lab has IPv6. */
  readonly hosts: { name: string; present: boolean; ssh?: boolean; ipv6?: { ifname: string; address: string }[] }[];
}

export interface DownReport {
  readonly removed: string[];
  readonly processesStopped: number[];
  /** Objects named like the lab's that are not its own, each "what: why", left untouched. */
  readonly leftAlone: string[];
}

export function inventoryPath(stateDir: string): string {
  return join(stateDir, "inventory.json");
}

/** The lab model `up` built, with the file and digest it came from: what `down` removes, without reading the file again. */
export interface BuiltLab {
  readonly file: string;
  readonly sha256: string;
  readonly lab: Lab;
}

export function builtLabPath(stateDir: string): string {
  return join(stateDir, "lab.json");
}

async function liveState(lab: Lab): Promise<LiveState & { switchDetail: NamespaceLink[] }> {
  const ns = namespaces();
  const switchDetail = ns.has(lab.switchNamespace) ? await namespaceLinks(lab.switchNamespace) : [];
  return { rootLinks: rootLinks(), namespaces: ns, switchLinks: new Set(switchDetail.map((l) => l.ifname)), switchDetail };
}

/** Root, tools and a free management subnet: checked before anything is created. */
export function preflight(lab: Lab): void {
  if (process.getuid?.() !== 0) throw new Error("the netns lab needs root (namespaces, veths, bridges): run as root or with sudo");
  if (!existsSync("/proc/self/ns/net")) throw new Error("this kernel has no network namespaces (/proc/self/ns/net missing)");
  for (const tool of ["ip", "nsenter", "ethtool"]) {
    if (!which(tool)) throw new Error(`'${tool}' not found: run images/provision.sh (Debian packages iproute2, util-linux, ethtool)`);
  }
  const mgmt = parseCidr(lab.management.subnet) as Cidr;
  for (const route of rootRoutes()) {
    if (route.iface === lab.management.uplink || route.iface === lab.management.bridge || route.prefixLen === 0) continue;
    if (cidrsOverlap(mgmt, { network: route.network, prefixLen: route.prefixLen })) {
      throw new Error(
        `management subnet ${lab.management.subnet} of lab '${lab.name}' overlaps a route on ${route.iface}; set management.subnet in the lab file`,
      );
    }
  }
}

async function ipBatch(lines: readonly string[], what: string, namespace?: string, preamble?: string, alongside: readonly string[] = []): Promise<void> {
  if (lines.length === 0) return;
  // What runs alongside the batch goes in the background and is waited for; the batch's status is the setup's.
  const batch = alongside.length > 0 ? `${alongside.map((c) => `${c} &`).join(" ")} ip -batch -; rc=$?; wait; exit $rc` : "exec ip -batch -";
  const argv = namespace ? ["nsenter", `--net=/run/netns/${namespace}`, "sh", "-c", `${preamble ? `${preamble}; ` : ""}${batch}`] : ["ip", "-batch", "-"];
  const r = await run(argv, lines.join("\n") + "\n");
  if (r.code === 0) return;
  // ip names the failing line as "Command failed -:N"; show that line rather than a number.
  const n = /Command failed -:(\d+)/.exec(r.stderr)?.[1];
  const reason = r.stderr.split("\n").find((l) => l.trim() && !l.startsWith("Command failed")) ?? r.stderr.trim();
  throw new Error(`${what}: '${n ? lines[Number(n) - 1] : "?"}' failed: ${reason.trim()}`);
}

/** One `up` or `down` at a time per lab: a kernel lock (flock), gone with its holder, so there is nothing stale to take over. */
function withLabLock<T>(lab: Lab, stateDir: string, body: () => Promise<T>): Promise<T> {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  return withFileLock(
    join(stateDir, "lock"),
    (pid) => `another wirelab process${pid ? ` (pid ${pid})` : ""} is bringing lab '${lab.name}' up or down; wait for it or end it`,
    body,
  );
}

/** The lab's record, or a fresh one; refuses when the state belongs to another lab file with the same name that is still up. */
function recordFor(lab: Lab, options: LabOptions, labId: string): OwnershipRecord {
  const record = readRecord(options.stateDir);
  if (record && record.labId !== labId) {
    if (recordLive(record)) throw nameInUse(lab, record.file, record.labId);
    return newRecord(labId, lab, options.labFile);
  }
  return record ?? newRecord(labId, lab, options.labFile);
}

function nameInUse(lab: Lab, file: string | undefined, labId: string): Error {
  return new Error(`lab name '${lab.name}' is already used by ${file ?? "another lab"} (lab id ${labId}), which is up; bring that lab down or give this one another name`);
}

/** A registered lab is up while what its record names exists (a lab of older code has no record: its switch namespace says). */
function registeredLabLive(other: RegisteredLab): boolean {
  try {
    const record = readRecord(other.stateDir);
    if (record?.labId === other.labId) return recordLive(record);
  } catch {
    // An unreadable record: judge by the kernel.
  }
  return namespaces().has(`${other.prefix}-sw`);
}

function writeFileAtomic(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600 });
  renameSync(tmp, path);
}

/**
 * The root links' removal, done once the kernel no longer lists them: their names are free and nothing can
 * reach them, as with a namespace after `netns del`. `ip` itself exits only when the kernel has also freed
 * them, after further RCU grace periods (another 10-25 ms, which would be most of `down`); that is left to it.
 * Its result, when it exits first (an error), is what the caller gets.
 */
async function untilUnlisted(removal: Promise<RunResult>, links: readonly string[]): Promise<RunResult | undefined> {
  let exited = false;
  const result = removal.finally(() => (exited = true));
  while (!exited && links.some((l) => rootLinkIdentity(l) !== undefined)) await Promise.race([result, Bun.sleep(1)]);
  return exited ? result : undefined;
}

/** Ends processes by PID, each only while that PID is still the process recorded (same start time). */
async function stopProcesses(procs: readonly RecordedProcess[]): Promise<number[]> {
  const same = (p: RecordedProcess) => processStartTime(p.pid) === p.start;
  const signal = (p: RecordedProcess, sig: NodeJS.Signals) => {
    try {
      if (same(p)) process.kill(p.pid, sig);
    } catch {
      // Already gone.
    }
  };
  const targets = procs.filter(same);
  for (const p of targets) signal(p, "SIGTERM");
  const deadline = Date.now() + 2000;
  while (targets.some(same) && Date.now() < deadline) await Bun.sleep(20);
  for (const p of targets) signal(p, "SIGKILL");
  // A killed process still holds its sockets and namespace until the kernel has torn it down: wait for that
  // (a zombie counts as ended), so the namespaces are deleted empty and a caller sees no live PID after down.
  const killDeadline = Date.now() + 2000;
  while (targets.some(same) && Date.now() < killDeadline) await Bun.sleep(20);
  return targets.map((p) => p.pid);
}

/** Before the root batch: what it will make, as PENDING, so a kill while `ip` runs strands nothing. */
function recordIntent(record: OwnershipRecord, lab: Lab, existedBefore: ReadonlySet<string>, own: Survey): void {
  // What exists was judged before: only ours is named (it may carry our mark but be missing from a lost record).
  for (const ns of labNamespaces(lab)) if (!existedBefore.has(ns) || own.namespaces.has(ns)) record.namespaces[ns] ??= PENDING;
  const uplink = lab.management.uplink;
  if (!existedBefore.has(uplink) || own.rootLinks.includes(uplink)) record.rootLinks[uplink] ??= PENDING;
}

function recordEmpty(record: OwnershipRecord): boolean {
  return Object.keys(record.namespaces).length + Object.keys(record.rootLinks).length + record.processes.length === 0;
}

/** After it: the kernel identity of what exists now (made by this up, or judged ours before); intents that failed are dropped. */
function recordMade(record: OwnershipRecord, lab: Lab): void {
  for (const ns of labNamespaces(lab)) {
    if (record.namespaces[ns] === undefined) continue;
    const inode = namespaceInode(ns);
    if (inode === undefined) delete record.namespaces[ns];
    else record.namespaces[ns] = inode;
  }
  const uplink = lab.management.uplink;
  if (record.rootLinks[uplink] !== undefined) {
    const seen = rootLinkIdentity(uplink);
    if (seen) record.rootLinks[uplink] = seen.ifindex;
    else delete record.rootLinks[uplink];
  }
}

export class NetnsBackend {
  up(lab: Lab, options: UpOptions): Promise<Inventory> {
    preflight(lab);
    const labId = labIdOf(options.labFile, options.stateDir);
    return withLabLock(lab, options.stateDir, async () => {
      const record = recordFor(lab, options, labId);
      await claimPrefix({ labId, name: lab.name, prefix: lab.prefix, ...(options.labFile ? { file: options.labFile } : {}), stateDir: resolve(options.stateDir) }, registeredLabLive);
      writeRecord(options.stateDir, record);
      try {
        return await this.build(lab, options, record, labId);
      } catch (err) {
        // Refused or failed before making anything: leave no claim on the prefix behind.
        if (recordEmpty(record)) {
          removeRecord(options.stateDir);
          releasePrefix(labId, lab.prefix);
        }
        throw err;
      }
    });
  }

  private async build(lab: Lab, options: UpOptions, record: OwnershipRecord, labId: string): Promise<Inventory> {
    const mark = labMark(labId);
    const progress = options.onProgress ?? (() => {});
    // Refused impairments refuse the lab before anything is made. impairments.ts (tc, BPF, wires) is
    // loaded only for a lab that has some: most labs have none, and it is a fair part of what `up` loads.
    const impairments = lab.impairments.length === 0 ? undefined : await (await import("./impairments.ts")).planLabImpairments(lab, options.labFile);
    const before = await survey(lab, record, labId);
    const names = new Set([...labNamespaces(lab), lab.management.uplink]);
    const taken = before.foreign.filter((f) => names.has(f.name));
    if (taken.length > 0) {
      throw new OwnershipError(
        `lab '${lab.name}' not brought up: ${taken.map((f) => `${f.kind} ${f.name}`).join(", ")} exist${taken.length === 1 ? "s" : ""} and ${taken.length === 1 ? "is" : "are"} not its own`,
        taken.map((f) => `${f.kind} ${f.name}: ${f.why}; not adopted`),
      );
    }
    const live = await liveState(lab);
    recordIntent(record, lab, new Set([...live.namespaces, ...live.rootLinks]), before);
    writeRecord(options.stateDir, record);
    const rootMade = ipBatch(rootBatch(lab, live, mark), `creating lab '${lab.name}' in the root namespace`);
    const later = Promise.all([import("./queue-keep.ts"), options.ssh ? import("./sshd.ts") : undefined, impairments && import("./wire-recorder.ts")]);
    // Handled below, after the record is brought up to date; not left to fail the process meanwhile.
    later.catch(() => {});
    try {
      await rootMade;
    } finally {
      // Also when the batch failed half-way: `down` then removes what it did make.
      recordMade(record, lab);
      writeRecord(options.stateDir, record);
    }
    progress(`namespaces and veths for ${lab.hosts.length} hosts`);
    await Promise.all(
      [switchSetup(lab, live, mark), ...hostSetups(lab, mark)].map((s) =>
        ipBatch(s.batch, s.name === "switch" ? "setting up the lab's switch" : `configuring host '${s.name}'`, s.namespace, s.preamble, s.alongside),
      ),
    );
    await awaitIpv6Ready(lab);
    progress("addresses and routes set");
    const [{ keepQueues }, sshd, wireRecorder] = await later;
    await keepQueues(lab);
    if (impairments && wireRecorder) {
      // A wire (impair-wire.ts) is a namespace and a process of the lab's: into its record as they are made.
      const wires = wireRecorder.recordWireChange(record);
      await impairments.apply({
        namespace: (name, inode) => (wires.namespace(name, inode), writeRecord(options.stateDir, record)),
        process: (what, proc) => (wires.process(what, proc), writeRecord(options.stateDir, record)),
      });
    }
    let ssh: { clientKey: string; fingerprints: Map<string, string> } | undefined;
    if (sshd) {
      const { prepareSshFiles, sshdPid, startSshd } = sshd;
      const files = await prepareSshFiles(options.stateDir, lab.name);
      const prints = await Promise.all(lab.hosts.map((h) => startSshd(files, h)));
      for (const host of lab.hosts) {
        const pid = await sshdPid(files, host);
        const start = processStartTime(pid);
        const what = `sshd of host '${host.name}'`;
        record.processes = record.processes.filter((p) => p.what !== what);
        if (start !== undefined) record.processes.push({ pid, start, what });
      }
      writeRecord(options.stateDir, record);
      ssh = { clientKey: files.clientKey, fingerprints: new Map(lab.hosts.map((h, i) => [h.name, prints[i]!])) };
      progress(`sshd on ${lab.hosts.length} hosts`);
    }
    const inventory = netnsInventory(lab, {
      ...(options.labFile ? { labFile: options.labFile } : {}),
      ...(options.labSha256 ? { labSha256: options.labSha256 } : {}),
      ...(ssh ? { ssh } : {}),
    });
    writeFileAtomic(inventoryPath(options.stateDir), JSON.stringify(inventory, null, 2) + "\n");
    if (options.labFile && options.labSha256) {
      const built: BuiltLab = { file: options.labFile, sha256: options.labSha256, lab };
      writeFileAtomic(builtLabPath(options.stateDir), JSON.stringify(built) + "\n");
    }
    return inventory;
  }

  down(lab: Lab, options: LabOptions): Promise<DownReport> {
    if (process.getuid?.() !== 0) return Promise.reject(new Error("removing the netns lab needs root: run as root or with sudo"));
    const labId = labIdOf(options.labFile, options.stateDir);
    return withLabLock(lab, options.stateDir, async () => {
      const record = recordFor(lab, options, labId);
      // The root links go first, and the rest is surveyed, stopped and removed meanwhile: the kernel takes
      // a grace period (some 20 ms) to delete a link, most of what `down` would otherwise wait for.
      const roots = surveyRootLinks(lab, record, labId);
      const rootsRemoved = roots.own.length > 0 ? run(["ip", "-force", "-batch", "-"], teardownBatch(roots.own, []).join("\n") + "\n") : undefined;
      const spaces = await surveyNamespaces(lab, record, labId);
      const own: Survey = { namespaces: spaces.own, rootLinks: roots.own, foreign: sortedForeign([...spaces.foreign, ...roots.foreign]) };
      // Processes the lab started (sshd), and whatever runs inside its own namespaces (engines a killed run left):
      // each taken by PID and start time now, and signalled only while still that process.
      const procs = new Map<number, RecordedProcess>(record.processes.map((p) => [p.pid, p]));
      for (const [ns, pids] of pidsInNamespaces(own.namespaces.keys())) {
        for (const pid of pids) {
          const start = processStartTime(pid);
          if (pid !== process.pid && start !== undefined && !procs.has(pid)) procs.set(pid, { pid, start, what: `process in ${ns}` });
        }
      }
      const stopped = await stopProcesses([...procs.values()]);
      await listPinnedLinks(own);
      removePins(pinDevices(lab, record, own));
      const owned = [...own.namespaces.keys()];
      const spacesRemoved = owned.length > 0 ? run(["ip", "-force", "-batch", "-"], teardownBatch([], owned).join("\n") + "\n") : undefined;
      // Files of processes already stopped, which need none of the namespaces: removed while they go.
      const [{ removeStaleDpdkFiles }, { removeWireLogs }, { sshdPidFile }] = await Promise.all([import("../dpdk-runtime.ts"), import("./wire-names.ts"), import("./sshd.ts")]);
      removeStaleDpdkFiles(lab.prefix);
      removeWireLogs(lab.prefix);
      const stderr = (await Promise.all([rootsRemoved && untilUnlisted(rootsRemoved, roots.own), spacesRemoved]))
        .map((r) => r?.stderr.trim() ?? "")
        .filter(Boolean)
        .join("\n");
      const left = [
        ...owned.filter((ns) => namespaces().has(ns)).map((ns) => `netns ${ns}`),
        ...own.rootLinks.filter((l) => rootLinkIdentity(l) !== undefined).map((l) => `link ${l}`),
      ];
      if (left.length > 0) throw new Error(`lab '${lab.name}' not fully removed: ${left.join(", ")} remain (${stderr.split("\n")[0] ?? ""})`);
      rmSync(inventoryPath(options.stateDir), { force: true });
      rmSync(builtLabPath(options.stateDir), { force: true });
      for (const host of lab.hosts) rmSync(sshdPidFile({ dir: join(options.stateDir, "ssh"), clientKey: "" }, host), { force: true });
      removeRecord(options.stateDir);
      releasePrefix(labId, lab.prefix);
      return { removed: [...own.rootLinks.map((l) => `link ${l}`), ...owned.map((n) => `netns ${n}`)], processesStopped: stopped, leftAlone: own.foreign.map(foreignLine) };
    });
  }

  async status(lab: Lab, options: LabOptions): Promise<StatusReport> {
    const [{ isImpairLinkName }, { isWireNamespaceName }, { sshdRunning }] = await Promise.all([import("./impairments.ts"), import("./wire-names.ts"), import("./sshd.ts")]);
    const labId = labIdOf(options.labFile, options.stateDir);
    const saved = readRecord(options.stateDir);
    const own = await survey(lab, saved?.labId === labId ? saved : newRecord(labId, lab), labId);
    const live = await liveState(lab);
    const missing: string[] = [];
    const { uplink, gateway } = lab.management;
    const names = new Set([...labNamespaces(lab), uplink]);
    for (const f of own.foreign.filter((x) => names.has(x.name))) missing.push(`${f.kind} ${f.name} of its own (one by that name exists: ${f.why})`);
    if (!own.rootLinks.includes(uplink)) missing.push(`veth ${uplink} (management uplink, gateway ${gateway})`);
    else if (!linkIsUp(uplink)) missing.push(`veth ${uplink} (management uplink) up`);
    const switchUp = own.namespaces.has(lab.switchNamespace);
    if (!switchUp) missing.push(`namespace ${lab.switchNamespace} (the lab's switch)`);
    else {
      for (const want of expectedSwitchLinks(lab)) {
        const got = live.switchDetail.find((l) => l.ifname === want.name);
        const label = `${want.kind} ${want.name} (${want.label})`;
        if (!got) missing.push(label);
        else if (want.master && got.master !== want.master) missing.push(`${label} attached to ${want.master}`);
        else if (!got.flags.includes("UP")) missing.push(`${label} up`);
      }
      const nf = await run(["nsenter", `--net=/run/netns/${lab.switchNamespace}`, "sh", "-c", "cat /proc/sys/net/bridge/bridge-nf-call-iptables 2>/dev/null || echo 0"]);
      if (nf.stdout.trim() === "1") missing.push(`bridge netfilter off in ${lab.switchNamespace} (frames would go through iptables)`);
    }
    const inventory = existsSync(inventoryPath(options.stateDir))
      ? (JSON.parse(readFileSync(inventoryPath(options.stateDir), "utf8")) as Inventory)
      : undefined;
    const sshFiles: SshFiles = { dir: join(options.stateDir, "ssh"), clientKey: "" };
    const extraV6: string[] = [];
    const hosts = await Promise.all(
      lab.hosts.map(async (host) => {
        const present = own.namespaces.has(host.namespace);
        if (!present) {
          missing.push(`namespace ${host.namespace} (host '${host.name}')`);
          return { name: host.name, present };
        }
        const r = await run(["ip", "-n", host.namespace, "-j", "addr", "show"]);
        const links = (r.code === 0 ? JSON.parse(r.stdout) : []) as { ifname: string; flags: string[]; addr_info: { local: string }[] }[];
        for (const want of [host.mgmt, ...host.interfaces]) {
          const got = links.find((l) => l.ifname === want.ifname);
          if (!got) missing.push(`${want.ifname} in ${host.namespace}`);
          else if (!got.addr_info.some((a) => a.local === want.ip)) missing.push(`address ${want.ip} on ${host.name} ${want.ifname}`);
          else if (!got.flags.includes("UP")) missing.push(`${host.name} ${want.ifname} up`);
        }
        const v6 = await hostIpv6Drift(lab, host);
        missing.push(...v6.missing);
        extraV6.push(...v6.extra);
        const wantSsh = inventory?.hosts.find((h) => h.name === host.name)?.transports.ssh !== undefined;
        const ipv6 = lab.ipv6 ? { ipv6: v6.live } : {};
        if (!wantSsh) return { name: host.name, present, ...ipv6 };
        const ssh = sshdRunning(sshFiles, host);
        if (!ssh) missing.push(`sshd on ${host.name}`);
        return { name: host.name, present, ssh, ...ipv6 };
      }),
    );
    const described = new Set(labNamespaces(lab));
    const expectedSwitch = new Set(expectedSwitchLinks(lab).map((l) => l.name));
    const extra = [
      ...own.rootLinks.filter((l) => l !== uplink).map((l) => `link ${l}`),
      ...[...own.namespaces.keys()].filter((n) => !described.has(n) && !isWireNamespaceName(lab.prefix, n)).map((n) => `namespace ${n}`),
      ...(switchUp ? live.switchDetail.filter((l) => l.ifname !== "lo" && !expectedSwitch.has(l.ifname) && !isImpairLinkName(lab.prefix, l.ifname)).map((l) => `link ${l.ifname} in ${lab.switchNamespace}`) : []),
      ...extraV6,
    ];
    const anyPresent = own.namespaces.size > 0 || own.rootLinks.length > 0;
    const state = !anyPresent ? "down" : missing.length === 0 && extra.length === 0 ? "up" : "degraded";
    return { lab: lab.name, backend: "netns", state, missing: anyPresent ? missing : [], extra, hosts };
  }
}

/** Lists the links of the lab's namespaces the survey did not look into, where the pin root has pins that could be their devices'. */
async function listPinnedLinks(own: Survey): Promise<void> {
  const pins = pinEntries();
  const unlisted = [...own.namespaces].filter(([ns, links]) => links === undefined && pins.some((p) => p.startsWith(`${ns}-`)));
  await Promise.all(unlisted.map(async ([ns]) => own.namespaces.set(ns, await namespaceLinks(ns))));
}

/** The devices whose XDP pins are the lab's: those of its own namespaces, and of recorded ones a crash already removed. */
function pinDevices(lab: Lab, record: OwnershipRecord, own: Survey): Map<string, Set<string>> {
  const fromModel = new Map<string, string[]>([
    [lab.switchNamespace, expectedSwitchLinks(lab).map((l) => l.name)],
    ...lab.hosts.map((h): [string, string[]] => [h.namespace, [h.mgmt.ifname, ...h.interfaces.map((i) => i.ifname)]]),
  ]);
  const foreign = new Set(own.foreign.map((f) => f.name));
  const devices = new Map<string, Set<string>>();
  for (const ns of new Set([...own.namespaces.keys(), ...Object.keys(record.namespaces)])) {
    if (foreign.has(ns)) continue;
    devices.set(ns, new Set([...(fromModel.get(ns) ?? []), ...(own.namespaces.get(ns) ?? []).map((l) => l.ifname)]));
  }
  return devices;
}
