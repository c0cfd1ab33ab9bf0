// One engine on two ports (--port 0 --port 1 --stamp) on a lab of this suite's
// own (sdut: the dut-tester lab under its own name and subnets): back-to-back
// on one host over a cable inside it, then through the DUT's kernel router
// with one-way latency, loss, reordering and duplicates from the engine's
// sequence numbers, then the RFC 2544 throughput search and its report.
import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Inventory, InventoryInterface } from "../../infra/src/inventory.ts";
import { LABS_DIR } from "../src/paths.ts";
import { writeReports } from "../src/report/write-reports.ts";
import { execTwoPort, twoPortCommand, type Latency, type Sequence } from "../src/scenario/rfc2544.ts";
import { runScenarioFile } from "../src/run/scenario-run.ts";
import { RunStore } from "../src/store/run-store.ts";
import { useOwnLab } from "./own-lab.ts";

const work = mkdtempSync(join(tmpdir(), "wirelab-dut-suite-"));
const LAB = join(work, "sdut.yaml");
writeFileSync(
  LAB,
  readFileSync(join(LABS_DIR, "dut-tester.yaml"), "utf8")
    .replace(/^name: dut-tester$/m, "name: sdut")
    .replace(/^prefix: dutt$/m, "prefix: sdut")
    .replace(/198\.18\.20\./g, "198.18.232.")
    .replace(/198\.18\.21\./g, "198.18.233."),
);
const lab = useOwnLab(LAB, work);

interface PortCounters {
  port: number;
  tx_packets: number;
  rx_packets: number;
}
interface Summary {
  type: string;
  reason: string;
  ports: PortCounters[];
  totals: { tx_packets: number; rx_packets: number };
  sequence: Sequence;
  latency: Latency;
}

function summaryOf(stdout: string): Summary {
  const line = stdout.split("\n").findLast((l) => l.includes('"type":"summary"'));
  if (!line) throw new Error(`no summary line in the engine's output:\n${stdout.slice(-500)}`);
  return JSON.parse(line) as Summary;
}

/** What RFC 2544 testers report, checked: every frame once, in order, latency positive and ordered. */
function expectClean(s: Summary, count: number): void {
  expect(s.reason).toBe("count");
  expect(s.ports).toHaveLength(2);
  expect(s.ports[0]!.tx_packets).toBeGreaterThanOrEqual(count);
  expect(s.ports[1]!.rx_packets).toBeGreaterThanOrEqual(count);
  expect(s.ports.reduce((a, p) => a + p.tx_packets, 0)).toBe(s.totals.tx_packets);
  expect(s.ports.reduce((a, p) => a + p.rx_packets, 0)).toBe(s.totals.rx_packets);
  expect(s.sequence).toEqual({ received: count, lost: 0, reordered: 0, duplicates: 0 });
  const l = s.latency;
  expect(l.samples).toBe(count);
  expect(l.min_us).toBeGreaterThan(0);
  const ordered = [l.min_us, l.p50_us, l.p90_us, l.p99_us, l.p999_us, l.max_us];
  expect(ordered).toEqual([...ordered].sort((a, b) => a - b));
  expect(l.mean_us).toBeGreaterThanOrEqual(l.min_us);
  expect(l.mean_us).toBeLessThanOrEqual(l.max_us);
}

const segMac = (inv: Inventory, host: string, segment: string) => inv.hosts.find((h) => h.name === host)!.interfaces.find((i) => i.segment === segment)!.mac;

