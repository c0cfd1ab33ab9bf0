import { describe, expect, test } from "bun:test";
import { needsWire, specOfConfig, tcPart, wireArgs, wirePart } from "./impair-wire.ts";
import { isWireNamespaceName, wireNamespaceName } from "./wire-names.ts";

describe("the wire's names", () => {
  test("a switch port's wire namespace, and only a lab's own count as its wires", () => {
    expect(wireNamespaceName("imp-h0i1")).toBe("imp-wire-h0i1");
    expect(wireNamespaceName("a-b-h12i3")).toBe("a-b-wire-h12i3");
    expect(isWireNamespaceName("imp", "imp-wire-h0i1")).toBe(true);
    expect(isWireNamespaceName("imp", "imp-b-wire-h0i1")).toBe(false); // lab imp-b's
    expect(isWireNamespaceName("imp", "imp-wire")).toBe(false); // a host named wire
    expect(isWireNamespaceName("imp", "imp-sw")).toBe(false);
  });
});

describe("what the wire does and what tc does", () => {
  const spec = { loss: 1, corrupt: 2, duplicate: 3, rate: 1e6, delay: 10, jitter: 2, distribution: "normal" as const, reorder: { percent: 5, gap: 3 } };
  test("a spec splits into the wire's part (delay, jitter, distribution, reorder) and tc's (the rest)", () => {
    expect(wirePart(spec)).toEqual({ delay: 10, jitter: 2, distribution: "normal", reorder: { percent: 5, gap: 3 } });
    expect(tcPart(spec)).toEqual({ loss: 1, corrupt: 2, duplicate: 3, rate: 1e6 });
    expect(needsWire(spec)).toBe(true);
    expect(needsWire(tcPart(spec))).toBe(false);
    expect(needsWire(undefined)).toBe(false);
  });
  test("the engine's arguments: --dir 0 for what the host sends, --dir 1 for what it receives", () => {
    expect(wireArgs({ delay: 10, jitter: 2 }, undefined)).toEqual(["--dir", "0", "--delay", "10ms", "--jitter", "2ms", "--distribution", "uniform"]);
    expect(wireArgs(undefined, { delay: 0.25, reorder: { percent: 5 } })).toEqual(["--dir", "1", "--delay", "0.25ms", "--reorder", "5%", "--gap", "1"]);
    expect(wireArgs({ loss: 1 }, {})).toEqual([]);
  });
  test("the engine's start line reads back as the spec it was given", () => {
    expect(specOfConfig({ delay_ms: 10, jitter_ms: 2, distribution: "normal", reorder: 5, gap: 3 })).toEqual({ delay: 10, jitter: 2, distribution: "normal", reorder: { percent: 5, gap: 3 } });
    expect(specOfConfig({ delay_ms: 5, jitter_ms: 0, distribution: "uniform", reorder: 0, gap: 1 })).toEqual({ delay: 5 });
    expect(specOfConfig({ delay_ms: 0, jitter_ms: 0, distribution: "uniform", reorder: 0, gap: 1 })).toEqual({});
  });
});
