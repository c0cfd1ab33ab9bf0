// The writers on a real SQLite store filled here: csv and junit parse back,
// the markdown has the totals, the HTML has its charts and needs no network.
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { writeReports, writeRunReports } from "./write-reports.ts";
import { SAMPLE_COLUMNS } from "./results-csv.ts";
import { benchFixture, filledStore, FIXTURE_RUN } from "./test-fixtures.ts";
import { parseXml, type XmlElement } from "./xml-check.ts";

const { root, store, runDir } = filledStore();
benchFixture(join(runDir, "20260101-000100_xdp-bench"));
const written = writeReports(runDir, store, FIXTURE_RUN);
const read = (f: string) => readFileSync(join(runDir, f), "utf8");
afterAll(() => {
  store.close();
  rmSync(root, { recursive: true, force: true });
});

/** RFC 4180 with quoted fields, enough for what csvCell writes. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") row.push(cell), (cell = "");
    else if (c === "\n") row.push(cell), rows.push(row), (row = []), (cell = "");
    else cell += c;
  }
  return rows;
}

const all = (e: XmlElement, name: string): XmlElement[] => [...(e.name === name ? [e] : []), ...e.children.flatMap((c) => all(c, name))];

describe("report writers", () => {
  test("writes every file; results.json rebuilt from the store when the run left none", () => {
    for (const f of written.files) expect(existsSync(f)).toBe(true);
    const json = JSON.parse(read("results.json"));
    expect(json).toMatchObject({ runId: FIXTURE_RUN, state: "failed", reconstructed: true, rtt: { p50: 45, p99: 115 } });
    expect(json.tx.icmp.tx_packets).toBe(2500);
    expect(json.rx.icmp.rx_packets).toBe(2499);
  });

  test("an existing results.json (the traffic command's) is left byte for byte", () => {
    const before = read("results.json").replace('"reconstructed": true', '"reconstructed": true, "mine": 1');
    writeFileSync(join(runDir, "results.json"), before);
    writeReports(runDir, store, FIXTURE_RUN);
    expect(read("results.json")).toBe(before);
  });

  test("results.csv: one row per stored sample, columns parse back to the store's values", () => {
    const rows = parseCsv(read("results.csv"));
    expect(rows[0]).toEqual([...SAMPLE_COLUMNS]);
    const samples = store.samples(FIXTURE_RUN);
    expect(rows.length - 1).toBe(samples.length);
    const col = (name: string) => rows[0]!.indexOf(name);
    for (const [i, s] of samples.entries()) {
      const r = rows[i + 1]!;
      expect(r[col("run")]).toBe(FIXTURE_RUN);
      expect([r[col("host")], r[col("protocol")], Number(r[col("t")]), Number(r[col("tx_packets")]), Number(r[col("rx_pps")])]).toEqual([s.host, s.protocol, s.t, s.tx_packets, s.rx_pps]);
      expect(r[col("rtt_p99_us")]).toBe(s.rtt_p99_us === null ? "" : String(s.rtt_p99_us));
    }
  });

  test("junit.xml is well-formed; one testcase per verdict plus the run, failures carry the detail", () => {
    const doc = parseXml(read("junit.xml"));
    const suite = all(doc, "testsuite")[0]!;
    const cases = all(doc, "testcase");
    const verdicts = store.verdicts(FIXTURE_RUN);
    expect(cases.length).toBe(verdicts.length + 1);
    expect(Number(suite.attrs.tests)).toBe(cases.length);
    const failed = cases.filter((c) => c.children.some((x) => x.name === "failure"));
    expect(Number(suite.attrs.failures)).toBe(failed.length);
    expect(failed.map((c) => c.attrs.name)).toEqual(["min_answer_ratio"]);
    expect(all(failed[0]!, "failure")[0]!.attrs.message).toBe("2498/2500 answers matched (at least 1) & <more>");
  });

  test("results.md has the per-host totals, the verdicts, spec and provenance", () => {
    const md = read("results.md");
    expect(md).toContain("**failed**");
    expect(md).toMatch(/\| tx\s+\| tx\s+\| icmp\s+\|\s+2,500 \|/);
    expect(md).toMatch(/\| min_answer_ratio \| FAIL/);
    expect(md).toContain("- cpuModel: `Test CPU <x>`");
    expect(md).toContain("## XDP vs baseline");
  });

  test("report.html: self-contained, with rate, RTT and XDP-vs-baseline charts and their series", () => {
    const html = read("report.html");
    expect(html).not.toMatch(/<script|<link|<img|@import|url\(/i);
    expect(html.replace(/xmlns="http:\/\/www\.w3\.org\/2000\/svg"/g, "")).not.toMatch(/https?:\/\//);
    const chart = (id: string) => new RegExp(`<svg class="chart" data-chart="${id}"[\\s\\S]*?</svg>`).exec(html)?.[0] ?? "";
    const series = (svg: string) => [...svg.matchAll(/class="series" data-series="([^"]+)" data-points="(\d+)"/g)].map((m) => [m[1], Number(m[2])]);
    expect(series(chart("rate-tx"))).toEqual([["tx pps", 5], ["rx pps", 5]]);
    expect(series(chart("rate-rx"))).toEqual([["tx pps", 5], ["rx pps", 5]]);
    expect(series(chart("rtt"))).toEqual([["p50", 5], ["p99", 5]]);
    const bars = [...chart("xdp-absorbed").matchAll(/class="bar" data-series="([^"]+)" data-group="([^"]+)" data-value="([^"]+)"/g)].map((m) => [m[1], m[2], Number(m[3])]);
    expect(bars).toEqual([["baseline-socket", "50,000 pps", 49000], ["xdp-drop", "50,000 pps", 50000], ["baseline-socket", "200,000 pps", 110000], ["xdp-drop", "200,000 pps", 199000]]);
    expect(chart("xdp-cost")).toContain('data-series="xdp-drop"');
    // Text from the store is escaped, not markup.
    expect(html).toContain("Test CPU &lt;x&gt;");
  });

  test("an unknown run id is one line naming the run", () => {
    expect(() => writeReports(runDir, store, "nope")).toThrow(/^no run 'nope' in .*wirelab\.sqlite \(see 'bun run report --list'\)$/);
  });

  test("at the end of a traffic run a report failure is logged to run.log, not thrown", () => {
    expect(writeRunReports(runDir, store, FIXTURE_RUN)).toBe(true);
    expect(writeRunReports(runDir, store, "gone")).toBe(false);
    expect(read("run.log")).toMatch(/report: could not write the reports \(no run 'gone' .*\); retry with 'bun run report gone'\n$/);
  });
});
