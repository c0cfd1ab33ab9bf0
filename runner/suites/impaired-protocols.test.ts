// Protocols on bad links: scenario steps that declare an impairment and
// expect the protocol's behaviour, on a netns lab of this suite's own (impc:
// tx, rx on seg-a 198.18.61.0/24; a dut routing to seg-b 198.18.65.0/24; a
// probe with a leg on each, for one-way delay). Every verdict is statistics
// over many trials, never an exact count:
//   - measured UDP loss within the 99.9% binomial interval of the setting
//     (the scenario check loss_within_ci), compounded over two points, and
//     widened for Gilbert-Elliott bursts;
//   - a DNS client in backoff mode under 30% loss: every query answered
//     within its 5 retries, retries as many as a truncated geometric law says;
//   - TCP handshakes from the engine's client under 5% loss each way: the
//     engine sends one SYN per connection (no retransmission), so a handshake
//     completes when SYN and SYN-ACK both survive, (1 - 0.05)^2 of the time;
//   - one-way delay from the engine's two-port mode (--stamp) against delay ±
//     jitter where the path does delay (netem); where it does not, that asking
//     for delay is refused in one line and leaves the link as it was.
import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { toolsOf } from "../../infra/src/inventory.ts";
import { IMPAIR_SUPPORT } from "../../infra/src/impair-paths.ts";
import { applyImpairments, detectImpairPath } from "../../infra/src/netns-lab.ts";
import { loadLab } from "../src/lab-files.ts";
import { normalQuantile, settingWithin } from "../src/scenario/binomial.ts";
import { type FlowOutcome } from "../src/scenario/run-scenario.ts";
import { runScenarioFile } from "../src/run/scenario-run.ts";
import type { EngineStats } from "../src/traffic/engine-output.ts";
import { useOwnLab } from "./own-lab.ts";

const NAME = "impc";
const work = mkdtempSync(join(tmpdir(), "wirelab-impc-"));
const LAB = join(work, `${NAME}.yaml`);
writeFileSync(
  LAB,
  `# the impaired-protocols suite's own lab
name: ${NAME}
prefix: ${NAME}
networks:
  - { name: seg-a, subnet: 198.18.61.0/24 }
  - { name: seg-b, subnet: 198.18.65.0/24 }
hosts:
  - { name: tx, role: tx, interfaces: [{ network: seg-a }] }
  - { name: rx, role: rx, interfaces: [{ network: seg-a }] }
  - { name: dut, role: dut, interfaces: [{ network: seg-a }, { network: seg-b }] }
  - { name: probe, role: tx, interfaces: [{ network: seg-a }, { network: seg-b }] }
`,
);
const own = useOwnLab(LAB, work);
const CONFIDENCE = 0.999;
const Z = normalQuantile((1 + CONFIDENCE) / 2);
let seq = 0;

/** Runs one scenario step on the lab and returns its step result (its flows' traffic included). */
async function step(body: string) {
  const file = join(work, `step${seq++}.yaml`);
  writeFileSync(file, `name: impc${seq}\nlab: ${LAB}\nmonitor: false\nsteps:\n${body}`);
  const r = await runScenarioFile(file, { lab: own.fixture, resultsDir: join(work, `run${seq}`) });
  return r.steps[0]!;
}

const summaryOf = (flow: FlowOutcome, host: string): EngineStats => {
  const s = flow.traffic.hosts.find((h) => h.host === host)?.summary;
  if (!s) throw new Error(`${host}: no engine summary (${flow.reason ?? "no reason"})`);
  return s;
};

function expectWithin(successes: number, trials: number, setting: number, inflate = 1) {
  const v = settingWithin(successes, trials, setting, CONFIDENCE, inflate);
  console.log(`    ${v.detail}`);
  expect(v.ok ? "inside" : v.detail).toBe("inside");
}

