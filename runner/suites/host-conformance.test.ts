// `wirelab-engine --role rx` as a host on the wire, next to the reference:
// real clients (arping, ping, hping3, raw AF_PACKET frames) on the prober
// host probe the Linux kernel of the target host, then the engine on that
// host's NIC, on the same link (conformance-lab.ts). What each answers, and
// what each must not answer (RFC 1122 3.2.1.3 sources, RFC 1122 2.4
// foreign MACs, RFC 1122 4.1.3.4 / RFC 792 / RFC 9293 bad checksums, RFC
// 5227 announcements), is read from captures on the prober's NIC, and the
// engine's answers are decoded by tshark with checksum validation on.
// Lab of its own: hcf, 198.18.57.0/24.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { REPO_ROOT } from "../src/paths.ts";
import type { EngineStats } from "../src/traffic/engine-output.ts";
import type { ExecResult } from "../src/transport/transport.ts";
import { decodeCapture, kernelThenEngine, probeRecord, startConformanceLab, type Answerer, type ConformanceLab, type DecodedFrame } from "./conformance-lab.ts";

interface Probe {
  readonly name: string;
  /** What a conformant host does: answer (true) or stay silent (false). */
  readonly answered: boolean;
  readonly argv: (lab: ConformanceLab) => string[];
  /** Which frames from the target count as an answer to this probe. */
  readonly isAnswer: (f: DecodedFrame) => boolean;
}

interface Seen {
  readonly run: ExecResult;
  /** Every frame the target sent during the probe. */
  readonly fromTarget: DecodedFrame[];
  /** Every frame the prober sent during the probe. */
  readonly fromProber: DecodedFrame[];
  readonly answers: DecodedFrame[];
}

const arpReply = (f: DecodedFrame) => f.protocols.includes("arp") && / is at /.test(f.info);
const echoReply = (f: DecodedFrame) => f.protocols.includes("icmp") && /Echo \(ping\) reply/.test(f.info);
const anyIp = (f: DecodedFrame) => f.protocols.includes(":ip:");
const rawProbe = (kind: string) => (l: ConformanceLab) => [
  "python3", join(REPO_ROOT, "engine", "tests", "raw_probe.py"), l.prober.ifname, kind, l.prober.ip, l.target.ip, l.target.mac, "3",
];
const hping = (...args: string[]) => (l: ConformanceLab) => ["hping3", ...args, "-c", "3", "-i", "u200000", l.target.ip];

