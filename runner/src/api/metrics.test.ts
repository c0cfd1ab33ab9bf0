import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RunStore } from "../store/run-store.ts";
import { renderMetrics } from "./metrics.ts";
import { RunRegistry } from "./run-registry.ts";
import { auth, postRun, stats, testApp } from "./test-app.ts";

/** Parses Prometheus text format 0.0.4 strictly enough to catch what a scraper would refuse. */
function parseExposition(text: string) {
  const help = new Map<string, string>();
  const type = new Map<string, string>();
  const samples: { name: string; labels: Record<string, string>; value: number }[] = [];
  const sampleLine = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/;
  const labelPair = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/y;
  expect(text.endsWith("\n")).toBe(true);
  for (const line of text.slice(0, -1).split("\n")) {
    if (line.startsWith("# HELP ")) {
      const [, name, doc] = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line) ?? [];
      expect(name, line).toBeDefined();
      expect(help.has(name!), `HELP twice for ${name}`).toBe(false);
      help.set(name!, doc!);
      continue;
    }
    if (line.startsWith("# TYPE ")) {
      const [, name, t] = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line) ?? [];
      expect(name, line).toBeDefined();
      expect(type.has(name!), `TYPE twice for ${name}`).toBe(false);
      type.set(name!, t!);
      continue;
    }
    const m = sampleLine.exec(line);
    expect(m, `not a sample line: ${line}`).not.toBeNull();
    const labels: Record<string, string> = {};
    if (m![3]) {
      labelPair.lastIndex = 0;
      let pos = 0;
      while (pos < m![3].length) {
        labelPair.lastIndex = pos;
        const l = labelPair.exec(m![3]);
        expect(l, `bad labels in: ${line}`).not.toBeNull();
        labels[l![1]!] = l![2]!;
        pos = labelPair.lastIndex;
      }
    }
    const value = m![4] === "+Inf" ? Infinity : m![4] === "-Inf" ? -Infinity : Number(m![4]);
    expect(Number.isNaN(value) && m![4] !== "NaN", `bad value in: ${line}`).toBe(false);
    samples.push({ name: m![1]!, labels, value });
  }
  // A histogram's _bucket, _sum and _count samples belong to the family named without the suffix.
  const family = (name: string) => {
    if (type.has(name)) return name;
    const base = name.replace(/_(bucket|sum|count)$/, "");
    return type.get(base) === "histogram" || type.get(base) === "summary" ? base : name;
  };
  for (const s of samples) {
    const f = family(s.name);
    expect(type.has(f), `no TYPE for ${s.name}`).toBe(true);
    expect(help.has(f), `no HELP for ${s.name}`).toBe(true);
  }
  for (const name of type.keys()) expect(help.has(name), `TYPE without HELP: ${name}`).toBe(true);
  return { help, type, samples };
}

