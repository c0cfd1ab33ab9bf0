import { expect, test } from "bun:test";
import { readRunSpec, runSpec } from "./run-spec.ts";

test("a stored document reads back as written, whatever the kind", () => {
  const traffic = runSpec("traffic", { tx: "tx", rx: "rx", protocol: "icmp", mode: "rate", pps: 500 });
  const demo = runSpec("demo", { lab: "two-host", xdp: true });
  expect(readRunSpec("traffic", JSON.parse(JSON.stringify(traffic)))).toEqual(traffic);
  expect(readRunSpec("demo", JSON.parse(JSON.stringify(demo)))).toEqual({ kind: "demo", version: 1, settings: { lab: "two-host", xdp: true } });
});

test("rows from before the document are version 0 with what they held: argv, a parsed spec, a scenario, {lab}", () => {
  expect(readRunSpec("traffic", { tx: "tx", rx: "rx", "min-rx-ratio": "0.9" })).toEqual({ kind: "traffic", version: 0, settings: { tx: "tx", rx: "rx", "min-rx-ratio": "0.9" } });
  expect(readRunSpec("scenario", { scenario: "quick" })).toEqual({ kind: "scenario", version: 0, settings: { scenario: "quick" } });
  expect(readRunSpec("demo", { lab: "two-host" })).toEqual({ kind: "demo", version: 0, settings: { lab: "two-host" } });
  // A scenario object that happens to have a version of its own is not mistaken for the document.
  expect(readRunSpec("scenario", { name: "x", version: 2, steps: [] }).version).toBe(0);
  expect(readRunSpec("traffic", null)).toEqual({ kind: "traffic", version: 0, settings: null });
});