const PROBES: readonly Probe[] = [
  { name: "arping (RFC 826 request)", answered: true, argv: (l) => ["arping", "-c", "3", "-w", "4", "-I", l.prober.ifname, l.target.ip], isAnswer: arpReply },
  { name: "arping -D (RFC 5227 probe from 0.0.0.0)", answered: true, argv: (l) => ["arping", "-D", "-c", "2", "-w", "3", "-I", l.prober.ifname, l.target.ip], isAnswer: arpReply },
  { name: "arping -U (RFC 5227 announcement)", answered: false, argv: (l) => ["arping", "-U", "-c", "2", "-w", "2", "-I", l.prober.ifname, l.prober.ip], isAnswer: (f) => f.protocols.includes("arp") },
  { name: "ping -s 3000 (RFC 1122 3.3.2 fragments)", answered: true, argv: (l) => ["ping", "-c", "3", "-i", "0.3", "-W", "2", "-s", "3000", l.target.ip], isAnswer: echoReply },
  { name: "hping3 ICMP echo (control)", answered: true, argv: hping("--icmp"), isAnswer: echoReply },
  { name: "hping3 ICMP echo with a bad checksum (RFC 792)", answered: false, argv: hping("--icmp", "--badcksum"), isAnswer: anyIp },
  { name: "hping3 UDP (control)", answered: true, argv: hping("--udp", "-p", "9000", "-d", "20"), isAnswer: anyIp },
  { name: "hping3 UDP with a bad checksum (RFC 1122 4.1.3.4)", answered: false, argv: hping("--udp", "--badcksum", "-p", "9000", "-d", "20"), isAnswer: anyIp },
  { name: "hping3 SYN (control)", answered: true, argv: hping("-S", "-p", "8080"), isAnswer: anyIp },
  { name: "hping3 SYN with a bad checksum (RFC 9293 3.1)", answered: false, argv: hping("-S", "--badcksum", "-p", "8080"), isAnswer: anyIp },
  { name: "raw echo request (control)", answered: true, argv: rawProbe("good"), isAnswer: echoReply },
  { name: "echo request with TTL 0 (RFC 1122 3.2.1.7: TTL is no reason to drop)", answered: true, argv: rawProbe("ttl-0"), isAnswer: echoReply },
  { name: "echo request with TTL 1 (RFC 1122 3.2.1.7)", answered: true, argv: rawProbe("ttl-1"), isAnswer: echoReply },
  { name: "echo request with a bad IPv4 header checksum (RFC 1122 3.2.1.2)", answered: false, argv: rawProbe("bad-ip-csum"), isAnswer: anyIp },
  { name: "echo request whose IPv4 total length runs past the frame (RFC 791)", answered: false, argv: rawProbe("long-total"), isAnswer: anyIp },
  { name: "echo request to a foreign unicast MAC (RFC 1122 2.4)", answered: false, argv: rawProbe("foreign-mac"), isAnswer: anyIp },
  { name: "echo request from 0.1.2.3 (RFC 1122 3.2.1.3)", answered: false, argv: rawProbe("src-zero"), isAnswer: anyIp },
  { name: "echo request from 127.0.0.1 (RFC 1122 3.2.1.3)", answered: false, argv: rawProbe("src-loopback"), isAnswer: anyIp },
  { name: "echo request from 224.0.0.5 (RFC 1122 3.2.1.3)", answered: false, argv: rawProbe("src-multicast"), isAnswer: anyIp },
  { name: "echo request from 255.255.255.255 (RFC 1122 3.2.1.3)", answered: false, argv: rawProbe("src-broadcast"), isAnswer: anyIp },
];

let lab: ConformanceLab | undefined;
const seen = probeRecord<Seen>();
let summary: EngineStats | undefined;
let engineExit: ExecResult | undefined;

async function probeAll(l: ConformanceLab, side: Answerer): Promise<void> {
  for (const p of PROBES) {
    const { result, pcap } = await l.probe(`${side}-${p.name}`, () => l.prober.transport.exec(p.argv(l)));
    const frames = decodeCapture(pcap);
    const fromTarget = frames.filter((f) => f.src.toLowerCase() === l.target.mac.toLowerCase());
    const fromProber = frames.filter((f) => f.src.toLowerCase() === l.prober.mac.toLowerCase());
    seen[side].set(p.name, { run: result, fromTarget, fromProber, answers: fromTarget.filter(p.isAnswer) });
  }
}

beforeAll(async () => {
  lab = await startConformanceLab("hcf", 57, "the host-conformance suite's own lab: kernel and engine answer the same probes");
  const l = lab;
  ({ summary, result: engineExit } = await kernelThenEngine(l, { engineArgs: ["--udp-echo"], observe: (side) => probeAll(l, side) }));
}, 300_000);
afterAll(async () => {
  await lab?.down();
}, 60_000);

const get = (side: Answerer, name: string): Seen => seen.seenBy(side, name);

