// What a traffic run asks for, validated once, with the defaults a user expects.
import { PROTOCOLS, type Protocol } from "./engine-output.ts";
import type { IpVersion } from "./breakdown.ts";
import { vlanStackProblem, type VlanTag } from "./vlan-tag.ts";

export const MODES = ["continuous", "burst", "rate", "backoff", "random"] as const;
export type Mode = (typeof MODES)[number];
export type ProtocolChoice = Protocol | "random";

/** Worker lcores per engine: the engine's own limit (WL_MAX_WORKERS, engine/src/workers_max.h). */
export const MAX_WORKERS = 64;

export interface TrafficSpec {
  tx: string;
  rx: string;
  protocol: ProtocolChoice;
  mode: Mode;
  /** Seconds; the default stops after 5 s unless --count is given. */
  duration?: number;
  count?: number;
  pps?: number;
  interval?: number;
  burstSize?: number;
  burstGap?: number;
  size?: number;
  flows?: number;
  message?: string;
  domains?: string[];
  seed?: number;
  /** random mode: seconds per drawn protocol/mode phase. */
  phaseDuration?: number;
  /** UDP/TCP/DNS destination port (the engine's default otherwise). */
  dstPort?: number;
  /** Who receives: the engine (counts and answers), or no engine (the host's kernel, an XDP program, a baseline). */
  receiver?: "engine" | "none";
  /**
   * An XDP program on the receiver's test interface in place of its engine (an interface runs one
   * XDP program, and the engine's AF_XDP port needs its own): a built-in one or an object file.
   */
  xdp?: { prog?: "count" | "drop" | "reflect"; obj?: string; rules?: string[] };
  /** rx answers UDP by echoing it back. */
  udpEcho?: boolean;
  statsInterval?: number;
  /** Write a pcap on each engine. */
  capture?: boolean;
  /** Checks the run must meet. */
  checks?: TrafficChecks;
  /** IP family of the generated traffic [4]; 6 takes the hosts' IPv6 addresses from the inventory. */
  ipVersion?: IpVersion;
  /** 802.1Q tags on the generated frames, outer first (two: QinQ). */
  vlan?: VlanTag[];
  /** Engine worker lcores on each host (each with its own queue pair per port) [1]. */
  workers?: number;
}

export interface TrafficChecks {
  /** rx packets of the protocol / tx packets, at least. */
  minRxRatio?: number;
  maxRttP99Us?: number;
  /** Requests that expect answers (icmp, dns, tcp, arp) must get at least this share matched. */
  minAnswerRatio?: number;
  /** DNS answers with NXDOMAIN, at most (an NXDOMAIN is an answer, not an error, unless this says so). */
  maxNxdomain?: number;
  /** Segments from the TCP peer that a conformant TCP would not send in that state, at most. */
  maxTcpViolations?: number;
}

export function validateSpec(spec: TrafficSpec): TrafficSpec {
  const bad = (field: string, problem: string): never => {
    throw new Error(`${field}: ${problem}`);
  };
  if (!spec.tx) bad("--tx", "name the sending host");
  if (!spec.rx) bad("--rx", "name the receiving host");
  if (spec.tx === spec.rx) bad("--rx", `must differ from --tx ('${spec.tx}')`);
  if (!([...PROTOCOLS, "random"] as string[]).includes(spec.protocol)) bad("--protocol", `'${spec.protocol}' is not one of ${[...PROTOCOLS, "random"].join(", ")}`);
  if (!(MODES as readonly string[]).includes(spec.mode)) bad("--mode", `'${spec.mode}' is not one of ${MODES.join(", ")}`);
  for (const [field, value] of Object.entries({ duration: spec.duration, count: spec.count, pps: spec.pps, flows: spec.flows, "stats-interval": spec.statsInterval })) {
    if (value !== undefined && (!Number.isFinite(value) || value <= 0)) bad(`--${field}`, `'${value}' must be a positive number`);
  }
  if (spec.ipVersion !== undefined && spec.ipVersion !== 4 && spec.ipVersion !== 6) bad("--ip-version", `'${spec.ipVersion}' is not 4 or 6`);
  if (spec.vlan) {
    const problem = vlanStackProblem(spec.vlan);
    if (problem) bad("--vlan", problem);
  }
  if (spec.workers !== undefined && (!Number.isInteger(spec.workers) || spec.workers < 1 || spec.workers > MAX_WORKERS)) bad("--workers", `'${spec.workers}' is not a whole number 1..${MAX_WORKERS}`);
  if (spec.size !== undefined && (spec.size < 60 || spec.size > 1514)) bad("--size", `${spec.size} is outside 60..1514 bytes`);
  if (spec.mode === "rate" && spec.pps === undefined) spec = { ...spec, pps: 1000 };
  if (spec.duration === undefined && spec.count === undefined) spec = { ...spec, duration: 5 };
  return spec;
}
