// For tests: a real runner process that starts a run in a store, stores
// samples from tx, and then waits to be killed without finishing it.
import { expect } from "bun:test";
import { join } from "node:path";
import type { EngineStats } from "../traffic/engine-output.ts";

/** Starts run `id` (directory `dir`) in the store at `path`; returned once the samples are stored. */
export async function runnerThatStored(path: string, samples: EngineStats[], run: { id?: string; dir?: string } = {}) {
  const id = run.id ?? "crash";
  const child = Bun.spawn([process.execPath, "-e", `
    const { RunStore } = await import(${JSON.stringify(join(import.meta.dir, "run-store.ts"))});
    const s = RunStore.open(${JSON.stringify(path)});
    s.startRun({ id: ${JSON.stringify(id)}, kind: "traffic", name: "x", dir: ${JSON.stringify(run.dir ?? "/tmp/x")}, spec: {}, provenance: {} });
    for (const stats of ${JSON.stringify(samples)}) s.addSample(${JSON.stringify(id)}, { host: "tx", role: "tx", stats });
    console.log("stored");
    await Bun.sleep(60000);
  `], { stdout: "pipe" });
  const { value } = await child.stdout.getReader().read();
  expect(new TextDecoder().decode(value)).toContain("stored");
  return child;
}
