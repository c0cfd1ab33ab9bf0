import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { emptyCounters, PROTOCOLS, type EngineStats } from "../traffic/engine-output.ts";
import { RunStore } from "./run-store.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDb(): string {
  const dir = mkdtempSync(join(tmpdir(), "wirelab-store-"));
  dirs.push(dir);
  return join(dir, "runs.sqlite");
}

function stats(t: number, udpTx: number): EngineStats {
  const protocols = Object.fromEntries(PROTOCOLS.map((p) => [p, emptyCounters()])) as EngineStats["protocols"];
  protocols.udp = { ...emptyCounters(), tx_packets: udpTx, tx_bytes: udpTx * 64 };
  return {
    type: "stats", t, role: "tx", protocols,
    totals: { tx_packets: udpTx, tx_bytes: udpTx * 64, rx_packets: 0, rx_bytes: 0, malformed: 0, unknown: 0, tx_dropped: 0, rx_missed: 0 },
    rates: { tx_pps: 1000, rx_pps: 0, tx_bps: 512000, rx_bps: 0 },
    rtt_us: null, pacing: null, tcp: { handshakes_completed: 0, resets: 0 }, backoff: null,
  };
}

describe("run store", () => {
  test("keeps a run, its samples (one row per protocol that moved) and its verdicts", () => {
    const store = RunStore.open(tempDb());
    store.startRun({ id: "r1", kind: "traffic", name: "udp/rate", dir: "/tmp/r1", lab: "two-host", spec: { pps: 1000 }, provenance: { kernel: "6.18" } });
    store.addSample("r1", { host: "tx", role: "tx", stats: stats(1, 1000) });
    store.addSample("r1", { host: "tx", role: "tx", stats: stats(2, 2000) });
    store.finishRun("r1", "passed", undefined, [{ name: "sent", ok: true, detail: "2000 sent" }]);
    const run = store.getRun("r1")!;
    expect(run).toMatchObject({ state: "passed", kind: "traffic", lab: "two-host", spec: { pps: 1000 }, provenance: { kernel: "6.18" } });
    expect(run.ended_at).not.toBeNull();
    expect(store.samples("r1").map((s) => [s.t, s.protocol, s.tx_packets])).toEqual([[1, "udp", 1000], [2, "udp", 2000]]);
    expect(store.verdicts("r1")).toEqual([{ name: "sent", ok: true, detail: "2000 sent" }]);
    store.close();
  });

  test("a run whose runner died is marked interrupted at the next open, its samples kept", async () => {
    const path = tempDb();
    // A real runner process that starts a run, stores a sample, and is killed without finishing.
    const child = Bun.spawn([process.execPath, "-e", `
      const { RunStore } = await import(${JSON.stringify(join(import.meta.dir, "run-store.ts"))});
      const s = RunStore.open(${JSON.stringify(path)});
      s.startRun({ id: "crash", kind: "traffic", name: "x", dir: "/tmp/x", spec: {}, provenance: {} });
      s.addSample("crash", ${JSON.stringify({ host: "tx", role: "tx", stats: stats(1, 500) })});
      console.log("stored");
      await Bun.sleep(60000);
    `], { stdout: "pipe" });
    const reader = child.stdout.getReader();
    const { value } = await reader.read();
    expect(new TextDecoder().decode(value)).toContain("stored");
    child.kill("SIGKILL");
    await child.exited;
    const store = RunStore.open(path);
    const run = store.getRun("crash")!;
    expect(run.state).toBe("interrupted");
    expect(run.reason).toContain(`pid ${child.pid}`);
    expect(store.samples("crash")).toHaveLength(1);
    store.close();
  });

  test("a run still going in a live process is left alone", () => {
    const path = tempDb();
    const a = RunStore.open(path);
    a.startRun({ id: "live", kind: "traffic", name: "x", dir: "/tmp/x", spec: {}, provenance: {} });
    const b = RunStore.open(path);
    expect(b.getRun("live")!.state).toBe("running");
    a.close();
    b.close();
  });

  test("the database is in WAL mode", () => {
    const path = tempDb();
    const store = RunStore.open(path);
    store.close();
    const { Database } = require("bun:sqlite") as typeof import("bun:sqlite");
    const db = new Database(path);
    expect(db.query<{ journal_mode: string }, []>("PRAGMA journal_mode").get()!.journal_mode).toBe("wal");
    db.close();
  });
});
