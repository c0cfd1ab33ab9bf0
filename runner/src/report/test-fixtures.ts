// A run store filled with a plausible ICMP run (tx and rx hosts, RTT, one
// failed check) for the report tests; real SQLite in a temp dir.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RunStore } from "../store/run-store.ts";
import { emptyCounters, PROTOCOLS, type EngineStats } from "../traffic/engine-output.ts";

export const FIXTURE_RUN = "20260101-000000-icmp-rate";

function stats(t: number, role: "tx" | "rx", n: number, rtt: { p50: number; p99: number } | null): EngineStats {
  const protocols = Object.fromEntries(PROTOCOLS.map((p) => [p, emptyCounters()])) as EngineStats["protocols"];
  protocols.icmp = role === "tx"
    ? { ...emptyCounters(), tx_packets: n, tx_bytes: n * 98, rx_packets: n - 2, rx_bytes: (n - 2) * 98, requests: n, answers_matched: n - 2 }
    : { ...emptyCounters(), tx_packets: n - 1, tx_bytes: (n - 1) * 98, rx_packets: n - 1, rx_bytes: (n - 1) * 98, answers_sent: n - 1 };
  const pps = 500 + (t % 2) * 20;
  return {
    type: "stats", t, role, protocols,
    totals: { tx_packets: n, tx_bytes: n * 98, rx_packets: n, rx_bytes: n * 98, malformed: 0, unknown: 0, tx_dropped: 0, rx_missed: 0 },
    rates: { tx_pps: role === "tx" ? pps : pps - 5, rx_pps: role === "tx" ? pps - 8 : pps - 3, tx_bps: pps * 784, rx_bps: pps * 784 },
    rtt_us: rtt ? { count: n, p50: rtt.p50, p90: rtt.p50 * 1.5, p99: rtt.p99, max: rtt.p99 * 2 } : null,
    pacing: null, tcp: { handshakes_completed: 0, resets: 0 }, backoff: null,
  };
}

/** A temp dir with results/wirelab.sqlite holding one finished run (and its run dir, no results.json). */
export function filledStore(): { root: string; store: RunStore; runDir: string } {
  const root = mkdtempSync(join(tmpdir(), "wirelab-report-"));
  const store = RunStore.open(join(root, "wirelab.sqlite"));
  const runDir = join(root, FIXTURE_RUN);
  store.startRun({
    id: FIXTURE_RUN, kind: "traffic", name: "icmp/rate tx -> rx", dir: runDir, lab: "rep", startedAt: new Date(Date.now() - 6_000).toISOString(),
    spec: { tx: "tx", rx: "rx", protocol: "icmp", mode: "rate", pps: "500", duration: "5" },
    provenance: { kernel: "6.12.0", cpuModel: "Test CPU <x>", cpus: 4, dpdkVersion: "24.11", gitCommit: "abc123" },
  });
  for (let t = 1; t <= 5; t++) {
    store.addSample(FIXTURE_RUN, { host: "tx", role: "tx", stats: stats(t, "tx", t * 500, { p50: 40 + t, p99: 90 + 5 * t }) });
    store.addSample(FIXTURE_RUN, { host: "rx", role: "rx", stats: stats(t, "rx", t * 500, null) });
  }
  store.finishRun(FIXTURE_RUN, "failed", "min_answer_ratio: 2498/2500 answers matched", [
    { name: "sent", ok: true, detail: "2500 icmp packets sent" },
    { name: "received", ok: true, detail: "2499 icmp packets received" },
    { name: "min_answer_ratio", ok: false, detail: "2498/2500 answers matched (at least 1) & <more>" },
  ]);
  return { root, store, runDir };
}

/** A small xdp bench result (two modes, two rates) in `dir`/results.json. */
export function benchFixture(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const point = (mode: string, target: number, absorbed: number, taskMs: number) => ({
    mode, target_pps: target, duration_s: 2, offered: target * 2, delivered: target * 2, ring_dropped: 0, absorbed: absorbed * 2,
    offered_pps: target, absorbed_pps: absorbed, loss: 1 - absorbed / target, task_ms_per_mpkt: taskMs, task_user_ms_per_mpkt: null,
    task_system_ms_per_mpkt: null, cpu_user_ms_per_mpkt: null, cpu_system_ms_per_mpkt: null, cpu_softirq_ms_per_mpkt: null,
    cpu_busy_ms_per_mpkt: null, rx_cpu_background_busy: null, instructions_per_packet: null, xdp_ns_per_packet: 30,
    xdp_prog: "drop", xdp_attach_mode: "native", xdp_obj_sha256: "0", napi_threads: [], sink_kernel_drops: null,
  });
  const bench = {
    schema: "wirelab/xdp-bench@1", started_at: "2026-01-01T00:00:00Z", ended_at: "2026-01-01T00:01:00Z", state: "complete", lab: "rep",
    preset: "quick", config: { rates: [50000, 200000] }, provenance: {}, notes: [],
    points: [point("baseline-socket", 50000, 49000, 4000), point("xdp-drop", 50000, 50000, 900), point("baseline-socket", 200000, 110000, 3500), point("xdp-drop", 200000, 199000, 800)],
  };
  writeFileSync(join(dir, "results.json"), JSON.stringify(bench));
  return dir;
}
