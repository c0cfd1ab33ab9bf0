// Test fixtures for the API tests: a RunStore in a temp dir with runs and
// samples, a two-host inventory with an SSH key path, a fake startRun that
// records its calls and ends when its AbortSignal fires, a fake host probe
// (rx2 unreachable), and a reader for event streams.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Inventory } from "../../../infra/src/inventory.ts";
import { parseInventory } from "../../../infra/src/inventory-schema.ts";
import { RunStore } from "../store/run-store.ts";
import { emptyCounters, PROTOCOLS, type EngineStats, type Protocol, type ProtocolCounters } from "../traffic/engine-output.ts";
import { createApp, type AppOptions, type RunOutcome, type StartRunRequest } from "./app.ts";
import type { ProbeHost } from "./host-reachability.ts";
import { parseSse, type SseFrame } from "./sse.ts";

export const TOKEN = "test-token-0123456789abcdef";
export const SECRET_KEY_PATH = "/home/ops/.ssh/id_ed25519_wirelab_secret";
export const auth = { Authorization: `Bearer ${TOKEN}` };

const FP = "SHA256:" + "A".repeat(43);

export function fixtureInventory(): Inventory {
  const host = (name: string, role: string, ip: string, n: number) => ({
    name, role, mgmt: { ip }, defaultTransport: "ssh",
    transports: { ssh: { host: ip, port: 22, user: "root", keyPath: SECRET_KEY_PATH, hostKey: FP }, netns: { namespace: `wl-${name}` } },
    interfaces: [{ name: "eth1", segment: "test", mac: `02:00:00:00:00:0${n}`, ipv4: `10.0.0.${n}`, prefixLen: 24, pci: null, dpdk: { vdev: "net_af_packet0,iface=eth1" } }],
    capabilities: { xdp: "native", afXdp: true, afPacket: true, dpdkPci: false, hugepages: 0 },
  });
  return parseInventory({
    schema: "wirelab/inventory@1", backend: "libvirt", createdAt: "2026-01-01T00:00:00Z",
    lab: { name: "api-test", prefix: "at" }, management: { subnet: "192.168.50.0/24", gateway: "192.168.50.1" },
    hosts: [host("tx", "tx", "192.168.50.10", 1), host("rx", "rx", "192.168.50.11", 2), host("tx2", "tx", "192.168.50.12", 3), host("rx2", "rx", "192.168.50.13", 4)],
  });
}

export function stats(t: number, counters: Partial<Record<Protocol, Partial<ProtocolCounters>>>, pps = 1000): EngineStats {
  const protocols = Object.fromEntries(PROTOCOLS.map((p) => [p, { ...emptyCounters(), ...counters[p] }])) as Record<Protocol, ProtocolCounters>;
  return {
    type: "stats", t, role: "tx", protocols,
    totals: { tx_packets: 0, tx_bytes: 0, rx_packets: 0, rx_bytes: 0, malformed: 0, unknown: 0, tx_dropped: 0, rx_missed: 0 },
    rates: { tx_pps: pps, rx_pps: pps, tx_bps: 0, rx_bps: 0 },
    rtt_us: null, pacing: null, tcp: { handshakes_completed: 0, resets: 0 }, backoff: null,
  };
}

/** A store with one passed run (samples on tx and rx, a verdict) and one failed run. */
export function filledStore(dir: string): RunStore {
  const store = RunStore.open(join(dir, "wirelab.sqlite"));
  store.startRun({ id: "run-passed", kind: "traffic", name: "udp/rate tx -> rx", dir: join(dir, "run-passed"), lab: "api-test", spec: { tx: "tx", rx: "rx" }, provenance: {}, startedAt: "2026-01-01T00:00:00.000Z" });
  store.addSample("run-passed", { host: "tx", role: "tx", stats: stats(1, { udp: { tx_packets: 100, tx_bytes: 6400 } }) });
  store.addSample("run-passed", { host: "tx", role: "tx", stats: stats(2, { udp: { tx_packets: 200, tx_bytes: 12800 } }) });
  store.addSample("run-passed", { host: "rx", role: "rx", stats: stats(2, { udp: { rx_packets: 199, rx_bytes: 12736 } }) });
  store.finishRun("run-passed", "passed", undefined, [{ name: "min-rx-ratio", ok: true, detail: "0.995 >= 0.99" }]);
  store.startRun({ id: "run-failed", kind: "traffic", name: "icmp/rate tx -> rx", dir: join(dir, "run-failed"), spec: {}, provenance: {}, startedAt: "2026-01-01T01:00:00.000Z" });
  store.addSample("run-failed", { host: "tx", role: "tx", stats: stats(1, { icmp: { tx_packets: 10, tx_bytes: 980, requests: 10, answers_matched: 3 } }) });
  store.finishRun("run-failed", "failed", "answers 3/10", [{ name: "min-answer-ratio", ok: false, detail: "0.3 < 0.99" }]);
  return store;
}

