// runTraffic's stop, without a lab: a run whose stop came before it began
// starts no engine at all and ends 'interrupted' (the lab suites stop runs at
// random moments with real engines: runner/suites/stops.test.ts).
import { describe, expect, test } from "bun:test";
import { fixtureInventory } from "../api/test-app.ts";
import { runTraffic } from "./run-traffic.ts";

describe("runTraffic stopped before it begins", () => {
  test("reaches no host, starts no engine, ends interrupted", async () => {
    const reached: string[] = [];
    const controller = new AbortController();
    controller.abort(new Error("stopped through the API"));
    const result = await runTraffic(fixtureInventory(), { tx: "tx", rx: "rx", protocol: "udp", mode: "rate", pps: 1000, duration: 60 }, {
      runId: "stopped-early",
      signal: controller.signal,
      transport: (host) => {
        reached.push(host);
        throw new Error(`${host}: no host may be reached after the stop`);
      },
    });
    expect(reached).toEqual([]);
    expect(result).toMatchObject({ state: "interrupted", reason: "stopped by signal", hosts: [] });
  });
});
