// Host conformance, measured against a reference: the same probes from the
// same prober host on the same link, answered first by the Linux kernel on the
// target host, then by `wirelab-engine --role rx` on that host's test NIC
// (AF_XDP takes the NIC's frames, so the kernel no longer sees them). Each
// probe runs under a capture on the prober's NIC; the outcome and the capture
// of both sides come back side by side for a suite to compare.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inventoryHost, type InventoryHost } from "../../infra/src/inventory.ts";
import { startLab, type LabFixture } from "../src/lab-fixture.ts";
import { rxInvocation, txInvocation } from "../src/traffic/engine-command.ts";
import { parseEngineLine, type EngineEvent, type EngineStart, type EngineStats } from "../src/traffic/engine-output.ts";
import type { ExecResult, RemoteProcess, Transport } from "../src/transport/transport.ts";
import { ownTwoHostLab } from "./own-lab.ts";
import { tcpSegmentsFrom, type TcpSegment } from "./tcp-segments.ts";

export type Answerer = "kernel" | "engine";

/**
 * What each side did for each probe; `seenBy` fails naming a probe that never ran (beforeAll's
 * error says why); `both` runs a check on the kernel's, then the engine's.
 */
export function probeRecord<S>(): {
  readonly kernel: Map<string, S>;
  readonly engine: Map<string, S>;
  seenBy(side: Answerer, name: string): S;
  both(name: string, check: (s: S, side: Answerer) => void): void;
} {
  const record = { kernel: new Map<string, S>(), engine: new Map<string, S>() };
  const seenBy = (side: Answerer, name: string): S => {
    const s = record[side].get(name);
    if (s === undefined) throw new Error(`probe '${name}' did not run against the ${side} (see beforeAll's error)`);
    return s;
  };
  return {
    ...record,
    seenBy,
    both(name, check) {
      for (const side of ["kernel", "engine"] as const) check(seenBy(side, name), side);
    },
  };
}

/** What a client run on the prober saw: its exit and output, its JSON line (python probes), and what the target sent. */
export interface ClientSeen {
  readonly run: ExecResult;
  readonly json: Record<string, unknown>;
  readonly segments: TcpSegment[];
  /** Frames the target's MAC sent during the probe, decoded with checksum validation on. */
  readonly frames: DecodedFrame[];
}

/** Runs each client (argv on the prober) under a capture, one after the other, into `record` by name. */
export async function runClientProbes(
  l: ConformanceLab,
  side: Answerer,
  probes: Readonly<Record<string, (l: ConformanceLab) => string[]>>,
  record: Map<string, ClientSeen>,
): Promise<void> {
  for (const [name, argv] of Object.entries(probes)) {
    const { result, pcap } = await l.probe(`${side}-${name}`, () => l.prober.transport.exec(argv(l)));
    const line = result.stdout.split("\n").find((x) => x.startsWith("{"));
    record.set(name, {
      run: result,
      json: line ? (JSON.parse(line) as Record<string, unknown>) : {},
      segments: tcpSegmentsFrom(pcap, l.target.mac),
      frames: decodeCapture(pcap).filter((f) => f.src.toLowerCase() === l.target.mac.toLowerCase()),
    });
  }
}

export interface Endpoint {
  readonly host: InventoryHost;
  readonly ip: string;
  /** The test interface's IPv6 address, in a dual-stack lab. */
  readonly ip6?: string;
  readonly mac: string;
  /** The test interface's name on the host (eth1 in netns labs). */
  readonly ifname: string;
  readonly transport: Transport;
}

export interface ProbeOutcome<T> {
  readonly result: T;
  /** Frames the prober's NIC saw during the probe (pcap, on this machine). */
  readonly pcap: string;
}

export interface EngineRun {
  readonly start: EngineStart;
  /** Stops the engine (SIGTERM) and returns its final summary and exit status. */
  stop(): Promise<{ summary: EngineStats; result: ExecResult }>;
}

export interface GeneratorRun {
  readonly result: ExecResult;
  readonly summary?: EngineStats;
  readonly events: EngineEvent[];
}

export interface GenerateOptions {
  /** Resolve the target's MAC with ARP (and so learn from announcements) instead of giving --dst-mac. */
  readonly resolve?: boolean;
  /** Called once the engine's start line is out. */
  readonly onStart?: () => void;
}

export interface ConformanceLab {
  readonly fixture: LabFixture;
  /** The host that sends the probes (lab host "tx"). */
  readonly prober: Endpoint;
  /** The host under test (lab host "rx"): its kernel, then the engine on its NIC. */
  readonly target: Endpoint;
  /** Runs `probe` on the prober with a capture of its test NIC around it. */
  probe<T>(name: string, probe: () => Promise<T>): Promise<ProbeOutcome<T>>;
  /**
   * Runs the engine as a generator on the prober (ICMP to the target, rate mode, `count` requests)
   * plus `extraArgs` (later options win), until it ends by itself.
   */
  generate(count: number, extraArgs?: readonly string[], options?: GenerateOptions): Promise<GeneratorRun>;
  /** Starts `wirelab-engine --role rx --ip <target ip>` plus `extraArgs` on the target; resolves once its start line is out. */
  startEngine(extraArgs?: readonly string[]): Promise<EngineRun>;
  down(): Promise<void>;
}

