// The report command as a user runs it (the CLI in a subprocess) against a
// store filled here: --diff, --list, --latest, errors and help.
import { afterAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { loadReportData } from "./report-data.ts";
import { diffRuns } from "./run-diff.ts";
import { filledStore, FIXTURE_RUN } from "./test-fixtures.ts";
import { emptyCounters, PROTOCOLS, type EngineStats } from "../traffic/engine-output.ts";
import { REPO_ROOT } from "../paths.ts";

const { root, store } = filledStore();
const B = "20260101-000100-icmp-rate";
const protocols = Object.fromEntries(PROTOCOLS.map((p) => [p, emptyCounters()])) as EngineStats["protocols"];
protocols.icmp = { ...emptyCounters(), tx_packets: 5000, tx_bytes: 490000, rx_packets: 5000, rx_bytes: 490000, requests: 5000, answers_matched: 5000 };
store.startRun({ id: B, kind: "traffic", name: "icmp/rate tx -> rx", dir: join(root, B), spec: {}, provenance: {} });
store.addSample(B, {
  host: "tx", role: "tx",
  stats: {
    type: "stats", t: 1, role: "tx", protocols, totals: { tx_packets: 5000, tx_bytes: 0, rx_packets: 5000, rx_bytes: 0, malformed: 0, unknown: 0, tx_dropped: 0, rx_missed: 0 },
    rates: { tx_pps: 1000, rx_pps: 1000, tx_bps: 0, rx_bps: 0 }, rtt_us: { count: 5000, p50: 90, p90: 100, p99: 230, max: 400 }, pacing: null, tcp: { handshakes_completed: 0, resets: 0 }, backoff: null,
  },
});
store.finishRun(B, "passed", undefined, [{ name: "sent", ok: true, detail: "5000 sent" }, { name: "min_answer_ratio", ok: true, detail: "5000/5000" }]);
afterAll(() => {
  store.close();
  rmSync(root, { recursive: true, force: true });
});

async function cli(...args: string[]) {
  const p = Bun.spawn([process.execPath, join(REPO_ROOT, "runner/src/cli.ts"), "report", ...args], { stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { out, err, code };
}

describe("report --diff", () => {
  test("per host/protocol deltas and ratios, RTT percentiles and verdict changes", () => {
    const d = diffRuns(loadReportData(join(root, FIXTURE_RUN), store, FIXTURE_RUN), loadReportData(join(root, B), store, B));
    const find = (key: string, metric: string) => d.rows.find((r) => r.key === key && r.metric === metric);
    expect(find("tx/icmp", "tx_packets")).toEqual({ key: "tx/icmp", metric: "tx_packets", a: 2500, b: 5000, delta: 2500, ratio: 2 });
    // rx took no part in B: its figures are missing there, not zero.
    expect(find("rx/icmp", "rx_packets")).toMatchObject({ a: 2499, b: null, delta: null, ratio: null });
    expect(find("rtt", "rtt_p99_us")).toMatchObject({ a: 115, b: 230, ratio: 2 });
    expect(d.verdicts).toEqual([{ name: "sent", a: true, b: true }, { name: "received", a: true, b: null }, { name: "min_answer_ratio", a: false, b: true }]);
  });

  test("the command: table and --json, prefixes accepted", async () => {
    const table = await cli("--diff", FIXTURE_RUN, "20260101-0001", "--results", root);
    expect(table.code).toBe(0);
    expect(table.out).toMatch(/\| tx\/icmp\s+\| tx_packets\s+\|\s+2,500 \|\s+5,000 \|\s+\+2,500 \|\s+2\.000x \|/);
    expect(table.out).toMatch(/\| min_answer_ratio \| FAIL \| ok\s+\| changed \|/);
    const json = JSON.parse((await cli("--diff", FIXTURE_RUN, B, "--json", "--results", root)).out);
    expect(json.b.id).toBe(B);
    expect(json.rows.length).toBeGreaterThan(8);
  });
});

describe("report command", () => {
  test("--list and --list --json show runs with their state, newest first", async () => {
    const list = await cli("--list", "--results", root);
    expect(list.code).toBe(0);
    expect(list.out.split("\n")[0]).toMatch(new RegExp(`^${B}\\s+passed`));
    const json = JSON.parse((await cli("--list", "--json", "--results", root)).out) as { id: string; state: string }[];
    expect(json.map((r) => [r.id, r.state]).sort()).toEqual([[FIXTURE_RUN, "failed"], [B, "passed"]]);
  });

  test("unknown and ambiguous run ids are one-line errors, exit 2", async () => {
    const unknown = await cli("nope", "--results", root);
    expect([unknown.code, unknown.out]).toEqual([2, ""]);
    expect(unknown.err.trim().split("\n")).toEqual([expect.stringMatching(/^wirelab report: no run 'nope' in .*wirelab\.sqlite \(see 'bun run report --list'\)$/)]);
    const ambiguous = await cli("2026", "--results", root);
    expect(ambiguous.err.trim()).toMatch(/^wirelab report: run id '2026' matches 2 runs .*give more of it$/);
    const diffUnknown = await cli("--diff", FIXTURE_RUN, "zzz", "--results", root);
    expect([diffUnknown.code, diffUnknown.err.trim().split("\n").length]).toEqual([2, 1]);
    const noStore = await cli("--latest", "--results", join(root, "empty"));
    expect(noStore.err.trim()).toMatch(/^wirelab report: no run store at .*: no runs yet/);
  });

  test("--latest regenerates the newest run; --help teaches every mode", async () => {
    const latest = await cli("--latest", "--json", "--results", root);
    expect(latest.code).toBe(0);
    expect(JSON.parse(latest.out)).toMatchObject({ id: B, state: "passed" });
    const help = await cli("--help");
    expect(help.code).toBe(0);
    for (const word of ["<run-id>", "--latest", "--list", "--diff A B", "--json", "--xdp-bench", "report.html", "junit.xml", "Examples"]) expect(help.out).toContain(word);
  });
});
