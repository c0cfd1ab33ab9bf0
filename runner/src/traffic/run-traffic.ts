// One traffic run between two lab hosts: receiver first, then sender; stats
// streamed from both; stopped by the sender's own end, a signal or a host
// dying; every process ended by its process group; checks evaluated at the end.
import { rmSync } from "node:fs";
import { inventoryHost, type Inventory } from "../../../infra/src/inventory.ts";
import type { RemoteProcess, Transport } from "../transport/transport.ts";
import { emptyCounters, parseEngineLine, PROTOCOLS, type EngineStart, type EngineStats, type Protocol, type ProtocolCounters } from "./engine-output.ts";
import { dpdkRuntimeDir, rxInvocation, txInvocation, type EngineInvocation } from "./engine-command.ts";
import { runStop } from "./run-stop.ts";
import { validateSpec, type TrafficSpec } from "./traffic-spec.ts";
import { toolsOf } from "../../../infra/src/inventory.ts";
import { holdDpdkRuntimeDirs, removeStaleDpdkFiles } from "../../../infra/src/dpdk-runtime.ts";
import { pinDirFor, startXdp } from "../xdp/xdp-session.ts";
import type { XdpStats } from "../xdp/xdp-output.ts";
import { breakdownOf, sumBreakdowns, type Breakdown, type IpVersion } from "./breakdown.ts";

export interface Sample {
  readonly host: string;
  readonly role: "tx" | "rx";
  readonly stats: EngineStats;
  /** The run's IP family: labels the counters of an engine that does not split them by family itself. */
  readonly ipVersion?: IpVersion;
  /** Which engine process this came from (counters restart with each one): the run id and the role. */
  readonly engine?: string;
}

export interface HostOutcome {
  readonly host: string;
  readonly role: "tx" | "rx";
  readonly argv: readonly string[];
  start?: EngineStart;
  summary?: EngineStats;
  samples: EngineStats[];
  exitCode: number | null;
  stderrTail: string;
  pcap?: string;
}

