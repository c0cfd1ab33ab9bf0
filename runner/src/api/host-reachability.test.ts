// "Hosts reachable" in /status: answers are cached for the TTL, one probe per
// host in flight, a hung probe is a timeout, and /status never waits long.
import { describe, expect, test } from "bun:test";
import { HostReachability, transportProbe, type ProbeHost } from "./host-reachability.ts";
import { auth, fixtureInventory, testApp } from "./test-app.ts";

type Json = Record<string, any>;

describe("HostReachability", () => {
  test("caches answers for the TTL and probes each host once at a time", async () => {
    const calls: string[] = [];
    const probe: ProbeHost = async (host) => {
      calls.push(host);
      await Bun.sleep(20);
      if (host === "b") throw new Error("connect ECONNREFUSED\nmore");
    };
    const r = new HostReachability(["a", "b"], probe, { ttlMs: 150, waitMs: 1000 });
    const [first, concurrent] = await Promise.all([r.status(), r.status()]);
    expect(calls).toEqual(["a", "b"]);
    expect(first.a).toMatchObject({ reachable: true });
    expect(first.b).toMatchObject({ reachable: false, error: "connect ECONNREFUSED" });
    expect(concurrent.a!.reachable).toBe(true);
    await r.status();
    expect(calls).toHaveLength(2);
    await Bun.sleep(200);
    await r.status();
    expect(calls).toHaveLength(4);
  });

  test("a probe that hangs is unreachable after the timeout, and status() does not wait for it", async () => {
    let aborted = false;
    const probe: ProbeHost = (_host, signal) => new Promise((_, reject) => signal.addEventListener("abort", () => ((aborted = true), reject(signal.reason))));
    const r = new HostReachability(["slow"], probe, { timeoutMs: 200, waitMs: 30 });
    const t0 = performance.now();
    const first = await r.status();
    expect(performance.now() - t0).toBeLessThan(150);
    expect(first.slow).toEqual({ reachable: null, checkedAt: null });
    await Bun.sleep(250);
    const later = await r.status();
    expect(aborted).toBe(true);
    expect(later.slow).toMatchObject({ reachable: false, error: "no answer within 200 ms" });
  });

  test("the transport probe reports a host it cannot reach", async () => {
    // The fixture's hosts are SSH hosts on 192.168.50.0/24 with no key file: the probe fails, it does not throw out.
    const r = new HostReachability(["tx"], transportProbe(fixtureInventory(), "netns"), { waitMs: 3000, timeoutMs: 2000 });
    const s = await r.status();
    expect(s.tx!.reachable).toBe(false);
    expect(s.tx!.error!.length).toBeGreaterThan(0);
  });
});

test("GET /status shows each host's reachability", async () => {
  const t = testApp();
  try {
    const body = (await (await t.app.request("/status", { headers: auth })).json()) as Json;
    expect(body.lab.hosts.map((h: Json) => [h.name, h.reachable])).toEqual([["tx", true], ["rx", true], ["tx2", true], ["rx2", false]]);
    expect(body.lab.hosts[3].error).toContain("ECONNREFUSED");
    expect(typeof body.lab.hosts[0].checkedAt).toBe("string");
    const bare = testApp({ probeHost: undefined });
    const none = (await (await bare.app.request("/status", { headers: auth })).json()) as Json;
    expect(none.lab.hosts[0]).toEqual({ name: "tx", role: "tx", reachable: null, checkedAt: null });
    bare.cleanup();
  } finally {
    t.cleanup();
  }
});
