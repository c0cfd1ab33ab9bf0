// Samples every host of a run each stats interval beside the traffic, a sample
// per host per interval with deltas: namespaces on this machine through the
// machine's one sampler (local-sampler.ts), any other host by a sampling shell
// of its own.
import type { Inventory } from "../../../infra/src/inventory.ts";
import { NetnsTransport } from "../transport/netns-transport.ts";
import type { RemoteProcess, Transport } from "../transport/transport.ts";
import { hostSample, type HostSample } from "./host-sample.ts";
import { parseSnapshot, SNAPSHOT_END, snapshotCommand, snapshotLoopCommand, type HostSnapshot } from "./host-snapshot.ts";
import { sampleLocal, type LocalHost } from "./local-sampler.ts";

export interface MonitoredHost {
  readonly name: string;
  /** Test interfaces to count, as named inside the host (eth1, eth2 on a dut). */
  readonly interfaces: readonly string[];
}

export interface HostMonitor {
  /** Samples so far, in arrival order. */
  readonly samples: readonly HostSample[];
  /** Hosts whose last reading failed, with the reason (a host dying mid-run must not end the run). */
  readonly errors: ReadonlyMap<string, string>;
  /** Ends sampling after one last reading, so the final partial interval is counted too. */
  stop(): Promise<HostSample[]>;
}

export interface HostMonitorOptions {
  readonly onError?: (host: string, message: string) => void;
}

/** Every host of the inventory (or the named ones) with all its test interfaces. */
export function monitoredHosts(inv: Inventory, names?: readonly string[]): MonitoredHost[] {
  return inv.hosts.filter((h) => !names || names.includes(h.name)).map((h) => ({ name: h.name, interfaces: h.interfaces.map((i) => i.name) }));
}

/** Where the end marker's line starts in `text` (a line of its own), or -1. */
function snapshotEnd(text: string): number {
  if (text.startsWith(`${SNAPSHOT_END}\n`)) return 0;
  const at = text.indexOf(`\n${SNAPSHOT_END}\n`);
  return at < 0 ? -1 : at + 1;
}

export function startHostMonitor(
  transport: (host: string) => Transport,
  hosts: readonly MonitoredHost[],
  intervalS: number,
  onSample?: (sample: HostSample) => void,
  options: HostMonitorOptions = {},
): HostMonitor {
  if (!(intervalS > 0)) throw new Error(`monitor: interval ${intervalS} s must be positive`);
  const samples: HostSample[] = [];
  const errors = new Map<string, string>();

  const read = async (host: MonitoredHost): Promise<HostSnapshot | undefined> => {
    try {
      const r = await transport(host.name).exec(snapshotCommand(host.interfaces), { captureLimit: 256 * 1024 });
      if (r.code !== 0 && !r.stdout.includes("@@stat")) throw new Error(`exited ${r.code ?? r.signal}: ${r.stderr.trim().split("\n")[0] ?? ""}`);
      errors.delete(host.name);
      // Stamped when the answer arrives: the read's own latency then shifts both ends of an interval alike.
      return parseSnapshot(r.stdout, performance.now());
    } catch (err) {
      failed(host.name, (err as Error).message.split("\n")[0]!);
      return undefined;
    }
  };

  const emit = (host: string, prev: HostSnapshot, cur: HostSnapshot) => {
    const s = hostSample(host, prev, cur);
    samples.push(s);
    onSample?.(s);
  };

  // Each snapshot of a host after its first closes an interval; a final reading at stop counts the last part.
  const last = new Map<string, HostSnapshot>();
  const next = (host: string, cur: HostSnapshot) => {
    errors.delete(host);
    const prev = last.get(host);
    last.set(host, cur);
    if (prev) emit(host, prev, cur);
  };
  const failed = (host: string, message: string) => {
    errors.set(host, message);
    options.onError?.(host, message);
  };

  const local: LocalHost[] = [];
  const own: MonitoredHost[] = [];
  for (const h of hosts) {
    const t = transport(h.name);
    if (t instanceof NetnsTransport) local.push({ ...h, namespace: t.namespace });
    else own.push(h);
  }
  const machine = local.length ? sampleLocal(intervalS, local, next, failed) : undefined;

  // A host that is not a namespace here has a sampling shell of its own, streaming a snapshot each interval.
  const loop = async (host: MonitoredHost): Promise<RemoteProcess | undefined> => {
    const snapshot = (text: string) => {
      let cur: HostSnapshot;
      try {
        cur = parseSnapshot(text, performance.now());
      } catch (err) {
        failed(host.name, (err as Error).message);
        return;
      }
      next(host.name, cur);
    };
    // Framed here rather than line by line: a snapshot is some 35 lines the runner would split and join again.
    let pending = "";
    try {
      return await transport(host.name).spawn(snapshotLoopCommand(host.interfaces, intervalS), {
        captureLimit: 0,
        onStdoutText: (text) => {
          pending += text;
          for (let end = snapshotEnd(pending); end >= 0; end = snapshotEnd(pending)) {
            const body = pending.slice(0, Math.max(0, end - 1));
            pending = pending.slice(end + SNAPSHOT_END.length + 1);
            snapshot(body);
          }
        },
      });
    } catch (err) {
      failed(host.name, (err as Error).message.split("\n")[0]!);
      return undefined;
    }
  };
  const loops = Promise.all(own.map((h) => loop(h)));

  return {
    samples,
    errors,
    async stop() {
      const finished = machine?.finish();
      await Promise.all((await loops).map((p) => p?.stop(1000)));
      // The interval cut short by the end of the run still counts.
      await Promise.all(
        own.map(async (host) => {
          const prev = last.get(host.name);
          const cur = await read(host);
          if (prev && cur) emit(host.name, prev, cur);
        }),
      );
      await finished;
      return samples;
    },
  };
}
