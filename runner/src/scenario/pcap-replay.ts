// PCAP replay: a capture sent from the tx host onto its test interface while
// the rx host answers (the engine responder, or its kernel) and counts. The
// sender is the engine's replay role by default: the capture's first client
// and server become the tx and rx hosts, and the answers it gets are paired
// with its requests and judged (engine-replay.ts). tcpreplay remains as the
// sender that sends the frames exactly as captured, through the kernel.
import { inventoryHost, type Inventory } from "../../../infra/src/inventory.ts";
import { dpdkRuntimeDir, rxInvocation } from "../traffic/engine-command.ts";
import { emptyCounters, parseEngineLine, PROTOCOLS, type EngineStats, type Protocol, type ProtocolCounters } from "../traffic/engine-output.ts";
import type { Transport } from "../transport/transport.ts";
import { engineReplayInvocation, parseReplayLine, validates, type EngineReplayOptions, type EngineReplaySummary, type ReplayValidation } from "./engine-replay.ts";

export interface ReplayRequest extends Omit<EngineReplayOptions, "pcap" | "expect"> {
  readonly tx: string;
  readonly rx: string;
  /** The pcap on this machine. */
  readonly pcap: string;
  /** An expected-answers pcap on this machine. */
  readonly expect?: string;
  readonly sender: "engine" | "tcpreplay";
  /** Who answers on the rx host: the engine responder (which also counts) or the host's kernel. */
  readonly server: "engine" | "kernel";
  /** A records the engine responder holds (name -> 198.18.255.n, as for traffic runs). */
  readonly domains?: readonly string[];
}

export interface ReplayResult {
  readonly ok: boolean;
  readonly reason?: string;
  readonly sender: "engine" | "tcpreplay";
  /** Frames the sender says it sent. */
  readonly sent: number;
  /** Frames the rx side counted: the engine's, all protocols, or the kernel interface's rx_packets. */
  readonly received: number;
  readonly rx: Record<Protocol, ProtocolCounters>;
  /** Achieved rate at departure (engine sender). */
  readonly pps?: number;
  readonly validation?: ReplayValidation;
  readonly rewrite?: Record<string, number>;
  readonly tcpreplayOutput?: string;
}

/** tcpreplay's "Actual: 300 packets (…) sent in …" line. */
export function parseTcpreplaySent(output: string): number | undefined {
  const m = /Actual:\s+(\d+)\s+packets/.exec(output);
  return m ? Number(m[1]) : undefined;
}

interface Sent {
  readonly sent: number;
  readonly error?: string;
  readonly summary?: EngineReplaySummary;
  readonly tcpreplayOutput?: string;
}

