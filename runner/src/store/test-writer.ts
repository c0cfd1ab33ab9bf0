// Test fixture: a run stored by a separate process, the way a CLI run writes
// to the store while `serve` reads it.
import { join } from "node:path";

/** Stores a run from a separate process: what a CLI run does while `serve` is up. */
export async function storeRunElsewhere(dbFile: string, id: string): Promise<void> {
  const script = `
    import { RunStore } from ${JSON.stringify(join(import.meta.dir, "run-store.ts"))};
    const store = RunStore.open(${JSON.stringify(dbFile)});
    store.startRun({ id: ${JSON.stringify(id)}, kind: "traffic", name: "elsewhere", dir: "/nonexistent", spec: {}, provenance: {} });
    store.finishRun(${JSON.stringify(id)}, "passed", undefined, []);
    store.close();`;
  const proc = Bun.spawn([process.execPath, "-e", script], { stdout: "ignore", stderr: "pipe" });
  const [code, err] = await Promise.all([proc.exited, new Response(proc.stderr).text()]);
  if (code !== 0) throw new Error(`writer exited ${code}: ${err}`);
}
