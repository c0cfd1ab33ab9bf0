// Host conformance, measured against a reference: the same probes from the
// same prober host on the same link, answered first by the Linux kernel on the
// target host, then by `wirelab-engine --role rx` on that host's test NIC
// (AF_XDP takes the NIC's frames, so the kernel no longer sees them). Each
// probe runs under a capture on the prober's NIC; the outcome and the capture
// of both sides come back side by side for a suite to compare.
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inventoryHost, type InventoryHost } from "../../infra/src/inventory.ts";
import { startLab, type LabFixture } from "../src/lab-fixture.ts";
import { rxInvocation } from "../src/traffic/engine-command.ts";
import { parseEngineLine, type EngineStart, type EngineStats } from "../src/traffic/engine-output.ts";
import type { ExecResult, RemoteProcess, Transport } from "../src/transport/transport.ts";
import { ownTwoHostLab } from "./own-lab.ts";

export type Answerer = "kernel" | "engine";

export interface Endpoint {
  readonly host: InventoryHost;
  readonly ip: string;
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

export interface ConformanceLab {
  readonly fixture: LabFixture;
  /** The host that sends the probes (lab host "tx"). */
  readonly prober: Endpoint;
  /** The host under test (lab host "rx"): its kernel, then the engine on its NIC. */
  readonly target: Endpoint;
  /** Runs `probe` on the prober with a capture of its test NIC around it. */
  probe<T>(name: string, probe: () => Promise<T>): Promise<ProbeOutcome<T>>;
  /** Starts `wirelab-engine --role rx --ip <target ip>` plus `extraArgs` on the target; resolves once its start line is out. */
  startEngine(extraArgs?: readonly string[]): Promise<EngineRun>;
  down(): Promise<void>;
}

/**
 * Brings up a two-host lab of the suite's own (`name` is its name and prefix, 198.18.`octet`.0/24)
 * and returns the harness. Ignores WIRELAB_INVENTORY: the comparison needs a netns lab whose
 * target NIC has a kernel behind it.
 */
export async function startConformanceLab(name: string, octet: number, why: string): Promise<ConformanceLab> {
  const work = mkdtempSync(join(tmpdir(), `wirelab-${name}-`));
  const saved = process.env.WIRELAB_INVENTORY;
  delete process.env.WIRELAB_INVENTORY;
  let fixture: LabFixture;
  try {
    fixture = await startLab(ownTwoHostLab(work, name, octet, why), { ssh: false });
  } finally {
    if (saved !== undefined) process.env.WIRELAB_INVENTORY = saved;
  }
  const endpoint = (hostName: string): Endpoint => {
    const host = inventoryHost(fixture.inventory, hostName);
    const ifc = host.interfaces[0];
    if (!ifc) throw new Error(`${name}: host '${hostName}' has no test interface`);
    return { host, ip: ifc.ipv4, mac: ifc.mac, ifname: ifc.name, transport: fixture.transport(hostName) };
  };
  const prober = endpoint("tx");
  const target = endpoint("rx");
  let seq = 0;

  async function probe<T>(probeName: string, run: () => Promise<T>): Promise<ProbeOutcome<T>> {
    const pcap = join(work, `${seq++}-${probeName.replace(/[^a-z0-9]+/gi, "-")}.pcap`);
    // --immediate-mode: without it libpcap's TPACKET_V3 ring hands frames over only when a block
    // fills or times out, and the frames of a short probe were lost when tcpdump was stopped.
    const dump = await prober.transport.spawn(["tcpdump", "-i", prober.ifname, "--immediate-mode", "-U", "-n", "-w", pcap]);
    await waitForCapture(dump, pcap);
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

  return {
    fixture,
    prober,
    target,
    probe,
    startEngine,
    async down() {
      await fixture.down();
      rmSync(work, { recursive: true, force: true });
    },
  };
}

/**
 * Frames before tcpdump's socket is open are lost. tcpdump writes the pcap file header only
 * after it has opened the capture, so wait for the header (24 bytes) to be on disk; a fixed
 * sleep was not enough on a loaded machine (captures of short probes came back empty).
 */
async function waitForCapture(dump: RemoteProcess, pcap: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ended = await Promise.race([dump.exited, Bun.sleep(50).then(() => undefined)]);
    if (ended) throw new Error(`tcpdump ended at once (exit ${ended.code}): ${ended.stderr.trim()}`);
    if (existsSync(pcap) && statSync(pcap).size >= 24) return;
    if (Date.now() > deadline) throw new Error(`tcpdump did not start capturing into ${pcap} within 10 s`);
  }
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
}

const TSHARK_CHECKS = ["ip.check_checksum:TRUE", "udp.check_checksum:TRUE", "tcp.check_checksum:TRUE"];

/**
 * Decodes a pcap with tshark, checksum validation on. Throws when tshark fails or
 * prints nothing for a capture that has frames, so a preference tshark does not know
 * can never make a capture look clean.
 */
export function decodeCapture(pcap: string): DecodedFrame[] {
  const fields = ["frame.number", "eth.src", "frame.protocols", "_ws.col.Info", "_ws.expert.message", "_ws.malformed", "ip.flags.mf", "ip.frag_offset"];
  const r = Bun.spawnSync(["tshark", "-r", pcap, ...TSHARK_CHECKS.flatMap((o) => ["-o", o]), "-T", "fields", "-E", "separator=\t", "-E", "occurrence=a", "-E", "aggregator=|", ...fields.flatMap((f) => ["-e", f])]);
  const err = r.stderr.toString().trim();
  if (r.exitCode !== 0) throw new Error(`tshark -r ${pcap} failed (exit ${r.exitCode}): ${err}`);
  const count = Bun.spawnSync(["capinfos", "-c", "-M", pcap]).stdout.toString().match(/Number of packets:\s*(\d+)/);
  const lines = r.stdout.toString().split("\n").filter((l) => l.length > 0);
  if (count && Number(count[1]) !== lines.length) throw new Error(`tshark decoded ${lines.length} of ${count[1]} frames of ${pcap}: ${err}`);
  return lines.map((l) => {
    const [num, src, protocols, info, expert, malformed, mf, offset] = l.split("\t");
    const problems = (expert ?? "").split("|").filter((m) => /checksum|malformed/i.test(m) && !/\[unverified\]|status: Good/i.test(m));
    if (malformed) problems.push("malformed");
    const fragment = (mf ?? "").split("|").some((v) => v === "1" || v === "True") || (offset ?? "").split("|").some((v) => Number(v) > 0);
    return { number: Number(num), src: src ?? "", protocols: protocols ?? "", info: info ?? "", problems, fragment };
  });
}

/** The frames a given MAC sent in a capture. */
export function framesFrom(pcap: string, mac: string): DecodedFrame[] {
  return decodeCapture(pcap).filter((f) => f.src.toLowerCase() === mac.toLowerCase());
}