describe("answered or not: the engine does what the kernel does", () => {
  for (const p of PROBES) {
    test(`${p.name}: ${p.answered ? "answered" : "not answered"}`, () => {
      const kernel = get("kernel", p.name);
      const engine = get("engine", p.name);
      // The kernel is the reference: if it does not behave as the RFC says, the probe is wrong.
      expect({ side: "kernel", answered: kernel.answers.length > 0 }).toEqual({ side: "kernel", answered: p.answered });
      expect({ side: "engine", answered: engine.answers.length > 0, info: engine.answers.map((f) => f.info).slice(0, 3) }).toEqual({
        side: "engine",
        answered: p.answered,
        info: p.answered ? engine.answers.map((f) => f.info).slice(0, 3) : [],
      });
    });
  }

  test("arping -D: both defend the address (arping exits 1: duplicate found)", () => {
    const name = "arping -D (RFC 5227 probe from 0.0.0.0)";
    expect(get("kernel", name).run.code).toBe(1);
    expect(get("engine", name).run.code).toBe(1);
    expect(get("engine", name).run.stdout).toMatch(/Received [12] response/);
  });

  test("ping -s 3000: every echo answered, the answers leave as fragments", () => {
    const name = "ping -s 3000 (RFC 1122 3.3.2 fragments)";
    expect(get("kernel", name).run.stdout).toMatch(/3 packets transmitted, 3 received/);
    const engine = get("engine", name);
    expect(engine.run.stdout).toMatch(/3 packets transmitted, 3 received/);
    // 3008 bytes of ICMP in 1480-byte pieces: 3 fragments per reply.
    expect(engine.fromTarget.filter((f) => f.fragment).length).toBe(9);
  });

  test("ping -s 3000: each answer's fragments share an identification no other answer uses (RFC 6864 4.2)", () => {
    const name = "ping -s 3000 (RFC 1122 3.3.2 fragments)";
    for (const side of ["kernel", "engine"] as const) {
      const ids = get(side, name).fromTarget.filter((f) => f.fragment).map((f) => f.ipId);
      const perId = [...new Set(ids)].map((id) => ids.filter((x) => x === id).length);
      expect({ side, ids: ids.length, distinct: perId.length, fragmentsEach: perId }).toEqual({ side, ids: 9, distinct: 3, fragmentsEach: [3, 3, 3] });
    }
  });
});

describe("the engine's answers on the wire", () => {
  test("decode in tshark with IP/ICMP/UDP/TCP checksum validation and no problem", () => {
    const frames = [...seen.engine.entries()].flatMap(([probe, s]) => s.fromTarget.map((f) => ({ probe, f })));
    expect(frames.length).toBeGreaterThan(20);
    // Each problem names its probe and frame: a rare one must be traceable from the log alone.
    expect(frames.filter(({ f }) => f.problems.length > 0).map(({ probe, f }) => `${probe}, frame ${f.number} (${f.info}): ${f.problems.join(", ")}`)).toEqual([]);
  });

  test("the same decoding flags the prober's hping3 --badcksum frames", () => {
    // The prober's bad frames are in the same captures: were they not flagged, a clean
    // result above would mean nothing.
    for (const [name, proto] of [["hping3 ICMP echo with a bad checksum (RFC 792)", "icmp"], ["hping3 UDP with a bad checksum (RFC 1122 4.1.3.4)", "udp"], ["hping3 SYN with a bad checksum (RFC 9293 3.1)", "tcp"]] as const) {
      const sent = get("engine", name).fromProber.filter((f) => f.protocols.includes(`:${proto}`));
      expect({ name, sent: sent.length }).toEqual({ name, sent: 3 });
      expect({ name, flagged: sent.filter((f) => f.problems.some((m) => /Bad checksum/.test(m))).length }).toEqual({ name, flagged: 3 });
    }
  });
});

describe("the engine counts what it refused, by reason", () => {
  test("summary: refusals, reassembly and ARP announcements", () => {
    expect(engineExit?.code).toBe(0);
    const s = summary!;
    if (!s.refused || !s.reassembly || !s.arp) throw new Error("the summary has no refused/reassembly/arp counters");
    // 3 ICMP + 3 UDP + 3 TCP with bad checksums.
    expect(s.refused.l4_checksum).toBeGreaterThanOrEqual(9);
    expect(s.refused.dst_mac).toBeGreaterThanOrEqual(3);
    // 0/8, 127/8, 224/4, 255.255.255.255: 3 frames each.
    expect(s.refused.src_addr).toBeGreaterThanOrEqual(12);
    expect(s.refused.ip_checksum).toBeGreaterThanOrEqual(3);
    expect(s.refused.length).toBeGreaterThanOrEqual(3);
    expect(s.reassembly.reassembled).toBe(3);
    expect(s.reassembly.dropped).toBe(0);
    expect(s.arp.gratuitous).toBeGreaterThanOrEqual(2);
  });
});

