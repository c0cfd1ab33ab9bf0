import { describe, expect, test } from "bun:test";
import { cpuNs, userNs } from "./cpu-cost.ts";

describe("a process's CPU time, as bench engine reads it", () => {
  test("user time grows by what a busy loop in user mode spends, and stays within all of its CPU time", () => {
    const cpu0 = cpuNs(process.pid);
    const user0 = userNs(process.pid);
    // spin until this process has had 300 ms of CPU, however busy the machine is (10 s at most)
    const giveUp = performance.now() + 10_000;
    let x = 0;
    while (cpuNs(process.pid) - cpu0 < 300e6 && performance.now() < giveUp) for (let i = 0; i < 100_000; i++) x = (x * 31 + 7) % 1_000_003;
    const cpu = cpuNs(process.pid) - cpu0;
    const user = userNs(process.pid) - user0;
    expect(x).toBeGreaterThanOrEqual(0);
    expect(cpu).toBeGreaterThanOrEqual(300e6);
    // utime counts in 10 ms ticks, and a busy loop on a shared core is sampled, not timed: most of it, not all
    expect(user).toBeGreaterThan(150e6);
    expect(user).toBeLessThanOrEqual(cpu + 20e6);
  });

  test("a process that is gone has no figure", () => {
    expect(userNs(2 ** 22 + 1)).toBeNaN();
    expect(cpuNs(2 ** 22 + 1)).toBeNaN();
  });
});
