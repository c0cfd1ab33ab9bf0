// What a traffic run asks for, validated once, with the defaults a user expects.
import { z } from "zod";
import type { Protocol } from "./engine-output.ts";
import type { IpVersion } from "./breakdown.ts";
import { vlanStackProblem, type VlanTag } from "./vlan-tag.ts";
import { jsonPath, MODES, specRules, specShape, statsIntervalSchema } from "./spec-schema.ts";

export { MAX_WORKERS, MODES } from "./spec-schema.ts";
export type Mode = (typeof MODES)[number];
export type ProtocolChoice = Protocol | "random";

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
  /** The engine's u64: a number up to 2^53 - 1, or a decimal string beyond. */
  seed?: number | string;
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

// A spec already holds parsed VLAN tags: they are checked as tags here, not as the "ID,PCP" a caller writes.
const { vlan: _vlan, ...parsedShape } = specShape;
const specCheck = z
  .object({ ...parsedShape, statsInterval: statsIntervalSchema.optional() })
  .superRefine((s, ctx) => specRules(s, (key, message) => ctx.addIssue({ code: "custom", path: [key], message }), (key) => key));

/** The spec against the same schema its callers validated (in the API's field names), with the defaults. */
export function validateSpec(spec: TrafficSpec): TrafficSpec {
  const { vlan, ...rest } = spec;
  const parsed = specCheck.safeParse(rest);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${jsonPath(issue.path)}: ${issue.message}`);
  }
  if (vlan) {
    const problem = vlanStackProblem(vlan);
    if (problem) throw new Error(`vlan: ${problem}`);
  }
  if (spec.mode === "rate" && spec.pps === undefined) spec = { ...spec, pps: 1000 };
  if (spec.duration === undefined && spec.count === undefined) spec = { ...spec, duration: 5 };
  return spec;
}
