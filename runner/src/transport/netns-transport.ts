// Runs commands inside a lab host's network namespace on this machine.
import { copyFileSync, chmodSync } from "node:fs";
import { readFileSync } from "node:fs";
import {
  checked,
  DEFAULT_CAPTURE_LIMIT,
  LineCollector,
  type ExecResult,
  type RemoteProcess,
  type SpawnOptions,
  type Transport,
} from "./transport.ts";

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch {
    return false;
  }
  // kill(-pgid, 0) succeeds while only zombies remain; look for a live member.
  try {
    return readFileSync(`/proc/${pgid}/stat`, "utf8").split(") ")[1]?.[0] !== "Z";
  } catch {
    return true;
  }
}

export class NetnsTransport implements Transport {
  readonly kind = "netns" as const;

  /** An empty namespace means this machine's own (root) namespace, e.g. for the host side of a veth. */
  constructor(
    readonly host: string,
    readonly namespace: string,
  ) {}

  async spawn(argv: readonly string[], options: SpawnOptions = {}): Promise<RemoteProcess> {
    if (argv.length === 0) throw new Error("spawn: empty command");
    // `ip netns exec` also gives the command the namespace's own /sys, which DPDK and XDP tools read.
    const child = Bun.spawn(this.namespace ? ["ip", "netns", "exec", this.namespace, ...argv] : [...argv], {
      detached: true,
      env: { ...process.env, ...options.env },
      stdin: options.stdin === undefined ? "ignore" : new TextEncoder().encode(options.stdin),
      stdout: "pipe",
      stderr: "pipe",
    });
    const limit = options.captureLimit ?? DEFAULT_CAPTURE_LIMIT;
    const out = new LineCollector(options.onStdoutLine, limit, options.onStdoutText);
    const err = new LineCollector(options.onStderrLine, limit);
    const pump = async (stream: ReadableStream<Uint8Array>, sink: LineCollector) => {
      for await (const chunk of stream) sink.push(chunk);
    };
    const pgid = child.pid;
    const exited = Promise.all([pump(child.stdout, out), pump(child.stderr, err), child.exited]).then(
      (): ExecResult => ({
        code: child.signalCode ? null : child.exitCode,
        signal: child.signalCode ? String(child.signalCode) : null,
        stdout: out.end(),
        stderr: err.end(),
      }),
    );
    const stop = async (graceMs = 3000): Promise<ExecResult> => {
      try {
        process.kill(-pgid, "SIGTERM");
      } catch {
        // The group is already gone.
      }
      const deadline = Date.now() + graceMs;
      while (groupAlive(pgid) && Date.now() < deadline) await Bun.sleep(20);
      if (groupAlive(pgid)) {
        try {
          process.kill(-pgid, "SIGKILL");
        } catch {
          // Gone between the check and the kill.
        }
      }
      return exited;
    };
    options.signal?.addEventListener("abort", () => void stop(), { once: true });
    return { pgid, exited, stop };
  }

  async exec(argv: readonly string[], options?: SpawnOptions): Promise<ExecResult> {
    return (await this.spawn(argv, options)).exited;
  }

  async upload(localPath: string, remotePath: string, mode = 0o644): Promise<void> {
    // A namespace shares this machine's filesystem: the copy is the upload.
    copyFileSync(localPath, remotePath);
    chmodSync(remotePath, mode);
  }

  async close(): Promise<void> {}
}

export { checked };
