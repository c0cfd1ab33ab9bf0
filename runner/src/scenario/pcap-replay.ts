// PCAP replay: the rx engine counts while tcpreplay, inside the tx host, sends
// a capture onto its test interface at a chosen rate. The engine is not the
// sender here, so the frames go out exactly as they were captured.
import { inventoryHost, type Inventory } from "../../../infra/src/inventory.ts";
import { dpdkRuntimeDir, rxInvocation } from "../traffic/engine-command.ts";
import { emptyCounters, parseEngineLine, PROTOCOLS, type EngineStats, type Protocol, type ProtocolCounters } from "../traffic/engine-output.ts";
import type { Transport } from "../transport/transport.ts";

export interface ReplayRequest {
  readonly tx: string;
  readonly rx: string;
  /** The pcap on this machine. */
  readonly pcap: string;
  readonly pps: number;
  readonly loop: number;
  readonly statsInterval: number;
}

export interface ReplayResult {
  readonly ok: boolean;
  readonly reason?: string;
  /** Packets tcpreplay says it sent. */
  readonly sent: number;
  /** Packets the rx engine counted, all protocols. */
  readonly received: number;
  readonly rx: Record<Protocol, ProtocolCounters>;
  readonly tcpreplayOutput: string;
}

/** tcpreplay's "Actual: 300 packets (…) sent in …" line. */
export function parseTcpreplaySent(output: string): number | undefined {
  const m = /Actual:\s+(\d+)\s+packets/.exec(output);
  return m ? Number(m[1]) : undefined;
}

export async function replayPcap(inv: Inventory, req: ReplayRequest, transport: (host: string) => Transport, runId: string, signal?: AbortSignal): Promise<ReplayResult> {
  const txHost = inventoryHost(inv, req.tx);
  const rxHost = inventoryHost(inv, req.rx);
  const iface = txHost.interfaces[0]?.name;
  if (!iface) throw new Error(`host '${req.tx}' has no test interface`);
  const rxInv = rxInvocation(inv, { tx: req.tx, rx: req.rx, protocol: "udp", mode: "rate", statsInterval: req.statsInterval }, rxHost, { runId });
  const txT = transport(req.tx);
  const rxT = transport(req.rx);
  // Over SSH the capture is copied to the host first; in a namespace this machine's path is the host's.
  const remotePcap = txT.kind === "netns" ? req.pcap : `/tmp/wirelab-replay-${runId}.pcap`;
  if (remotePcap !== req.pcap) await txT.upload(req.pcap, remotePcap, 0o600);

  let summary: EngineStats | undefined;
  let last: EngineStats | undefined;
  let markUp!: () => void;
  const up = new Promise<void>((r) => (markUp = r));
  const stderr: string[] = [];
  const rx = await rxT.spawn(rxInv.argv, {
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
  });
  const fail = (reason: string, sent = 0, output = ""): ReplayResult => ({ ok: false, reason, sent, received: 0, rx: countersOf(undefined), tcpreplayOutput: output });
  try {
    const ready = await Promise.race([up.then(() => "up" as const), rx.exited.then(() => "exited" as const), Bun.sleep(30000).then(() => "timeout" as const)]);
    if (ready !== "up") return fail(`receiver engine on ${req.rx} ${ready === "exited" ? "exited before it was ready" : "did not come up in time"}: ${stderr.at(-1) ?? "no output"}`);
    const argv = ["tcpreplay", "-i", iface, "--pps", String(req.pps), "--loop", String(req.loop), remotePcap];
    // Ctrl-C stops tcpreplay's process group; the receiver's count so far still comes back.
    const r = await txT.exec(argv, signal ? { signal } : {});
    const output = (r.stdout + r.stderr).trim();
    if (r.code === 127 || /not found/.test(r.stderr)) return fail(`tcpreplay is not installed on ${req.tx} (Debian package 'tcpreplay')`);
    if (r.code !== 0) return fail(`tcpreplay on ${req.tx} exited ${r.code ?? r.signal}: ${output.split("\n").findLast((l) => l.trim()) ?? ""}`, 0, output);
    const sent = parseTcpreplaySent(output) ?? 0;
    // The last frames land and the receiver's counters catch up before its final count.
    await Bun.sleep(300);
    await rx.stop(5000);
    const counters = countersOf(summary ?? last);
    const received = PROTOCOLS.reduce((a, p) => a + counters[p].rx_packets, 0);
    return { ok: sent > 0, ...(sent > 0 ? {} : { reason: "tcpreplay sent nothing" }), sent, received, rx: counters, tcpreplayOutput: output };
  } finally {
    await rx.stop(3000);
    await rxT.exec(["rm", "-rf", dpdkRuntimeDir(rxInv.filePrefix)]).catch(() => undefined);
    if (remotePcap !== req.pcap) await txT.exec(["rm", "-f", remotePcap]).catch(() => undefined);
  }
}

function countersOf(stats: EngineStats | undefined): Record<Protocol, ProtocolCounters> {
  return Object.fromEntries(PROTOCOLS.map((p) => [p, { ...emptyCounters(), ...stats?.protocols?.[p] }])) as Record<Protocol, ProtocolCounters>;
}
