// A suite's own lab with a real `wirelab serve` on it: the lab brought up and
// serve started before the suite's first test; serve stopped by its PID, the
// lab taken down and the suite's temp dir removed after its last (also when a
// test fails). The caller's WIRELAB_INVENTORY is set aside meanwhile: the
// suite runs on its own lab, never a given one.
import { afterAll, beforeAll } from "bun:test";
import { rmSync } from "node:fs";
import { inventoryPath } from "../../infra/src/netns-lab.ts";
import { startServe, type ServeProcess } from "../src/api/serve-process.ts";
import { startLab, type LabFixture } from "../src/lab-fixture.ts";
import { labStateDir } from "../src/paths.ts";

export interface ServedLab {
  readonly lab: LabFixture;
  readonly server: ServeProcess;
  /** The lab's inventory file, for CLI runs on it. */
  readonly inventory: string;
}

export function useServedLab(o: { labFile: string; labName: string; work: string; serveArgs: readonly string[]; env: Record<string, string | undefined> }): ServedLab {
  let lab: LabFixture | undefined;
  let server: ServeProcess | undefined;
  const inventory = inventoryPath(labStateDir(o.labName));
  const saved = process.env.WIRELAB_INVENTORY;
  beforeAll(async () => {
    delete process.env.WIRELAB_INVENTORY;
    lab = await startLab(o.labFile, { ssh: false });
    server = await startServe(["--inventory", inventory, ...o.serveArgs], o.env);
  }, 120_000);
  afterAll(async () => {
    // SIGTERM lets serve stop its runs gracefully; SIGKILL only if it hangs.
    await server?.stop();
    await lab?.down();
    if (saved !== undefined) process.env.WIRELAB_INVENTORY = saved;
    rmSync(o.work, { recursive: true, force: true });
  }, 120_000);
  const up = <T>(what: T | undefined): T => {
    if (!what) throw new Error(`lab '${o.labName}' is not served: use it inside tests, after useServedLab's beforeAll ran`);
    return what;
  };
  return {
    get lab() {
      return up(lab);
    },
    get server() {
      return up(server);
    },
    inventory,
  };
}
