// What @pulumi/command's remote provider does, done for real over SSH (ssh2) so
// the VM suite can execute the remote.Command and remote.CopyToRemote resources
// the program declares. Host keys are not checked here, as the provider does
// not check them either; the program's own wait step has pinned them first.
import { spawn } from "node:child_process";
import { basename, dirname } from "node:path";
import { Client, type ConnectConfig } from "ssh2";

export interface RemoteConnection {
  readonly host: string;
  readonly port?: number;
  readonly user?: string;
  readonly privateKey: string;
}

export interface RemoteResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function connect(conn: RemoteConnection): Promise<Client> {
  const config: ConnectConfig = { host: conn.host, port: conn.port ?? 22, username: conn.user ?? "root", privateKey: conn.privateKey, readyTimeout: 60_000 };
  return new Promise((resolve, reject) => {
    const client = new Client();
    client.once("ready", () => resolve(client)).once("error", reject).connect(config);
  });
}

/** Runs `script` with the remote user's shell; `input` (a Buffer or a child's stdout) goes to its stdin. */
export async function runRemote(conn: RemoteConnection, script: string, input?: NodeJS.ReadableStream | string, timeoutMs = 30 * 60_000): Promise<RemoteResult> {
  const client = await connect(conn);
  try {
    return await new Promise<RemoteResult>((resolve, reject) => {
      client.exec(script, (err, channel) => {
        if (err) return reject(err);
        let stdout = "";
        let stderr = "";
        const timer = setTimeout(() => {
          channel.close();
          reject(new Error(`remote command on ${conn.host} still running after ${timeoutMs / 1000} s`));
        }, timeoutMs);
        channel.on("data", (d: Buffer) => (stdout += d));
        channel.stderr.on("data", (d: Buffer) => (stderr += d));
        channel.on("exit", (code: number | null) => {
          clearTimeout(timer);
          resolve({ code: code ?? -1, stdout, stderr });
        });
        if (typeof input === "string") channel.end(input);
        else if (input) input.pipe(channel);
        else channel.end();
      });
    });
  } finally {
    client.end();
  }
}

/**
 * CopyToRemote of a local directory: into `remotePath` when that is an existing
 * directory (as `<remotePath>/<name>`), else as `remotePath`; existing files are
 * overwritten, others are left.
 */
export async function copyDirectory(conn: RemoteConnection, localDir: string, remotePath: string): Promise<RemoteResult> {
  const tar = spawn("tar", ["-C", dirname(localDir), "-c", basename(localDir)], { stdio: ["ignore", "pipe", "pipe"] });
  let tarErr = "";
  tar.stderr.on("data", (d) => (tarErr += d));
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const name = basename(localDir);
  // tar writes <name>/...: unpack beside it and rename when the target is not a directory yet.
  const script = `set -e; if [ -d ${q(remotePath)} ]; then tar -x -C ${q(remotePath)}; else t=$(mktemp -d); tar -x -C "$t"; mkdir -p ${q(dirname(remotePath))}; mv "$t"/${q(name)} ${q(remotePath)}; rmdir "$t"; fi`;
  const result = await runRemote(conn, script, tar.stdout!);
  const tarCode = await new Promise<number>((resolve) => (tar.exitCode !== null ? resolve(tar.exitCode) : tar.once("close", (c) => resolve(c ?? -1))));
  if (tarCode !== 0) return { code: tarCode, stdout: "", stderr: `tar of ${localDir}: ${tarErr.trim()}` };
  return result;
}
