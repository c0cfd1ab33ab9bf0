// The real StartRun for `serve`: drives runTraffic on the lab's hosts the way
// `bun run traffic` does (samples to the store and samples.jsonl as they
// arrive, host monitor, results.json), ending gracefully on its AbortSignal.
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Inventory } from "../../../infra/src/inventory.ts";
import { inventoryLab } from "../lab-fixture.ts";
import { monitoredHosts, startHostMonitor } from "../monitor/host-monitor.ts";
import type { TransportKind } from "../transport/index.ts";
import { runTraffic } from "../traffic/run-traffic.ts";
import type { StartRun } from "./app.ts";
import { engineRunId } from "../store/run-id.ts";

export function trafficRunner(inventory: Inventory, options: { transport?: TransportKind } = {}): StartRun {
  return async ({ runId, spec, dir, signal, store }) => {
    mkdirSync(dir, { recursive: true });
    const samplesFile = join(dir, "samples.jsonl");
    const logFile = join(dir, "run.log");
    const lab = inventoryLab(inventory, options.transport);
    const transport = (host: string) => lab.transport(host);
    const monitor = startHostMonitor(transport, monitoredHosts(inventory, [spec.tx, spec.rx]), 1, (h) => {
      appendFileSync(join(dir, "host-samples.jsonl"), JSON.stringify(h) + "\n");
      store.addHostSample(runId, h);
    });
    try {
      const result = await runTraffic(inventory, spec, {
        // The engine's DPDK file prefix is built from this: short, and unique per run.
        runId: engineRunId(runId),
        transport,
        signal,
        pcapPath: (host) => join(dir, `${runId}_${host}.pcap`),
        log: (line) => appendFileSync(logFile, `${new Date().toISOString()} ${line}\n`),
        onSample: (sample) => {
          appendFileSync(samplesFile, JSON.stringify({ host: sample.host, ...sample.stats }) + "\n");
          store.addSample(runId, sample);
        },
      });
      writeFileSync(join(dir, "results.json"), JSON.stringify(result, null, 2) + "\n");
      return { state: result.state, ...(result.reason ? { reason: result.reason } : {}), checks: result.checks };
    } finally {
      await monitor.stop();
      await lab.closeTransports();
    }
  };
}
