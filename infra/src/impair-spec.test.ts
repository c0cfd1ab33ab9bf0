import { describe, expect, test } from "bun:test";
import { burstLossPercent, describeImpairment, expectedLossPercent, ImpairFieldError, parseImpairment, parseRate, parseTime, parsePercent } from "./impair-spec.ts";

function problem(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof ImpairFieldError) return err.message;
    throw err;
  }
  throw new Error("expected an ImpairFieldError");
}

describe("values", () => {
  test("percentages: with or without %, 0..100", () => {
    expect(parsePercent("5%", "f")).toBe(5);
    expect(parsePercent("0.25%", "f")).toBe(0.25);
    expect(parsePercent(30, "f")).toBe(30);
    expect(problem(() => parsePercent("101%", "loss"))).toBe("loss: 101% is more than 100%");
    expect(problem(() => parsePercent("-1%", "loss"))).toBe("loss: '-1%' is not a percentage (like 1%, 0.5% or 30)");
    expect(problem(() => parsePercent("lots", "loss"))).toContain("is not a percentage");
  });
  test("times in ms", () => {
    expect(parseTime("10ms", "f")).toBe(10);
    expect(parseTime("250us", "f")).toBe(0.25);
    expect(parseTime("1s", "f")).toBe(1000);
    expect(parseTime(5, "f")).toBe(5);
    expect(problem(() => parseTime("10 parsecs", "delay"))).toBe("delay: '10 parsecs' is not a time (like 10ms, 250us, 1s, or a number of ms)");
  });
  test("rates in bit/s, tc's powers of 1000", () => {
    expect(parseRate("10mbit", "f")).toBe(10_000_000);
    expect(parseRate("512kbit", "f")).toBe(512_000);
    expect(parseRate("1.5gbit", "f")).toBe(1_500_000_000);
    expect(parseRate(9600, "f")).toBe(9600);
    expect(problem(() => parseRate("10mbps", "rate"))).toContain("rate: '10mbps' is not a rate");
    expect(problem(() => parseRate("100bit", "rate"))).toBe("rate: 100bit is below 8kbit, the slowest rate tc shapes sensibly");
  });
});

describe("an impairment", () => {
  test("every field, normalised", () => {
    const s = parseImpairment({ loss: "2%", corrupt: 1, duplicate: "0.5%", reorder: { percent: "25%", gap: 5 }, delay: "10ms", jitter: "2ms", distribution: "normal", rate: "10mbit" });
    expect(s).toEqual({ loss: 2, corrupt: 1, duplicate: 0.5, reorder: { percent: 25, gap: 5 }, delay: 10, jitter: 2, distribution: "normal", rate: 10_000_000 });
    expect(describeImpairment(s)).toBe("loss 2% corrupt 1% duplicate 0.5% reorder 25% gap 5 delay 10ms jitter 2ms normal rate 10mbit");
  });
  test("Gilbert-Elliott loss: mapping or p=..,r=.. text, defaults bad 100% good 0%, mean loss from the stationary state", () => {
    const a = parseImpairment({ loss: { p: "1%", r: "9%" } });
    const b = parseImpairment({ loss: "p=1%,r=9%" });
    expect(a).toEqual(b);
    expect(a.lossBursts).toEqual({ p: 1, r: 9, bad: 100, good: 0 });
    expect(burstLossPercent(a.lossBursts!)).toBeCloseTo(10, 9);
    expect(expectedLossPercent(parseImpairment({ loss: { p: 5, r: 45, bad: 50, good: 1 } }))).toBeCloseTo(0.1 * 50 + 0.9 * 1, 9);
    expect(problem(() => parseImpairment({ loss: { p: "1%" } }))).toBe("impair.loss.r: is required (bad -> good probability, e.g. 30%)");
    expect(problem(() => parseImpairment({ loss: { p: "1%", r: 0 } }))).toBe("impair.loss.r: 0% would never leave the bad state");
    expect(problem(() => parseImpairment({ loss: { p: 1, r: 2, h: 3 } }))).toContain("impair.loss.h: unknown field");
  });
  test("netem's rules between fields", () => {
    expect(problem(() => parseImpairment({ jitter: "1ms" }))).toBe("impair.jitter: jitter varies a delay: set delay too");
    expect(problem(() => parseImpairment({ delay: "1ms", jitter: "5ms" }))).toContain("is larger than the delay");
    expect(problem(() => parseImpairment({ delay: "10ms", distribution: "normal" }))).toBe("impair.distribution: a distribution shapes jitter: set jitter too");
    expect(problem(() => parseImpairment({ reorder: "5%" }))).toBe("impair.reorder: reordering sends some packets ahead of delayed ones: set delay too");
    expect(problem(() => parseImpairment({ delay: "1ms", jitter: "1ms", distribution: "gaussian" }))).toContain("'gaussian' is not one of uniform, normal, pareto, paretonormal");
    expect(problem(() => parseImpairment({ los: "1%" }))).toContain("impair.los: unknown impairment");
    expect(problem(() => parseImpairment("1%"))).toContain("impair: expected a mapping");
  });
});
