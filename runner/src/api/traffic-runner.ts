// The real StartRun for `serve`: the same traffic segment as `bun run traffic`
// on the lab's hosts, ending gracefully on its AbortSignal.
import type { Inventory } from "../../../infra/src/inventory.ts";
import { inventoryLab } from "../lab-fixture.ts";
import { trafficSegment } from "../run/traffic-segment.ts";
import type { TransportKind } from "../transport/index.ts";
import type { StartRun } from "./app.ts";

export function trafficRunner(inventory: Inventory, options: { transport?: TransportKind } = {}): StartRun {
  return async ({ run, spec, signal }) => {
    const lab = inventoryLab(inventory, options.transport);
    try {
      const result = await trafficSegment(run, inventory, spec, (host) => lab.transport(host), { signal });
      return { ...result, results: result };
    } finally {
      await lab.closeTransports();
    }
  };
}
