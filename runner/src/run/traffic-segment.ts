// A run's engines between two hosts (runTraffic) wired into the run: engine
// names unique in the run, samples to the run in their segment, the run's log
// and directory for logs and captures.
import { join } from "node:path";
import type { Inventory } from "../../../infra/src/inventory.ts";
import { monitoredHosts } from "../monitor/host-monitor.ts";
import type { Transport } from "../transport/transport.ts";
import { runTraffic, type RunTrafficOptions, type TrafficResult } from "../traffic/run-traffic.ts";
import type { TrafficSpec } from "../traffic/traffic-spec.ts";
import type { Run, Segment } from "./run.ts";

export interface EngineOptions extends Pick<RunTrafficOptions, "signal" | "lcores" | "pcapPath"> {
  /** Told apart from the segment's other concurrent engine pairs (a scenario step's flows). */
  readonly flow?: number;
  /** The run.log tag [none]. */
  readonly tag?: string;
}

/** One engine pair in a segment of the run. */
export function runEngines(run: Run, segment: Segment, inventory: Inventory, spec: TrafficSpec, transport: (host: string) => Transport, options: EngineOptions = {}): Promise<TrafficResult> {
  const { flow, tag, ...rest } = options;
  return runTraffic(inventory, spec, {
    runId: `${run.engineId}-${segment.seq}${flow ?? ""}`,
    transport,
    pcapPath: (host) => join(run.dir, `${run.id}_${host}.pcap`),
    log: (line) => run.log(line, tag),
    onSample: (sample) => run.sample(sample, segment),
    ...rest,
  });
}

/** A segment of its own for one engine pair, its two hosts monitored each second. */
export function trafficSegment(run: Run, inventory: Inventory, spec: TrafficSpec, transport: (host: string) => Transport, options: EngineOptions & { name?: string; monitor?: boolean } = {}): Promise<TrafficResult> {
  const { name, monitor = true, ...engine } = options;
  return run.inSegment(name ?? `${spec.protocol ?? "udp"}/${spec.mode ?? "continuous"} ${spec.tx} -> ${spec.rx}`, {}, async (segment) => {
    const hosts = monitor ? run.monitor(transport, monitoredHosts(inventory, [spec.tx, spec.rx]), 1, segment) : undefined;
    try {
      return await runEngines(run, segment, inventory, spec, transport, engine);
    } finally {
      await hosts?.stop();
    }
  });
}
