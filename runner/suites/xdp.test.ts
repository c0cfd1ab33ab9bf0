// XDP programs on the xdp-pair lab's receiving host, driven by the engine on
// the generator: counters match what was sent per protocol, drop rules drop
// only what they name (the kernel's own UDP counters agree), reflect returns
// packets to the sender, and detaching leaves no program or pin behind.
import { describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { inventoryHost, toolsOf } from "../../infra/src/inventory.ts";
import { useLab } from "./use-lab.ts";
import type { Protocol, ProtocolCounters } from "../src/traffic/engine-output.ts";
import { runTraffic, type TrafficResult } from "../src/traffic/run-traffic.ts";
import type { TrafficSpec } from "../src/traffic/traffic-spec.ts";
import { pinDirFor, startXdp, type XdpRunOptions } from "../src/xdp/xdp-session.ts";

const lab = useLab("xdp-pair", { ssh: false });
let seq = 0;

const dst = () => inventoryHost(lab.inventory, "dst");

function xdp(options: Omit<XdpRunOptions, "tool" | "dev" | "pinDir">) {
  const peer = dst().interfaces[0]!.peer;
  return startXdp(lab.transport("dst"), {
    tool: toolsOf(dst()).xdp,
    dev: "eth1",
    pinDir: pinDirFor(toolsOf(dst()).bpfPinRoot, lab.inventory.lab.prefix, "dst", "eth1"),
    interval: 1,
    ...(peer ? { peer: { ...peer, pinDir: pinDirFor(toolsOf(dst()).bpfPinRoot, lab.inventory.lab.prefix, "sw", peer.dev) } } : {}),
    ...options,
  });
}

/** The generator's engine alone: the XDP host's program and kernel receive. */
function send(spec: Partial<TrafficSpec> & Pick<TrafficSpec, "protocol">): Promise<TrafficResult> {
  return runTraffic(
    lab.inventory,
    { tx: "gen", rx: "dst", mode: "rate", pps: 1000, count: 200, receiver: "none", ...spec },
    { runId: `xs${process.pid % 1000}${seq++}`, transport: (h) => lab.transport(h) },
  );
}

async function udpNoPorts(): Promise<number> {
  const snmp = (await lab.transport("dst").exec(["cat", "/proc/net/snmp"])).stdout.split("\n").filter((l) => l.startsWith("Udp:"));
  const names = snmp[0]!.split(/\s+/);
  return Number(snmp[1]!.split(/\s+/)[names.indexOf("NoPorts")]);
}

async function attachedProgram(): Promise<string> {
  return (await lab.transport("dst").exec(["ip", "link", "show", "dev", "eth1"])).stdout;
}

describe("count", () => {
  test("per-protocol counters match what the engine sent", async () => {
    const session = await xdp({ prog: "count" });
    expect(session.loaded.mode).toBe("native");
    const sent: Partial<Record<Protocol, ProtocolCounters>> = {};
    for (const protocol of ["udp", "icmp", "tcp", "dns", "eth", "arp"] as const) {
      const r = await send({ protocol });
      expect(r.state).toBe("passed");
      sent[protocol] = r.tx[protocol];
    }
    const s = await session.stop();
    const n = (p: Protocol) => sent[p]!.tx_packets;
    // Frames from the generator, as the program classified them: each under the engine's own name for it.
    expect(s.protocols.icmp.packets).toBe(n("icmp"));
    expect(s.protocols.tcp.packets).toBe(n("tcp"));
    expect(s.protocols.dns.packets).toBe(n("dns"));
    expect(s.protocols.udp.packets).toBe(n("udp"));
    expect(s.protocols.eth.packets).toBe(n("eth"));
    // ARP: the engine's requests, plus the kernel's own exchanges while it answers ICMP.
    expect(s.protocols.arp.packets).toBeGreaterThanOrEqual(n("arp"));
    // Every frame is counted once in frames, and passed on.
    expect(s.protocols.frames.packets).toBe(s.actions.pass);
    expect(s.protocols.frames.packets).toBeGreaterThanOrEqual(n("icmp") + n("tcp") + n("udp") + n("dns") + n("arp") + n("eth"));
    // The kernel's own run statistics: the program ran once per frame.
    expect(s.bpf.run_cnt).toBe(s.protocols.frames.packets);
    expect(s.bpf.ns_per_packet).toBeGreaterThan(0);
  }, 120000);
});

describe("drop", () => {
  test("a rule drops only the frames it names; the rest reach the kernel", async () => {
    const session = await xdp({ prog: "drop", rules: ["proto=udp,dport=9000"] });
    const before = await udpNoPorts();
    const dropped = await send({ protocol: "udp", dstPort: 9000, count: 300 });
    const passed = await send({ protocol: "udp", dstPort: 9001, count: 300 });
    const s = await session.stop();
    expect(dropped.tx.udp.tx_packets).toBe(300);
    expect(passed.tx.udp.tx_packets).toBe(300);
    expect(s.by_action.drop.udp.packets).toBe(300);
    expect(s.by_action.pass.udp.packets).toBe(300);
    // The kernel saw only the 9001 datagrams (no socket there: NoPorts counts each).
    expect((await udpNoPorts()) - before).toBe(300);
  }, 120000);

  test("without rules every frame is dropped", async () => {
    const session = await xdp({ prog: "drop" });
    const r = await send({ protocol: "icmp", count: 100 });
    const s = await session.stop();
    expect(s.actions.drop).toBe(s.protocols.frames.packets);
    expect(s.by_action.drop.icmp.packets).toBe(100);
    // Nothing reached the stack, so no echo reply came back.
    expect(r.tx.icmp.answers_matched).toBe(0);
  }, 60000);
});

describe("reflect", () => {
  test("UDP comes back to the sender with addresses and ports swapped", async () => {
    const session = await xdp({ prog: "reflect" });
    const r = await send({ protocol: "udp", count: 300 });
    const s = await session.stop();
    expect(s.by_action.tx.udp.packets).toBe(300);
    // The sending engine counts what came back.
    expect(r.tx.udp.rx_packets).toBe(300);
  }, 60000);
});

describe("detach", () => {
  test("stopping leaves no program on the interface and no pins", async () => {
    const session = await xdp({ prog: "count" });
    expect(await attachedProgram()).toContain("xdp");
    const pinDir = session.loaded.pin_dir;
    expect(existsSync(pinDir)).toBe(true);
    await session.stop();
    expect(await attachedProgram()).not.toContain("prog/xdp");
    expect(existsSync(pinDir)).toBe(false);
    const prog = await lab.transport("dst").exec(["bpftool", "prog", "show", "id", String(session.loaded.prog_id)]);
    expect(prog.code).not.toBe(0);
    // The pass-through program on the veth's switch side went with it.
    const peer = dst().interfaces[0]!.peer!;
    expect(Bun.spawnSync(["ip", "-n", peer.namespace, "link", "show", "dev", peer.dev]).stdout.toString()).not.toContain("prog/xdp");
  }, 60000);
});

describe("traffic with an XDP program as the receiver", () => {
  test("--xdp drop with a rule: the program's counters are the rx side and the checks use them", async () => {
    const r = await runTraffic(
      lab.inventory,
      { tx: "gen", rx: "dst", protocol: "udp", mode: "rate", pps: 1000, count: 300, dstPort: 9000, xdp: { prog: "drop", rules: ["proto=udp,dport=9000"] }, checks: { minRxRatio: 1 } },
      { runId: `xt${process.pid % 1000}`, transport: (h) => lab.transport(h) },
    );
    expect(r.state).toBe("passed");
    expect(r.tx.udp.tx_packets).toBe(300);
    expect(r.rx.udp.rx_packets).toBe(300);
    expect(r.xdp?.by_action.drop.udp.packets).toBe(300);
    expect((await attachedProgram()).includes("prog/xdp")).toBe(false);
  }, 60000);
});
