// The engine's totals broken down by worker, port, IP family and VLAN, with the
// one-way latency and sequence figures of stamped frames: read from a stats
// line (absent fields are an older engine: empty, never an error) and summed
// over several engines the way the totals are.
import {
  FAMILIES,
  type EngineStats,
  type Family,
  type FamilyCounters,
  type OneWayLatency,
  type PortCounters,
  type SequenceCounters,
  type WorkerCounters,
} from "./engine-output.ts";

export interface Breakdown {
  workers: WorkerCounters[];
  ports: PortCounters[];
  families: Partial<Record<Family, FamilyCounters>>;
  /**
   * engine: the engine counted per family; ip_version: an engine without "families", whose IP protocols' packets
   * are all of the run's one family (the generator sends one family per run); none: neither is known.
   */
  familiesFrom: "engine" | "ip_version" | "none";
  vlans: Record<string, FamilyCounters>;
  latency: OneWayLatency | null;
  sequence: SequenceCounters | null;
}

export type IpVersion = 4 | 6;

const IP_PROTOCOLS = ["icmp", "udp", "tcp", "dns"] as const;

export const familyOf = (v: IpVersion): Family => (v === 6 ? "ipv6" : "ipv4");

export function emptyBreakdown(): Breakdown {
  return { workers: [], ports: [], families: {}, familiesFrom: "none", vlans: {}, latency: null, sequence: null };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const n = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) ? v : 0);

function packets(v: unknown): FamilyCounters {
  const o = isObject(v) ? v : {};
  return { tx_packets: n(o.tx_packets), rx_packets: n(o.rx_packets) };
}

/**
 * A stats line's breakdown. Entries that are not what the contract says (a worker without its number, a port
 * without its id) are left out rather than guessed; counters missing from an entry read 0.
 */
export function breakdownOf(stats: Partial<EngineStats> | undefined, ipVersion?: IpVersion): Breakdown {
  const out = emptyBreakdown();
  if (!stats) return out;
  if (Array.isArray(stats.workers)) {
    for (const w of stats.workers as unknown[]) {
      if (!isObject(w) || typeof w.worker !== "number") continue;
      out.workers.push({
        worker: w.worker, lcore: n(w.lcore), tx_packets: n(w.tx_packets), tx_bytes: n(w.tx_bytes), rx_packets: n(w.rx_packets),
        rx_bytes: n(w.rx_bytes), answers_matched: n(w.answers_matched), tx_pps: n(w.tx_pps), rx_pps: n(w.rx_pps),
      });
    }
  }
  if (Array.isArray(stats.ports)) {
    for (const p of stats.ports as unknown[]) {
      if (!isObject(p) || typeof p.port !== "number") continue;
      out.ports.push({
        port: p.port, name: typeof p.name === "string" ? p.name : "", tx_packets: n(p.tx_packets), tx_bytes: n(p.tx_bytes),
        rx_packets: n(p.rx_packets), rx_bytes: n(p.rx_bytes), rx_missed: n(p.rx_missed), tx_dropped: n(p.tx_dropped),
      });
    }
  }
  if (isObject(stats.families)) {
    for (const f of FAMILIES) if (f in stats.families) out.families[f] = packets(stats.families[f]);
    out.familiesFrom = "engine";
  } else if (ipVersion !== undefined && isObject(stats.protocols)) {
    const protos = stats.protocols as Record<string, unknown>;
    const sum = (k: keyof FamilyCounters) => IP_PROTOCOLS.reduce((a, p) => a + n(isObject(protos[p]) ? protos[p][k] : 0), 0);
    out.families[familyOf(ipVersion)] = { tx_packets: sum("tx_packets"), rx_packets: sum("rx_packets") };
    out.familiesFrom = "ip_version";
  }
  if (isObject(stats.vlans)) {
    for (const [key, v] of Object.entries(stats.vlans)) if (/^\d+(\.\d+)?$/.test(key)) out.vlans[key] = packets(v);
  }
  if (isObject(stats.latency) && n(stats.latency.samples) > 0) {
    const l = stats.latency;
    out.latency = { samples: n(l.samples), min_us: n(l.min_us), mean_us: n(l.mean_us), p50_us: n(l.p50_us), p90_us: n(l.p90_us), p99_us: n(l.p99_us), p999_us: n(l.p999_us), max_us: n(l.max_us) };
  }
  if (isObject(stats.sequence)) {
    const s = stats.sequence;
    out.sequence = { received: n(s.received), lost: n(s.lost), reordered: n(s.reordered), duplicates: n(s.duplicates) };
  }
  return out;
}

