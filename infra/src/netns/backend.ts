// The embedded default backend: hosts are network namespaces, links are veth
// pairs into prefixed Linux bridges, the management bridge reaches every host.
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { BUILD_DIR } from "../repo.ts";
import type { DownReport, LabBackend, StatusReport, UpOptions } from "../backend.ts";
import { INVENTORY_SCHEMA, inventoryAddresses, type Inventory, type InventoryHost } from "../inventory.ts";
import { cidrsOverlap, parseCidr, type Cidr } from "../ipv4.ts";
import type { Lab } from "../lab-model.ts";
import { awaitIpv6Ready, hostIpv6Drift } from "./ipv6-host.ts";
import { expectedSwitchLinks, hostSetups, rootBatch, switchSetup, teardownBatch, teardownPlan, type LiveState } from "./plan.ts";
import { prepareSshFiles, sshdPidFile, sshdRunning, startSshd, type SshFiles } from "./sshd.ts";
import { linkIsUp, namespaces, pidsInNamespace, processAlive, rootLinks, rootRoutes, run, which } from "./system.ts";

/** Where XDP pins live: a bpffs outside /sys, so `ip netns exec` (which remounts /sys) still sees them. */
export const BPF_PIN_ROOT = "/run/wirelab/bpf";

export function inventoryPath(stateDir: string): string {
  return join(stateDir, "inventory.json");
}

interface NamespaceLink {
  ifname: string;
  master?: string;
  flags: string[];
}

/** Links inside a namespace, from one `ip -j link show` (empty when the namespace does not exist). */
async function linksIn(namespace: string, live: ReadonlySet<string>): Promise<NamespaceLink[]> {
  if (!live.has(namespace)) return [];
  const r = await run(["ip", "-n", namespace, "-j", "link", "show"]);
  return r.code === 0 ? (JSON.parse(r.stdout) as NamespaceLink[]) : [];
}

async function liveState(lab: Lab): Promise<LiveState & { switchDetail: NamespaceLink[] }> {
  const ns = namespaces();
  const switchDetail = await linksIn(lab.switchNamespace, ns);
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

/** One `up` or `down` at a time per lab; a lock left by a killed process is taken over. */
function withLock<T>(stateDir: string, body: () => Promise<T>): Promise<T> {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const lock = join(stateDir, "lock");
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(lock, "wx", 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST" || attempt > 0) throw err;
      const holder = Number(readFileSync(lock, "utf8").trim());
      if (Number.isInteger(holder) && holder !== process.pid && processAlive(holder)) {
        throw new Error(`another wirelab process (pid ${holder}) is changing this lab; wait for it or end it`);
      }
      rmSync(lock, { force: true });
    }
  }
  return body().finally(() => rmSync(lock, { force: true }));
}

async function ipBatch(lines: readonly string[], what: string, namespace?: string, preamble?: string): Promise<void> {
  if (lines.length === 0) return;
  const argv = namespace
    ? ["nsenter", `--net=/run/netns/${namespace}`, "sh", "-c", `${preamble ? `${preamble}; ` : ""}exec ip -batch -`]
    : ["ip", "-batch", "-"];
  const r = await run(argv, lines.join("\n") + "\n");
  if (r.code === 0) return;
  // ip names the failing line as "Command failed -:N"; show that line rather than a number.
  const n = /Command failed -:(\d+)/.exec(r.stderr)?.[1];
  const reason = r.stderr.split("\n").find((l) => l.trim() && !l.startsWith("Command failed")) ?? r.stderr.trim();
  throw new Error(`${what}: '${n ? lines[Number(n) - 1] : "?"}' failed: ${reason.trim()}`);
}

function hugepagesFree(): number {
  const m = /HugePages_Free:\s+(\d+)/.exec(readFileSync("/proc/meminfo", "utf8"));
  return m ? Number(m[1]) : 0;
}

