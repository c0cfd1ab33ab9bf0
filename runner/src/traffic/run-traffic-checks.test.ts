import { describe, expect, test } from "bun:test";
import { emptyCounters, parseEngineLine, PROTOCOLS, type EngineStats, type Protocol, type ProtocolCounters } from "./engine-output.ts";
import { evaluateChecks } from "./run-traffic.ts";
import type { TrafficSpec } from "./traffic-spec.ts";

// The "tcp" and "dns_rcodes" parts of a summary as wirelab-engine 0.1.0 prints them
// (a DNS generator that got 7 NOERROR and 3 NXDOMAIN answers; a TCP client that met one bad segment).
const ENGINE_TAIL =
  '"tcp":{"handshakes_completed":5,"resets":1,"server":{"opened":0,"established":0,"closed":0,"evicted":0,"timed_out":0,"bad_transitions":0,' +
  '"refused":0,"rst_sent":0,"rst_received":0,"challenge_acks":0,"unacceptable":0,"active_closes":0,"data_bytes":0,"echoed_bytes":0,"dns_queries":0,' +
  '"dns_dropped":0,"states":{}},"client":{"opened":5,"established":5,"closed":1,"evicted":0,"timed_out":0,"bad_transitions":0,"completed":4,' +
  '"violations":1,"aborted":1,"states":{"time_wait":4}}},"dns_rcodes":{"noerror":7,"formerr":0,"servfail":0,"nxdomain":3,"notimp":0,"refused":0,"other":0}';

function summaryLine(): string {
  const protos = Object.fromEntries(PROTOCOLS.map((p) => [p, emptyCounters()]));
  const head = { type: "summary", t: 1, role: "tx", protocols: protos, totals: { tx_packets: 0, tx_bytes: 0, rx_packets: 0, rx_bytes: 0, malformed: 0, unknown: 0, tx_dropped: 0, rx_missed: 0 }, rates: { tx_pps: 0, rx_pps: 0, tx_bps: 0, rx_bps: 0 }, rtt_us: null, pacing: null };
  return `${JSON.stringify(head).slice(0, -1)},${ENGINE_TAIL},"backoff":null,"duration_s":1,"reason":"count"}`;
}

const counters = (p: Protocol, c: Partial<ProtocolCounters>) => Object.fromEntries(PROTOCOLS.map((q) => [q, { ...emptyCounters(), ...(q === p ? c : {}) }])) as Record<Protocol, ProtocolCounters>;
const spec = (checks: TrafficSpec["checks"], protocol: Protocol = "dns"): TrafficSpec => ({ tx: "tx", rx: "rx", protocol, mode: "rate", checks });

describe("engine summaries: TCP connection counters and DNS RCODEs", () => {
  test("parse into the typed summary", () => {
    const s = parseEngineLine(summaryLine()) as EngineStats;
    expect(s.type).toBe("summary");
    expect(s.dns_rcodes).toMatchObject({ noerror: 7, nxdomain: 3 });
    expect(s.tcp.client).toMatchObject({ completed: 4, violations: 1, aborted: 1, states: { time_wait: 4 } });
    expect(s.tcp.server?.bad_transitions).toBe(0);
  });

  test("NXDOMAIN is not an error unless a check says so", () => {
    const s = parseEngineLine(summaryLine()) as EngineStats;
    const tx = counters("dns", { tx_packets: 10, requests: 10, answers_matched: 10 });
    const rx = counters("dns", { rx_packets: 10 });
    expect(evaluateChecks(spec({ minAnswerRatio: 1 }), tx, rx, null, s).every((c) => c.ok)).toBe(true);
    const strict = evaluateChecks(spec({ maxNxdomain: 0 }), tx, rx, null, s).find((c) => c.name === "max_nxdomain");
    expect(strict).toEqual({ name: "max_nxdomain", ok: false, detail: "3 NXDOMAIN answers (at most 0)" });
    expect(evaluateChecks(spec({ maxNxdomain: 3 }), tx, rx, null, s).find((c) => c.name === "max_nxdomain")?.ok).toBe(true);
  });

  test("a TCP violations check reads the client's count, and fails when nothing was counted", () => {
    const s = parseEngineLine(summaryLine()) as EngineStats;
    const tx = counters("tcp", { tx_packets: 20 });
    const rx = counters("tcp", { rx_packets: 20 });
    expect(evaluateChecks(spec({ maxTcpViolations: 0 }, "tcp"), tx, rx, null, s).find((c) => c.name === "max_tcp_violations")?.ok).toBe(false);
    expect(evaluateChecks(spec({ maxTcpViolations: 1 }, "tcp"), tx, rx, null, s).find((c) => c.name === "max_tcp_violations")?.ok).toBe(true);
    const none = evaluateChecks(spec({ maxTcpViolations: 0 }, "tcp"), tx, rx, null, undefined).find((c) => c.name === "max_tcp_violations");
    expect(none).toEqual({ name: "max_tcp_violations", ok: false, detail: "the sender reported no TCP connections" });
  });
});