/**
 * Brings up a two-host lab of the suite's own (`name` is its name and prefix, 198.18.`octet`.0/24,
 * dual stack with `subnet6` when given) and returns the harness. Ignores WIRELAB_INVENTORY: the
 * comparison needs a netns lab whose target NIC has a kernel behind it.
 */
export async function startConformanceLab(name: string, octet: number, why: string, subnet6?: string): Promise<ConformanceLab> {
  const work = mkdtempSync(join(tmpdir(), `wirelab-${name}-`));
  const saved = process.env.WIRELAB_INVENTORY;
  delete process.env.WIRELAB_INVENTORY;
  let fixture: LabFixture;
  try {
    fixture = await startLab(ownTwoHostLab(work, name, octet, why, subnet6), { ssh: false });
  } finally {
    if (saved !== undefined) process.env.WIRELAB_INVENTORY = saved;
  }
  const endpoint = (hostName: string): Endpoint => {
    const host = inventoryHost(fixture.inventory, hostName);
    const ifc = host.interfaces[0];
    if (!ifc) throw new Error(`${name}: host '${hostName}' has no test interface`);
    return { host, ip: ifc.ipv4, ...(ifc.ipv6 ? { ip6: ifc.ipv6 } : {}), mac: ifc.mac, ifname: ifc.name, transport: fixture.transport(hostName) };
  };
  const prober = endpoint("tx");
  const target = endpoint("rx");
  let seq = 0;

  async function probe<T>(probeName: string, run: () => Promise<T>): Promise<ProbeOutcome<T>> {
    const pcap = join(work, `${seq++}-${probeName.replace(/[^a-z0-9]+/gi, "-")}.pcap`);
    let listening!: () => void;
    const ready = new Promise<void>((r) => (listening = r));
    // --immediate-mode: with TPACKET_V3 tcpdump gets frames a ring block at a time, and what is
    // still in an unfinished block when it is stopped never reaches the file.
    const dump = await prober.transport.spawn(["tcpdump", "-i", prober.ifname, "--immediate-mode", "-U", "-n", "-w", pcap], {
      onStderrLine: (l) => l.includes("listening on") && listening(),
    });
    await waitForCapture(dump, ready);
    try {
      const result = await run();
      // Late answers (a reply after the client gave up) belong to this probe's capture too.
      await Bun.sleep(300);
      return { result, pcap };
    } finally {
      await dump.stop(2000);
    }
  }

  async function startEngine(extraArgs: readonly string[] = []): Promise<EngineRun> {
    const inv = rxInvocation(fixture.inventory, { tx: "tx", rx: "rx", protocol: "udp", mode: "rate" }, target.host, { runId: `${name}${seq++}` });
    let start: EngineStart | undefined;
    let summary: EngineStats | undefined;
    let started!: () => void;
    const up = new Promise<void>((r) => (started = r));
    const proc: RemoteProcess = await target.transport.spawn([...inv.argv, ...extraArgs], {
      onStdoutLine: (l) => {
        const m = parseEngineLine(l);
        if (m?.type === "start") {
          start = m;
          started();
        }
        if (m?.type === "summary") summary = m;
      },
    });
    const early = await Promise.race([up.then(() => undefined), proc.exited, Bun.sleep(20000).then(() => "timeout" as const)]);
    if (!start) {
      const why = early === "timeout" ? "no start line within 20 s" : `exited ${early?.code}: ${early?.stderr.trim().split("\n").at(-1) ?? ""}`;
      await proc.stop(2000);
      throw new Error(`${name}: the engine on ${target.host.name} did not start (${why})`);
    }
    const begun = start;
    return {
      start: begun,
      async stop() {
        const result = await proc.stop(5000);
        if (!summary) throw new Error(`${name}: the engine ended without a summary (exit ${result.code}): ${result.stderr.trim().split("\n").at(-1) ?? ""}`);
        return { summary, result };
      },
    };
  }

  async function generate(count: number, extraArgs: readonly string[] = [], options: GenerateOptions = {}): Promise<GeneratorRun> {
    const spec = { tx: "tx", rx: "rx", protocol: "icmp", mode: "rate", pps: 100, count, statsInterval: 1 } as const;
    const inv = txInvocation(fixture.inventory, spec, prober.host, target.host, { runId: `${name}${seq++}`, lcores: { tx: 0, rx: 1 } });
    let summary: EngineStats | undefined;
    const events: EngineEvent[] = [];
    const argv = options.resolve ? inv.argv.filter((a, i, all) => a !== "--dst-mac" && all[i - 1] !== "--dst-mac") : inv.argv;
    const proc = await prober.transport.spawn([...argv, ...extraArgs], {
      onStdoutLine: (l) => {
        const m = parseEngineLine(l);
        if (m?.type === "start") options.onStart?.();
        if (m?.type === "summary") summary = m;
        if (m?.type === "event") events.push(m);
      },
    });
    const timer = setTimeout(() => void proc.stop(2000), 60_000);
    const result = await proc.exited;
    clearTimeout(timer);
    return { result, events, ...(summary ? { summary } : {}) };
  }

  return {
    fixture,
    prober,
    target,
    probe,
    generate,
    startEngine,
    async down() {
      await fixture.down();
      rmSync(work, { recursive: true, force: true });
    },
  };
}

