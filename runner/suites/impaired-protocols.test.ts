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
//   - on the dut-tester lab (its own copy, impd), one-way latency from the
//     tester's two-port mode (--stamp) against delay ± jitter (uniform and
//     normal: median and spread) and reordering against its share, on the
//     path this machine has for delay (netem, or the engine as a wire); `down`
//     leaves no wire namespace, veth or engine.
import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { IMPAIR_SUPPORT } from "../../infra/src/impair-paths.ts";
import type { ImpairPoint } from "../../infra/src/impair-points.ts";
import type { Impairment } from "../../infra/src/impair-spec.ts";
import { namespaces, pidsInNamespace, processStartTime, rootLinks } from "../../infra/src/netns-lab.ts";
import { applyImpairments, detectImpairPath, readImpairments, WIRE_LOG_DIR } from "../../infra/src/netns-impair.ts";
import { loadLab } from "../src/lab-files.ts";
import { LABS_DIR } from "../src/paths.ts";
import { execTwoPort, twoPortCommand } from "../src/scenario/rfc2544.ts";
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

describe("one-way delay, jitter and reordering on the dut-tester lab", () => {
  // The dut-tester lab under this suite's own name and subnets: the tester's engine sends on eth1 through the
  // routing dut to its own eth2 and reads each frame's send time (--stamp): one clock, one-way latency.
  const dwork = mkdtempSync(join(tmpdir(), "wirelab-impd-"));
  const DLAB = join(dwork, "impd.yaml");
  writeFileSync(
    DLAB,
    readFileSync(join(LABS_DIR, "dut-tester.yaml"), "utf8")
      .replace(/^name: dut-tester$/m, "name: impd")
      .replace(/^prefix: dutt$/m, "prefix: impd")
      .replace(/198\.18\.20\./g, "198.18.238.")
      .replace(/198\.18\.21\./g, "198.18.239."),
  );
  const dut = useOwnLab(DLAB, dwork);
  const COUNT = 3000;
  const PPS = 1000;
  const us = 1000;
  // The latency histogram's buckets are ~3% wide (a quantile is its bucket's middle); beyond that the wire
  // adds its idle poll (50 µs), the path without impairment (veth, the dut's kernel, AF_XDP) and scheduling
  // on a shared machine: 2 ms covers them.
  const TOL_US = 2 * us;
  const BUCKET = 0.03;

  /** The tester's two-port run through the dut: its latency and sequence figures. */
  async function oneWay(runId: string) {
    const inv = dut.fixture.inventory;
    const dutMac = inv.hosts.find((h) => h.name === "dut")!.interfaces.find((i) => i.segment === "seg-a")!.mac;
    const plan = twoPortCommand(inv, "tester", { pps: PPS, count: COUNT, size: 124, dstMac: dutMac, runId });
    const r = await execTwoPort(inv, dut.fixture.transport("tester"), plan, 60_000);
    const summary = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, any>).findLast((l) => l.type === "summary");
    if (!summary?.latency) throw new Error(`no latency in the engine's summary (exit ${r.code}): ${r.stderr.trim().split("\n").at(-1)}`);
    const lat = summary.latency as { samples: number; min_us: number; mean_us: number; p50_us: number; p90_us: number; p99_us: number; max_us: number };
    const sequence = summary.sequence as { received: number; lost: number; reordered: number; duplicates: number };
    console.log(`    ${runId}: latency ${JSON.stringify(lat)} sequence ${JSON.stringify(sequence)}`);
    expect(lat.samples).toBeGreaterThan(COUNT * 0.99);
    return { lat, sequence };
  }

  const egress = (spec: Impairment): ImpairPoint[] => [{ host: "tester", ifname: "eth1", direction: "egress", spec, source: "one-way check" }];

  test("where the path has no delay, asking for it is refused in one line and changes nothing; else the wire's path is measured clean first", async () => {
    const { lab } = loadLab(DLAB);
    const choice = await detectImpairPath();
    if (!choice.path || !IMPAIR_SUPPORT[choice.path].delay) {
      const refusal = await applyImpairments(lab, egress({ delay: 10 })).then(() => undefined, (e: unknown) => String(e instanceof Error ? e.message : e));
      expect(refusal?.split("\n")).toHaveLength(1);
      expect(refusal).toMatch(/delay is not possible on this machine|no impairment path on this machine/);
      throw new Error(`this machine's ${choice.path ?? "(none)"} path does no delay (${choice.why}): build the engine (the wire path) or use a kernel with netem`);
    }
    const clean = await oneWay("clean");
    expect(clean.sequence).toEqual({ received: COUNT, lost: 0, reordered: 0, duplicates: 0 });
  }, 60_000);

  // Spreads are read on the lower side (the least delayed frame to the median): the path only ever adds
  // time, so on a busy machine the upper tail grows while nothing arrives before its delay.
  for (const [distribution, low, high] of [["uniform", 0.85, 1], ["normal", 2.5, 4]] as const) {
    test(`delay 20ms ± 5ms ${distribution}: p50 within [D, D + J + tolerance], the lower half spanning ${low}..${high} J as the distribution's`, async () => {
      const D = 20 * us;
      const J = 5 * us;
      const { lab } = loadLab(DLAB);
      const applied = await applyImpairments(lab, egress({ delay: D / us, jitter: J / us, distribution }));
      console.log(`    ${applied.path}: ${applied.points[0]!.applied}`);
      const { lat, sequence } = await oneWay(`owd-${distribution}`);
      expect(sequence.lost).toBe(0);
      expect(lat.p50_us).toBeGreaterThanOrEqual(D * (1 - BUCKET));
      expect(lat.p50_us).toBeLessThanOrEqual(D + J + TOL_US);
      // uniform: the least delayed of 3000 frames is within a few µs of D - J; normal (sd J, cut at 4 sd):
      // about 3.4 sd below D. Nothing arrives before the distribution's lowest delay.
      const spread = lat.p50_us - lat.min_us;
      console.log(`    p50 - min = ${(spread / J).toFixed(2)} J`);
      expect(spread).toBeGreaterThanOrEqual(low * J);
      expect(spread).toBeLessThanOrEqual(high * J + TOL_US);
      expect(lat.min_us).toBeGreaterThanOrEqual(D - (distribution === "uniform" ? 1 : 4) * J);
      // Frames leave in due order (as netem's): jitter larger than the gap between frames reorders them.
      expect(sequence.reordered).toBeGreaterThan(0);
    }, 60_000);
  }

  test("reorder 25% on delay 10ms: frames sent ahead arrive at once, and the share arriving out of order is what 25% ahead makes of 10 frames in flight", async () => {
    const D = 10 * us;
    const P = 0.25;
    const { lab } = loadLab(DLAB);
    await applyImpairments(lab, egress({ delay: D / us, reorder: { percent: P * 100 } }));
    const { lat, sequence } = await oneWay("reorder");
    expect(sequence.lost).toBe(0);
    expect(lat.min_us).toBeLessThan(D / 2);
    expect(lat.p50_us).toBeGreaterThanOrEqual(D * (1 - BUCKET));
    // A delayed frame arrives after a later one when any of the K = D x PPS frames sent after it was sent
    // ahead: (1 - P)(1 - (1 - P)^K) of all frames arrive out of order.
    const K = Math.round((D / 1e6) * PPS);
    const expected = (1 - P) * (1 - (1 - P) ** K);
    const share = sequence.reordered / sequence.received;
    console.log(`    ${sequence.reordered} of ${sequence.received} out of order (${share.toFixed(3)}), expected ${expected.toFixed(3)} for ${P * 100}% ahead`);
    expect(Math.abs(share - expected)).toBeLessThanOrEqual(0.08);
    // And the wire's own count of frames sent ahead, against the binomial interval of the setting.
    const wire = (await readImpairments(lab)).find((p) => p.host === "tester" && p.direction === "egress")?.wire;
    expect(wire).toBeDefined();
    expectWithin(wire!.reordered, wire!.received, P);
  }, 60_000);

  test("down leaves no wire namespace, veth, engine or log", async () => {
    const { lab } = loadLab(DLAB);
    await applyImpairments(lab, [...egress({ delay: 5 }), { host: "dut", ifname: "eth2", direction: "ingress", spec: { delay: 1, jitter: 1 }, source: "down check" }]);
    const wires = [...namespaces()].filter((n) => n.startsWith("impd-wire-"));
    expect(wires.sort()).toEqual(["impd-wire-h0i1", "impd-wire-h1i2"]);
    const engines = () => wires.flatMap((ns) => pidsInNamespace(ns));
    const pids = engines().map((pid) => ({ pid, start: processStartTime(pid) }));
    expect(pids).toHaveLength(2);
    await dut.down();
    expect([...namespaces()].filter((n) => n.startsWith("impd-"))).toEqual([]);
    // This test process started the wires, so an ended engine is its zombie until reaped: running means same start time.
    expect(pids.filter((p) => processStartTime(p.pid) === p.start).map((p) => p.pid)).toEqual([]);
    expect([...rootLinks()].filter((l) => l.startsWith("impd-"))).toEqual([]);
    expect(existsSync(WIRE_LOG_DIR) ? readdirSync(WIRE_LOG_DIR).filter((f) => f.startsWith("impd-")) : []).toEqual([]);
  }, 60_000);
});
