// Runs the commands the program declares, for real: the mock's answer to a
// local.Command is what its `create` printed. Deletes replay later in the
// order recovered from the declared graph.
import { spawn } from "node:child_process";
import { deleteOrder, type Registration } from "./harness.ts";
import { copyDirectory, runRemote, type RemoteConnection, type RemoteResult } from "./remote-exec.ts";

/** Serialized archives: the runtime's signature key, with this value, beside a `path`. */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7";

export interface CommandRun {
  readonly name: string;
  readonly phase: "create" | "delete";
  readonly ms: number;
  readonly code: number;
}

function runScript(script: string, env: Record<string, string>, stdin: string | undefined, timeoutMs: number): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("/bin/bash", ["-c", script], { env: { ...process.env, ...env }, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGTERM"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(stdin ?? "");
  });
}

export class CommandExecutor {
  readonly runs: CommandRun[] = [];
  readonly created: Registration[] = [];
  constructor(private readonly log: (line: string) => void = () => {}) {}

  /** The mock responder: create for real, answer with its output. */
  respond = async (reg: Registration): Promise<Record<string, any>> => {
    const started = Date.now();
    this.log(`create ${reg.name}`);
    const r = await this.create(reg);
    this.runs.push({ name: reg.name, phase: "create", ms: Date.now() - started, code: r.code });
    this.log(`  ${reg.name}: exit ${r.code} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
    if (r.code !== 0) throw new Error(`${reg.name} create failed (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
    this.created.push(reg);
    return { ...reg.inputs, stdout: r.stdout.replace(/\n$/, ""), stderr: r.stderr };
  };

  private create(reg: Registration): Promise<RemoteResult> {
    const { inputs } = reg;
    switch (reg.type) {
      case "command:local:Command":
        return runScript(inputs.create, inputs.environment ?? {}, inputs.stdin, 30 * 60_000);
      case "command:remote:Command":
        return runRemote(connectionOf(reg), inputs.create, inputs.stdin);
      case "command:remote:CopyToRemote": {
        const source = inputs.source as Record<string, unknown> | undefined;
        if (source?.[SIG_KEY] !== ARCHIVE_SIG || typeof source.path !== "string") throw new Error(`${reg.name}: the VM suite copies FileArchive directories only`);
        return copyDirectory(connectionOf(reg), source.path, inputs.remotePath);
      }
      default:
        throw new Error(`the VM suite does not know how to execute ${reg.type} (${reg.name})`);
    }
  }

  /**
   * Runs every delete command, dependents first; returns the failures instead of stopping at the first.
   * What was deleted is no longer created: a later destroy of everything does not delete it again.
   */
  async destroy(all: readonly Registration[]): Promise<string[]> {
    const failures: string[] = [];
    const createdUrns = new Set(this.created.map((r) => r.urn));
    for (const reg of deleteOrder(all)) {
      if (!createdUrns.has(reg.urn) || !reg.inputs.delete) continue;
      const started = Date.now();
      this.log(`delete ${reg.name}`);
      const r =
        reg.type === "command:remote:Command"
          ? await runRemote(connectionOf(reg), reg.inputs.delete, undefined, 5 * 60_000).catch((err: Error) => ({ code: -1, stdout: "", stderr: err.message }))
          : await runScript(reg.inputs.delete, reg.inputs.environment ?? {}, undefined, 5 * 60_000);
      this.runs.push({ name: reg.name, phase: "delete", ms: Date.now() - started, code: r.code });
      if (r.code !== 0) failures.push(`${reg.name}: exit ${r.code}: ${r.stderr.trim()}`);
      else this.created.splice(0, this.created.length, ...this.created.filter((c) => c.urn !== reg.urn));
    }
    return failures;
  }
}

function connectionOf(reg: Registration): RemoteConnection {
  const c = reg.inputs.connection as Partial<RemoteConnection> | undefined;
  if (!c?.host || !c.privateKey) throw new Error(`${reg.name}: connection needs host and privateKey`);
  return { host: c.host, privateKey: c.privateKey, ...(c.port !== undefined ? { port: c.port } : {}), ...(c.user !== undefined ? { user: c.user } : {}) };
}
