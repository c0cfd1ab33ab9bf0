// The pure parts of the netns impairments: tc arguments and the program's parameter bytes.
import { describe, expect, test } from "bun:test";
import { parseImpairment } from "../impair-spec.ts";
import { ifbName, isImpairLinkName, netemArgs, paramsBytes, tbfArgs, threshold } from "./impairments.ts";

describe("netem", () => {
  test("every impairment as tc-netem(8) arguments", () => {
    const spec = parseImpairment({ loss: "2%", corrupt: "1%", duplicate: "0.5%", reorder: { percent: 25, gap: 5 }, delay: "10ms", jitter: "2ms", distribution: "normal", rate: "10mbit" });
    expect(netemArgs(spec)).toEqual(["limit", "10000", "delay", "10ms", "2ms", "distribution", "normal", "loss", "random", "2%", "corrupt", "1%", "duplicate", "0.5%", "reorder", "25%", "gap", "5", "rate", "10000000bit"]);
    expect(netemArgs(parseImpairment({ loss: "p=1%,r=30%,bad=90%" }))).toEqual(["limit", "10000", "loss", "gemodel", "1%", "30%", "90%", "0%"]);
  });
});

describe("tc-bpf", () => {
  test("probabilities are thresholds on a 32-bit random number", () => {
    expect(threshold(0)).toBe(0);
    expect(threshold(50)).toBe(2 ** 31);
    expect(threshold(100)).toBe(0xffffffff);
    expect(threshold(undefined)).toBe(0);
  });
  test("parameters as struct impair_params bytes, little-endian", () => {
    const b = paramsBytes(parseImpairment({ loss: "50%", duplicate: "100%" }), false);
    expect(b).toHaveLength(32);
    expect(b.slice(0, 4)).toEqual([0, 0, 0, 0x80]);
    expect(b.slice(20, 24)).toEqual([0xff, 0xff, 0xff, 0xff]);
    expect(b.slice(24, 32)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    const ge = paramsBytes(parseImpairment({ loss: "p=50%,r=50%" }), true);
    expect(ge.slice(0, 4)).toEqual([0, 0, 0, 0]); // good-state loss 0%
    expect(ge.slice(12, 16)).toEqual([0xff, 0xff, 0xff, 0xff]); // bad-state loss 100%
    expect(ge.slice(24, 32)).toEqual([1, 0, 0, 0, 1, 0, 0, 0]);
  });
  test("rate as TBF with a 10 ms bucket of at least four full frames", () => {
    expect(tbfArgs(10_000_000)).toEqual(["tbf", "rate", "10000000bit", "burst", "12500", "latency", "50ms"]);
    expect(tbfArgs(64_000)).toEqual(["tbf", "rate", "64000bit", "burst", String(4 * 1514), "latency", "50ms"]);
  });
  test("the ifb of a switch port carries the lab prefix and fits IFNAMSIZ", () => {
    expect(ifbName("labname8-h12i3")).toBe("labname8-b12i3");
    expect(isImpairLinkName("labname8", "labname8-b12i3")).toBe(true);
    expect(isImpairLinkName("labname8", "labname8-h12i3")).toBe(false);
    expect(isImpairLinkName("lab", "other-b0i1")).toBe(false);
  });
});
