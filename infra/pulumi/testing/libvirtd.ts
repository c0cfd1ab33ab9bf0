// A real libvirtd for tests on machines without systemd: reuse a running one,
// or start libvirtd and virtlogd in daemon mode and stop exactly those PIDs.
import { accessSync, constants, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";

export const TEST_URI = "qemu:///system";
const STATE = "/run/wirelab-test";

export interface Libvirtd {
  readonly uri: string;
  readonly started: number[];
  stop(): Promise<void>;
}

export function virsh(uri: string, ...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync("virsh", ["-q", "-c", uri, ...args], { encoding: "utf8", timeout: 120_000 });
  return { code: r.status ?? -1, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // PID 1 here reaps late: a zombie has already exited.
    return !/^\d+ \(.*\) Z /.test(stat);
  } catch {
    return false;
  }
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, "utf8").trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

async function waitFor(what: string, ok: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (ok()) return;
    await Bun.sleep(200);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Whether this machine can run KVM guests: /dev/kvm is there and usable (what libvirt itself probes). */
export function kvmHere(): boolean {
  try {
    accessSync("/dev/kvm", constants.R_OK | constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** Whether the daemon offers the kvm virt type: its capabilities list a kvm domain for some guest. */
export function libvirtOffersKvm(uri: string): boolean {
  const r = virsh(uri, "capabilities");
  if (r.code !== 0) throw new Error(`virsh capabilities failed: ${r.stderr.trim()}`);
  return /<domain type=['"]kvm['"]/.test(r.stdout);
}

/** libvirt's refusal of a kvm domain where the host has no KVM, and nothing else. */
export const MISSING_KVM = /^error: Failed to define domain from \S+\nerror: unsupported configuration: Emulator '[^']+' does not support virt type 'kvm'\n*$/;

export function libvirtAvailable(): boolean {
  return spawnSync("sh", ["-c", "command -v libvirtd && command -v virtlogd && command -v virsh"], { stdio: "ignore" }).status === 0;
}

/** What was there before a test run started the daemons: only what they added is removed when they stop. */
interface Before {
  readonly hadRunDir: boolean;
  readonly hadChains: boolean;
}

const BEFORE_FILE = `${STATE}/before.json`;
const PID_FILES = [`${STATE}/libvirtd.pid`, `${STATE}/virtlogd.pid`];

/**
 * Reuses a running libvirtd, or starts libvirtd (and virtlogd) in daemon mode. Daemons an earlier
 * test run started and left running (WIRELAB_VM_KEEP=1, or a run killed half-way) are recognised by
 * their PID files: this run takes them over and stops them when it is done.
 */
export async function ensureLibvirtd(): Promise<Libvirtd> {
  const uri = process.env.WIRELAB_TEST_LIBVIRT_URI ?? TEST_URI;
  if (virsh(uri, "version").code === 0) {
    const leftover = PID_FILES.map(readPid).filter((pid): pid is number => pid !== undefined && alive(pid));
    if (leftover.length > 0 && existsSync(BEFORE_FILE)) return daemons(uri, leftover, JSON.parse(readFileSync(BEFORE_FILE, "utf8")) as Before);
    return { uri, started: [], stop: async () => {} };
  }
  if (process.getuid?.() !== 0) throw new Error("starting libvirtd needs root");
  // What the daemon leaves behind when it stops (its run directory, the empty LIBVIRT_* firewall chains it
  // hooks into INPUT/FORWARD/OUTPUT/POSTROUTING) is removed afterwards only if it was not there before.
  const before: Before = { hadRunDir: existsSync("/run/libvirt"), hadChains: firewallHasLibvirtChains() };
  mkdirSync(STATE, { recursive: true });
  writeFileSync(BEFORE_FILE, JSON.stringify(before));
  const started: number[] = [];
  const daemon = async (bin: string, pidFile: string, socket: string) => {
    rmSync(pidFile, { force: true });
    const r = spawnSync(bin, ["-d", "--pid-file", pidFile], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`${bin} -d failed: ${r.stderr}`);
    await waitFor(`${bin} pid file`, () => readPid(pidFile) !== undefined, 10_000);
    started.push(readPid(pidFile)!);
    await waitFor(`${socket}`, () => existsSync(socket), 10_000);
  };
  if (!existsSync("/run/libvirt/virtlogd-sock")) await daemon("virtlogd", `${STATE}/virtlogd.pid`, "/run/libvirt/virtlogd-sock");
  await daemon("libvirtd", `${STATE}/libvirtd.pid`, "/run/libvirt/libvirt-sock");
  await waitFor("libvirtd to answer", () => virsh(uri, "version").code === 0, 20_000);
  return daemons(uri, started, before);
}

function daemons(uri: string, started: number[], before: Before): Libvirtd {
  const { hadChains, hadRunDir } = before;
  return {
    uri,
    started,
    async stop() {
      for (const pid of [...started].reverse()) {
        if (!alive(pid)) continue;
        process.kill(pid, "SIGTERM");
        await waitFor(`pid ${pid} to exit`, () => !alive(pid), 20_000).catch(() => {
          if (alive(pid)) process.kill(pid, "SIGKILL");
        });
      }
      started.length = 0;
      if (!hadChains) removeLibvirtChains();
      if (!hadRunDir) rmSync("/run/libvirt", { recursive: true, force: true });
      rmSync(STATE, { recursive: true, force: true });
    },
  };
}

const CHAIN_HOOKS: Record<string, [string, string][]> = {
  filter: [["INPUT", "LIBVIRT_INP"], ["FORWARD", "LIBVIRT_FWX"], ["FORWARD", "LIBVIRT_FWI"], ["FORWARD", "LIBVIRT_FWO"], ["OUTPUT", "LIBVIRT_OUT"]],
  nat: [["POSTROUTING", "LIBVIRT_PRT"]],
  mangle: [["POSTROUTING", "LIBVIRT_PRT"]],
};

function firewallHasLibvirtChains(): boolean {
  return ["iptables", "ip6tables"].some((bin) =>
    Object.keys(CHAIN_HOOKS).some((table) => (spawnSync(bin, ["-t", table, "-S"], { encoding: "utf8" }).stdout ?? "").includes("LIBVIRT_")),
  );
}

/** Unhooks and deletes the LIBVIRT_* chains; -X refuses a chain that still has rules, so nothing live is dropped. */
function removeLibvirtChains(): void {
  for (const bin of ["iptables", "ip6tables"]) {
    for (const [table, hooks] of Object.entries(CHAIN_HOOKS)) {
      for (const [hook, chain] of hooks) spawnSync(bin, ["-t", table, "-D", hook, "-j", chain], { stdio: "ignore" });
      for (const chain of new Set(hooks.map(([, c]) => c))) spawnSync(bin, ["-t", table, "-X", chain], { stdio: "ignore" });
    }
  }
}
