// The VM suite's lab: its prefix, where it keeps its pool and where it writes
// the inventory of a lab kept running (WIRELAB_VM_KEEP=1), and how to remove it.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sweepPrefix } from "./sweep.ts";

export const VM_PREFIX = "wlt-pul";
export const VM_POOL_DIR = `/var/tmp/${VM_PREFIX}-pool`;
/** Where the inventory of the running lab is written, for traffic suites run against it. */
export const VM_INVENTORY = `/var/tmp/${VM_PREFIX}-inventory.json`;

/** Where libvirt writes the PID of each domain's qemu and each network's dnsmasq, as `<name>.pid`. */
export const LIBVIRT_PID_DIRS = ["/run/libvirt/qemu", "/run/libvirt/network"];

function cmdlineOf(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
  } catch {
    return undefined;
  }
}

function gone(pid: number): boolean {
  try {
    // PID 1 here reaps late: a zombie has already exited.
    return /^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return true;
  }
}

/**
 * The suite's own lab's processes a crashed run (or a libvirtd stopped under them) left running:
 * the qemu and dnsmasq whose PIDs libvirt's pid files for `wlt-pul-*` objects hold, each ended by its
 * PID only when its command line names such an object (a PID reused by another process is left
 * alone), then its pid file; then the lab's bridges still in the kernel. A stale dnsmasq on the
 * management bridge once answered the next run's DHCP. Returns what it ended or removed.
 */
export async function endOrphans(prefix: string = VM_PREFIX, pidDirs: readonly string[] = LIBVIRT_PID_DIRS): Promise<string[]> {
  const done: string[] = [];
  const victims: { pid: number; file: string; what: string }[] = [];
  for (const dir of pidDirs) {
    for (const entry of existsSync(dir) ? readdirSync(dir) : []) {
      if (!entry.startsWith(`${prefix}-`) || !entry.endsWith(".pid")) continue;
      const file = join(dir, entry);
      const pid = Number(readFileSync(file, "utf8").trim());
      const argv = Number.isInteger(pid) && pid > 1 && !gone(pid) ? cmdlineOf(pid) : undefined;
      const bin = argv?.[0]?.split("/").pop() ?? "";
      if (argv && /^(qemu-system-|qemu-kvm|dnsmasq)/.test(bin) && argv.some((a) => a.includes(`${prefix}-`))) victims.push({ pid, file, what: `${bin} ${pid} (${entry})` });
      else rmSync(file, { force: true });
    }
  }
  const signal = (pid: number, sig: NodeJS.Signals) => {
    try {
      process.kill(pid, sig);
    } catch {
      // Exited since it was checked.
    }
  };
  for (const v of victims) signal(v.pid, "SIGTERM");
  const end = Date.now() + 10_000;
  while (victims.some((v) => !gone(v.pid)) && Date.now() < end) await Bun.sleep(100);
  for (const v of victims) {
    if (!gone(v.pid)) signal(v.pid, "SIGKILL");
    rmSync(v.file, { force: true });
    done.push(v.what);
  }
  const bridges = spawnSync("ip", ["-o", "link", "show", "type", "bridge"], { encoding: "utf8" }).stdout.split("\n").map((l) => l.split(":")[1]?.trim().split("@")[0] ?? "").filter((n) => n.startsWith(`${prefix}-`));
  for (const br of bridges) {
    const r = spawnSync("ip", ["link", "del", br], { encoding: "utf8" });
    done.push(r.status === 0 ? `bridge ${br}` : `bridge ${br} (ip link del: ${r.stderr.trim()})`);
  }
  return done;
}

/** libvirt keeps per-network runtime files (port dirs, dnsmasq pid file) after net-destroy; the lab's go too. */
export function removeNetworkRuntimeFiles(): void {
  for (const dir of ["/run/libvirt/network", "/var/lib/libvirt/dnsmasq"]) {
    for (const entry of existsSync(dir) ? readdirSync(dir) : []) {
      if (entry.startsWith(`${VM_PREFIX}-`)) rmSync(join(dir, entry), { recursive: true, force: true });
    }
  }
}

/** Everything the suite's lab made, by prefix: domains, networks, pool and its directory, runtime files, work dirs, the inventory. */
export function removeVmLab(uri: string): string[] {
  const failures = sweepPrefix(uri, `${VM_PREFIX}-`, VM_POOL_DIR);
  removeNetworkRuntimeFiles();
  // Earlier runs' work dirs (a kept lab's client key among them): named with the suite's prefix.
  for (const entry of readdirSync(tmpdir())) {
    if (entry.startsWith(`${VM_PREFIX}-vm-`)) rmSync(join(tmpdir(), entry), { recursive: true, force: true });
  }
  rmSync(VM_INVENTORY, { force: true });
  return failures;
}
