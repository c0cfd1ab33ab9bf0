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

/** Runs `script` with the remote user's shell; `input`, whole, goes to its stdin. */
export async function runRemote(conn: RemoteConnection, script: string, input?: Buffer | string, timeoutMs = 30 * 60_000): Promise<RemoteResult> {
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
        channel.end(input ?? "");
      });
    });
  } finally {
    client.end();
  }
}

/** The directory as one tar archive, read to its end: rejects on tar's failure, so a partial archive is never sent. */
export function tarDirectory(localDir: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const tar = spawn("tar", ["-C", dirname(localDir), "-c", basename(localDir)], { stdio: ["ignore", "pipe", "pipe"] });
    const chunks: Buffer[] = [];
    let err = "";
    tar.stdout.on("data", (d: Buffer) => chunks.push(d));
    tar.stderr.on("data", (d) => (err += d));
    tar.on("error", reject);
    tar.on("close", (code) => (code === 0 ? resolve(Buffer.concat(chunks)) : reject(new Error(`tar of ${localDir} exited ${code}: ${err.trim()}`))));
  });
}

/**
 * CopyToRemote of a local directory: into `remotePath` when that is an existing
 * directory (as `<remotePath>/<name>`), else as `remotePath`; existing files are
 * overwritten, others are left.
 *
 * The archive is read whole, from tar's first byte, before the SSH session opens, and sent as one
 * buffer. Under bun a child's stdout first read after the child has exited yields nothing: tar of a
 * small tree (include/) was done within the connect's await, before its stdout was piped into the
 * channel, and the VM got an empty archive (a large tree kept tar blocked on the pipe and arrived).
 * The remote side also counts the bytes before it unpacks.
 */
export async function copyDirectory(conn: RemoteConnection, localDir: string, remotePath: string): Promise<RemoteResult> {
  let archive: Buffer;
  try {
    archive = await tarDirectory(localDir);
  } catch (err) {
    return { code: 1, stdout: "", stderr: (err as Error).message };
  }
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const name = basename(localDir);
  // tar writes <name>/...: unpack beside it and rename when the target is not a directory yet.
  const script = [
    `set -e; t=$(mktemp -d); trap 'rm -rf "$t"' EXIT; cat > "$t/a.tar"`,
    `n=$(wc -c < "$t/a.tar"); if [ "$n" -ne ${archive.length} ]; then echo "archive of ${name} arrived with $n of ${archive.length} bytes" >&2; exit 1; fi`,
    `if [ -d ${q(remotePath)} ]; then tar -x -f "$t/a.tar" -C ${q(remotePath)}; else mkdir "$t/x"; tar -x -f "$t/a.tar" -C "$t/x"; mkdir -p ${q(dirname(remotePath))}; mv "$t/x"/${q(name)} ${q(remotePath)}; fi`,
  ].join("\n");
  return runRemote(conn, script, archive);
}