export interface FakeRuns {
  calls: StartRunRequest[];
  /** Resolves the run's promise (ends it) as if the engine finished. */
  finish(runId: string, outcome?: RunOutcome): void;
}

export function fakeStartRun(): FakeRuns & { startRun: NonNullable<AppOptions["startRun"]> } {
  const calls: StartRunRequest[] = [];
  const enders = new Map<string, (o: RunOutcome) => void>();
  return {
    calls,
    finish: (id, outcome = { state: "passed" }) => enders.get(id)?.(outcome),
    startRun: (req) => {
      calls.push(req);
      return new Promise<RunOutcome>((resolve) => {
        enders.set(req.run.id, resolve);
        req.signal.addEventListener("abort", () => resolve({ state: "interrupted", reason: "stopped through the API" }), { once: true });
      });
    },
  };
}

/** Every host answers but rx2, which refuses: what a lab with one VM down looks like. */
export const fakeProbe: ProbeHost = async (host) => {
  if (host === "rx2") throw new Error("connect ECONNREFUSED 192.168.50.13:22");
};

export function testApp(overrides: Partial<AppOptions> = {}) {
  const dir = mkdtempSync(join(tmpdir(), "wirelab-api-"));
  const store = filledStore(dir);
  const fake = fakeStartRun();
  const app = createApp({
    store, token: TOKEN, inventory: fixtureInventory(), startRun: fake.startRun, resultsDir: dir, stopWaitMs: 2000, probeHost: fakeProbe,
    ...overrides,
  });
  return {
    app, store, fake, dir,
    cleanup: () => {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function postRun(app: ReturnType<typeof createApp>, body: unknown, headers: Record<string, string> = auth) {
  return app.request("/runs", { method: "POST", headers: { ...headers, "Content-Type": "application/json" }, body: typeof body === "string" ? body : JSON.stringify(body) });
}

export interface ParsedEvent {
  id: number;
  event: string;
  data: Record<string, any>;
}

/**
 * Reads an event stream's frames until `until` says stop (then cancels the stream) or the server closes it; fails
 * after timeoutMs. Keepalive comments are counted, not returned.
 */
export async function readEvents(res: Response, options: { until?: (e: ParsedEvent, all: ParsedEvent[]) => boolean; timeoutMs?: number } = {}) {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const events: ParsedEvent[] = [];
  let text = "";
  let raw = "";
  let closed = false;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void reader.cancel(new Error("readEvents: timed out"));
  }, options.timeoutMs ?? 10_000);
  try {
    outer: for (;;) {
      const { value, done } = await reader.read();
      if (done) {
        closed = true;
        break;
      }
      const chunk = decoder.decode(value, { stream: true });
      raw += chunk;
      const parsed = parseSse(text + chunk);
      text = parsed.rest;
      for (const f of parsed.frames as SseFrame[]) {
        const e = { id: Number(f.id), event: f.event, data: JSON.parse(f.data) as Record<string, any> };
        events.push(e);
        if (options.until?.(e, events)) {
          await reader.cancel();
          break outer;
        }
      }
    }
  } finally {
    clearTimeout(timer);
  }
  if (timedOut) throw new Error(`readEvents: timed out after ${events.length} events: ${events.map((e) => e.event).join(" ")}`);
  return { events, raw, closed, keepalives: (raw.match(/^: keepalive$/gm) ?? []).length };
}