describe("GET /metrics", () => {
  const t = testApp();
  afterAll(t.cleanup);

  test("is Prometheus text 0.0.4 that parses line by line", async () => {
    const res = await t.app.request("/metrics", { headers: auth });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const { type, samples } = parseExposition(await res.text());
    const value = (name: string, labels: Record<string, string>) => samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

    expect(type.get("wirelab_runs")).toBe("gauge");
    expect(value("wirelab_runs", { state: "passed" })).toBe(1);
    expect(value("wirelab_runs", { state: "failed" })).toBe(1);
    expect(value("wirelab_runs", { state: "running" })).toBe(0);
    // Latest sample per run and host, not the sum of every interval.
    expect(type.get("wirelab_packets_total")).toBe("counter");
    expect(value("wirelab_packets_total", { host: "tx", protocol: "udp", direction: "tx" })).toBe(200);
    expect(value("wirelab_packets_total", { host: "rx", protocol: "udp", direction: "rx" })).toBe(199);
    expect(value("wirelab_bytes_total", { host: "tx", protocol: "udp", direction: "tx" })).toBe(12800);
    expect(value("wirelab_packets_total", { host: "tx", protocol: "icmp", direction: "tx" })).toBe(10);
    expect(value("wirelab_answers_matched_total", { host: "tx", protocol: "icmp" })).toBe(3);
    expect(type.get("wirelab_run_duration_seconds")).toBe("histogram");
    expect(value("wirelab_run_duration_seconds_count", {})).toBe(2);
    expect(value("wirelab_run_duration_seconds_bucket", { le: "+Inf" })).toBe(2);
    const buckets = samples.filter((s) => s.name === "wirelab_run_duration_seconds_bucket").map((s) => s.value);
    expect(buckets).toEqual([...buckets].sort((a, b) => a - b));
  });

  test("shows running runs and their current rates", async () => {
    const res = await postRun(t.app, { tx: "tx", rx: "rx" });
    const id = ((await res.json()) as { id: string }).id;
    t.store.addSample(id, { host: "tx", role: "tx", stats: stats(1, { udp: { tx_packets: 50, tx_bytes: 3200 } }, 4321) });
    const { samples } = parseExposition(await (await t.app.request("/metrics", { headers: auth })).text());
    expect(samples.find((s) => s.name === "wirelab_runs" && s.labels.state === "running")?.value).toBe(1);
    expect(samples.find((s) => s.name === "wirelab_active_runs")?.value).toBe(1);
    expect(samples.find((s) => s.name === "wirelab_rate_pps" && s.labels.host === "tx" && s.labels.direction === "tx")?.value).toBe(4321);
    expect(samples.find((s) => s.name === "wirelab_packets_total" && s.labels.host === "tx" && s.labels.protocol === "udp" && s.labels.direction === "tx")?.value).toBe(250);
    await t.app.request(`/runs/${id}`, { method: "DELETE", headers: auth });
  });

  test("escapes label values", async () => {
    t.store.startRun({ id: "odd", kind: "traffic", name: "odd", dir: "/tmp/odd", spec: {}, provenance: {} });
    t.store.addSample("odd", { host: 'we"ird\\host\nname', role: "tx", stats: stats(1, { dns: { tx_packets: 1, tx_bytes: 80 } }) });
    t.store.finishRun("odd", "passed", undefined, []);
    const text = await (await t.app.request("/metrics", { headers: auth })).text();
    expect(text).toContain('host="we\\"ird\\\\host\\nname"');
    parseExposition(text);
  });

  test("promtool check metrics accepts the output", async () => {
    // A real Prometheus checks the format; provision.sh's test profile installs it (Debian 'prometheus').
    const promtool = Bun.which("promtool");
    if (!promtool) throw new Error("promtool not found: run images/provision.sh --profile test (Debian package prometheus)");
    const text = await (await t.app.request("/metrics", { headers: auth })).text();
    const proc = Bun.spawn([promtool, "check", "metrics"], { stdin: new TextEncoder().encode(text), stdout: "pipe", stderr: "pipe" });
    const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    expect(`${out}${err}`.trim()).toBe("");
    expect(code).toBe(0);
  });
});