describe("two ports, one engine", () => {
  test("back-to-back on one host: port 0 resolves port 1 over a cable and every frame arrives", async () => {
    const fx = lab.fixture;
    const t = fx.transport("tester");
    // the cable: a veth pair inside the tester, named with the lab's prefix, removed after the test
    const [a, b] = ["sdut-bw0", "sdut-bw1"];
    const ip = async (...args: string[]) => {
      const r = await t.exec(["ip", ...args]);
      if (r.code !== 0) throw new Error(`ip ${args.join(" ")}: ${r.stderr}`);
    };
    await ip("link", "add", a, "type", "veth", "peer", "name", b);
    try {
      await ip("link", "set", a, "up");
      await ip("link", "set", b, "up");
      const tester = fx.inventory.hosts.find((h) => h.name === "tester")!;
      const wire = (i: InventoryInterface, name: string, n: number, addr: string): InventoryInterface => ({ ...i, name, ipv4: addr, dpdk: { ...i.dpdk, vdev: `net_af_xdp${n},iface=${name}` } });
      const inv: Inventory = {
        ...fx.inventory,
        hosts: [{ ...tester, interfaces: [wire(tester.interfaces[0]!, a, 0, "198.18.234.1"), wire(tester.interfaces[1]!, b, 1, "198.18.234.2")] }],
      };
      const count = 20000;
      const plan = twoPortCommand(inv, "tester", { pps: 20000, count, size: 60, runId: "b2b" });
      const r = await execTwoPort(inv, t, plan, 60_000);
      expect(r.stderr).not.toContain("error");
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('"event":"arp_resolved","ip":"198.18.234.2"');
      expectClean(summaryOf(r.stdout), count);
    } finally {
      await t.exec(["ip", "link", "del", a]);
    }
  }, 90_000);

  test("through the DUT's router: no loss, no reordering, no duplicates, one-way latency percentiles", async () => {
    const fx = lab.fixture;
    const inv = fx.inventory;
    const dut = fx.transport("dut");
    const forwarded = async () => Number((await dut.exec(["cat", "/sys/class/net/eth2/statistics/tx_packets"])).stdout.trim());
    const before = await forwarded();
    const count = 30000;
    const plan = twoPortCommand(inv, "tester", { pps: 20000, count, size: 124, dstMac: segMac(inv, "dut", "seg-a"), runId: "dut" });
    const r = await execTwoPort(inv, fx.transport("tester"), plan, 60_000);
    expect(r.code).toBe(0);
    const s = summaryOf(r.stdout);
    expectClean(s, count);
    // the frames went through the DUT's kernel, not around it
    expect((await forwarded()) - before).toBeGreaterThanOrEqual(count);
    // the DUT learnt the tester's eth2 by ARP: port 1 answered as its own host
    expect(s.ports[1]!.tx_packets).toBeGreaterThanOrEqual(1);
  }, 90_000);
});

describe("RFC 2544 throughput", () => {
  test("the search finds a zero-loss rate per frame size and the report draws it", async () => {
    const fx = lab.fixture;
    const file = join(work, "rfc.yaml");
    writeFileSync(
      file,
      `name: sdut-rfc
lab: sdut.yaml
monitor: false
steps:
  - name: throughput
    rfc2544: { tester: tester, frame_sizes: [64, 512, 1518], trial_duration: 1, max_rate: 40000, resolution: 0.1 }
`,
    );
    const dir = join(work, "run");
    const result = await runScenarioFile(file, { lab: fx, resultsDir: dir });
    expect(result.verdict).toBe("passed");
    const search = result.steps[0]!.runs[0]!.rfc2544!;
    expect(search.sizes.map((s) => s.frameSize)).toEqual([64, 512, 1518]);
    for (const s of search.sizes) {
      expect(s.pps).toBeGreaterThan(0);
      expect(s.trials.length).toBeGreaterThanOrEqual(1);
      const passed = s.trials.find((t) => t.pps === s.pps)!;
      expect(passed.lost).toBe(0);
      expect(passed.sent).toBeGreaterThanOrEqual(s.pps * 0.99);
      expect(s.latency!.p50_us).toBeGreaterThan(0);
      expect(s.latency!.p99_us).toBeGreaterThanOrEqual(s.latency!.p50_us);
      expect(s.mbps).toBeCloseTo((s.pps * s.frameSize * 8) / 1e6, 6);
    }
    // The run wrote its own reports when it finished.
    const html = readFileSync(join(result.dir, "report.html"), "utf8");
    expect(html).toContain('data-chart="rfc2544-throughput-throughput"');
    expect(html).toContain('data-chart="rfc2544-latency-throughput"');
    for (const s of search.sizes) expect(html).toContain(`data-group="${s.frameSize} B" data-value="${s.pps}"`);
    expect(readFileSync(join(result.dir, "results.md"), "utf8")).toContain("## RFC 2544 throughput (throughput)");
  }, 240_000);
});
