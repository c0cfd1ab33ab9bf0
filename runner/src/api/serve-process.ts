// For tests and suites: `wirelab serve` as its own real process on a loopback
// port the kernel picks, its output kept, stopped by its PID the way an
// operator stops it (SIGTERM, SIGKILL only if it hangs).
import { join } from "node:path";
import { REPO_ROOT } from "../paths.ts";

export interface ServeProcess {
  readonly proc: Bun.Subprocess<"ignore", "pipe", "pipe">;
  /** `http://127.0.0.1:PORT` */
  readonly base: string;
  /** Everything it printed so far. */
  output(): { out: string; err: string };
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with how long it took to exit after SIGTERM, ms. */
  stop(graceMs?: number): Promise<number>;
}

/** Starts `serve --listen 127.0.0.1:0 ARGS...`; resolves once it has said where it listens. */
export async function startServe(args: readonly string[], env: Record<string, string | undefined> = process.env): Promise<ServeProcess> {
  const proc = Bun.spawn([process.execPath, join(REPO_ROOT, "runner/src/cli.ts"), "serve", "--listen", "127.0.0.1:0", ...args], {
    stdin: "ignore", stdout: "pipe", stderr: "pipe", env,
  });
  let out = "";
  let err = "";
  const drain = async (stream: ReadableStream<Uint8Array>, sink: (s: string) => void) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) sink(decoder.decode(chunk, { stream: true }));
  };
  void drain(proc.stdout, (s) => (out += s));
  void drain(proc.stderr, (s) => (err += s));
  let base = "";
  const until = Date.now() + 30_000;
  while (!base && Date.now() < until) {
    base = /wirelab serve: (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1] ?? "";
    if (!base && proc.exitCode !== null) throw new Error(`serve exited ${proc.exitCode}: ${err.trim()}`);
    if (!base) await Bun.sleep(50);
  }
  if (!base) {
    proc.kill("SIGKILL");
    throw new Error(`serve did not say where it listens in 30 s: ${out} ${err}`);
  }
  return {
    proc, base,
    output: () => ({ out, err }),
    async stop(graceMs = 40_000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return 0;
      const from = Date.now();
      process.kill(proc.pid, "SIGTERM");
      const ended = await Promise.race([proc.exited.then(() => true), Bun.sleep(graceMs).then(() => false)]);
      if (!ended) process.kill(proc.pid, "SIGKILL");
      await proc.exited;
      return Date.now() - from;
    },
  };
}
