import { describe, expect, test } from "bun:test";
import { engineRunId, newRunId, runStamp } from "./run-id.ts";

describe("run ids", () => {
  test("time first (sortable, readable), what it runs, a random tail", () => {
    const at = new Date("2026-12-02T11:29:24.512Z");
    expect(runStamp(at)).toBe("20261202-112924");
    expect(newRunId("udp-rate", at)).toMatch(/^20261202-112924-udp-rate-[0-9a-f]{8}$/);
    expect([newRunId("x", new Date("2026-12-02T11:29:25Z")), newRunId("x", at)].sort()[0]).toStartWith("20261202-112924");
  });

  test("a thousand ids made in the same second are all different", () => {
    const at = new Date();
    expect(new Set(Array.from({ length: 1000 }, () => newRunId("udp-rate", at))).size).toBe(1000);
  });

  test("the engines' part keeps the stamp and the tail, so it is as unique as the id", () => {
    expect(engineRunId("20261202-112924-scenario-quick-0a1b2c3d")).toBe("20261202-112924-0a1b2c3d");
  });
});