export interface Comparison {
  /** Commands on the target that answer for its kernel (an echo server, dnsmasq); stopped before the engine takes its NIC. */
  readonly servers?: readonly (readonly string[])[];
  /** Options for the engine on the target, after `--role rx --ip <target ip>`. */
  readonly engineArgs: readonly string[];
  /** What each side is put through (probes, the generator), the kernel first. */
  observe(side: Answerer): Promise<void>;
}

/** The comparison each conformance suite makes: the target's kernel, then the engine on its NIC; the engine's summary and exit. */
export async function kernelThenEngine(lab: ConformanceLab, c: Comparison): Promise<{ summary: EngineStats; result: ExecResult }> {
  const servers: RemoteProcess[] = [];
  try {
    for (const argv of c.servers ?? []) servers.push(await lab.target.transport.spawn(argv));
    // The servers bind and listen before the first probe reaches them.
    if (servers.length > 0) await Bun.sleep(700);
    await c.observe("kernel");
  } finally {
    for (const s of servers) await s.stop(2000);
  }
  const engine = await lab.startEngine(c.engineArgs);
  let end: { summary: EngineStats; result: ExecResult };
  try {
    await c.observe("engine");
  } finally {
    end = await engine.stop();
  }
  return end;
}

/** tcpdump says "listening on" once its socket is open; frames before that are lost. */
async function waitForCapture(dump: RemoteProcess, ready: Promise<void>): Promise<void> {
  const ended = await Promise.race([dump.exited, ready.then(() => "ready" as const), Bun.sleep(10_000).then(() => "timeout" as const)]);
  if (ended === "ready") return;
  if (ended === "timeout") {
    await dump.stop(1000);
    throw new Error("tcpdump did not say 'listening on' within 10 s");
  }
  throw new Error(`tcpdump ended at once (exit ${ended.code}): ${ended.stderr.trim()}`);
}

/** Frames of a capture, decoded by tshark with IP/ICMP/UDP/TCP checksum validation on. */
export interface DecodedFrame {
  readonly number: number;
  readonly src: string;
  readonly protocols: string;
  readonly info: string;
  /** Checksum expert infos and malformed markers tshark raised on this frame. */
  readonly problems: string[];
  /** An IPv4 fragment (MF set or a non-zero offset). */
  readonly fragment: boolean;
  /** The IPv4 identification ("0x1234"), "" when the frame has no IPv4 header. */
  readonly ipId: string;
}

const TSHARK_CHECKS = ["ip.check_checksum:TRUE", "udp.check_checksum:TRUE", "tcp.check_checksum:TRUE"];

/**
 * Decodes a pcap with tshark, checksum validation on. Throws when tshark fails or
 * prints nothing for a capture that has frames, so a preference tshark does not know
 * can never make a capture look clean.
 */
export function decodeCapture(pcap: string): DecodedFrame[] {
  const fields = ["frame.number", "eth.src", "frame.protocols", "_ws.col.Info", "_ws.expert.message", "_ws.malformed", "ip.flags.mf", "ip.frag_offset", "ip.id"];
  const r = Bun.spawnSync(["tshark", "-r", pcap, ...TSHARK_CHECKS.flatMap((o) => ["-o", o]), "-T", "fields", "-E", "separator=\t", "-E", "occurrence=a", "-E", "aggregator=|", ...fields.flatMap((f) => ["-e", f])]);
  const err = r.stderr.toString().trim();
  if (r.exitCode !== 0) throw new Error(`tshark -r ${pcap} failed (exit ${r.exitCode}): ${err}`);
  const count = Bun.spawnSync(["capinfos", "-c", "-M", pcap]).stdout.toString().match(/Number of packets:\s*(\d+)/);
  const lines = r.stdout.toString().split("\n").filter((l) => l.length > 0);
  if (count && Number(count[1]) !== lines.length) throw new Error(`tshark decoded ${lines.length} of ${count[1]} frames of ${pcap}: ${err}`);
  return lines.map((l) => {
    const [num, src, protocols, info, expert, malformed, mf, offset, ipId] = l.split("\t");
    const problems = (expert ?? "").split("|").filter((m) => /checksum|malformed/i.test(m) && !/\[unverified\]|status: Good/i.test(m));
    if (malformed) problems.push("malformed");
    const fragment = (mf ?? "").split("|").some((v) => v === "1" || v === "True") || (offset ?? "").split("|").some((v) => Number(v) > 0);
    return { number: Number(num), src: src ?? "", protocols: protocols ?? "", info: info ?? "", problems, fragment, ipId: (ipId ?? "").split("|")[0] ?? "" };
  });
}

