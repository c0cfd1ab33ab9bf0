import { describe, expect, test } from "bun:test";
import { createSocket } from "node:dgram";
import { NetnsTransport } from "../transport/netns-transport.ts";
import { startHostMonitor } from "./host-monitor.ts";
import type { HostSample } from "./host-sample.ts";

// Hosts in this machine's own namespace: their loopback is real, and needs no lab.
const here = new NetnsTransport("here", "");

/** This process's sampling shells (the loop's command carries its end marker). */
function samplingProcesses(): string[] {
  const r = Bun.spawnSync(["ps", "-o", "args=", "--ppid", String(process.pid)]);
  return r.stdout.toString().split("\n").filter((l) => l.includes("@@end"));
}

async function sendOnLoopback(count: number): Promise<void> {
  const rx = createSocket("udp4");
  await new Promise<void>((r) => rx.bind(0, "127.0.0.1", r));
  const tx = createSocket("udp4");
  const { port } = rx.address();
  for (let i = 0; i < count; i++) await new Promise<void>((r) => tx.send("x", port, "127.0.0.1", () => r()));
  tx.close();
  rx.close();
}

const rxDelta = (samples: readonly HostSample[], host: string) =>
  samples.filter((s) => s.host === host).reduce((sum, s) => sum + (s.interfaces.lo?.delta.rx_packets ?? 0), 0);

describe("local sampler", () => {
  test("monitors started together share one sampling process, each host counted, a late one from when it joins", async () => {
    const a = startHostMonitor(() => here, [{ name: "a", interfaces: ["lo"] }, { name: "b", interfaces: ["lo"] }], 0.2);
    const b = startHostMonitor(() => here, [{ name: "c", interfaces: ["lo", "wlnone0"] }], 0.2);
    await Bun.sleep(300);
    expect(samplingProcesses()).toHaveLength(1);
    await sendOnLoopback(50);
    const late = startHostMonitor(() => here, [{ name: "d", interfaces: ["lo"] }], 0.2);
    await Bun.sleep(500);
    expect(samplingProcesses()).toHaveLength(1);
    const [sa, sb, sl] = [await a.stop(), await b.stop(), await late.stop()];
    expect(samplingProcesses()).toEqual([]);
    // Every packet sent on loopback while a host was monitored shows in its interval deltas.
    for (const host of ["a", "b"]) expect(rxDelta(sa, host)).toBeGreaterThanOrEqual(50);
    expect(rxDelta(sb, "c")).toBeGreaterThanOrEqual(50);
    expect(sb[0]!.interfaces.wlnone0).toEqual({ total: {}, delta: {}, rxPps: 0, txPps: 0 });
    expect(sa.filter((s) => s.host === "a").length).toBeGreaterThanOrEqual(4);
    // The late monitor's first interval starts when it joined, inside the loop's interval.
    expect(sl.length).toBeGreaterThanOrEqual(2);
    expect(sl[0]!.intervalS).toBeLessThanOrEqual(0.3);
    for (const s of [...sa, ...sb, ...sl]) {
      expect(s.cpu.cpu).toBeDefined();
      expect(s.memory.totalKb).toBeGreaterThan(0);
      expect(Object.keys(s.interfaces.lo?.total ?? {})).toContain("tx_bytes");
    }
    expect([...a.errors, ...b.errors, ...late.errors]).toEqual([]);
  });

  test("a namespace that is not there is an error for its host, not the end of sampling for the others", async () => {
    const errors: string[] = [];
    const transport = (h: string) => (h === "gone" ? new NetnsTransport("gone", "wlnone-ns") : here);
    const m = startHostMonitor(transport, [{ name: "gone", interfaces: ["eth1"] }, { name: "a", interfaces: ["lo"] }], 0.2, undefined, { onError: (h, e) => errors.push(`${h}: ${e}`) });
    await Bun.sleep(500);
    const samples = await m.stop();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toStartWith("gone: monitor: namespace wlnone-ns: exited");
    expect(m.errors.get("gone")).toBeDefined();
    expect(samples.filter((s) => s.host === "gone")).toEqual([]);
    expect(samples.filter((s) => s.host === "a").length).toBeGreaterThanOrEqual(2);
  });
});
