// Replay benchmark: frames/s of the engine's replay role (a capture preloaded
// into mbufs, sent at full speed) against `tcpreplay --topspeed` (the same
// capture through the kernel) and `dpdk-testpmd --forward-mode=txonly` (DPDK's
// own generator, same vdev and EAL), all on one veth pair of this bench's own
// and counted at the peer's kernel rx counter, plus the engine's --pps
// accuracy there. Reps are interleaved so the load of other tenants of this
// machine hits every tool alike. Prints a table; asserts nothing.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BUILD_DIR, UsageError } from "../paths.ts";
import { benchArgs, wholeNumber } from "./bench-args.ts";

const USAGE = `Usage: bun run bench replay [--reps N] [--seconds S] [--frames N] [--pps N] [--json FILE]

On a veth pair of its own (namespaces wlrb-<pid>-a/-b, removed at the end), the
frames counted at the b side's interface (sent to a MAC nobody owns, so b's
kernel drops them at L2 and the receiver is never the bottleneck):
  engine     wirelab-engine --role replay --loop 0 of a capture of N 64-byte UDP frames
  tcpreplay  tcpreplay --topspeed --loop 0 of the same capture, through the kernel
  testpmd    dpdk-testpmd --forward-mode=txonly --txpkts=64, the same vdev and EAL
  pps        the engine's replay at --pps N: achieved/target at the receiver
Prints the median of the reps and the per-rep ratios engine/tool.

Options:
  --reps N       repetitions, interleaved (default 3)
  --seconds S    measured window per run, after a 1.5 s warm-up (default 5)
  --frames N     frames in the capture (default 1024)
  --pps N        target of the rate row (default 100000; 0 leaves it out)
  --json FILE    also write every measurement as JSON
  -h, --help     this help

Needs root (namespaces, AF_XDP, DPDK), tcpreplay and dpdk-testpmd.`;

interface Args {
  reps: number;
  seconds: number;
  frames: number;
  pps: number;
  json?: string;
}

function parseArgs(argv: string[]): Args | "help" {
  const a: Args = { reps: 3, seconds: 5, frames: 1024, pps: 100_000 };
  for (let i = 0; i < argv.length; i++) {
    const o = argv[i]!;
    if (o === "-h" || o === "--help") return "help";
    else if (o === "--reps") a.reps = wholeNumber(o, argv[++i], 1, 50);
    else if (o === "--seconds") a.seconds = wholeNumber(o, argv[++i], 1, 600);
    else if (o === "--frames") a.frames = wholeNumber(o, argv[++i], 1, 100_000);
    else if (o === "--pps") a.pps = wholeNumber(o, argv[++i], 0, 100_000_000);
    else if (o === "--json") {
      const f = argv[++i];
      if (!f) throw new UsageError("--json needs a file");
      a.json = f;
    } else throw new UsageError(`unknown argument '${o}' (see --help)`);
  }
  return a;
}

const parsed = benchArgs("replay", USAGE, parseArgs, process.argv.slice(2));
if (typeof parsed === "number") process.exit(parsed);
const args = parsed;

const WARM_S = 1.5;
const FRAME = 64;
const ID = process.pid % 100000;
const NS_A = `wlrb-${ID}-a`;
const NS_B = `wlrb-${ID}-b`;
const MAC_A = "02:77:72:62:00:01";
/** Nobody on the pair owns it: b's kernel drops the frames as PACKET_OTHERHOST. */
const UNOWNED = "02:77:72:62:be:9d";
const ENGINE = join(BUILD_DIR, "engine", "wirelab-engine");
const EAL = (who: string) => ["--no-huge", "-m", "256", "--no-pci", "-l", "0,1", "--file-prefix", `wlrb-${ID}-${who}`, "--log-level", "lib.eal:error", "--vdev", "net_af_xdp0,iface=eth1"];