export function netnsInventory(
  lab: Lab,
  options: { labFile?: string; labSha256?: string; ssh?: { clientKey: string; fingerprints: Map<string, string> } },
): Inventory {
  const hugepages = hugepagesFree();
  const hosts: InventoryHost[] = lab.hosts.map((host) => {
    const fingerprint = options.ssh?.fingerprints.get(host.name);
    return {
      name: host.name,
      role: host.role,
      mgmt: { ip: host.mgmt.ip },
      defaultTransport: "netns",
      transports: {
        netns: { namespace: host.namespace },
        ...(options.ssh && fingerprint
          ? { ssh: { host: host.mgmt.ip, port: 22, user: "root", keyPath: options.ssh.clientKey, hostKey: fingerprint } }
          : {}),
      },
      interfaces: host.interfaces.map((i, n) => ({
        name: i.ifname,
        segment: i.segment,
        mac: i.mac,
        ...inventoryAddresses(i),
        pci: null,
        peer: { namespace: lab.switchNamespace, dev: i.switchPort },
        dpdk: {
          vdev: `net_af_xdp${n},iface=${i.ifname}`,
          eal: hugepages > 0 ? ["--no-pci"] : ["--no-pci", "--no-huge", "-m", "256"],
        },
      })),
      routes: host.routes.map((r) => ({ to: r.to, via: r.via })),
      capabilities: { xdp: "native", afXdp: true, afPacket: true, dpdkPci: false, hugepages },
      // Namespaces share this machine's files: the tools are this checkout's builds.
      tools: {
        engine: join(BUILD_DIR, "engine", "wirelab-engine"),
        xdp: join(BUILD_DIR, "xdp", "wirelab-xdp"),
        sink: join(BUILD_DIR, "xdp", "wirelab-sink"),
        bpfDir: join(BUILD_DIR, "xdp"),
      },
    };
  });
  return {
    schema: INVENTORY_SCHEMA,
    backend: "netns",
    createdAt: new Date().toISOString(),
    lab: {
      name: lab.name,
      prefix: lab.prefix,
      ...(options.labFile ? { file: options.labFile } : {}),
      ...(options.labSha256 ? { sha256: options.labSha256 } : {}),
    },
    management: { subnet: lab.management.subnet, gateway: lab.management.gateway },
    hosts,
  };
}

function writeFileAtomic(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600 });
  renameSync(tmp, path);
}

async function stopProcesses(pids: number[]): Promise<void> {
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGTERM");
    } catch {
      // Already gone.
    }
  }
  const deadline = Date.now() + 2000;
  while (pids.some(processAlive) && Date.now() < deadline) await Bun.sleep(20);
  for (const pid of pids.filter(processAlive)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
}

export class NetnsBackend implements LabBackend {
  readonly kind = "netns" as const;

  up(lab: Lab, options: UpOptions): Promise<Inventory> {
    preflight(lab);
    return withLock(options.stateDir, async () => {
      const progress = options.onProgress ?? (() => {});
      const live = await liveState(lab);
      await ipBatch(rootBatch(lab, live), `creating lab '${lab.name}' in the root namespace`);
      progress(`namespaces and veths for ${lab.hosts.length} hosts`);
      await Promise.all(
        [switchSetup(lab, live), ...hostSetups(lab)].map((s) =>
          ipBatch(s.batch, s.name === "switch" ? "setting up the lab's switch" : `configuring host '${s.name}'`, s.namespace, s.preamble),
        ),
      );
      await awaitIpv6Ready(lab);
      progress("addresses and routes set");
      let ssh: { clientKey: string; fingerprints: Map<string, string> } | undefined;
      if (options.ssh) {
        const files = await prepareSshFiles(options.stateDir, lab.name);
        const prints = await Promise.all(lab.hosts.map((h) => startSshd(files, h)));
        ssh = { clientKey: files.clientKey, fingerprints: new Map(lab.hosts.map((h, i) => [h.name, prints[i]!])) };
        progress(`sshd on ${lab.hosts.length} hosts`);
      }
      const inventory = netnsInventory(lab, {
        ...(options.labFile ? { labFile: options.labFile } : {}),
        ...(options.labSha256 ? { labSha256: options.labSha256 } : {}),
        ...(ssh ? { ssh } : {}),
      });
      writeFileAtomic(inventoryPath(options.stateDir), JSON.stringify(inventory, null, 2) + "\n");
      return inventory;
    });
  }