export interface CheckResult {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export type RunState = "passed" | "failed" | "interrupted";

export interface TrafficResult {
  /** The receiver's XDP program's final counters, when the run used one. */
  readonly xdp?: XdpStats;
  readonly runId: string;
  readonly spec: TrafficSpec;
  readonly startedAt: string;
  readonly endedAt: string;
  readonly state: RunState;
  /** One line: why the run failed or was interrupted. */
  readonly reason?: string;
  readonly hosts: HostOutcome[];
  /** Final counters per protocol as the sender saw them (sent, answers matched) and as the receiver saw them. */
  readonly tx: Record<Protocol, ProtocolCounters>;
  readonly rx: Record<Protocol, ProtocolCounters>;
  readonly rtt: EngineStats["rtt_us"];
  /** The final counters per worker, port, IP family and VLAN (and one-way latency, sequence) of each side. */
  readonly breakdown: { readonly tx: Breakdown; readonly rx: Breakdown };
  readonly checks: CheckResult[];
}

export interface RunTrafficOptions {
  readonly runId: string;
  readonly transport: (host: string) => Transport;
  /** Every stats line of each engine, then its summary (type "summary": the final counters, run-average rates). */
  readonly onSample?: (sample: Sample) => void;
  readonly onEvent?: (host: string, line: Record<string, unknown>) => void;
  readonly log?: (line: string) => void;
  readonly signal?: AbortSignal;
  readonly pcapPath?: (host: string) => string;
  readonly lcores?: { tx: number; rx: number };
  /** How long the receiver may take to come up (DPDK start-up), ms. */
  readonly startTimeoutMs?: number;
}

interface Running {
  outcome: HostOutcome;
  proc: RemoteProcess;
  started: Promise<void>;
  transport: Transport;
  filePrefix: string;
}

async function startEngine(inv: EngineInvocation, transport: Transport, options: RunTrafficOptions, ipVersion: IpVersion): Promise<Running> {
  const outcome: HostOutcome = { host: inv.host, role: inv.role, argv: inv.argv, samples: [], exitCode: null, stderrTail: "", ...(inv.pcap ? { pcap: inv.pcap } : {}) };
  let markStarted!: () => void;
  const started = new Promise<void>((r) => (markStarted = r));
  const stderr: string[] = [];
  const proc = await transport.spawn(inv.argv, {
    captureLimit: 64 * 1024,
    onStdoutLine: (line) => {
      const msg = parseEngineLine(line);
      if (!msg) return;
      if (msg.type === "start") {
        outcome.start = msg;
        markStarted();
      } else if (msg.type === "stats") {
        outcome.samples.push(msg);
        options.onSample?.({ host: inv.host, role: inv.role, stats: msg, ipVersion, engine: `${options.runId}-${inv.role}` });
      } else if (msg.type === "summary") {
        outcome.summary = msg;
        // The final counters are the last sample: stores, metrics and live views end on the engine's own totals.
        options.onSample?.({ host: inv.host, role: inv.role, stats: msg, ipVersion, engine: `${options.runId}-${inv.role}` });
      } else {
        options.onEvent?.(inv.host, msg as unknown as Record<string, unknown>);
      }
    },
    onStderrLine: (line) => {
      stderr.push(line);
      if (stderr.length > 40) stderr.shift();
      options.log?.(`${inv.host}: ${line}`);
    },
  });
  void proc.exited.then((r) => {
    outcome.exitCode = r.code;
    outcome.stderrTail = stderr.join("\n");
  });
  return { outcome, proc, started, transport, filePrefix: inv.filePrefix };
}

/** A namespace shares this machine's filesystem: its engine's runtime dir is removed here, without a process per engine. */
async function removeRuntimeDir(transport: Transport, dir: string): Promise<void> {
  try {
    if (transport.kind === "netns") rmSync(dir, { recursive: true, force: true });
    else await transport.exec(["rm", "-rf", dir]);
  } catch {
    // Left for the next run's sweep and `lab down`, as an engine killed with its runner leaves it.
  }
}

function lastError(o: HostOutcome): string {
  const lines = o.stderrTail.split("\n").filter((l) => l.trim());
  return lines.findLast((l) => /error|fail|cannot|invalid|unknown/i.test(l)) ?? lines.at(-1) ?? "no output";
}

function countersOf(stats: EngineStats | undefined): Record<Protocol, ProtocolCounters> {
  return Object.fromEntries(PROTOCOLS.map((p) => [p, { ...emptyCounters(), ...stats?.protocols?.[p] }])) as Record<Protocol, ProtocolCounters>;
}

/** The receiver's view from its XDP program: frames it saw per protocol (whatever its verdict), under the engine's names. */
function countersFromXdp(x: XdpStats): Record<Protocol, ProtocolCounters> {
  return Object.fromEntries(PROTOCOLS.map((p) => [p, { ...emptyCounters(), rx_packets: x.protocols?.[p]?.packets ?? 0, rx_bytes: x.protocols?.[p]?.bytes ?? 0 }])) as Record<Protocol, ProtocolCounters>;
}

export function evaluateChecks(
  spec: TrafficSpec,
  tx: Record<Protocol, ProtocolCounters>,
  rx: Record<Protocol, ProtocolCounters>,
  rtt: EngineStats["rtt_us"],
  txSummary?: Pick<EngineStats, "dns_rcodes" | "tcp">,
): CheckResult[] {
  const protos: Protocol[] = spec.protocol === "random" ? [...PROTOCOLS] : [spec.protocol];
  const sum = (side: Record<Protocol, ProtocolCounters>, key: keyof ProtocolCounters) => protos.reduce((a, p) => a + side[p][key], 0);
  const sent = sum(tx, "tx_packets");
  const received = sum(rx, "rx_packets");
  const checks: CheckResult[] = [
    { name: "sent", ok: sent > 0, detail: `${sent} ${spec.protocol} packets sent` },
    { name: "received", ok: received > 0, detail: `${received} ${spec.protocol} packets received` },
  ];
  const c = spec.checks ?? {};
  if (c.minRxRatio !== undefined) {
    const ratio = sent ? received / sent : 0;
    checks.push({ name: "min_rx_ratio", ok: ratio >= c.minRxRatio, detail: `rx/tx ${ratio.toFixed(4)} (at least ${c.minRxRatio})` });
  }
  if (c.minAnswerRatio !== undefined) {
    const requests = sum(tx, "requests") || sent;
    const matched = sum(tx, "answers_matched");
    const ratio = requests ? matched / requests : 0;
    checks.push({ name: "min_answer_ratio", ok: ratio >= c.minAnswerRatio, detail: `${matched}/${requests} answers matched (at least ${c.minAnswerRatio})` });
  }
  if (c.maxRttP99Us !== undefined) {
    checks.push({ name: "max_rtt_p99_us", ok: rtt !== null && rtt.p99 <= c.maxRttP99Us, detail: rtt ? `p99 ${rtt.p99} us (at most ${c.maxRttP99Us})` : "no RTT measured" });
  }
  if (c.maxNxdomain !== undefined) {
    const n = txSummary?.dns_rcodes?.nxdomain;
    checks.push({ name: "max_nxdomain", ok: n !== undefined && n <= c.maxNxdomain, detail: n === undefined ? "the sender reported no DNS RCODEs" : `${n} NXDOMAIN answers (at most ${c.maxNxdomain})` });
  }
  if (c.maxTcpViolations !== undefined) {
    const v = txSummary?.tcp.client?.violations;
    checks.push({ name: "max_tcp_violations", ok: v !== undefined && v <= c.maxTcpViolations, detail: v === undefined ? "the sender reported no TCP connections" : `${v} segments off the RFC 9293 state machine (at most ${c.maxTcpViolations})` });
  }
  return checks;
}

export async function runTraffic(inv: Inventory, input: TrafficSpec, options: RunTrafficOptions): Promise<TrafficResult> {
  const spec = validateSpec(input);
  const txHost = inventoryHost(inv, spec.tx);
  const rxHost = inventoryHost(inv, spec.rx);
  const engineOptions = { runId: options.runId, ...(options.pcapPath ? { pcapPath: options.pcapPath } : {}), ...(options.lcores ? { lcores: options.lcores } : {}) };
  const rxInv = rxInvocation(inv, spec, rxHost, engineOptions);
  const txInv = txInvocation(inv, spec, txHost, rxHost, engineOptions);
  // Engines of an earlier run killed with its runner left DPDK runtime files here: theirs are removed once no process holds them.
  if (inv.backend === "netns") removeStaleDpdkFiles(inv.lab.prefix);
  // Each engine's runtime dir is held from before it starts, so a run starting beside this one never sweeps it away.
  const dirHolds: (() => void)[] = [];
  const startedAt = new Date().toISOString();
  const running: Running[] = [];
  let state: RunState = "passed";
  let reason: string | undefined;
  const fail = (why: string) => {
    if (state === "passed") {
      state = "failed";
      reason = why;
    }
  };
  // One stop for the whole run, listened to before anything starts: an abort while an engine is being spawned or
  // coming up is never lost. Senders are stopped at once (they end gracefully and print their summary); receivers
  // are stopped by the flow below once the senders are gone, so they still count the last frames.
  const stop = runStop(options.signal, () => {
    for (const r of running) if (r.outcome.role === "tx") void r.proc.stop(3000);
  });
  const interrupted = stop.requested;
  /** Starts an engine and keeps it in `running`; one the run was aborted while it started is stopped right away. */
  const launch = async (engine: EngineInvocation, host: string): Promise<Running> => {
    if (inv.backend === "netns") dirHolds.push(holdDpdkRuntimeDirs([engine.filePrefix]));
    const r = await startEngine(engine, options.transport(host), options, spec.ipVersion ?? 4);
    running.push(r);
    if (interrupted() && r.outcome.role === "tx") void r.proc.stop(3000);
    return r;
  };

  /** The sender on its own, until it ends by itself or the run is aborted: no engine receives. */
  const sendAlone = async (): Promise<void> => {
    if (interrupted()) return;
    const tx = await launch(txInv, txHost.name);
    const txExit = await tx.proc.exited;
    if (!interrupted() && txExit.code !== 0) fail(`sender engine on ${txHost.name} exited ${txExit.code ?? txExit.signal}: ${lastError(tx.outcome)}`);
  };
  const withReceiver = spec.receiver !== "none" || spec.xdp !== undefined;
  let xdpSummary: XdpStats | undefined;
  // The run's steps; each `return` ends it early, and `finally` below stops whatever it started.
  const drive = async (): Promise<void> => {
    if (interrupted()) return;
    if (spec.xdp) {
      const ifc = rxHost.interfaces[0]!;
      const session = await startXdp(options.transport(rxHost.name), {
        tool: toolsOf(rxHost).xdp,
        dev: ifc.name,
        pinDir: pinDirFor(toolsOf(rxHost).bpfPinRoot, inv.lab.prefix, rxHost.name, ifc.name),
        ...(spec.xdp.prog ? { prog: spec.xdp.prog } : {}),
        ...(spec.xdp.obj ? { obj: spec.xdp.obj } : {}),
        ...(spec.xdp.rules ? { rules: spec.xdp.rules } : {}),
        ...(ifc.peer && spec.xdp.prog === "reflect" ? { peer: { ...ifc.peer, pinDir: pinDirFor(toolsOf(rxHost).bpfPinRoot, inv.lab.prefix, "sw", ifc.peer.dev) } } : {}),
      });
      options.log?.(`${rxHost.name}: XDP ${session.loaded.prog} attached to ${ifc.name} (${session.loaded.mode})`);
      try {
        await sendAlone();
        await Bun.sleep(300);
      } finally {
        xdpSummary = await session.stop();
      }
      return;
    }
    if (!withReceiver) {
      // Only a sender: the receiving host's kernel, XDP program or baseline receiver is measured by the caller.
      await sendAlone();
      return;
    }
    const rx = await launch(rxInv, rxHost.name);
    let startTimer: ReturnType<typeof setTimeout> | undefined;
    const rxUp = await Promise.race([
      rx.started.then(() => "up" as const),
      rx.proc.exited.then(() => "exited" as const),
      stop.stopped,
      new Promise<"timeout">((resolve) => (startTimer = setTimeout(() => resolve("timeout"), options.startTimeoutMs ?? 30000))),
    ]);
    clearTimeout(startTimer);
    // Stopped while the receiver was coming up: no sender starts; `finally` stops the receiver.
    if (rxUp === "stopped" || interrupted()) return;
    if (rxUp !== "up") {
      await rx.proc.stop(1000);
      throw new Error(`receiver engine on ${rxHost.name} ${rxUp === "exited" ? "exited before it was ready" : "did not come up in time"}: ${lastError(rx.outcome)}`);
    }
    options.log?.(`${rxHost.name}: receiver up (${rx.outcome.start?.port.driver} ${rx.outcome.start?.port.mac})`);

    const tx = await launch(txInv, txHost.name);
    // The sender ends by itself (duration, count) or on the run's stop; the receiver dying ends it early.
    const first = await Promise.race([tx.proc.exited.then(() => "tx" as const), rx.proc.exited.then(() => "rx" as const)]);
    if (first === "rx") {
      fail(`receiver engine on ${rxHost.name} ended mid-run (exit ${rx.outcome.exitCode ?? "by signal"}): ${lastError(rx.outcome)}`);
      await tx.proc.stop(3000);
    }
    const txExit = await tx.proc.exited;
    if (!interrupted() && first === "tx" && txExit.code !== 0) fail(`sender engine on ${txHost.name} exited ${txExit.code ?? txExit.signal}: ${lastError(tx.outcome)}`);
    // Give answers and the last frames time to land before the receiver's final count.
    if (first === "tx") await Bun.sleep(300);
    await rx.proc.stop(5000);
  };
  try {
    await drive();
  } catch (err) {
    fail((err as Error).message.split("\n")[0]!);
  } finally {
    stop.dispose();
    await Promise.all(running.map((r) => r.proc.stop(3000)));
    // Let the exit handlers record exit codes and stderr.
    await Promise.all(running.map((r) => r.proc.exited));
    // DPDK leaves its runtime files behind; they are this run's to remove.
    for (const release of dirHolds) release();
    await Promise.all(running.map((r) => removeRuntimeDir(r.transport, dpdkRuntimeDir(r.filePrefix))));
    await Bun.sleep(0);
  }
  return finish();

  function finish(): TrafficResult {
    const hosts = running.map((r) => r.outcome);
    const txOut = hosts.find((h) => h.role === "tx");
    const rxOut = hosts.find((h) => h.role === "rx");
    const txSummary = txOut?.summary ?? txOut?.samples.at(-1);
    const rxSummary = rxOut?.summary ?? rxOut?.samples.at(-1);
    const txCounters = countersOf(txSummary);
    const rxCounters = xdpSummary ? countersFromXdp(xdpSummary) : countersOf(rxSummary);
    const rtt = txSummary?.rtt_us ?? null;
    const side = (role: "tx" | "rx") =>
      sumBreakdowns(hosts.filter((h) => h.role === role).map((h) => breakdownOf(h.summary ?? h.samples.at(-1), spec.ipVersion ?? 4)));
    const checks = evaluateChecks(spec, txCounters, rxCounters, rtt, txSummary).filter((c) => withReceiver || c.name !== "received");
    if (interrupted()) {
      state = "interrupted";
      reason ??= "stopped by signal";
    } else if (state === "passed") {
      const failed = checks.filter((c) => !c.ok);
      if (failed.length) {
        state = "failed";
        reason = failed.map((c) => `${c.name}: ${c.detail}`).join("; ");
      }
    }
    return {
      runId: options.runId,
      spec,
      startedAt,
      endedAt: new Date().toISOString(),
      state,
      ...(reason ? { reason } : {}),
      hosts,
      ...(xdpSummary ? { xdp: xdpSummary } : {}),
      tx: txCounters,
      rx: rxCounters,
      rtt,
      breakdown: { tx: side("tx"), rx: xdpSummary ? breakdownOf(undefined) : side("rx") },
      checks,
    };
  }
}