export async function replayPcap(inv: Inventory, req: ReplayRequest, transport: (host: string) => Transport, runId: string, signal?: AbortSignal): Promise<ReplayResult> {
  const txHost = inventoryHost(inv, req.tx);
  const rxHost = inventoryHost(inv, req.rx);
  const iface = txHost.interfaces[0]?.name;
  const rxIface = rxHost.interfaces[0]?.name;
  if (!iface || !rxIface) throw new Error(`replay needs a test interface on '${req.tx}' and '${req.rx}'`);
  if (req.sender === "tcpreplay" && validates(req)) throw new Error("answers are validated by the engine sender only (sender: engine)");
  const txT = transport(req.tx);
  const rxT = transport(req.rx);
  // Over SSH the captures are copied to the host first; in a namespace this machine's path is the host's.
  const remote = (local: string, name: string) => (txT.kind === "netns" ? local : `/tmp/wirelab-replay-${runId}-${name}.pcap`);
  const pcap = remote(req.pcap, "send");
  const expect = req.expect ? remote(req.expect, "expect") : undefined;
  const uploaded: string[] = [];
  for (const [local, there] of [[req.pcap, pcap], [req.expect, expect]] as const) {
    if (local && there && there !== local) {
      await txT.upload(local, there, 0o600);
      uploaded.push(there);
    }
  }
  const fail = (reason: string, sent = 0, tcpreplayOutput?: string): ReplayResult => ({
    ok: false, reason, sender: req.sender, sent, received: 0, rx: countersOf(undefined), ...(tcpreplayOutput !== undefined ? { tcpreplayOutput } : {}),
  });

  const rxInv = rxInvocation(inv, { tx: req.tx, rx: req.rx, protocol: "udp", mode: "rate", statsInterval: req.statsInterval, udpEcho: true, ...(req.domains ? { domains: [...req.domains] } : {}) }, rxHost, { runId });
  let summary: EngineStats | undefined;
  let last: EngineStats | undefined;
  let markUp!: () => void;
  const up = new Promise<void>((r) => (markUp = r));
  const stderr: string[] = [];
  const rxCount = async () => Number((await rxT.exec(["cat", `/sys/class/net/${rxIface}/statistics/rx_packets`])).stdout.trim());
  const kernelBefore = req.server === "kernel" ? await rxCount() : 0;
  const rx =
    req.server === "engine"
      ? await rxT.spawn(rxInv.argv, {
          captureLimit: 64 * 1024,
          onStdoutLine: (line) => {
            const msg = parseEngineLine(line);
            if (msg?.type === "start") markUp();
            else if (msg?.type === "stats") last = msg;
            else if (msg?.type === "summary") summary = msg;
          },
          onStderrLine: (line) => {
            stderr.push(line);
            if (stderr.length > 20) stderr.shift();
          },
        })
      : undefined;
  const txPrefix = req.sender === "engine" ? engineReplayInvocation(inv, txHost, rxHost, { ...req, pcap, ...(expect ? { expect } : {}) }, runId) : undefined;
  try {
    if (rx) {
      const ready = await Promise.race([up.then(() => "up" as const), rx.exited.then(() => "exited" as const), Bun.sleep(30000).then(() => "timeout" as const)]);
      if (ready !== "up") return fail(`receiver engine on ${req.rx} ${ready === "exited" ? "exited before it was ready" : "did not come up in time"}: ${stderr.at(-1) ?? "no output"}`);
    }
    const s: Sent = txPrefix ? await sendWithEngine(txT, txPrefix.argv, req.tx, signal) : await sendWithTcpreplay(txT, iface, pcap, req, signal);
    if (s.error) return fail(s.error, s.sent, s.tcpreplayOutput);
    // The last frames land and the receiver's counters catch up before its final count.
    await Bun.sleep(300);
    await rx?.stop(5000);
    const counters = countersOf(summary ?? last);
    const received = rx ? PROTOCOLS.reduce((a, p) => a + counters[p].rx_packets, 0) : (await rxCount()) - kernelBefore;
    const v = s.summary?.validate;
    return {
      ok: s.sent > 0,
      ...(s.sent > 0 ? {} : { reason: `${req.sender} sent nothing` }),
      sender: req.sender,
      sent: s.sent,
      received,
      rx: counters,
      ...(s.summary ? { pps: s.summary.pps } : {}),
      ...(v ? { validation: v } : {}),
      ...(s.summary?.rewrite ? { rewrite: s.summary.rewrite } : {}),
      ...(s.tcpreplayOutput !== undefined ? { tcpreplayOutput: s.tcpreplayOutput } : {}),
    };
  } finally {
    await rx?.stop(3000);
    await rxT.exec(["rm", "-rf", dpdkRuntimeDir(rxInv.filePrefix)]).catch(() => undefined);
    if (txPrefix) await txT.exec(["rm", "-rf", dpdkRuntimeDir(txPrefix.filePrefix)]).catch(() => undefined);
    if (uploaded.length) await txT.exec(["rm", "-f", ...uploaded]).catch(() => undefined);
  }
}

async function sendWithEngine(txT: Transport, argv: string[], host: string, signal?: AbortSignal): Promise<Sent> {
  let summary: EngineReplaySummary | undefined;
  const stderr: string[] = [];
  // Ctrl-C stops the sender (SIGTERM), whose summary still comes back with what it got.
  const p = await txT.spawn(argv, {
    captureLimit: 64 * 1024,
    ...(signal ? { signal } : {}),
    onStdoutLine: (line) => {
      const s = parseReplayLine(line);
      if (s?.type === "summary") summary = s;
    },
    onStderrLine: (line) => {
      stderr.push(line);
      if (stderr.length > 20) stderr.shift();
    },
  });
  const r = await p.exited;
  if (!summary) return { sent: 0, error: `replay engine on ${host} exited ${r.code ?? r.signal} without a summary: ${stderr.findLast((l) => l.trim()) ?? "no output"}` };
  return { sent: summary.replay.frames_sent, summary };
}

async function sendWithTcpreplay(txT: Transport, iface: string, pcap: string, req: ReplayRequest, signal?: AbortSignal): Promise<Sent> {
  const argv = ["tcpreplay", "-i", iface, ...(req.pps !== undefined ? ["--pps", String(req.pps)] : ["--topspeed"]), "--loop", String(req.loop), pcap];
  // Ctrl-C stops tcpreplay's process group; the receiver's count so far still comes back.
  const r = await txT.exec(argv, signal ? { signal } : {});
  const output = (r.stdout + r.stderr).trim();
  if (r.code === 127 || /not found/.test(r.stderr)) return { sent: 0, error: `tcpreplay is not installed on ${req.tx} (Debian package 'tcpreplay')` };
  if (r.code !== 0) return { sent: 0, tcpreplayOutput: output, error: `tcpreplay on ${req.tx} exited ${r.code ?? r.signal}: ${output.split("\n").findLast((l) => l.trim()) ?? ""}` };
  return { sent: parseTcpreplaySent(output) ?? 0, tcpreplayOutput: output };
}

function countersOf(stats: EngineStats | undefined): Record<Protocol, ProtocolCounters> {
  return Object.fromEntries(PROTOCOLS.map((p) => [p, { ...emptyCounters(), ...stats?.protocols?.[p] }])) as Record<Protocol, ProtocolCounters>;
}