function addInto<T extends object>(into: T, from: T, keys: readonly (keyof T)[]): void {
  for (const k of keys) (into[k] as number) += from[k] as number;
}

const FROM_RANK: Record<Breakdown["familiesFrom"], number> = { none: 0, ip_version: 1, engine: 2 };
const WORKER_SUMS = ["tx_packets", "tx_bytes", "rx_packets", "rx_bytes", "answers_matched", "tx_pps", "rx_pps"] as const;
const PORT_SUMS = ["tx_packets", "tx_bytes", "rx_packets", "rx_bytes", "rx_missed", "tx_dropped"] as const;

/**
 * Several engines' breakdowns as one (a side of a run with several hosts, or a host's engines over a scenario):
 * workers and ports by number, families and VLANs by key, sequence counters summed. Latency percentiles of
 * different engines cannot be merged exactly: the result keeps the samples-weighted mean, the extremes, and for
 * each percentile the highest of the engines' (an upper bound of the merged one).
 */
export function sumBreakdowns(list: readonly Breakdown[]): Breakdown {
  const out = emptyBreakdown();
  const workers = new Map<number, WorkerCounters>();
  const ports = new Map<number, PortCounters>();
  for (const b of list) {
    for (const w of b.workers) {
      const have = workers.get(w.worker);
      if (have) addInto(have, w, WORKER_SUMS);
      else workers.set(w.worker, { ...w });
    }
    for (const p of b.ports) {
      const have = ports.get(p.port);
      if (have) {
        addInto(have, p, PORT_SUMS);
        if (have.name !== p.name) have.name = [...new Set([...have.name.split(","), p.name])].join(",");
      } else ports.set(p.port, { ...p });
    }
    for (const [f, c] of Object.entries(b.families) as [Family, FamilyCounters][]) {
      const have = out.families[f];
      if (have) addInto(have, c, ["tx_packets", "rx_packets"]);
      else out.families[f] = { ...c };
    }
    out.familiesFrom = FROM_RANK[b.familiesFrom] > FROM_RANK[out.familiesFrom] ? b.familiesFrom : out.familiesFrom;
    for (const [k, c] of Object.entries(b.vlans)) {
      const have = out.vlans[k];
      if (have) addInto(have, c, ["tx_packets", "rx_packets"]);
      else out.vlans[k] = { ...c };
    }
    if (b.sequence) {
      if (out.sequence) addInto(out.sequence, b.sequence, ["received", "lost", "reordered", "duplicates"]);
      else out.sequence = { ...b.sequence };
    }
    if (b.latency) out.latency = out.latency ? mergeLatency(out.latency, b.latency) : { ...b.latency };
  }
  out.workers = [...workers.values()].sort((a, b) => a.worker - b.worker);
  out.ports = [...ports.values()].sort((a, b) => a.port - b.port);
  return out;
}

function mergeLatency(a: OneWayLatency, b: OneWayLatency): OneWayLatency {
  const samples = a.samples + b.samples;
  return {
    samples,
    min_us: Math.min(a.min_us, b.min_us),
    mean_us: samples ? (a.mean_us * a.samples + b.mean_us * b.samples) / samples : 0,
    p50_us: Math.max(a.p50_us, b.p50_us),
    p90_us: Math.max(a.p90_us, b.p90_us),
    p99_us: Math.max(a.p99_us, b.p99_us),
    p999_us: Math.max(a.p999_us, b.p999_us),
    max_us: Math.max(a.max_us, b.max_us),
  };
}

/** Whether there is anything beyond the totals to show: more than one worker or port, families, VLANs, latency. */
export function hasBreakdown(b: Breakdown): boolean {
  return b.workers.length > 0 || b.ports.length > 0 || Object.keys(b.families).length > 0 || Object.keys(b.vlans).length > 0 || b.latency !== null || b.sequence !== null;
}