  down(lab: Lab, options: { stateDir: string }): Promise<DownReport> {
    if (process.getuid?.() !== 0) return Promise.reject(new Error("removing the netns lab needs root: run as root or with sudo"));
    return withLock(options.stateDir, async () => {
      const plan = teardownPlan(lab, await liveState(lab));
      // Everything running inside the lab was started for the lab (sshd, engines, captures).
      const pids = plan.namespaces.flatMap(pidsInNamespace).filter((pid) => pid !== process.pid);
      await stopProcesses(pids);
      removePins(lab.prefix);
      removeDpdkRuntimeFiles(lab.prefix);
      const r = await run(["ip", "-force", "-batch", "-"], teardownBatch(plan).join("\n") + "\n");
      const left = teardownPlan(lab, { rootLinks: rootLinks(), namespaces: namespaces(), switchLinks: new Set() });
      if (left.namespaces.length + left.rootLinks.length > 0) {
        throw new Error(
          `lab '${lab.name}' not fully removed: ${[...left.namespaces, ...left.rootLinks].join(", ")} remain (${r.stderr.trim().split("\n")[0] ?? ""})`,
        );
      }
      rmSync(inventoryPath(options.stateDir), { force: true });
      for (const host of lab.hosts) rmSync(sshdPidFile({ dir: join(options.stateDir, "ssh"), clientKey: "" }, host), { force: true });
      return { removed: [...plan.rootLinks, ...plan.namespaces.map((n) => `netns ${n}`)], processesStopped: pids };
    });
  }

  async status(lab: Lab, options: { stateDir: string }): Promise<StatusReport> {
    const live = await liveState(lab);
    const missing: string[] = [];
    const { uplink, gateway } = lab.management;
    if (!live.rootLinks.has(uplink)) missing.push(`veth ${uplink} (management uplink, gateway ${gateway})`);
    else if (!linkIsUp(uplink)) missing.push(`veth ${uplink} (management uplink) up`);
    const switchUp = live.namespaces.has(lab.switchNamespace);
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
        const present = live.namespaces.has(host.namespace);
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
    const plan = teardownPlan(lab, live);
    const expectedSwitch = new Set(expectedSwitchLinks(lab).map((l) => l.name));
    const extra = [
      ...plan.rootLinks.filter((l) => l !== uplink).map((l) => `link ${l}`),
      ...plan.namespaces.filter((n) => n !== lab.switchNamespace && !lab.hosts.some((h) => h.namespace === n)).map((n) => `namespace ${n}`),
      ...live.switchDetail.filter((l) => l.ifname !== "lo" && !expectedSwitch.has(l.ifname)).map((l) => `link ${l.ifname} in ${lab.switchNamespace}`),
      ...extraV6,
    ];
    const anyPresent = hosts.some((h) => h.present) || plan.rootLinks.length > 0 || switchUp;
    const state = !anyPresent ? "down" : missing.length === 0 && extra.length === 0 ? "up" : "degraded";
    return { lab: lab.name, backend: "netns", state, missing: anyPresent ? missing : [], extra, hosts };
  }
}

/** DPDK runtime directories of the lab's engines (`--file-prefix wl-<prefix>-...`), left when a run was killed. */
export function removeDpdkRuntimeFiles(prefix: string): void {
  const dir = "/var/run/dpdk";
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir)) {
    if (entry.startsWith(`wl-${prefix}-`)) rmSync(join(dir, entry), { recursive: true, force: true });
  }
}

/** Removes the lab's XDP pins; attached programs themselves go with the lab's interfaces. */
export function removePins(prefix: string): void {
  if (!existsSync(BPF_PIN_ROOT)) return;
  for (const entry of readdirSync(BPF_PIN_ROOT)) {
    if (entry.startsWith(`${prefix}-`)) rmSync(join(BPF_PIN_ROOT, entry), { recursive: true, force: true });
  }
}

