// A real OpenSSH server per host namespace, so the SSH transport is exercised
// exactly as against VMs: own host key, key-only auth, management address only.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Host } from "../lab-model.ts";
import { fingerprintOfPublicKey } from "../ssh-host-key.ts";
import { pidsInNamespace, processAlive } from "./system.ts";
import { runChecked, which } from "../process.ts";

export interface SshFiles {
  readonly dir: string;
  readonly clientKey: string;
}

async function ensureKey(path: string, comment: string): Promise<void> {
  if (existsSync(path) && existsSync(`${path}.pub`)) return;
  rmSync(path, { force: true });
  rmSync(`${path}.pub`, { force: true });
  await runChecked(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", path], `ssh-keygen for ${comment}`);
}

export async function prepareSshFiles(stateDir: string, labName: string): Promise<SshFiles> {
  const dir = join(stateDir, "ssh");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const clientKey = join(dir, "id_ed25519");
  await ensureKey(clientKey, `wirelab-${labName}`);
  writeFileSync(join(dir, "authorized_keys"), readFileSync(`${clientKey}.pub`), { mode: 0o600 });
  return { dir, clientKey };
}

function paths(files: SshFiles, host: Host) {
  return {
    hostKey: join(files.dir, `host-${host.name}`),
    config: join(files.dir, `sshd-${host.name}.conf`),
    pidFile: join(files.dir, `sshd-${host.name}.pid`),
  };
}

function runningPid(pidFile: string, namespace: string): number | undefined {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, "utf8").trim());
  if (!Number.isInteger(pid) || !processAlive(pid)) return undefined;
  return pidsInNamespace(namespace).includes(pid) ? pid : undefined;
}

/** Starts sshd inside the host's namespace unless ours already runs there; returns the pinned host-key fingerprint. */
export async function startSshd(files: SshFiles, host: Host): Promise<string> {
  const sshd = which("sshd");
  if (!sshd) throw new Error("--ssh needs OpenSSH's sshd (Debian package openssh-server; run images/provision.sh)");
  const p = paths(files, host);
  await ensureKey(p.hostKey, `wirelab-host-${host.name}`);
  const fingerprint = fingerprintOfPublicKey(readFileSync(`${p.hostKey}.pub`, "utf8"));
  if (runningPid(p.pidFile, host.namespace) !== undefined) return fingerprint;
  writeFileSync(
    p.config,
    [
      `ListenAddress ${host.mgmt.ip}`,
      "Port 22",
      `HostKey ${p.hostKey}`,
      `PidFile ${p.pidFile}`,
      `AuthorizedKeysFile ${join(files.dir, "authorized_keys")}`,
      "PermitRootLogin prohibit-password",
      "PubkeyAuthentication yes",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "UsePAM no",
      // The lab's state directory may sit below a group-writable checkout path; keys there are 0600 in a 0700 dir.
      "StrictModes no",
      "UseDNS no",
      "PrintMotd no",
      "MaxStartups 64:30:128",
      "MaxSessions 64",
      "Subsystem sftp internal-sftp",
      "",
    ].join("\n"),
    { mode: 0o600 },
  );
  mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
  await runChecked(["nsenter", `--net=/run/netns/${host.namespace}`, sshd, "-f", p.config], `sshd in ${host.namespace}`);
  return fingerprint;
}

export function sshdRunning(files: SshFiles, host: Host): boolean {
  return runningPid(paths(files, host).pidFile, host.namespace) !== undefined;
}

/** The PID of the host's sshd: its daemon writes the pid file after the command that started it returned. */
export async function sshdPid(files: SshFiles, host: Host, timeoutMs = 5000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pid = runningPid(paths(files, host).pidFile, host.namespace);
    if (pid !== undefined) return pid;
    if (Date.now() >= deadline) throw new Error(`sshd in ${host.namespace} wrote no pid file within ${timeoutMs} ms (${paths(files, host).pidFile})`);
    await Bun.sleep(10);
  }
}

export function sshdPidFile(files: SshFiles, host: Host): string {
  return paths(files, host).pidFile;
}
