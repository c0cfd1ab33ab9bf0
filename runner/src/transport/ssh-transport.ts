// Runs commands on a lab host over SSH (ssh2). The host key is pinned by the
// inventory: a host presenting any other key is refused before authentication.
import { readFileSync } from "node:fs";
import { Client, type ClientChannel, type SFTPWrapper } from "ssh2";
import type { SshTransportSpec } from "../../../infra/src/inventory.ts";
import { fingerprintOfKeyBlob } from "../../../infra/src/ssh-host-key.ts";
import {
  DEFAULT_CAPTURE_LIMIT,
  LineCollector,
  type ExecResult,
  type RemoteProcess,
  type SpawnOptions,
  type Transport,
} from "./transport.ts";

const PGID_MARK = "@@wirelab-pgid ";

/** Quotes one argument for a POSIX shell. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

/**
 * The remote command line: its own session and process group (so stop() can end
 * everything it started; sshd as root ignores channel signals), announcing the group id first.
 */
export function remoteCommand(argv: readonly string[], env: Readonly<Record<string, string>> = {}): string {
  const envArgs = Object.entries(env).map(([k, v]) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new Error(`environment variable name '${k}' is not valid`);
    return `${k}=${v}`;
  });
  const inner = `echo "${PGID_MARK}$$" >&2; exec "$@"`;
  const words = ["exec", "setsid", "-w", "sh", "-c", inner, "wirelab", ...(envArgs.length ? ["env", ...envArgs] : []), ...argv];
  return words.map(shellQuote).join(" ");
}

export class SshTransport implements Transport {
  readonly kind = "ssh" as const;
  private client: Promise<Client> | undefined;

  constructor(
    readonly host: string,
    private readonly spec: SshTransportSpec,
    private readonly connectTimeoutMs = 10000,
  ) {}

  private connect(): Promise<Client> {
    if (this.client) return this.client;
    this.client = new Promise<Client>((resolve, reject) => {
      const conn = new Client();
      let presented: string | undefined;
      conn.on("ready", () => resolve(conn));
      conn.on("error", (err) => {
        this.client = undefined;
        if (presented && presented !== this.spec.hostKey) {
          reject(
            new Error(
              `${this.host}: host key ${presented} at ${this.spec.host}:${this.spec.port} does not match the pinned ${this.spec.hostKey}; refusing to connect`,
            ),
          );
        } else reject(new Error(`${this.host}: ssh ${this.spec.user}@${this.spec.host}:${this.spec.port}: ${err.message}`));
      });
      conn.on("close", () => {
        this.client = undefined;
      });
      let privateKey: Buffer;
      try {
        privateKey = readFileSync(this.spec.keyPath);
      } catch (err) {
        reject(new Error(`${this.host}: cannot read SSH key ${this.spec.keyPath}: ${(err as Error).message}`));
        return;
      }
      conn.connect({
        host: this.spec.host,
        port: this.spec.port,
        username: this.spec.user,
        privateKey,
        readyTimeout: this.connectTimeoutMs,
        keepaliveInterval: 5000,
        hostVerifier: (key: Buffer) => {
          presented = fingerprintOfKeyBlob(key);
          return presented === this.spec.hostKey;
        },
      });
    });
    return this.client;
  }

  async spawn(argv: readonly string[], options: SpawnOptions = {}): Promise<RemoteProcess> {
    if (argv.length === 0) throw new Error("spawn: empty command");
    const conn = await this.connect();
    const command = remoteCommand(argv, options.env);
    const channel = await new Promise<ClientChannel>((resolve, reject) =>
      conn.exec(command, (err, ch) => (err ? reject(new Error(`${this.host}: ${err.message}`)) : resolve(ch))),
    );
    const limit = options.captureLimit ?? DEFAULT_CAPTURE_LIMIT;
    const out = new LineCollector(options.onStdoutLine, limit, options.onStdoutText);
    const err = new LineCollector(options.onStderrLine, limit);
    let resolvePgid!: (pgid: number) => void;
    const pgidKnown = new Promise<number>((r) => (resolvePgid = r));
    let head = "";
    let headDone = false;
    channel.stderr.on("data", (chunk: Buffer) => {
      if (headDone) return err.push(chunk);
      head += chunk.toString("utf8");
      const nl = head.indexOf("\n");
      if (nl < 0) return;
      headDone = true;
      const first = head.slice(0, nl);
      if (first.startsWith(PGID_MARK)) resolvePgid(Number(first.slice(PGID_MARK.length)));
      else err.push(first + "\n");
      if (head.length > nl + 1) err.push(head.slice(nl + 1));
    });
    channel.on("data", (chunk: Buffer) => out.push(chunk));
    const exited = new Promise<ExecResult>((resolve) => {
      channel.on("close", (code: number | null, signal?: string) => {
        if (!headDone && head) err.push(head);
        resolvePgid(0);
        resolve({ code: signal ? null : (code ?? null), signal: signal ?? null, stdout: out.end(), stderr: err.end() });
      });
    });
    if (options.stdin !== undefined) channel.end(options.stdin);
    else channel.end();
    const pgid = await Promise.race([pgidKnown, exited.then(() => 0)]);
    const stop = async (graceMs = 3000): Promise<ExecResult> => {
      if (pgid > 0) {
        await this.signalGroup(pgid, "TERM");
        const done = await Promise.race([exited.then(() => true), Bun.sleep(graceMs).then(() => false)]);
        if (!done) await this.signalGroup(pgid, "KILL");
      }
      return exited;
    };
    options.signal?.addEventListener("abort", () => void stop(), { once: true });
    return { pgid, exited, stop };
  }

  /** Signals a remote process group through a second channel. */
  private async signalGroup(pgid: number, signal: "TERM" | "KILL"): Promise<void> {
    const conn = await this.connect();
    await new Promise<void>((resolve) =>
      conn.exec(`kill -${signal} -- -${pgid} 2>/dev/null; true`, (e, ch) => {
        if (e) return resolve();
        ch.on("close", () => resolve());
        ch.resume();
        ch.stderr.resume();
      }),
    );
  }

  async exec(argv: readonly string[], options?: SpawnOptions): Promise<ExecResult> {
    return (await this.spawn(argv, options)).exited;
  }

  async upload(localPath: string, remotePath: string, mode = 0o644): Promise<void> {
    const conn = await this.connect();
    const sftp = await new Promise<SFTPWrapper>((resolve, reject) => conn.sftp((e, s) => (e ? reject(e) : resolve(s))));
    try {
      await new Promise<void>((resolve, reject) =>
        sftp.fastPut(localPath, remotePath, { mode }, (e) => (e ? reject(new Error(`${this.host}: upload ${remotePath}: ${e.message}`)) : resolve())),
      );
      await new Promise<void>((resolve, reject) => sftp.chmod(remotePath, mode, (e) => (e ? reject(e) : resolve())));
    } finally {
      sftp.end();
    }
  }

  async close(): Promise<void> {
    const pending = this.client;
    this.client = undefined;
    if (!pending) return;
    try {
      (await pending).end();
    } catch {
      // Never connected: nothing to close.
    }
  }
}