describe("loss on an impaired link, judged by the scenario check loss_within_ci", () => {
  /** 20 000 UDP frames tx -> rx under `impair`, judged by loss_within_ci; the step must pass. */
  async function judged(name: string, impair: string) {
    const s = await step(`  - name: ${name}
    impair: ${impair}
    flows: [{ tx: tx, rx: rx, protocol: udp, mode: rate, pps: 5000, count: 20000 }]
    checks: { loss_within_ci: ${CONFIDENCE} }
`);
    const flow = s.runs[0]!.flows[0]!;
    const check = flow.checks.find((c) => c.name === "loss_within_ci")!;
    console.log(`    ${check.detail}`);
    expect([s.verdict, s.reason]).toEqual(["passed", undefined]);
    return { flow, check };
  }

  test("2% on what tx sends: UDP loss at rx within the 99.9% interval", async () => {
    const { check } = await judged("lossy", "[{ host: tx, loss: 2% }]");
    expect(check.detail).toContain("(tx egress 2%)");
  }, 60_000);

  test("two points on the path compound; bursts widen the interval; a far-off setting fails the check", async () => {
    const { flow, check } = await judged("compound", "[{ host: tx, loss: 3% }, { host: rx, dir: ingress, loss: { p: 1%, r: 24% } }]");
    expect(check.detail).toContain("widened");
    // The same link judged against a setting it does not have: the check must say OUTSIDE.
    const wrong = settingWithin(flow.sent - flow.received, flow.sent, 0.03, CONFIDENCE);
    expect(wrong.ok).toBe(false);
  }, 60_000);
});

describe("DNS with backoff under 30% loss", () => {
  test("every query answered within 5 retries; retries and lost queries as the law of the link says", async () => {
    const COUNT = 300;
    const LOSS = 0.3;
    const RETRIES = 5; // the engine's --max-retries default
    const s = await step(`  - name: dns-backoff
    impair: [{ host: tx, loss: 30% }]
    flows: [{ tx: tx, rx: rx, protocol: dns, mode: backoff, count: ${COUNT}, domains: [www.wirelab.test] }]
    checks: { min_answer_ratio: 0.99 }
`);
    const flow = s.runs[0]!.flows[0]!;
    expect([s.verdict, s.reason]).toEqual(["passed", undefined]);
    const tx = summaryOf(flow, "tx");
    const rx = summaryOf(flow, "rx");
    const b = tx.backoff!;
    console.log(`    ${COUNT} queries: ${b.answered} answered, ${b.gave_up} gave up, ${b.retries} retries; rx saw ${rx.protocols.dns.rx_packets}`);
    expect(b.answered + b.gave_up).toBe(COUNT);
    // Giving up takes RETRIES + 1 lost attempts in a row.
    expectWithin(b.gave_up, COUNT, LOSS ** (RETRIES + 1));
    // Retries per query: truncated geometric, R = min(attempts - 1, RETRIES); P(R >= k) = LOSS^k.
    const mean = Array.from({ length: RETRIES }, (_, i) => LOSS ** (i + 1)).reduce((a, c) => a + c, 0);
    const square = Array.from({ length: RETRIES }, (_, i) => (2 * (i + 1) - 1) * LOSS ** (i + 1)).reduce((a, c) => a + c, 0);
    const margin = Z * Math.sqrt(COUNT * (square - mean * mean)) + 1;
    console.log(`    retries ${b.retries}, expected ${(COUNT * mean).toFixed(1)} ± ${margin.toFixed(1)} (99.9%)`);
    expect(Math.abs(b.retries - COUNT * mean) <= margin ? "within" : `retries ${b.retries} vs ${COUNT * mean} ± ${margin}`).toBe("within");
    // The queries themselves: each attempt crossed the 30% link.
    const attempts = COUNT + b.retries;
    expectWithin(attempts - rx.protocols.dns.rx_packets, attempts, LOSS);
  }, 120_000);
});

describe("TCP handshakes under 5% loss", () => {
  test("the engine's client against the engine's server: handshakes complete (1 - 5%)^2 of the time, and nothing else goes wrong", async () => {
    const LOSS = 0.05;
    const s = await step(`  - name: tcp-lossy
    impair: [{ network: seg-a, loss: 5% }]
    flows: [{ tx: tx, rx: rx, protocol: tcp, mode: rate, pps: 500, count: 3000 }]
`);
    const flow = s.runs[0]!.flows[0]!;
    expect(flow.traffic.reason).toBeUndefined();
    const tx = summaryOf(flow, "tx");
    const syns = tx.protocols.tcp.requests;
    const done = tx.tcp.handshakes_completed;
    console.log(`    ${syns} connections opened, ${done} handshakes completed, client ${JSON.stringify(tx.tcp.client ?? {})}`);
    expect(syns).toBeGreaterThan(500);
    expectWithin(done, syns, (1 - LOSS) ** 2);
    // Loss is no excuse for a wrong segment or an impossible state change.
    expect(tx.tcp.client?.violations ?? 0).toBe(0);
    expect(tx.tcp.client?.bad_transitions ?? 0).toBe(0);
    expect(summaryOf(flow, "rx").tcp.server?.bad_transitions ?? 0).toBe(0);
  }, 120_000);
});