function run(argv: string[]): string {
  const r = Bun.spawnSync(argv, { stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`${argv.join(" ")}: ${r.stderr.toString().trim()}`);
  return r.stdout.toString();
}

function setUp(): void {
  run(["ip", "netns", "add", NS_A]);
  run(["ip", "netns", "add", NS_B]);
  run(["ip", "link", "add", `wlrb${ID}a`, "type", "veth", "peer", "name", `wlrb${ID}b`]);
  for (const [ns, end] of [[NS_A, "a"], [NS_B, "b"]] as const) {
    run(["ip", "link", "set", `wlrb${ID}${end}`, "netns", ns]);
    run(["ip", "-n", ns, "link", "set", `wlrb${ID}${end}`, "name", "eth1"]);
    run(["ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"]);
    run(["ip", "-n", ns, "link", "set", "eth1", "up"]);
  }
  run(["ip", "-n", NS_A, "link", "set", "eth1", "address", MAC_A]);
}

function tearDown(): void {
  for (const ns of [NS_A, NS_B]) Bun.spawnSync(["ip", "netns", "del", ns]);
  Bun.spawnSync(["sh", "-c", `rm -rf /var/run/dpdk/wlrb-${ID}-*`]);
}

/** N 64-byte UDP frames (198.18.201.1 -> .2, source port varying) to the unowned MAC, as a classic pcap. */
function capture(path: string, n: number): void {
  const rec = 16 + FRAME;
  const b = Buffer.alloc(24 + n * rec);
  b.writeUInt32LE(0xa1b2c3d4, 0);
  b.writeUInt16LE(2, 4);
  b.writeUInt16LE(4, 6);
  b.writeUInt32LE(65535, 16);
  b.writeUInt32LE(1, 20);
  const mac = (s: string) => Buffer.from(s.replaceAll(":", ""), "hex");
  for (let i = 0; i < n; i++) {
    const o = 24 + i * rec;
    b.writeUInt32LE(1_700_000_000, o);
    b.writeUInt32LE(i, o + 4);
    b.writeUInt32LE(FRAME, o + 8);
    b.writeUInt32LE(FRAME, o + 12);
    const f = o + 16;
    mac(UNOWNED).copy(b, f);
    mac(MAC_A).copy(b, f + 6);
    b.writeUInt16BE(0x0800, f + 12);
    const ip = f + 14;
    b[ip] = 0x45;
    b.writeUInt16BE(FRAME - 14, ip + 2);
    b[ip + 8] = 64;
    b[ip + 9] = 17;
    Buffer.from([198, 18, 201, 1, 198, 18, 201, 2]).copy(b, ip + 12);
    let sum = 0;
    for (let k = 0; k < 20; k += 2) sum += b.readUInt16BE(ip + k);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    b.writeUInt16BE(~sum & 0xffff, ip + 10);
    b.writeUInt16BE(1024 + (i % 60000), ip + 20);
    b.writeUInt16BE(9, ip + 22);
    b.writeUInt16BE(FRAME - 34, ip + 24); // no UDP checksum (0): allowed over IPv4
  }
  writeFileSync(path, b);
}

const rxPackets = () => Number(run(["ip", "netns", "exec", NS_B, "cat", "/sys/class/net/eth1/statistics/rx_packets"]).trim());

/** Frames/s at b over the window, while `argv` runs in a. */
async function measure(argv: string[]): Promise<number> {
  const p = Bun.spawn(["ip", "netns", "exec", NS_A, ...argv], { stdout: "ignore", stderr: "pipe" });
  try {
    await Bun.sleep(WARM_S * 1000);
    if (p.exitCode !== null) throw new Error(`${argv[0]} exited ${p.exitCode}: ${(await new Response(p.stderr).text()).trim().split("\n").at(-1)}`);
    const c0 = rxPackets();
    const t0 = performance.now();
    await Bun.sleep(args.seconds * 1000);
    const c1 = rxPackets();
    const t1 = performance.now();
    return ((c1 - c0) * 1000) / (t1 - t0);
  } finally {
    p.kill("SIGINT");
    const done = await Promise.race([p.exited.then(() => true), Bun.sleep(5000).then(() => false)]);
    if (!done) p.kill("SIGKILL");
    await p.exited;
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

for (const [tool, path] of [["engine", ENGINE], ["tcpreplay", "/usr/bin/tcpreplay"], ["dpdk-testpmd", "/usr/bin/dpdk-testpmd"]] as const) {
  if (!existsSync(path)) {
    console.error(`bench replay: ${tool} not found (${path})${tool === "engine" ? ": meson setup build/engine engine && meson compile -C build/engine" : ""}`);
    process.exit(2);
  }
}
if (process.getuid?.() !== 0) {
  console.error("bench replay: needs root (namespaces, AF_XDP)");
  process.exit(2);
}

const dir = mkdtempSync(join(tmpdir(), "wlrb-"));
const pcap = join(dir, "frames.pcap");
const stop = () => {
  tearDown();
  rmSync(dir, { recursive: true, force: true });
  process.exit(130);
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
try {
  capture(pcap, args.frames);
  setUp();
  const tools: Record<string, string[]> = {
    engine: [ENGINE, ...EAL("e"), "--", "--role", "replay", "--pcap", pcap, "--loop", "0", "--stats-interval", "3600"],
    tcpreplay: ["tcpreplay", "--topspeed", "--loop", "0", "-q", "-i", "eth1", pcap],
    testpmd: ["dpdk-testpmd", ...EAL("t"), "--", "--forward-mode=txonly", `--txpkts=${FRAME}`, "--total-num-mbufs=16384", `--eth-peer=0,${UNOWNED}`, "--nb-cores=1", "--stats-period", "3600", "-a"],
    pps: [ENGINE, ...EAL("p"), "--", "--role", "replay", "--pcap", pcap, "--loop", "0", "--pps", String(args.pps), "--stats-interval", "3600"],
  };
  const names = Object.keys(tools).filter((t) => t !== "pps" || args.pps > 0);
  const rows: { tool: string; rep: number; pps: number }[] = [];
  console.error(`bench replay: ${args.reps} reps x ${names.length} runs of ${args.seconds} s (+${WARM_S} s warm-up), ${args.frames} frames of ${FRAME} B, veth ${NS_A} -> ${NS_B}`);
  for (let rep = 1; rep <= args.reps; rep++) {
    for (const tool of names) {
      const pps = await measure(tools[tool]!);
      rows.push({ tool, rep, pps });
      console.error(`  rep ${rep} ${tool.padEnd(9)} ${fmt(pps)} pps`);
    }
  }
  const of = (tool: string) => rows.filter((r) => r.tool === tool).map((r) => r.pps);
  const engine = of("engine");
  console.log(`\nreplay bench: ${args.frames} x ${FRAME} B frames, one veth pair, counted at the receiver; median of ${args.reps}`);
  console.log(`${"sender".padEnd(26)} ${"pps (median)".padStart(14)}  ${"engine/sender per rep".padEnd(28)} median`);
  for (const [tool, label] of [["engine", "engine --role replay"], ["tcpreplay", "tcpreplay --topspeed"], ["testpmd", "testpmd txonly"]] as const) {
    const xs = of(tool);
    const ratios = engine.map((e, i) => (xs[i] ? e / xs[i]! : NaN));
    console.log(`${label.padEnd(26)} ${fmt(median(xs)).padStart(14)}  ${(tool === "engine" ? "-" : ratios.map((r) => r.toFixed(2)).join(" ")).padEnd(28)} ${tool === "engine" ? "" : median(ratios).toFixed(2)}`);
  }
  if (args.pps > 0) {
    const acc = of("pps").map((x) => x / args.pps);
    console.log(`${`engine --pps ${fmt(args.pps)}`.padEnd(26)} ${fmt(median(of("pps"))).padStart(14)}  ${`achieved/target ${acc.map((r) => r.toFixed(4)).join(" ")}`.padEnd(28)} ${median(acc).toFixed(4)}`);
  }
  if (args.json) writeFileSync(args.json, JSON.stringify({ frames: args.frames, frameBytes: FRAME, seconds: args.seconds, rows }, null, 2) + "\n");
} finally {
  tearDown();
  rmSync(dir, { recursive: true, force: true });
}
