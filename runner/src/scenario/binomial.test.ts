import { describe, expect, test } from "bun:test";
import { binomialInterval, burstInflation, normalQuantile, settingWithin } from "./binomial.ts";

describe("normalQuantile", () => {
  test("the quantiles tables give", () => {
    expect(normalQuantile(0.5)).toBeCloseTo(0, 8);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.995)).toBeCloseTo(2.575829, 5);
    expect(normalQuantile(0.9995)).toBeCloseTo(3.290527, 5);
  });
  test("refuses what is not a upper-half probability", () => {
    for (const p of [0.4, 1, Number.NaN]) expect(() => normalQuantile(p)).toThrow("not in [0.5, 1)");
  });
});

describe("binomialInterval (Wilson)", () => {
  test("5 of 100 at 95%: [2.15%, 11.18%]", () => {
    const ci = binomialInterval(5, 100, 0.95);
    expect(ci.estimate).toBe(0.05);
    expect(ci.low).toBeCloseTo(0.02154, 4);
    expect(ci.high).toBeCloseTo(0.11175, 4);
  });
  test("none and all stay inside [0, 1] and are not empty", () => {
    const none = binomialInterval(0, 1000, 0.999);
    expect(none.low).toBe(0);
    expect(none.high).toBeGreaterThan(0);
    expect(none.high).toBeLessThan(0.02);
    const all = binomialInterval(50, 50, 0.999);
    expect(all.high).toBe(1);
    expect(all.low).toBeLessThan(1);
  });
  test("narrows with more trials, widens with confidence and with correlation", () => {
    const w = (ci: { low: number; high: number }) => ci.high - ci.low;
    expect(w(binomialInterval(500, 10_000))).toBeLessThan(w(binomialInterval(50, 1000)));
    expect(w(binomialInterval(50, 1000, 0.999))).toBeGreaterThan(w(binomialInterval(50, 1000, 0.95)));
    expect(w(binomialInterval(50, 1000, 0.999, 4))).toBeCloseTo(w(binomialInterval(12.5, 250, 0.999)), 10);
  });
  test("refuses impossible counts", () => {
    expect(() => binomialInterval(1, 0)).toThrow("needs at least one");
    expect(() => binomialInterval(11, 10)).toThrow("11 successes out of 10");
    expect(() => binomialInterval(1, 10, 1)).toThrow("confidence");
    expect(() => binomialInterval(1, 10, 0.9, 0.5)).toThrow("inflate");
  });
});

describe("settingWithin", () => {
  test("a setting inside the interval passes; one far off fails and says so", () => {
    const ok = settingWithin(1000, 20_000, 0.05);
    expect(ok.ok).toBe(true);
    expect(ok.detail).toContain("setting 5% inside");
    const off = settingWithin(1300, 20_000, 0.05);
    expect(off.ok).toBe(false);
    expect(off.detail).toBe("measured 1300/20000 = 6.5%, 99.9% interval [5.95%, 7.097%], setting 5% OUTSIDE");
  });
  test("99.9% intervals cover the truth about 999 times in 1000 (seeded simulation)", () => {
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    let covered = 0;
    const runs = 400;
    for (let r = 0; r < runs; r++) {
      let k = 0;
      for (let i = 0; i < 2000; i++) if (rand() < 0.05) k++;
      if (settingWithin(k, 2000, 0.05).ok) covered++;
    }
    expect(covered).toBeGreaterThanOrEqual(runs - 3);
  });
  test("burst inflation: rho = 1 - p - r", () => {
    expect(burstInflation(0.02, 0.18)).toBeCloseTo(1.8 / 0.2, 10);
    expect(burstInflation(0.5, 0.5)).toBe(1);
  });
});
