// The real StartScenario for `serve`: runs a scenario preset on the server's
// lab with the same runScenario as `bun run scenario`, every engine sample and
// host sample to the store (and so to event streams) as it arrives.
import { appendFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Inventory } from "../../../infra/src/inventory.ts";
import { inventoryLab } from "../lab-fixture.ts";
import { runScenario, scenarioChecks } from "../scenario/run-scenario.ts";
import type { TransportKind } from "../transport/index.ts";
import type { StartScenario } from "./app.ts";

export function scenarioRunner(inventory: Inventory, options: { transport?: TransportKind } = {}): StartScenario {
  return async ({ runId, request, dir, signal, store }) => {
    mkdirSync(dir, { recursive: true });
    const lab = inventoryLab(inventory, options.transport);
    try {
      const result = await runScenario(request.file, {
        lab,
        dir,
        signal,
        log: (line) => appendFileSync(join(dir, "run.log"), `${new Date().toISOString()} ${line}\n`),
        onSample: (step, sample) => {
          appendFileSync(join(dir, "samples.jsonl"), JSON.stringify({ step, host: sample.host, ...sample.stats }) + "\n");
          store.addSample(runId, sample);
        },
        onHostSample: (_step, sample) => store.addHostSample(runId, sample),
      });
      return { state: result.verdict, ...(result.reason ? { reason: result.reason } : {}), checks: scenarioChecks(result) };
    } finally {
      await lab.closeTransports();
    }
  };
}