describe("one-way delay", () => {
  test("matches delay ± jitter where the path does delay (netem), from the engine's two-port --stamp mode", async () => {
    const DELAY = 20;
    const JITTER = 5;
    const COUNT = 2000;
    const { lab } = loadLab(LAB);
    const choice = await detectImpairPath();
    const points = [{ host: "probe", ifname: "eth1", direction: "egress" as const, spec: { delay: DELAY, jitter: JITTER }, source: `one-way delay check (${choice.path ?? "no"} path)` }];
    if (!choice.path || !IMPAIR_SUPPORT[choice.path].delay) {
      // This machine's path has no delay (no sch_netem): what is checked here is that asking for it is
      // refused in one line naming the field and the path, and that nothing was half-applied. The
      // measurement itself runs where the kernel has netem (the VM suite's links).
      const tcState = async () => (await own.fixture.transport("probe").exec(["sh", "-c", "tc qdisc show dev eth1; tc filter show dev eth1 egress"])).stdout;
      const before = await tcState();
      const refusal = await applyImpairments(lab, points).then(() => undefined, (e: unknown) => String(e instanceof Error ? e.message : e));
      console.log(`    no delay on this machine's ${choice.path ?? "(none)"} path: ${refusal}`);
      expect(refusal).toBeDefined();
      expect(refusal!.split("\n")).toHaveLength(1);
      // Either the path lacks delay, or (nothing built) there is no path at all: both say so in one line.
      expect(refusal).toMatch(/delay is not possible on this machine|no impairment path on this machine/);
      expect(await tcState()).toBe(before);
      return;
    }
    await applyImpairments(lab, points);
    const probe = own.fixture.inventory.hosts.find((h) => h.name === "probe")!;
    const engine = toolsOf(probe).engine;
    const t = own.fixture.transport("probe");
    const help = await t.exec([engine, "--help"]);
    if (!`${help.stdout}${help.stderr}`.includes("--stamp")) throw new Error(`${engine} has no --stamp: the engine's two-port one-way latency mode is not in this build, so one-way delay cannot be measured`);
    const [a, b] = probe.interfaces;
    const dutA = own.fixture.inventory.hosts.find((h) => h.name === "dut")!.interfaces.find((i) => i.segment === a!.segment)!;
    // One engine, both legs: port 0 sends through the dut to port 1, one clock stamps and reads.
    const vdev = (k: number) => a!.dpdk.vdev!.replace(/^(net_[a-z_]+?)\d+,iface=[^,]+/, `$1${k},iface=${probe.interfaces[k]!.name}`);
    const argv = [engine, ...a!.dpdk.eal, "--vdev", vdev(0), "--vdev", vdev(1), "--file-prefix", `wl-${NAME}_owd-probe`, "-l", "0", "--",
      "--port", "0", "--port", "1", "--stamp", "--protocol", "udp", "--src-ip", a!.ipv4, "--dst-ip", b!.ipv4, "--dst-mac", dutA.mac,
      "--mode", "rate", "--pps", "1000", "--count", String(COUNT), "--linger", "1000"];
    const r = await t.exec(argv);
    const summary = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, any>).findLast((l) => l.type === "summary");
    if (!summary?.latency) throw new Error(`no latency in the engine's summary (exit ${r.code}): ${r.stderr.trim().split("\n").at(-1)}`);
    const lat = summary.latency as { samples: number; min_us: number; mean_us: number; p50_us: number; p99_us: number; max_us: number };
    console.log(`    one-way latency over ${lat.samples} frames: ${JSON.stringify(lat)}; set ${DELAY} ms ± ${JITTER} ms`);
    expect(lat.samples).toBeGreaterThan(COUNT * 0.99);
    const us = 1000;
    // Uniform jitter: every frame within [delay - jitter, delay + jitter] plus the wire's own few hundred µs and timer slack.
    expect(lat.min_us).toBeGreaterThanOrEqual((DELAY - JITTER) * us - 100);
    expect(lat.p99_us).toBeLessThanOrEqual((DELAY + JITTER) * us + 2 * us);
    const sd = (JITTER * us) / Math.sqrt(3);
    expect(Math.abs(lat.mean_us - DELAY * us)).toBeLessThanOrEqual((Z * sd) / Math.sqrt(lat.samples) + us);
  }, 120_000);
});
