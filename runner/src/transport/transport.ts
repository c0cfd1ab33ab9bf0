// One way to run things on a lab host, whatever the host is: a namespace on
// this machine or a VM / bare-metal host over SSH. Commands are argument
// arrays; only the SSH edge quotes them, once.

export interface SpawnOptions {
  /** Extra environment for the command. */
  readonly env?: Readonly<Record<string, string>>;
  readonly stdin?: string;
  /** Called per complete line of output, as it arrives. */
  readonly onStdoutLine?: (line: string) => void;
  readonly onStderrLine?: (line: string) => void;
  /** Called with stdout as it arrives, in pieces that need not end at a line: for a reader with its own framing. */
  readonly onStdoutText?: (text: string) => void;
  /** Aborting stops the whole process group, as stop() does. */
  readonly signal?: AbortSignal;
  /** Output kept in the result, per stream (default 1 MiB); line callbacks see everything. */
  readonly captureLimit?: number;
}

export interface ExecResult {
  /** Exit status, or null when ended by a signal. */
  readonly code: number | null;
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RemoteProcess {
  /** The process group id on the host (the leader's pid). */
  readonly pgid: number;
  readonly exited: Promise<ExecResult>;
  /** SIGTERM to the whole group, then SIGKILL after graceMs if anything is left. */
  stop(graceMs?: number): Promise<ExecResult>;
}

export interface Transport {
  readonly kind: "netns" | "ssh";
  /** The lab host this transport reaches. */
  readonly host: string;
  spawn(argv: readonly string[], options?: SpawnOptions): Promise<RemoteProcess>;
  exec(argv: readonly string[], options?: SpawnOptions): Promise<ExecResult>;
  /** Copies a local file to the host, creating nothing but the file itself. */
  upload(localPath: string, remotePath: string, mode?: number): Promise<void>;
  close(): Promise<void>;
}

/** A failed command, with its exit status and the first line of what it said. */
export class CommandError extends Error {
  constructor(
    readonly host: string,
    readonly argv: readonly string[],
    readonly result: ExecResult,
  ) {
    const said = (result.stderr.trim() || result.stdout.trim()).split("\n")[0] ?? "";
    super(
      `${host}: '${argv.join(" ").slice(0, 80)}' ${result.code === null ? `killed by ${result.signal}` : `exited ${result.code}`}${said ? `: ${said}` : ""}`,
    );
    this.name = "CommandError";
  }
}

export function checked(host: string, argv: readonly string[], result: ExecResult): ExecResult {
  if (result.code !== 0) throw new CommandError(host, argv, result);
  return result;
}

/** Splits a byte stream into lines for callbacks and keeps a bounded copy. */
export class LineCollector {
  private partial = "";
  private kept = "";
  private readonly decoder = new TextDecoder();

  constructor(
    private readonly onLine: ((line: string) => void) | undefined,
    private readonly limit: number,
    private readonly onText?: (text: string) => void,
  ) {}

  push(chunk: Uint8Array | string): void {
    const text = typeof chunk === "string" ? chunk : this.decoder.decode(chunk, { stream: true });
    if (this.kept.length < this.limit) this.kept += text.slice(0, this.limit - this.kept.length);
    this.onText?.(text);
    if (!this.onLine) return;
    const parts = (this.partial + text).split("\n");
    this.partial = parts.pop()!;
    for (const line of parts) this.onLine(line);
  }

  end(): string {
    if (this.onLine && this.partial) this.onLine(this.partial);
    this.partial = "";
    return this.kept;
  }
}

export const DEFAULT_CAPTURE_LIMIT = 1 << 20;
