// An XDP program running on a lab host for the length of a test or run:
// `wirelab-xdp run` through the host's transport, its pins under the lab's
// bpffs, its stats streamed, and a clean detach when stopped.
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { run } from "../../../infra/src/process.ts";
import { NetnsTransport } from "../transport/netns-transport.ts";
import type { RemoteProcess, Transport } from "../transport/transport.ts";
import { parseXdpLine, type XdpLoaded, type XdpStats } from "./xdp-output.ts";

/** A bpffs at the pin root (the inventory's tools.bpfPinRoot) where the host's tools run: pins made there outlive one `ip netns exec`. */
export async function ensurePinRoot(transport: Transport, root: string): Promise<void> {
  if (transport.kind === "netns") {
    // Namespaces share this machine's root mount namespace; `ip netns exec` would mount in a private one.
    if (readFileSync("/proc/mounts", "utf8").includes(` ${root} bpf `)) return;
    if (!existsSync(root)) mkdirSync(root, { recursive: true });
    const r = await run(["mount", "-t", "bpf", "bpf", root]);
    if (r.code !== 0) throw new Error(`cannot mount bpffs at ${root}: ${r.stderr.trim()}`);
    return;
  }
  const r = await transport.exec(["sh", "-c", 'grep -q " $1 bpf " /proc/mounts || { mkdir -p "$1" && mount -t bpf bpf "$1"; }', "sh", root]);
  if (r.code !== 0) throw new Error(`${transport.host}: cannot mount bpffs at ${root}: ${r.stderr.trim()}`);
}

/** The pin directory of one program: `<pin root>/<lab prefix>-<host>-<dev>`. */
export function pinDirFor(pinRoot: string, labPrefix: string, host: string, dev: string): string {
  return `${pinRoot}/${labPrefix}-${host}-${dev}`;
}

export interface XdpRunOptions {
  readonly tool: string;
  readonly dev: string;
  readonly pinDir: string;
  /** Built-in program, or an object file of the user's. */
  readonly prog?: "count" | "drop" | "reflect";
  readonly obj?: string;
  readonly section?: string;
  readonly rules?: readonly string[];
  readonly mode?: "native" | "generic" | "auto";
  readonly interval?: number;
  readonly onStats?: (stats: XdpStats) => void;
  /**
   * The veth peer of `dev` in the lab's switch namespace (netns labs). A veth passes XDP_TX
   * frames on only when its peer runs XDP too, so a pass-through counter is attached there for the session.
   */
  readonly peer?: { namespace: string; dev: string; pinDir: string };
}

export interface XdpSession {
  readonly loaded: XdpLoaded;
  readonly samples: XdpStats[];
  /** Detaches (SIGTERM: the tool prints its summary, detaches and unpins). */
  stop(): Promise<XdpStats>;
}

export async function startXdp(transport: Transport, options: XdpRunOptions): Promise<XdpSession> {
  await ensurePinRoot(transport, dirname(options.pinDir));
  const peer = options.peer ? await startPeerPass(options.tool, options.peer) : undefined;
  try {
    return await startOn(transport, options, peer);
  } catch (err) {
    await peer?.stop(2000);
    throw err;
  }
}

async function startPeerPass(tool: string, peer: { namespace: string; dev: string; pinDir: string }): Promise<RemoteProcess> {
  let loaded!: () => void;
  const attached = new Promise<void>((r) => (loaded = r));
  const proc = await new NetnsTransport("switch", peer.namespace).spawn([tool, "run", "--dev", peer.dev, "--prog", "count", "--pin-dir", peer.pinDir, "--interval", "3600"], {
    onStdoutLine: (line) => parseXdpLine(line)?.type === "loaded" && loaded(),
  });
  const up = await Promise.race([attached.then(() => true), proc.exited.then(() => false), Bun.sleep(15000).then(() => false)]);
  if (!up) {
    const done = await proc.stop(1000);
    throw new Error(`cannot attach the pass-through program on ${peer.dev}: ${done.stderr.trim().split("\n").at(-1) ?? "no output"}`);
  }
  return proc;
}

async function startOn(transport: Transport, options: XdpRunOptions, peer: RemoteProcess | undefined): Promise<XdpSession> {
  const argv = [
    options.tool, "run", "--dev", options.dev, "--pin-dir", options.pinDir,
    ...(options.prog ? ["--prog", options.prog] : []),
    ...(options.obj ? ["--obj", options.obj] : []),
    ...(options.section ? ["--section", options.section] : []),
    ...(options.mode ? ["--mode", options.mode] : []),
    ...(options.rules ?? []).flatMap((r) => ["--rule", r]),
    "--interval", String(options.interval ?? 1),
  ];
  const samples: XdpStats[] = [];
  let loaded: XdpLoaded | undefined;
  let summary: XdpStats | undefined;
  let ready!: () => void;
  const isReady = new Promise<void>((r) => (ready = r));
  const proc: RemoteProcess = await transport.spawn(argv, {
    onStdoutLine: (line) => {
      const msg = parseXdpLine(line);
      if (!msg) return;
      if (msg.type === "loaded") {
        loaded = msg;
        ready();
      } else if (msg.type === "stats") {
        samples.push(msg);
        options.onStats?.(msg);
      } else summary = msg;
    },
  });
  const outcome = await Promise.race([isReady.then(() => "up" as const), proc.exited.then(() => "exited" as const), Bun.sleep(15000).then(() => "timeout" as const)]);
  if (outcome !== "up") {
    const r = outcome === "exited" ? await proc.exited : await proc.stop(1000);
    throw new Error(`${transport.host}: wirelab-xdp did not attach to ${options.dev}: ${r.stderr.trim().split("\n").at(-1) ?? "no output"}`);
  }
  return {
    loaded: loaded!,
    samples,
    async stop() {
      const r = await proc.stop(5000);
      await peer?.stop(3000);
      if (!summary) throw new Error(`${transport.host}: wirelab-xdp ended without a summary (exit ${r.code ?? r.signal}): ${r.stderr.trim().split("\n").at(-1) ?? ""}`);
      return summary;
    },
  };
}
