// GET /runs answers from a cache between changes: the cached answer is the
// same for every client, and a run stored by another process or connection
// shows up (the bound for another process is EXTERNAL_RECHECK_MS at worst).
import { afterAll, describe, expect, test } from "bun:test";
import { EXTERNAL_RECHECK_MS } from "../store/external-changes.ts";
import { RunStore } from "../store/run-store.ts";
import { storeRunElsewhere } from "../store/test-writer.ts";
import { auth, testApp } from "./test-app.ts";

const t = testApp();
afterAll(t.cleanup);

async function listed(query = ""): Promise<string[]> {
  const res = await t.app.request(`/runs${query}`, { headers: auth });
  expect(res.status).toBe(200);
  return ((await res.json()) as { runs: { id: string }[] }).runs.map((r) => r.id);
}

describe("GET /runs from its cache", () => {
  test("repeated requests get the same status, headers and body", async () => {
    const a = await t.app.request("/runs", { headers: auth });
    const b = await t.app.request("/runs", { headers: auth });
    expect([a.status, b.status]).toEqual([200, 200]);
    expect([...b.headers]).toEqual([...a.headers]);
    expect(a.headers.get("content-type")).toBe("application/json");
    expect(await b.text()).toBe(await a.text());
  });

  test("a run stored by another connection of this process shows at once", async () => {
    await listed();
    const other = RunStore.open(t.store.path);
    other.startRun({ id: "same-process", kind: "traffic", name: "x", dir: "/nonexistent", spec: {}, provenance: {} });
    other.close();
    expect((await listed())[0]).toBe("same-process");
  });

  test("a run stored by another process shows within EXTERNAL_RECHECK_MS", async () => {
    expect(await listed()).not.toContain("other-process");
    expect(await listed("?limit=2")).not.toContain("other-process");
    await storeRunElsewhere(t.store.path, "other-process");
    // A timer may fire a fraction of a millisecond early by the monotonic clock.
    await Bun.sleep(EXTERNAL_RECHECK_MS + 1);
    expect((await listed())[0]).toBe("other-process");
    expect((await listed("?limit=2"))[0]).toBe("other-process");
  });
});
