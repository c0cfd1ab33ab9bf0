// Link impairments on a netns lab of this suite's own (imp, 198.18.47.0/24),
// measured at the receiver: the DPDK engine sends UDP from tx, and rx's kernel
// counts what arrives (/proc/net/snmp in its namespace: datagrams, and checksum
// failures for corrupted ones). Every impairment this machine's path does is
// checked against its setting with a stated tolerance; a kind the path cannot
// do must be refused with one line; `down` must leave nothing behind.
//
// Tolerance: the count of impaired frames out of n sent is binomial(n, p); the
// setting must lie inside the 99.9% (Wilson) interval of what was measured.
// Gilbert-Elliott loss is a Markov chain, not independent trials: its lag-1
// correlation (1 - p - r with bad 100%, good 0%) inflates the variance by
// (1 + rho) / (1 - rho), and the interval widens by that factor's root.
import { beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import type { ImpairPath } from "../../infra/src/impair-paths.ts";
import { namespaces } from "../../infra/src/netns-lab.ts";
import { detectImpairPath } from "../../infra/src/netns-impair.ts";
import { auth, testApp } from "../src/api/test-app.ts";
import { loadLab } from "../src/lab-files.ts";
import { REPO_ROOT } from "../src/paths.ts";
import { burstInflation, settingWithin } from "../src/scenario/binomial.ts";
import { runScenarioFile } from "../src/run/scenario-run.ts";
import { runTraffic } from "../src/traffic/run-traffic.ts";
import { useOwnLab } from "./own-lab.ts";

const NAME = "imp";
const SUBNET = "198.18.47";
const work = mkdtempSync(join(tmpdir(), "wirelab-impair-"));
const LAB = join(work, `${NAME}.yaml`);
// The lab file itself impairs what tx sends: `up` must apply it.
writeFileSync(
  LAB,
  `# the impairments suite's own lab
name: ${NAME}
prefix: ${NAME}
networks:
  - name: br-test
    subnet: ${SUBNET}.0/24
hosts:
  - name: tx
    role: tx
    interfaces:
      - network: br-test
        impair:
          egress: { loss: 5% }
  - name: rx
    role: rx
`,
);

const N = 20_000;
const PPS = 5_000;
let path: ImpairPath;
let seq = 0;

beforeAll(async () => {
  const choice = await detectImpairPath();
  if (!choice.path) throw new Error(`no impairment path on this machine: ${choice.why}`);
  path = choice.path;
});
const own = useOwnLab(LAB, work);

async function cli(args: string[], env: Record<string, string> = {}) {
  const p = Bun.spawn([process.execPath, join(REPO_ROOT, "runner/src/cli.ts"), ...args], { stdout: "pipe", stderr: "pipe", env: { ...process.env, WIRELAB_INVENTORY: "", ...env } });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { out, err, code };
}

async function impair(...args: string[]) {
  const r = await cli(["lab", "impair", "--lab", LAB, ...args, "--json"]);
  expect(r.err).toBe("");
  expect(r.code).toBe(0);
  return JSON.parse(r.out) as { path: string; points: { host: string; direction: string; asked: string; applied: string; objects: string[] }[] };
}

/** rx's UDP counters (kernel, /proc/net/snmp in its namespace). */
function udpCounters(): Record<string, number> {
  const r = Bun.spawnSync(["nsenter", `--net=/run/netns/${NAME}-rx`, "cat", "/proc/net/snmp"]);
  const lines = r.stdout.toString().split("\n").filter((l) => l.startsWith("Udp:"));
  const keys = lines[0]!.split(/\s+/).slice(1);
  const values = lines[1]!.split(/\s+/).slice(1).map(Number);
  return Object.fromEntries(keys.map((k, i) => [k, values[i]!]));
}

function rxBytes(): number {
  const r = Bun.spawnSync(["ip", "-n", `${NAME}-rx`, "-s", "-j", "link", "show", "eth1"]);
  return (JSON.parse(r.stdout.toString()) as { stats64: { rx: { bytes: number } } }[])[0]!.stats64.rx.bytes;
}

interface Measured {
  sent: number;
  /** UDP datagrams rx's kernel took in: intact ones (no socket listens: NoPorts) plus failed ones (InErrors). */
  received: number;
  intact: number;
  csumErrors: number;
  bytes: number;
  seconds: number;
}

/** Sends UDP from tx's engine at a fixed rate; rx's kernel is the receiver. */
async function send(count = N, pps = PPS, size?: number): Promise<Measured> {
  const before = udpCounters();
  const bytesBefore = rxBytes();
  const r = await runTraffic(
    own.fixture.inventory,
    { tx: "tx", rx: "rx", protocol: "udp", mode: "rate", pps, count, receiver: "none", ...(size ? { size } : {}) },
    { runId: `imp${process.pid % 1000}${seq++}`, transport: (h) => own.fixture.transport(h) },
  );
  expect(r.reason).toBeUndefined();
  // The last frames may still be in a queue (rate limiting) when the engine ends.
  await Bun.sleep(300);
  const after = udpCounters();
  const d = (k: string) => after[k]! - before[k]!;
  const txSummary = r.hosts.find((h) => h.host === "tx")?.summary;
  return {
    sent: r.tx.udp.tx_packets,
    received: d("InDatagrams") + d("NoPorts") + d("InErrors"),
    intact: d("InDatagrams") + d("NoPorts"),
    csumErrors: d("InCsumErrors"),
    bytes: rxBytes() - bytesBefore,
    seconds: txSummary?.duration_s ?? count / pps,
  };
}

/** Mbit/s arriving at rx over a 2.5 s window inside a 5 s run offered at 24 Mbit/s (start-up and the queue's tail left out). */
async function rateAtRx(): Promise<{ mbps: number; run: Measured }> {
  const run = send(15_000, 3_000, 1000);
  await Bun.sleep(1500);
  const b1 = rxBytes();
  const t1 = performance.now();
  await Bun.sleep(2500);
  const mbps = ((rxBytes() - b1) * 8) / ((performance.now() - t1) / 1000) / 1e6;
  return { mbps, run: await run };
}

/** Accepts `observed` as a count of events with probability p in n trials (variance inflated by `inflate`). */
function expectBinomial(observed: number, n: number, p: number, inflate = 1): void {
  const v = settingWithin(Math.max(0, Math.min(n, observed)), n, p, 0.999, inflate);
  console.log(`    ${v.detail}`);
  expect(v.ok ? "within" : v.detail).toBe("within");
}

describe("impairments measured at the receiver", () => {
  test("up applies the lab file's loss: 5% of what tx sends", async () => {
    const state = await impair();
    expect(state.path).toBe(path);
    expect(state.points.map((p) => `${p.host} ${p.direction}`)).toEqual(["tx egress"]);
    const m = await send();
    expect(m.sent).toBe(N);
    expect(m.csumErrors).toBe(0);
    expectBinomial(m.sent - m.received, m.sent, 0.05);
  }, 60_000);

  test("changed on a running lab: 20% loss takes effect in place", async () => {
    const r = await impair("--host", "tx", "--loss", "20%");
    expect(r.points[0]!.applied).toBe(path !== "netem" ? "loss 20%" : r.points[0]!.applied);
    const m = await send();
    expectBinomial(m.sent - m.received, m.sent, 0.2);
  }, 60_000);

  test("Gilbert-Elliott bursts: p=2% r=18% loses 10% in the long run", async () => {
    await impair("--host", "tx", "--loss", "p=2%,r=18%");
    const m = await send();
    expectBinomial(m.sent - m.received, m.sent, 0.1, burstInflation(0.02, 0.18));
  }, 60_000);

  test("duplication on what rx receives: 5% more frames", async () => {
    const cleared = await impair("--host", "tx", "--clear");
    expect(cleared.points[0]!.applied).toBe("none");
    await impair("--host", "rx", "--dir", "ingress", "--duplicate", "5%");
    const m = await send();
    expect(m.csumErrors).toBe(0);
    expectBinomial(m.received - m.sent, m.sent, 0.05);
  }, 60_000);

  test("corruption: 5% of frames fail the receiver's checksum", async () => {
    await impair("--host", "rx", "--dir", "rx", "--corrupt", "5%");
    const m = await send();
    // tc-bpf flips payload: every corrupted frame fails UDP. netem flips one bit of the 64-byte frame before the
    // receiver reads it: anywhere but the source MAC (6 bytes) the frame is lost to UDP (another station's MAC,
    // another ethertype, a bad IP or UDP checksum), so 58/64 of its corruptions count.
    expectBinomial(m.sent - m.intact, m.sent, path !== "netem" ? 0.05 : 0.05 * (58 / 64));
    if (path !== "netem") expect(m.csumErrors).toBe(m.sent - m.intact);
  }, 60_000);

  test("rate: 10mbit on what rx receives, offered 24 Mbit/s, arrives at 10 Mbit/s ± 5%", async () => {
    await impair("--host", "rx", "--dir", "ingress", "--rate", "10mbit");
    const { mbps, run: m } = await rateAtRx();
    console.log(`    ${mbps.toFixed(2)} Mbit/s at rx (limit 10); ${m.received} of ${m.sent} frames arrived in all`);
    expect(m.received).toBeLessThan(m.sent * 0.6);
    expect(mbps).toBeGreaterThan(9.5);
    expect(mbps).toBeLessThan(10.5);
  }, 60_000);

  test("what tx sends: duplication (clones re-enter the port's ingress) and a rate (through an ifb)", async () => {
    await impair("--host", "rx", "--dir", "ingress", "--clear");
    await impair("--host", "tx", "--duplicate", "5%");
    const m = await send();
    expectBinomial(m.received - m.sent, m.sent, 0.05);
    await impair("--host", "tx", "--rate", "10mbit");
    const { mbps } = await rateAtRx();
    console.log(`    ${mbps.toFixed(2)} Mbit/s at rx (limit 10 on tx's egress)`);
    expect(mbps).toBeGreaterThan(9.5);
    expect(mbps).toBeLessThan(10.5);
  }, 60_000);

  test("an impairment the path cannot do is refused with one line (tc-bpf: delay)", async () => {
    const r = await cli(["lab", "impair", "--lab", LAB, "--host", "tx", "--delay", "10ms"], { WIRELAB_IMPAIR_PATH: "tc-bpf" });
    expect(r.code).toBe(1);
    expect(r.err.trim().split("\n")).toEqual(["wirelab lab: lab impair tx eth1 egress: delay is not possible on this machine: the tc-bpf path does loss, corrupt, duplicate, rate (forced by WIRELAB_IMPAIR_PATH), not delay"]);
    // ...and a lab file asking for it is refused before anything is built.
    const bad = join(work, "bad.yaml");
    writeFileSync(bad, readFileSync(LAB, "utf8").replace(/name: imp\nprefix: imp/, "name: impbad\nprefix: impbad").replace("{ loss: 5% }", "{ delay: 10ms, jitter: 1ms }"));
    const up = await cli(["lab", "up", "--lab", bad], { WIRELAB_IMPAIR_PATH: "tc-bpf" });
    expect(up.code).toBe(1);
    expect(up.err.trim()).toBe(`wirelab lab: ${relative(process.cwd(), bad)}: hosts[0].interfaces[0].impair.egress: delay is not possible on this machine: the tc-bpf path does loss, corrupt, duplicate, rate (forced by WIRELAB_IMPAIR_PATH), not delay`);
    expect([...namespaces()].filter((n) => n.startsWith("impbad-"))).toEqual([]);
  }, 60_000);
});

describe("a scenario step under impairment", () => {
  test("30% loss for one step: the step's checks judge the flow on the impaired link; the lab file's 5% comes back after", async () => {
    const sc = join(work, "lossy.yaml");
    const flow = "      - { tx: tx, rx: rx, protocol: udp, mode: rate, pps: 2000, count: 10000 }";
    writeFileSync(sc, `name: lossy\nlab: ${LAB}\nmonitor: false\nsteps:\n  - name: under-loss\n    impair:\n      - { host: tx, loss: 30% }\n    flows:\n${flow}\n    checks: { max_loss: 0.36, min_rx_ratio: 0.64 }\n  - name: after\n    flows:\n${flow}\n`);
    const r = await runScenarioFile(sc, { lab: own.fixture, resultsDir: join(work, "scenario") });
    expect(r.steps.map((st) => [st.name, st.verdict, st.reason])).toEqual([["under-loss", "passed", undefined], ["after", "passed", undefined]]);
    const [lossy, after] = r.steps.map((st) => st.runs[0]!.flows[0]!);
    expect(r.steps[0]!.impairments?.map((p) => `${p.host} ${p.direction}: ${p.asked}`)).toEqual(["tx egress: loss 30%"]);
    expectBinomial(lossy!.sent - lossy!.received, lossy!.sent, 0.3);
    expectBinomial(after!.sent - after!.received, after!.sent, 0.05);
    expect((await impair()).points.find((p) => p.host === "tx" && p.direction === "egress")?.applied).toBe(path !== "netem" ? "loss 5%" : expect.any(String));
  }, 90_000);
});

describe("the control API on this lab", () => {
  const tcJson = (args: string[]) => JSON.parse(Bun.spawnSync(["ip", "netns", "exec", `${NAME}-sw`, "tc", "-j", ...args]).stdout.toString() || "[]") as Record<string, any>[];

  test("POST /lab/impairments changes the qdisc and the program's parameters in the kernel; a refused one changes nothing; DELETE removes them", async () => {
    // The server's lab from its inventory (netns, with the lab file), as `serve --lab` builds it.
    const t = testApp({ inventory: own.fixture.inventory });
    const lab = loadLab(LAB).lab;
    const port = lab.hosts.find((h) => h.name === "rx")!.interfaces[0]!.switchPort;
    const post = (body: unknown) => t.app.request("/lab/impairments", { method: "POST", headers: { ...auth, "Content-Type": "application/json" }, body: JSON.stringify(body) });
    const progOf = () => tcJson(["filter", "show", "dev", port, "egress"]).find((f) => f.kind === "bpf" && f.options?.prog)?.options?.prog?.id as number | undefined;
    const rootOf = () => tcJson(["qdisc", "show", "dev", port]).find((q) => q.root);
    try {
      const res = await post({ host: "rx", dir: "ingress", loss: "10%", rate: "20mbit" });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { path: string; points: { applied: string }[] };
      expect(body.path).toBe(path);
      const root = rootOf();
      if (path !== "netem") {
        expect(body.points[0]!.applied).toBe("loss 10% rate 20mbit");
        expect([root?.kind, root?.options?.rate]).toEqual(["tbf", 2_500_000]);
        expect(progOf()).toBeGreaterThan(0);
      } else expect([root?.kind, root?.options?.loss_random?.loss]).toEqual(["netem", 0.1]);
      const prog = progOf();

      // Changed in place: the same program with new parameters, the rate limiter gone.
      expect((await post({ host: "rx", dir: "ingress", loss: "1%" })).status).toBe(200);
      expect(progOf()).toBe(prog);
      expect(rootOf()?.kind).not.toBe("tbf");
      const shown = (await (await t.app.request("/lab/impairments", { headers: auth })).json()) as { points: { host: string; direction: string; applied: string }[] };
      expect(shown.points.find((p) => p.host === "rx" && p.direction === "ingress")?.applied).toBe(path !== "netem" ? "loss 1%" : expect.stringContaining("netem"));

      // What the path cannot do: 400, one line, and the kernel keeps what it had.
      if (path === "tc-bpf") {
        const refused = await post({ host: "rx", dir: "ingress", delay: "10ms" });
        expect(refused.status).toBe(400);
        expect(((await refused.json()) as { error: string }).error).toBe("rx eth1 ingress: delay is not possible on this machine: the tc-bpf path does loss, corrupt, duplicate, rate (no sch_netem in this kernel), not delay");
        expect(progOf()).toBe(prog);
      }
      if (path === "wire") {
        const refused = await post({ host: "rx", dir: "ingress", delay: "10ms", jitter: "2ms", distribution: "pareto" });
        expect(refused.status).toBe(400);
        expect(((await refused.json()) as { error: string }).error).toStartWith("rx eth1 ingress: distribution pareto is not possible on this machine: the wire path's jitter is uniform or normal");
        expect(progOf()).toBe(prog);
        // Delay on a running lab: the wire engine joins the link (its namespace, the program stays on the port).
        const wired = await post({ host: "rx", dir: "ingress", loss: "1%", delay: "5ms" });
        expect(wired.status).toBe(200);
        expect(((await wired.json()) as { points: { applied: string }[] }).points[0]!.applied).toBe("wire: delay 5ms; loss 1%");
        expect([...namespaces()].filter((n) => n.startsWith(`${NAME}-wire-`))).toHaveLength(1);
        expect(progOf()).toBeGreaterThan(0);
      }

      const del = await t.app.request("/lab/impairments?host=rx&dir=ingress", { method: "DELETE", headers: auth });
      expect(del.status).toBe(200);
      expect(progOf()).toBeUndefined();
      expect(tcJson(["qdisc", "show", "dev", port]).map((q) => q.kind)).not.toContain("clsact");
      // ...and the wire with them: the link whole again, no wire namespace.
      expect([...namespaces()].filter((n) => n.startsWith(`${NAME}-wire-`))).toEqual([]);
    } finally {
      t.cleanup();
    }
  }, 60_000);
});

describe("down", () => {
  test("leaves no qdisc, filter, program, ifb or process of the lab", async () => {
    // Everything at once, so down has all of it to remove.
    await impair("--host", "tx", "--loss", "1%", "--rate", "50mbit");
    await impair("--host", "rx", "--dir", "ingress", "--duplicate", "1%", "--rate", "50mbit");
    const shown = await impair();
    expect(shown.points.length).toBe(2);
    const progs = shown.points.flatMap((p) => p.objects).map((o) => /bpf program (\d+)/.exec(o)?.[1]).filter((x): x is string => x !== undefined);
    expect(progs.length).toBe(2);
    await own.down();
    expect([...namespaces()].filter((n) => n.startsWith(`${NAME}-`))).toEqual([]);
    // The programs go when their last device does; the kernel frees them shortly after.
    let left: string[] = progs;
    for (let i = 0; i < 50 && left.length > 0; i++) {
      left = progs.filter((id) => Bun.spawnSync(["bpftool", "prog", "show", "id", id]).exitCode === 0);
      if (left.length) await Bun.sleep(100);
    }
    expect(left).toEqual([]);
    expect(readdirSync("/sys/class/net").filter((l) => l.startsWith(`${NAME}-`))).toEqual([]);
    const rootTc = Bun.spawnSync(["sh", "-c", "tc qdisc show; tc filter show dev lo egress; tc filter show dev lo ingress"]).stdout.toString();
    expect(rootTc).not.toContain(`${NAME}-`);
    const procs = readdirSync("/proc").filter((p) => /^\d+$/.test(p)).filter((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, "utf8").includes(`wl-${NAME}-`);
      } catch {
        return false;
      }
    });
    expect(procs).toEqual([]);
  }, 60_000);
});