describe("/metrics counters over more runs than any window", () => {
  const dir = mkdtempSync(join(tmpdir(), "wirelab-metrics-many-"));
  const store = RunStore.open(join(dir, "wirelab.sqlite"));
  afterAll(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  let next = 0;
  /** n finished runs, each: tx sent 10 udp then 20 (final 20), rx received 19; started one minute apart, 3 s long. */
  function addRuns(n: number): void {
    for (let i = 0; i < n; i++, next++) {
      const id = `r${String(next).padStart(6, "0")}`;
      store.startRun({ id, kind: "traffic", name: id, dir: "/tmp/none", spec: {}, provenance: {}, startedAt: new Date(Date.UTC(2026, 0, 1) + next * 60_000).toISOString() });
      store.addSample(id, { host: "tx", role: "tx", stats: stats(1, { udp: { tx_packets: 10, tx_bytes: 640 } }) });
      store.addSample(id, { host: "tx", role: "tx", stats: stats(2, { udp: { tx_packets: 20, tx_bytes: 1280 } }) });
      store.addSample(id, { host: "rx", role: "rx", stats: stats(2, { udp: { rx_packets: 19, rx_bytes: 1216 } }) });
      store.finishRun(id, next % 10 === 0 ? "failed" : "passed", undefined, []);
    }
  }
  const scrape = () => parseExposition(renderMetrics(store, new RunRegistry())).samples;
  const counters = (samples: ReturnType<typeof scrape>) =>
    new Map(samples.filter((s) => /_total$|_bucket$|_count$|_sum$/.test(s.name)).map((s) => [`${s.name}${JSON.stringify(s.labels)}`, s.value]));
  const value = (samples: ReturnType<typeof scrape>, name: string, labels: Record<string, string>) =>
    samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

  test("every counter only grows, and counts every run, past 10,000 runs", () => {
    let before = counters(scrape());
    // 12,000 runs: past the 10,000 runs the state gauges once counted and far past the 200 whose samples fed counters.
    for (let batch = 0; batch < 6; batch++) {
      addRuns(2000);
      const now = counters(scrape());
      for (const [key, v] of before) expect(now.get(key), key).toBeGreaterThanOrEqual(v);
      before = now;
    }
    const s = scrape();
    expect(value(s, "wirelab_packets_total", { host: "tx", protocol: "udp", direction: "tx" })).toBe(12_000 * 20);
    expect(value(s, "wirelab_bytes_total", { host: "tx", protocol: "udp", direction: "tx" })).toBe(12_000 * 1280);
    expect(value(s, "wirelab_packets_total", { host: "rx", protocol: "udp", direction: "rx" })).toBe(12_000 * 19);
    expect(value(s, "wirelab_runs", { state: "passed" })).toBe(10_800);
    expect(value(s, "wirelab_runs", { state: "failed" })).toBe(1_200);
    expect(value(s, "wirelab_run_duration_seconds_count", {})).toBe(12_000);
  }, 120_000);

  test("a running run's counters so far are shown, and do not drop when it finishes", () => {
    const before = value(scrape(), "wirelab_packets_total", { host: "tx", protocol: "udp", direction: "tx" })!;
    store.startRun({ id: "live", kind: "traffic", name: "live", dir: "/tmp/none", spec: {}, provenance: {} });
    store.addSample("live", { host: "tx", role: "tx", stats: stats(1, { udp: { tx_packets: 7, tx_bytes: 448 } }, 7) });
    const during = scrape();
    expect(value(during, "wirelab_packets_total", { host: "tx", protocol: "udp", direction: "tx" })).toBe(before + 7);
    expect(value(during, "wirelab_rate_pps", { host: "tx", direction: "tx" })).toBe(7);
    store.addSample("live", { host: "tx", role: "tx", stats: stats(2, { udp: { tx_packets: 9, tx_bytes: 576 } }, 2) });
    store.finishRun("live", "passed", undefined, []);
    // A second finishRun (a late duplicate) must not count the run twice.
    store.finishRun("live", "passed", undefined, []);
    const after = scrape();
    expect(value(after, "wirelab_packets_total", { host: "tx", protocol: "udp", direction: "tx" })).toBe(before + 9);
    expect(after.some((x) => x.name === "wirelab_rate_pps")).toBe(false);
  });

  test("a run another process writes shows at the next scrape", () => {
    const other = RunStore.open(store.path);
    const registry = new RunRegistry();
    const before = value(parseExposition(renderMetrics(store, registry)).samples, "wirelab_runs", { state: "running" })!;
    expect(renderMetrics(store, registry)).toBe(renderMetrics(store, registry));
    other.startRun({ id: "elsewhere", kind: "traffic", name: "x", dir: "/tmp/none", spec: {}, provenance: {} });
    other.addSample("elsewhere", { host: "tx9", role: "tx", stats: stats(1, { tcp: { tx_packets: 5, tx_bytes: 300 } }) });
    const during = parseExposition(renderMetrics(store, registry)).samples;
    expect(value(during, "wirelab_runs", { state: "running" })).toBe(before + 1);
    expect(value(during, "wirelab_packets_total", { host: "tx9", protocol: "tcp", direction: "tx" })).toBe(5);
    other.finishRun("elsewhere", "passed", undefined, []);
    other.close();
    const after = parseExposition(renderMetrics(store, registry)).samples;
    expect(value(after, "wirelab_runs", { state: "running" })).toBe(before);
    expect(value(after, "wirelab_packets_total", { host: "tx9", protocol: "tcp", direction: "tx" })).toBe(5);
  });

  test("20,000 runs render the same series as 12,000, with every run counted", () => {
    const lines = renderMetrics(store, new RunRegistry()).split("\n").length;
    addRuns(20_000 - next);
    const text = renderMetrics(store, new RunRegistry());
    expect(text.split("\n").length).toBe(lines);
    expect(value(parseExposition(text).samples, "wirelab_packets_total", { host: "tx", protocol: "udp", direction: "tx" })).toBe(20_000 * 20 + 9);
  }, 120_000);
});
