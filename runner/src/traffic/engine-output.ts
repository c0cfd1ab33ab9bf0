// The engine's stdout contract (engine/README.md): one JSON object per line,
// `start`, `stats` every interval, `event`s, and a final `summary`.

export const PROTOCOLS = ["eth", "arp", "icmp", "udp", "tcp", "dns"] as const;
export type Protocol = (typeof PROTOCOLS)[number];

export interface ProtocolCounters {
  tx_packets: number;
  tx_bytes: number;
  rx_packets: number;
  rx_bytes: number;
  requests: number;
  answers_sent: number;
  answers_matched: number;
  errors: number;
}

export interface EngineStats {
  type: "stats" | "summary";
  t: number;
  role: "tx" | "rx" | "both";
  protocols: Record<Protocol, ProtocolCounters>;
  totals: {
    tx_packets: number;
    tx_bytes: number;
    rx_packets: number;
    rx_bytes: number;
    malformed: number;
    unknown: number;
    tx_dropped: number;
    rx_missed: number;
  };
  rates: { tx_pps: number; rx_pps: number; tx_bps: number; rx_bps: number };
  rtt_us: { count: number; p50: number; p90: number; p99: number; max: number } | null;
  /** late_first_ms, late_last_ms, skipped: the departures against the pacer's deadlines (engine/README.md). */
  pacing: { target_pps: number; achieved_pps: number; ipd_mean_ns: number; ipd_stddev_ns: number; late_first_ms?: number; late_last_ms?: number; skipped?: number; unsent_at_end?: number } | null;
  tcp: { handshakes_completed: number; resets: number; server?: TcpConnCounters; client?: TcpConnCounters };
  /** Answers the generator got, by RCODE: NXDOMAIN is an answer, not an error (protocols.dns.errors counts the rest). */
  dns_rcodes?: Record<DnsRcodeName, number>;
  backoff: { retries: number; answered: number; gave_up: number } | null;
  /** Frames the receive side would not answer, by reason (engine rx_validate.h). */
  refused?: { dst_mac: number; src_addr: number; src_mac: number; ip_checksum: number; l4_checksum: number; length: number };
  /** IPv4 reassembly: fragments in, datagrams rebuilt, timed out, dropped (and why). */
  reassembly?: { fragments: number; reassembled: number; timed_out: number; dropped: number; overlap: number; too_big: number; no_slot: number; bad_fragment: number };
  /** ARP announcements seen, resolved MACs they changed, claims on our own address. */
  arp?: { gratuitous: number; cache_updates: number; conflicts: number };
  duration_s?: number;
  reason?: "duration" | "count" | "signal" | "error";
  // The breakdowns of the totals above (absent from engines older than workers and ports: see breakdown.ts).
  workers?: WorkerCounters[];
  ports?: PortCounters[];
  families?: Partial<Record<Family, FamilyCounters>>;
  /** Key: outer VID, then ".inner" for QinQ. */
  vlans?: Record<string, FamilyCounters>;
  /** One-way latency of stamped frames (--stamp), on the receiving side. */
  latency?: OneWayLatency;
  sequence?: SequenceCounters;
}

export const FAMILIES = ["ipv4", "ipv6"] as const;
export type Family = (typeof FAMILIES)[number];

export interface WorkerCounters {
  worker: number;
  lcore: number;
  tx_packets: number;
  tx_bytes: number;
  rx_packets: number;
  rx_bytes: number;
  answers_matched: number;
  tx_pps: number;
  rx_pps: number;
}

export interface PortCounters {
  port: number;
  name: string;
  tx_packets: number;
  tx_bytes: number;
  rx_packets: number;
  rx_bytes: number;
  rx_missed: number;
  tx_dropped: number;
}

export interface FamilyCounters {
  tx_packets: number;
  rx_packets: number;
}

export interface OneWayLatency {
  samples: number;
  min_us: number;
  mean_us: number;
  p50_us: number;
  p90_us: number;
  p99_us: number;
  p999_us: number;
  max_us: number;
}

export interface SequenceCounters {
  received: number;
  lost: number;
  reordered: number;
  duplicates: number;
}

export const DNS_RCODE_NAMES = ["noerror", "formerr", "servfail", "nxdomain", "notimp", "refused", "other"] as const;
export type DnsRcodeName = (typeof DNS_RCODE_NAMES)[number];

/** Connection counters of the engine's TCP state machine: `server` (the rx responder), `client` (the generator's full connections). */
export interface TcpConnCounters {
  opened: number;
  established: number;
  closed: number;
  evicted: number;
  timed_out: number;
  /** The engine's own state changes outside RFC 9293's Figure 5: a bug if ever non-zero. */
  bad_transitions: number;
  /** Connections in each state now (states with none are left out). */
  states: Partial<Record<TcpStateName, number>>;
  // server
  refused?: number;
  rst_sent?: number;
  rst_received?: number;
  challenge_acks?: number;
  unacceptable?: number;
  active_closes?: number;
  data_bytes?: number;
  echoed_bytes?: number;
  dns_queries?: number;
  dns_dropped?: number;
  // client: the peer's behaviour
  completed?: number;
  /** Segments from the peer that a conformant TCP would not send in that state. */
  violations?: number;
  aborted?: number;
}
export type TcpStateName = "listen" | "syn_sent" | "syn_received" | "established" | "fin_wait_1" | "fin_wait_2" | "close_wait" | "closing" | "last_ack" | "time_wait";

export interface EngineStart {
  type: "start";
  version: string;
  role: string;
  port: { id: number; name: string; driver: string; mac: string };
  config: Record<string, unknown>;
}

export interface EngineEvent {
  type: "event";
  t: number;
  event: string;
  [key: string]: unknown;
}

export type EngineLine = EngineStart | EngineStats | EngineEvent;

/** Parses one stdout line; anything that is not an engine JSON object is returned as undefined. */
export function parseEngineLine(line: string): EngineLine | undefined {
  const text = line.trim();
  if (!text.startsWith("{")) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const type = (value as { type?: unknown }).type;
  if (type === "start" || type === "event") return value as EngineLine;
  if (type === "stats" || type === "summary") {
    const stats = value as EngineStats;
    if (typeof stats.protocols !== "object" || typeof stats.totals !== "object") return undefined;
    return stats;
  }
  return undefined;
}

export function emptyCounters(): ProtocolCounters {
  return { tx_packets: 0, tx_bytes: 0, rx_packets: 0, rx_bytes: 0, requests: 0, answers_sent: 0, answers_matched: 0, errors: 0 };
}
