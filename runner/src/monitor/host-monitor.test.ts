import { describe, expect, test } from "bun:test";
import { LineCollector, type ExecResult, type RemoteProcess, type SpawnOptions, type Transport } from "../transport/transport.ts";
import { startHostMonitor } from "./host-monitor.ts";

/** A sampler's output with `packets` on eth1 and `busy` of 10 jiffies so far. */
function snapshot(packets: number, busy: number): string {
  return `@@stat\ncpu  ${busy} 0 0 ${1000 - busy} 0 0 0 0 0 0\n@@mem\nMemTotal: 1000 kB\nMemAvailable: 400 kB\n@@if eth1\n/sys/class/net/eth1/statistics/rx_packets:${packets}\n/sys/class/net/eth1/statistics/tx_packets:${2 * packets}\n`;
}

/** A host whose sampling shell writes `chunks` as they are given (however they cut the snapshots), then ends. */
function fakeHost(chunks: string[], final: string): Transport {
  const done = (stdout: string): ExecResult => ({ code: 0, signal: null, stdout, stderr: "" });
  return {
    kind: "netns",
    host: "h",
    async spawn(_argv: readonly string[], options: SpawnOptions = {}): Promise<RemoteProcess> {
      const out = new LineCollector(options.onStdoutLine, options.captureLimit ?? 0, options.onStdoutText);
      const exited = (async () => {
        for (const c of chunks) {
          await Bun.sleep(1);
          out.push(new TextEncoder().encode(c));
        }
        return done(out.end());
      })();
      return { pgid: 1, exited, stop: () => exited };
    },
    async exec() {
      return done(final);
    },
    async upload() {},
    async close() {},
  };
}

describe("host monitor", () => {
  test("snapshots framed by their end marker however the stream cuts them, and a final reading at stop", async () => {
    const stream = [snapshot(0, 0), "@@end\n", snapshot(100, 100), "@@end\n", snapshot(300, 300), "@@end\n"].join("");
    // Cut mid-line, mid-marker, and with two snapshots in one piece.
    const chunks = [stream.slice(0, 7), stream.slice(7, stream.indexOf("@@end") + 3), stream.slice(stream.indexOf("@@end") + 3, -20), stream.slice(-20)];
    const seen: number[] = [];
    const monitor = startHostMonitor(() => fakeHost(chunks, snapshot(600, 400)), [{ name: "h", interfaces: ["eth1"] }], 1, (s) => seen.push(s.interfaces.eth1!.delta.rx_packets!));
    await Bun.sleep(50);
    const samples = await monitor.stop();
    expect(seen).toEqual([100, 200, 300]);
    expect(samples.map((s) => s.interfaces.eth1!.delta.tx_packets)).toEqual([200, 400, 600]);
    expect(samples.map((s) => s.memory.usedPct)).toEqual([60, 60, 60]);
    expect(monitor.errors.size).toBe(0);
  });

  test("a snapshot without its cpu line is an error for that host, not the end of sampling", async () => {
    const errors: string[] = [];
    const chunks = [snapshot(0, 0) + "@@end\n", "@@stat\n@@end\n", snapshot(50, 50) + "@@end\n"];
    const monitor = startHostMonitor(() => fakeHost(chunks, snapshot(50, 50)), [{ name: "h", interfaces: ["eth1"] }], 1, undefined, { onError: (_h, m) => errors.push(m) });
    await Bun.sleep(50);
    const samples = await monitor.stop();
    expect(errors).toEqual(["monitor: no 'cpu' line in /proc/stat output"]);
    expect(samples.map((s) => s.interfaces.eth1!.delta.rx_packets)).toEqual([50, 0]);
  });
});
