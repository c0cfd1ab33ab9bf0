// The real StartScenario for `serve`: a scenario preset on the server's lab,
// run as segments of the app's run with the same runScenario as `bun run scenario`.
import type { Inventory } from "../../../infra/src/inventory.ts";
import { inventoryLab } from "../lab-fixture.ts";
import { scenarioOutcome } from "../run/scenario-run.ts";
import { runScenario } from "../scenario/run-scenario.ts";
import type { TransportKind } from "../transport/index.ts";
import type { StartScenario } from "./app.ts";

export function scenarioRunner(inventory: Inventory, options: { transport?: TransportKind } = {}): StartScenario {
  return async ({ run, signal }) => {
    const lab = inventoryLab(inventory, options.transport);
    try {
      return scenarioOutcome(await runScenario(run, { lab, signal }));
    } finally {
      await lab.closeTransports();
    }
  };
}
