import { describe, expect, test } from "bun:test";
import { runStop } from "./run-stop.ts";

describe("runStop", () => {
  test("an abort before the run: requested at once, stopped resolves, nothing to stop yet", async () => {
    const c = new AbortController();
    c.abort();
    let calls = 0;
    const stop = runStop(c.signal, () => calls++);
    expect(stop.requested()).toBe(true);
    expect(await stop.stopped).toBe("stopped");
    expect(calls).toBe(0);
  });

  test("an abort while the run goes: its stop action runs once and stopped resolves", async () => {
    const c = new AbortController();
    let calls = 0;
    const stop = runStop(c.signal, () => calls++);
    expect(stop.requested()).toBe(false);
    const raced = Promise.race([stop.stopped, Bun.sleep(1000).then(() => "late" as const)]);
    c.abort();
    c.abort();
    expect(await raced).toBe("stopped");
    expect(calls).toBe(1);
  });

  test("after dispose an abort runs nothing; without a signal nothing ever stops it", async () => {
    const c = new AbortController();
    let calls = 0;
    runStop(c.signal, () => calls++).dispose();
    c.abort();
    expect(calls).toBe(0);
    const none = runStop(undefined, () => calls++);
    expect(none.requested()).toBe(false);
    expect(await Promise.race([none.stopped, Bun.sleep(50).then(() => "still going" as const)])).toBe("still going");
  });
});