describe("the generator: duplicate-address detection and fragments", () => {
  test("--arp-dad refuses to start on an address the target's kernel owns, in one line naming the owner", async () => {
    const l = lab!;
    const r = await l.generate(5, ["--src-ip", l.target.ip, "--arp-dad"]);
    expect(r.result.code).toBe(1);
    const said = r.result.stderr.split("\n").filter((x) => x.includes("--arp-dad"));
    expect(said).toEqual([`wirelab-engine: --arp-dad: ${l.target.ip} is already in use by ${l.target.mac} (RFC 5227 conflict); not starting`]);
    expect(r.summary?.reason).toBe("error");
    expect(r.summary?.protocols.icmp.tx_packets).toBe(0);
    expect(r.summary?.arp?.conflicts).toBe(1);
  }, 60_000);

  test("--arp-dad on a free address: three probes, an announcement, then traffic", async () => {
    const l = lab!;
    const r = await l.generate(5, ["--arp-dad"]);
    expect(r.result.code).toBe(0);
    const ok = r.events.find((e) => e.event === "arp_dad_ok");
    expect(ok).toMatchObject({ ip: l.prober.ip, probes: 3 });
    expect(r.summary?.protocols.icmp.answers_matched).toBe(5);
  }, 60_000);

  test("an ARP announcement moves the generator's resolved MAC: later requests go to the new one", async () => {
    const l = lab!;
    let announced: Promise<ExecResult> | undefined;
    const r = await l.generate(60, ["--pps", "20"], {
      resolve: true,
      // A second in, the target's address "moves" to 02:00:00:00:77:77; the target's kernel
      // drops what is sent there (not its MAC), so the answers stop.
      onStart: () => {
        announced = Bun.sleep(1000).then(() => l.target.transport.exec(["python3", join(REPO_ROOT, "engine", "tests", "raw_probe.py"), l.target.ifname, "announce", l.target.ip, l.target.ip, l.target.mac, "1"]));
      },
    });
    expect((await announced)?.code).toBe(0);
    expect(r.result.code).toBe(0);
    expect(r.summary?.arp).toMatchObject({ gratuitous: 1, cache_updates: 1 });
    const matched = r.summary?.protocols.icmp.answers_matched ?? 0;
    expect(matched).toBeGreaterThan(5);
    expect(matched).toBeLessThan(40);
  }, 60_000);

  test("--fragment-size: the kernel reassembles the engine's fragmented echo requests and answers each", async () => {
    const l = lab!;
    const r = await l.generate(20, ["--size", "1514", "--fragment-size", "512"]);
    expect(r.result.code).toBe(0);
    // 1480 bytes of IP payload in 512-byte pieces: 3 frames per request.
    expect(r.summary?.protocols.icmp.tx_packets).toBe(60);
    expect(r.summary?.protocols.icmp.answers_matched).toBe(20);
  }, 60_000);

  test("engine to engine with --fragment-size: the rx engine reassembles and answers, the tx engine matches", async () => {
    const l = lab!;
    const rx = await l.startEngine();
    let gen;
    try {
      gen = await l.generate(30, ["--size", "1200", "--fragment-size", "256"]);
    } finally {
      const end = await rx.stop();
      expect(end.summary.reassembly).toMatchObject({ reassembled: 30, dropped: 0, timed_out: 0 });
      // 1186 bytes of IP payload in 256-byte pieces: 5 fragments per request.
      expect(end.summary.reassembly?.fragments).toBe(150);
      expect(end.summary.protocols.icmp.answers_sent).toBe(30);
    }
    expect(gen.summary?.protocols.icmp.answers_matched).toBe(30);
  }, 90_000);
});
