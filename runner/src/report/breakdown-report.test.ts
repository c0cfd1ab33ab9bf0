// A run whose engines report workers, ports, families, VLANs and one-way latency (lines per the output contract):
// the store keeps them, its report files show them, and /metrics labels them by worker, port, family and VLAN.
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RunStore } from "../store/run-store.ts";
import { parseEngineLine, type EngineStats } from "../traffic/engine-output.ts";
import { OLD_STATS, RX_SUMMARY_2P, TX_STATS_2W, TX_SUMMARY_2W } from "../traffic/engine-lines.fixture.ts";
import { writeReports } from "./write-reports.ts";
import { renderMetrics } from "../api/metrics.ts";
import { RunRegistry } from "../api/run-registry.ts";

const root = mkdtempSync(join(tmpdir(), "wirelab-breakdown-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const stats = (line: string) => parseEngineLine(line) as EngineStats;
const store = RunStore.open(join(root, "wirelab.sqlite"));
const RUN = "20260101-000000-udp-rate";
const runDir = join(root, RUN);
store.startRun({ id: RUN, kind: "traffic", name: "udp/rate tx -> rx", dir: runDir, spec: { ipVersion: 6 }, provenance: {} });
store.addSample(RUN, { host: "tx", role: "tx", stats: stats(TX_STATS_2W), ipVersion: 6 });
store.addSample(RUN, { host: "rx", role: "rx", stats: stats(RX_SUMMARY_2P), ipVersion: 6 });

const line = (text: string, name: string, labels: string) => new RegExp(`^${name}\\{${labels}\\} (\\d+)$`, "m").exec(text)?.[1];

test("a running run's latest figures are in /metrics, per worker, port, family and VLAN", () => {
  const text = renderMetrics(store, new RunRegistry());
  expect(line(text, "wirelab_worker_packets_total", 'host="tx",worker="1",direction="tx"')).toBe("1001");
  expect(line(text, "wirelab_port_packets_total", 'host="rx",port="1",direction="rx"')).toBe("4999");
  expect(line(text, "wirelab_port_bytes_total", 'host="rx",port="1",direction="rx"')).toBe("319914");
  expect(line(text, "wirelab_family_packets_total", 'host="tx",family="ipv6",direction="tx"')).toBe("2002");
  expect(line(text, "wirelab_vlan_packets_total", 'host="rx",vlan="100.200",direction="rx"')).toBe("4998");
});

test("finished: the final figures fold into the totals once; the report files show them", () => {
  store.addSample(RUN, { host: "tx", role: "tx", stats: stats(TX_SUMMARY_2W), ipVersion: 6 });
  store.finishRun(RUN, "passed", undefined, [{ name: "sent", ok: true, detail: "5000 udp packets sent" }]);
  const text = renderMetrics(store, new RunRegistry());
  expect(line(text, "wirelab_worker_packets_total", 'host="tx",worker="0",direction="tx"')).toBe("2501");
  expect(line(text, "wirelab_worker_packets_total", 'host="tx",worker="1",direction="tx"')).toBe("2499");
  expect(line(text, "wirelab_family_packets_total", 'host="rx",family="ipv6",direction="rx"')).toBe("5000");

  const finals = store.finalBreakdowns(RUN);
  expect(finals.map((f) => [f.host, f.role, f.breakdown.workers.map((w) => w.tx_packets)])).toEqual([["tx", "tx", [2501, 2499]], ["rx", "rx", [2, 0]]]);
  expect(finals[1]!.breakdown.latency?.p99_us).toBe(48.1);
  expect(finals[1]!.breakdown.sequence).toEqual({ received: 4998, lost: 2, reordered: 1, duplicates: 0 });

  writeReports(runDir, store, RUN);
  const md = readFileSync(join(runDir, "results.md"), "utf8");
  expect(md).toContain("## Per worker");
  expect(md).toMatch(/\| tx\s+\| tx\s+\|\s+1 \|\s+2 \|\s+2,499 \|/);
  expect(md).toContain("## Per port");
  expect(md).toMatch(/\| rx\s+\| rx\s+\|\s+1 \| net_af_xdp1 \|/);
  expect(md).toContain("## Per IP family");
  expect(md).toContain("## Per VLAN");
  expect(md).toMatch(/## One-way latency and sequence[\s\S]*\| rx\s+\| rx\s+\|\s+4,998 \|\s+11\.2 \|/);
  const html = readFileSync(join(runDir, "report.html"), "utf8");
  for (const title of ["Per worker", "Per port", "Per IP family", "Per VLAN", "One-way latency and sequence (stamped frames)"]) expect(html).toContain(`<h2>${title}</h2>`);
  const csv = readFileSync(join(runDir, "breakdown.csv"), "utf8").trim().split("\n");
  expect(csv[0]).toBe("run,t,host,role,kind,key,label,tx_packets,tx_bytes,rx_packets,rx_bytes,answers_matched,rx_missed,tx_dropped,tx_pps,rx_pps");
  expect(csv).toContain(`${RUN},2.5,tx,tx,worker,1,2,2499,64064,0,0,0,,,1000.8,0`);
  expect(csv).toContain(`${RUN},2.6,rx,rx,family,ipv6,engine,2,,5000,,,,,,`);
  const json = JSON.parse(readFileSync(join(runDir, "results.json"), "utf8"));
  expect(json.breakdown.tx.workers.map((w: { tx_packets: number }) => w.tx_packets)).toEqual([2501, 2499]);
  expect(json.breakdown.rx.sequence.lost).toBe(2);
});

test("an older engine's run: families from the run's ip_version, no worker or port tables", () => {
  const id = "20260101-000001-udp-rate";
  store.startRun({ id, kind: "traffic", name: "old", dir: join(root, id), spec: {}, provenance: {} });
  store.addSample(id, { host: "tx", role: "tx", stats: stats(OLD_STATS), ipVersion: 4 });
  store.finishRun(id, "passed", undefined, []);
  writeReports(join(root, id), store, id);
  const md = readFileSync(join(root, id, "results.md"), "utf8");
  expect(md).not.toContain("## Per worker");
  expect(md).toMatch(/\| tx\s+\| tx\s+\| ipv4\s+\|\s+1,000 \|\s+2 \| run's ip_version \|/);
  expect(line(renderMetrics(store, new RunRegistry()), "wirelab_family_packets_total", 'host="tx",family="ipv4",direction="tx"')).toBe("1000");
});

test("engines named by the runner count apart even when the later one's t continues the earlier's (the demo's offsets)", () => {
  const id = "20260101-000002-demo";
  store.startRun({ id, kind: "demo", name: "demo", dir: join(root, id), spec: {}, provenance: {} });
  const v4 = stats(OLD_STATS);
  // The IPv4 step, then the IPv6 step of the same protocol on the same host, t offset so they follow each other.
  store.addSample(id, { host: "tx", role: "tx", stats: v4, ipVersion: 4, engine: "demo-udp-tx" });
  store.addSample(id, { host: "tx", role: "tx", stats: { ...v4, t: v4.t + 3 }, ipVersion: 6, engine: "demo-udp6-tx" });
  store.finishRun(id, "passed", undefined, []);
  expect(store.finalCounters(id).find((c) => c.protocol === "udp")!.tx_packets).toBe(2000);
  const [tx] = store.finalBreakdowns(id);
  expect(tx!.breakdown.families).toEqual({ ipv4: { tx_packets: 1000, rx_packets: 2 }, ipv6: { tx_packets: 1000, rx_packets: 2 } });
});
