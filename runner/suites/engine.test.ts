// The DPDK engine through the runner on the two-host netns lab: the Linux
// kernel as the engine's peer, real tools against the engine's answering side,
// malformed traffic, and captures that tshark decodes cleanly. (Every protocol
// in every mode, which runs on any lab, is engine-modes.test.ts.)
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inventoryHost, toolsOf } from "../../infra/src/inventory.ts";
import { REPO_ROOT } from "../src/paths.ts";
import { useLab } from "./use-lab.ts";
import { parseEngineLine, type EngineStats } from "../src/traffic/engine-output.ts";
import { rxInvocation, txInvocation } from "../src/traffic/engine-command.ts";
import { runTraffic } from "../src/traffic/run-traffic.ts";
import type { TrafficSpec } from "../src/traffic/traffic-spec.ts";
import type { RemoteProcess } from "../src/transport/transport.ts";

const lab = useLab("two-host", { ssh: false });
let seq = 0;
const runId = () => `es${process.pid % 1000}${seq++}`;
const work = mkdtempSync(join(tmpdir(), "wirelab-engine-suite-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));


/** Runs one engine on a host until it ends by itself; returns its summary. */
async function engineAlone(host: "tx" | "rx", argv: string[], timeoutMs = 30000): Promise<{ summary?: EngineStats; stderr: string }> {
  let summary: EngineStats | undefined;
  const proc = await lab.transport(host).spawn(argv, {
    onStdoutLine: (l) => {
      const m = parseEngineLine(l);
      if (m?.type === "summary") summary = m;
    },
  });
  const timer = setTimeout(() => void proc.stop(2000), timeoutMs);
  const r = await proc.exited;
  clearTimeout(timer);
  return { ...(summary ? { summary } : {}), stderr: r.stderr };
}

describe("the Linux kernel answers the engine", () => {
  const tx = () => inventoryHost(lab.inventory, "tx");
  const rx = () => inventoryHost(lab.inventory, "rx");
  const txArgv = (spec: Omit<TrafficSpec, "tx" | "rx">) => txInvocation(lab.inventory, { tx: "tx", rx: "rx", statsInterval: 1, ...spec }, tx(), rx(), { runId: runId(), lcores: { tx: 0, rx: 1 } }).argv;

  test("ICMP echo: kernel replies are matched, with RTT", async () => {
    const { summary } = await engineAlone("tx", txArgv({ protocol: "icmp", mode: "rate", pps: 200, count: 100 }));
    expect(summary?.protocols.icmp.tx_packets).toBe(100);
    expect(summary?.protocols.icmp.answers_matched).toBeGreaterThanOrEqual(99);
    expect(summary?.rtt_us?.count).toBeGreaterThanOrEqual(99);
  }, 60000);

  test("ARP: the kernel answers the engine's requests for its address", async () => {
    const { summary } = await engineAlone("tx", txArgv({ protocol: "arp", mode: "rate", pps: 100, count: 20 }));
    expect(summary?.protocols.arp.answers_matched).toBeGreaterThanOrEqual(19);
  }, 60000);

  test("TCP: the kernel completes handshakes with a listening socket", async () => {
    const server = await lab.transport("rx").spawn(["sh", "-c", "while :; do nc -l -p 8080 >/dev/null 2>&1 || exit 1; done"]);
    try {
      await Bun.sleep(200);
      const { summary } = await engineAlone("tx", txArgv({ protocol: "tcp", mode: "rate", pps: 20, count: 20, message: "hello-tcp" }));
      expect(summary?.tcp.handshakes_completed).toBeGreaterThan(0);
    } finally {
      await server.stop(1000);
    }
  }, 60000);

  test("UDP: a kernel socket receives the engine's message", async () => {
    const server = await lab.transport("rx").spawn(["nc", "-u", "-l", "-p", "9000"]);
    await Bun.sleep(200);
    await engineAlone("tx", txArgv({ protocol: "udp", mode: "rate", pps: 10, count: 5, size: 128, message: "hello-from-the-engine" }));
    await Bun.sleep(300);
    // nc writes datagrams without newlines: read what it printed once it has ended.
    const out = await server.stop(1000);
    expect(out.stdout).toContain("hello-from-the-engine");
  }, 60000);
});

describe("real tools get correct answers from the engine's rx side", () => {
  let rxEngine: RemoteProcess | undefined;
  const rxIp = () => inventoryHost(lab.inventory, "rx").interfaces[0]!.ipv4;
  const rxMac = () => inventoryHost(lab.inventory, "rx").interfaces[0]!.mac;

  beforeAll(async () => {
    const rx = inventoryHost(lab.inventory, "rx");
    const inv = rxInvocation(lab.inventory, { tx: "tx", rx: "rx", protocol: "udp", mode: "rate", udpEcho: true }, rx, { runId: runId() });
    let ready!: () => void;
    const up = new Promise<void>((r) => (ready = r));
    const argv = [...inv.argv, "--dns-record", "www.wirelab.test=198.18.0.77"];
    rxEngine = await lab.transport("rx").spawn(argv, { onStdoutLine: (l) => parseEngineLine(l)?.type === "start" && ready() });
    await Promise.race([up, Bun.sleep(20000)]);
    expect(toolsOf(rx).engine).toContain("wirelab-engine");
  }, 30000);
  afterAll(async () => {
    await rxEngine?.stop(3000);
  });

  test("ping", async () => {
    const r = await lab.transport("tx").exec(["ping", "-c", "3", "-i", "0.2", "-W", "1", rxIp()]);
    expect(r.stdout).toMatch(/3 packets transmitted, 3 received/);
  });

  test("arping sees the engine's MAC", async () => {
    const r = await lab.transport("tx").exec(["arping", "-c", "2", "-w", "3", "-I", "eth1", rxIp()]);
    expect(r.stdout.toLowerCase()).toContain(rxMac());
  });

  test("dig gets the A record, and NXDOMAIN for a name not in the table", async () => {
    const a = await lab.transport("tx").exec(["dig", "+short", "+tries=2", "+time=1", `@${rxIp()}`, "www.wirelab.test", "A"]);
    expect(a.stdout.trim()).toBe("198.18.0.77");
    const nx = await lab.transport("tx").exec(["dig", "+tries=2", "+time=1", `@${rxIp()}`, "nothing.wirelab.test", "A"]);
    expect(nx.stdout).toContain("status: NXDOMAIN");
  });

  test("a TCP client connects", async () => {
    const r = await lab.transport("tx").exec(["nc", "-z", "-w", "2", rxIp(), "8080"]);
    expect(r.code).toBe(0);
  });

  test("UDP echo comes back", async () => {
    const r = await lab.transport("tx").exec(["sh", "-c", `echo wirelab-echo | nc -u -w 1 ${rxIp()} 9000`]);
    expect(r.stdout).toContain("wirelab-echo");
  });
});

describe("malformed traffic", () => {
  test("the rx side counts malformed and unknown frames, survives, and still answers", async () => {
    const rx = inventoryHost(lab.inventory, "rx");
    const tx = inventoryHost(lab.inventory, "tx");
    const inv = rxInvocation(lab.inventory, { tx: "tx", rx: "rx", protocol: "udp", mode: "rate", udpEcho: true }, rx, { runId: runId() });
    let ready!: () => void;
    const up = new Promise<void>((r) => (ready = r));
    let summary: EngineStats | undefined;
    const engine = await lab.transport("rx").spawn(inv.argv, {
      onStdoutLine: (l) => {
        const m = parseEngineLine(l);
        if (m?.type === "start") ready();
        if (m?.type === "summary") summary = m;
      },
    });
    await Promise.race([up, Bun.sleep(20000)]);
    const sentFile = join(work, "malformed-sent.json");
    const flood = await lab.transport("tx").exec([
      "python3", join(REPO_ROOT, "engine", "tests", "malformed_flood.py"), "3000", sentFile, "eth1", tx.interfaces[0]!.ipv4, rx.interfaces[0]!.ipv4,
    ]);
    expect(flood.code).toBe(0);
    // Still alive, still answering.
    const ping = await lab.transport("tx").exec(["ping", "-c", "3", "-i", "0.2", "-W", "1", rx.interfaces[0]!.ipv4]);
    expect(ping.stdout).toMatch(/3 received/);
    const r = await engine.stop(5000);
    expect(r.code).toBe(0);
    const kinds = JSON.parse(readFileSync(sentFile, "utf8")) as Record<string, number>;
    const mustBeMalformed = ["ip_trunc", "ip_badlen", "ip_badcsum", "ip_badihl", "udp_badlen", "tcp_trunc"].reduce((a, k) => a + (kinds[k] ?? 0), 0);
    if ((summary?.totals.malformed ?? 0) < mustBeMalformed) console.error("DEBUG", JSON.stringify(kinds), JSON.stringify(summary?.totals), JSON.stringify(summary?.protocols));
    expect(summary?.totals.malformed ?? 0).toBeGreaterThanOrEqual(mustBeMalformed);
    expect(summary?.totals.unknown ?? 0).toBeGreaterThanOrEqual((kinds.unknown_et ?? 0) + (kinds.unknown_ipproto ?? 0));
  }, 60000);
});

describe("captures", () => {
  test("the engine's pcap decodes in tshark with no malformed frames and correct checksums", async () => {
    const pcaps = new Map<string, string>();
    const r = await runTraffic(
      lab.inventory,
      { tx: "tx", rx: "rx", protocol: "random", mode: "rate", pps: 500, seed: 3, duration: 6, phaseDuration: 1, capture: true },
      { runId: runId(), transport: (h) => lab.transport(h), pcapPath: (h) => { const p = join(work, `${h}.pcap`); pcaps.set(h, p); return p; } },
    );
    expect(r.state).toBe("passed");
    for (const [host, file] of pcaps) {
      const listing = Bun.spawnSync(["tshark", "-r", file, "-T", "fields", "-e", "_ws.col.Protocol"]);
      expect(listing.exitCode).toBe(0);
      const protos = listing.stdout.toString().trim().split("\n").filter(Boolean);
      expect(protos.length).toBeGreaterThan(1000);
      // Several drawn phases: the capture spans more than one protocol.
      expect(new Set(protos).size).toBeGreaterThanOrEqual(3);
      const bad = Bun.spawnSync([
        "tshark", "-r", file,
        "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE",
        "-Y", "_ws.malformed || ip.checksum.status == 0 || udp.checksum.status == 0 || tcp.checksum.status == 0 || icmp.checksum.status == 0",
        "-T", "fields", "-e", "frame.number",
      ]);
      expect(bad.exitCode).toBe(0);
      expect({ host, bad: bad.stdout.toString().trim() }).toEqual({ host, bad: "" });
    }
  }, 60000);
});
