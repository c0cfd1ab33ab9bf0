// Breakdowns read from engine lines: today's engine (none), and lines per the
// output contract (workers, ports, families, VLANs, latency, sequence).
import { describe, expect, test } from "bun:test";
import { parseEngineLine, type EngineStats } from "./engine-output.ts";
import { breakdownOf, hasBreakdown, sumBreakdowns } from "./breakdown.ts";
import { OLD_STATS, RX_SUMMARY_2P, TX_STATS_2W, TX_SUMMARY_2W } from "./engine-lines.fixture.ts";
import { breakdownLines, resultBreakdownLines } from "./live-view.ts";

const stats = (line: string) => parseEngineLine(line) as EngineStats;

describe("an engine without breakdowns", () => {
  test("parses as before and yields no workers, ports, VLANs, latency", () => {
    const b = breakdownOf(stats(OLD_STATS));
    expect(b).toMatchObject({ workers: [], ports: [], vlans: {}, latency: null, sequence: null, familiesFrom: "none" });
    expect(hasBreakdown(b)).toBe(false);
  });

  test("with the run's ip_version, its IP protocols' packets are that family's", () => {
    const b = breakdownOf(stats(OLD_STATS), 6);
    expect(b.familiesFrom).toBe("ip_version");
    // udp 1000 tx, icmp 2 rx; the eth/arp frames of the totals are no IP family
    expect(b.families).toEqual({ ipv6: { tx_packets: 1000, rx_packets: 2 } });
  });
});

describe("lines per the contract", () => {
  test("workers, ports, families and VLANs of a two-worker sender", () => {
    const b = breakdownOf(stats(TX_STATS_2W), 6);
    expect(b.workers.map((w) => [w.worker, w.lcore, w.tx_packets, w.tx_pps])).toEqual([[0, 1, 1001, 1001.2], [1, 2, 1001, 1000.8]]);
    // the workers add up to the totals
    expect(b.workers.reduce((a, w) => a + w.tx_packets, 0)).toBe(stats(TX_STATS_2W).totals.tx_packets);
    expect(b.ports).toEqual([{ port: 0, name: "net_af_xdp0", tx_packets: 2002, tx_bytes: 128128, rx_packets: 2, rx_bytes: 172, rx_missed: 0, tx_dropped: 0 }]);
    expect(b.familiesFrom).toBe("engine");
    expect(b.families).toEqual({ ipv4: { tx_packets: 0, rx_packets: 0 }, ipv6: { tx_packets: 2002, rx_packets: 2 } });
    expect(b.vlans).toEqual({ "100.200": { tx_packets: 2000, rx_packets: 0 } });
    expect(b.latency).toBeNull();
  });

  test("latency and sequence on the receiving side", () => {
    const b = breakdownOf(stats(RX_SUMMARY_2P));
    expect(b.ports.map((p) => [p.port, p.rx_packets, p.rx_missed])).toEqual([[0, 1, 0], [1, 4999, 3]]);
    expect(b.latency).toEqual({ samples: 4998, min_us: 11.2, mean_us: 23.9, p50_us: 21, p90_us: 30.5, p99_us: 48.1, p999_us: 77, max_us: 130.4 });
    expect(b.sequence).toEqual({ received: 4998, lost: 2, reordered: 1, duplicates: 0 });
  });

  test("entries that break the contract are left out, not guessed", () => {
    const line = JSON.parse(TX_STATS_2W) as Record<string, unknown>;
    line.workers = [{ lcore: 3, tx_packets: 5 }, "x", { worker: 2, tx_packets: "many" }];
    line.ports = { port: 0 };
    line.vlans = { abc: { tx_packets: 1 }, "7": { tx_packets: 1 } };
    const b = breakdownOf(stats(JSON.stringify(line)));
    expect(b.workers.map((w) => [w.worker, w.tx_packets])).toEqual([[2, 0]]);
    expect(b.ports).toEqual([]);
    expect(Object.keys(b.vlans)).toEqual(["7"]);
  });

  test("summed over hosts: workers and ports by number, families and VLANs by key, latency bounded", () => {
    const tx = breakdownOf(stats(TX_SUMMARY_2W));
    const rx = breakdownOf(stats(RX_SUMMARY_2P));
    const both = sumBreakdowns([tx, rx]);
    expect(both.workers.map((w) => [w.worker, w.tx_packets, w.rx_packets])).toEqual([[0, 2503, 2502], [1, 2499, 2500]]);
    expect(both.ports.map((p) => [p.port, p.tx_packets, p.rx_packets])).toEqual([[0, 2004, 3], [1, 0, 4999]]);
    expect(both.families.ipv6).toEqual({ tx_packets: 2004, rx_packets: 5002 });
    expect(both.vlans["100.200"]).toEqual({ tx_packets: 2000, rx_packets: 4998 });
    expect(both.sequence).toEqual({ received: 4998, lost: 2, reordered: 1, duplicates: 0 });
    const twice = sumBreakdowns([rx, rx]);
    expect(twice.latency).toMatchObject({ samples: 9996, min_us: 11.2, p99_us: 48.1, max_us: 130.4 });
    expect(twice.latency!.mean_us).toBeCloseTo(23.9, 9);
  });

  test("the live view lists workers and ports when there are several, families, VLANs and latency", () => {
    const tx = breakdownLines({ host: "tx", role: "tx", stats: stats(TX_STATS_2W) }).join("\n");
    expect(tx).toMatch(/w0\s+lc1\s+1\.0k/);
    expect(tx).toMatch(/w1\s+lc2\s+1\.0k/);
    expect(tx).not.toMatch(/\bp0\b/); // one port: its figures are the totals
    expect(tx).toContain("ipv6 tx 2002 rx 2");
    expect(tx).toContain("vlan 100.200 tx 2000 rx 0");
    const rx = breakdownLines({ host: "rx", role: "rx", stats: stats(RX_SUMMARY_2P) }).join("\n");
    expect(rx).toContain("p1   net_a tx 0 rx 4999 missed 3");
    expect(rx).toContain("one-way p50/p99/max 21.0/48.1/130.4 us");
    expect(rx).toContain("sequence lost 2 reordered 1 duplicates 0");
    expect(breakdownLines({ host: "tx", role: "tx", stats: stats(OLD_STATS) })).toEqual([]);
  });
});

test("the end-of-run lines: workers and ports of each side, families, VLANs, latency and sequence", () => {
  const lines = resultBreakdownLines({ tx: breakdownOf(stats(TX_SUMMARY_2W)), rx: breakdownOf(stats(RX_SUMMARY_2P)) });
  expect(lines).toEqual([
    "  tx workers: w0 (lcore 1) 2501, w1 (lcore 2) 2499 sent",
    "  tx families: ipv4 0, ipv6 2002 sent",
    "  tx vlans: 100.200 2000 sent",
    "  rx workers: w0 (lcore 1) 2500, w1 (lcore 2) 2500 received",
    "  rx ports: p0 net_af_xdp0 1, p1 net_af_xdp1 4999 received",
    "  rx families: ipv4 0, ipv6 5000 received",
    "  rx vlans: 100.200 4998 received",
    "  rx one-way latency: p50 21.0 us, p99 48.1 us, max 130.4 us over 4998 frames",
    "  rx sequence: 4998 received, 2 lost, 1 reordered, 0 duplicates",
  ]);
  expect(resultBreakdownLines({ tx: breakdownOf(stats(OLD_STATS), 4), rx: breakdownOf(undefined) })).toEqual([]);
});
