// Two engine workers at each end, through the runner, on a netns lab of this
// suite's own whose test interfaces have two queues (one af_xdp queue per
// worker, the frames crossing the lab's bridge): every protocol, with the
// receiver's counts equal to the sender's totals, every request answered to
// the worker that sent it, the per-worker counters adding up to the totals
// and the rate shared by the workers within 1% (or within what the engine
// reports its schedule lost to a stall on the shared CPUs).
import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PROTOCOLS, type Protocol, type WorkerCounters } from "../src/traffic/engine-output.ts";
import { runTraffic, type TrafficResult } from "../src/traffic/run-traffic.ts";
import type { TrafficSpec } from "../src/traffic/traffic-spec.ts";
import { useOwnLab } from "./own-lab.ts";

const work = mkdtempSync(join(tmpdir(), "wirelab-workers-suite-"));
const LAB = join(work, "swrk.yaml");
writeFileSync(
  LAB,
  `# two workers a side: two queues on each test interface
name: swrk
prefix: swrk
networks:
  - name: br-test
    subnet: 198.18.234.0/24
hosts:
  - name: tx
    role: tx
    interfaces: [ { network: br-test, queues: 2 } ]
  - name: rx
    role: rx
    interfaces: [ { network: br-test, queues: 2 } ]
`,
);
const lab = useOwnLab(LAB, work);
let seq = 0;

function traffic(spec: Omit<TrafficSpec, "tx" | "rx">): Promise<TrafficResult> {
  const fx = lab.fixture;
  return runTraffic(fx.inventory, { tx: "tx", rx: "rx", workers: 2, ...spec }, { runId: `wk${process.pid % 1000}${seq++}`, transport: (h) => fx.transport(h) });
}

const ANSWERED: readonly Protocol[] = ["arp", "icmp", "udp", "tcp", "dns"];
const KEYS = ["tx_packets", "tx_bytes", "rx_packets", "rx_bytes"] as const;

/** Each side's workers add up to its totals, and each of the two did its part. */
function expectWorkersAddUp(r: TrafficResult): void {
  for (const role of ["tx", "rx"] as const) {
    const s = r.hosts.find((h) => h.role === role)!.summary!;
    const ws: WorkerCounters[] = r.breakdown[role].workers;
    expect(ws).toHaveLength(2);
    for (const k of KEYS) expect(ws.reduce((a, w) => a + w[k], 0)).toBe(s.totals[k]);
    for (const w of ws) expect(role === "tx" ? w.tx_packets : w.rx_packets).toBeGreaterThan(0);
  }
}

describe("two workers a side, every protocol, across the lab's bridge", () => {
  for (const protocol of PROTOCOLS) {
    test(`${protocol}: receiver counts equal the sender's totals, answers matched by the worker that asked`, async () => {
      const count = 2000;
      const r = await traffic({ protocol, mode: "rate", pps: 2000, count, flows: 16, ...(protocol === "udp" ? { udpEcho: true } : {}), ...(protocol === "tcp" ? { message: "hello over tcp" } : {}) });
      expect(r.reason).toBeUndefined();
      expect(r.state).toBe("passed");
      expect(r.tx[protocol].tx_packets).toBeGreaterThanOrEqual(count);
      expect(r.rx[protocol].rx_packets).toBe(r.tx[protocol].tx_packets);
      expect(r.tx[protocol].rx_packets).toBe(r.rx[protocol].tx_packets);
      expectWorkersAddUp(r);
      const tx = r.hosts.find((h) => h.role === "tx")!.summary!;
      // the two workers share --count: each sent its half of the requests
      const txWorkers = r.breakdown.tx.workers;
      expect(Math.abs(txWorkers[0]!.tx_packets - txWorkers[1]!.tx_packets)).toBeLessThanOrEqual(0.02 * tx.totals.tx_packets);
      if (ANSWERED.includes(protocol)) {
        // UDP frames are not requests to the engine; with the receiver echoing, each one is answered
        if (protocol !== "udp") expect(r.tx[protocol].requests).toBe(count);
        expect(r.tx[protocol].answers_matched).toBe(count);
        // matched by the worker that sent the request: each matched its own half
        for (const w of txWorkers) expect(w.answers_matched).toBe(count / 2);
      }
      if (protocol === "tcp") {
        expect(tx.tcp.handshakes_completed).toBe(count);
        expect(tx.tcp.client?.completed).toBe(count);
        expect(tx.tcp.resets).toBe(0);
      }
      for (const h of r.hosts) expect(h.summary?.totals.malformed ?? 0).toBe(0);
    }, 60_000);
  }

  test("rate: the workers' paced rates sum to the target within 1%, split evenly", async () => {
    const pps = 10000;
    const r = await traffic({ protocol: "udp", mode: "rate", pps, duration: 4 });
    expect(r.state).toBe("passed");
    const tx = r.hosts.find((h) => h.role === "tx")!.summary!;
    console.log(`rate ${pps} pps over 4 s: achieved ${tx.pacing?.achieved_pps}, workers sent ${r.breakdown.tx.workers.map((w) => w.tx_packets).join(" + ")}`);
    expect(tx.pacing?.target_pps).toBe(pps);
    // Within 1%, or within what the engine's own account of its schedule allows when the shared CPUs held a worker
    // back (a late first or last departure, departures given up in a stall): the bounds of e2e_workers.sh.
    const pc = tx.pacing!;
    const step = (1e9 * r.breakdown.tx.workers.length) / pps;
    const late0 = (pc.late_first_ms ?? 0) * 1e6, late1 = (pc.late_last_ms ?? 0) * 1e6, skipped = pc.skipped ?? 0;
    const gaps = r.breakdown.tx.workers.map((w) => w.tx_packets - 1);
    const low = gaps.reduce((sum, n) => sum + (1e9 * n) / ((n + skipped) * step + late1 + step), 0);
    const high = gaps.reduce((sum, n) => sum + (n * step > late0 + step ? (1e9 * n) / (n * step - late0 - step) : Infinity), 0);
    console.log(`allowed [${Math.min(low, 0.99 * pps).toFixed(1)}, ${Math.max(high, 1.01 * pps).toFixed(1)}]: first departures ${pc.late_first_ms} ms late, last ${pc.late_last_ms} ms, ${skipped} given up`);
    expect(pc.achieved_pps).toBeGreaterThanOrEqual(Math.min(low, 0.99 * pps));
    expect(pc.achieved_pps).toBeLessThanOrEqual(Math.max(high, 1.01 * pps));
    const [a, b] = r.breakdown.tx.workers;
    expect(Math.abs(a!.tx_packets - b!.tx_packets)).toBeLessThanOrEqual(0.02 * tx.totals.tx_packets + skipped + (pc.unsent_at_end ?? 0));
    expectWorkersAddUp(r);
    expect(r.rx.udp.rx_packets).toBe(r.tx.udp.tx_packets);
  }, 60_000);
});
