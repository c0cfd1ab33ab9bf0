// ExternalChanges asks PRAGMA data_version only after a change notice or the
// re-check bound, and a commit by another process (a real one, to a real
// store) is noticed without waiting for the bound.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EXTERNAL_RECHECK_MS, ExternalChanges } from "./external-changes.ts";
import { RunStore } from "./run-store.ts";
import { storeRunElsewhere } from "./test-writer.ts";

const dir = mkdtempSync(join(tmpdir(), "wirelab-external-changes-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A data_version that counts how often it was asked. */
function fakeVersion(start = 1) {
  const v = { version: start, asked: 0, get: () => (v.asked++, { data_version: v.version }) };
  return v;
}

describe("ExternalChanges", () => {
  test("asks on the first call, then only once the re-check bound has passed, and counts versions that changed", () => {
    let now = 1000;
    const changes = new ExternalChanges(() => now);
    const dv = fakeVersion();
    const file = join(dir, "none.sqlite");
    expect(changes.count(file, dv)).toBe(1);
    expect(dv.asked).toBe(1);
    now += EXTERNAL_RECHECK_MS - 1;
    dv.version = 2;
    expect(changes.count(file, dv)).toBe(1);
    expect(dv.asked).toBe(1);
    now += 1;
    expect(changes.count(file, dv)).toBe(2);
    expect(dv.asked).toBe(2);
    now += EXTERNAL_RECHECK_MS;
    expect(changes.count(file, dv)).toBe(2);
    expect(dv.asked).toBe(3);
    changes.stop();
  });

  test("a commit by another process is noticed before the bound: the next call asks again", async () => {
    const dbFile = join(dir, "watched.sqlite");
    const store = RunStore.open(dbFile);
    const changes = new ExternalChanges(() => 0);
    const dv = fakeVersion();
    changes.count(dbFile, dv);
    changes.count(dbFile, dv);
    expect(dv.asked).toBe(1);
    await storeRunElsewhere(dbFile, "from-elsewhere");
    // The notice arrives as an event between tasks: the clock stands still, so only the notice can make it ask.
    for (let i = 0; i < 1000 && dv.asked === 1; i++) {
      await Bun.sleep(1);
      changes.count(dbFile, dv);
    }
    expect(dv.asked).toBe(2);
    changes.stop();
    store.close();
  });

  test("RunStore.changeStamp grows at once for a write by another connection of this process", () => {
    const dbFile = join(dir, "two-connections.sqlite");
    const a = RunStore.open(dbFile);
    const b = RunStore.open(dbFile);
    const before = a.changeStamp();
    expect(a.changeStamp()).toBe(before);
    b.startRun({ id: "b1", kind: "traffic", name: "b", dir: "/nonexistent", spec: {}, provenance: {} });
    expect(a.changeStamp()).toBeGreaterThan(before);
    a.close();
    b.close();
  });
});
