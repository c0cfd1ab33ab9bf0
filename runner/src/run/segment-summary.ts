// A run's segments as its results files list them: each with its own final
// counters and what its senders sent and its receivers received.
import type { RunStore } from "../store/run-store.ts";

export function segmentSummaries(store: RunStore, runId: string) {
  return store.segments(runId).map(({ started_s, ended_s, ...s }) => ({
    ...s,
    startedS: started_s,
    endedS: ended_s,
    sent: s.totals.filter((c) => c.role === "tx").reduce((a, c) => a + c.tx_packets, 0),
    received: s.totals.filter((c) => c.role === "rx").reduce((a, c) => a + c.rx_packets, 0),
  }));
}

export type SegmentSummary = ReturnType<typeof segmentSummaries>[number];
