// The engine as the replay's sender (--role replay): its command line, with
// the capture's first client and server mapped onto the step's tx and rx
// hosts, and the answers it is to validate; and its summary line, read into
// the verdicts the report shows (matched / missing / unexpected / different).
import type { Inventory, InventoryHost } from "../../../infra/src/inventory.ts";
import { toolsOf } from "../../../infra/src/inventory.ts";
import { dpdkFilePrefix, engineEal, nextHopMac } from "../traffic/engine-command.ts";
import type { CheckResult } from "../traffic/run-traffic.ts";

export const EXPECT_RULES = ["icmp", "dns", "udp-echo", "tcp", "arp"] as const;
export type ExpectRule = (typeof EXPECT_RULES)[number];

export interface EngineReplayOptions {
  /** The capture, as the tx host sees it. */
  readonly pcap: string;
  readonly loop: number;
  /** Packets/s; none: as fast as the port takes them. */
  readonly pps?: number;
  readonly statsInterval: number;
  /** The capture's first client -> tx, its server -> rx (addresses and MACs). */
  readonly autoMap: boolean;
  /** An expected-answers capture, as the tx host sees it. */
  readonly expect?: string;
  /** The capture's own server side is what is expected (sent no more). */
  readonly expectSplit?: boolean;
  readonly expectRules?: readonly ExpectRule[];
  /** "+ip.ttl", "-dns.answer": fields compared on or off. */
  readonly expectFields?: readonly string[];
  readonly expectWait?: number;
}

export interface ReplayDifference {
  readonly answer: string;
  readonly field: string;
  readonly expected: string;
  readonly got: string;
  readonly expect_frame: number | "rule";
  readonly request_frame: number | null;
}

/** The engine's `validate` object in its summary line. */
export interface ReplayValidation {
  readonly expected: number;
  readonly matched: number;
  readonly missing: number;
  readonly unexpected: number;
  readonly different: number;
  readonly duplicate: number;
  readonly arp_answered: number;
  readonly expectations: number;
  readonly differences: ReplayDifference[];
  readonly missing_answers: { answer: string; count: number; expect_frame: number | "rule"; request_frame: number | null }[];
  readonly unexpected_answers: { answer: string; len: number; duplicate: boolean }[];
}

export interface EngineReplaySummary {
  readonly type: "summary" | "stats";
  readonly reason?: string;
  readonly pps: number;
  readonly replay: { frames_sent: number; loops_done: number; frames_per_loop: number; rx_frames: number };
  readonly rewrite?: Record<string, number>;
  readonly validate?: ReplayValidation;
}

export function validates(o: Pick<EngineReplayOptions, "expect" | "expectSplit" | "expectRules">): boolean {
  return Boolean(o.expect || o.expectSplit || o.expectRules?.length);
}

export function engineReplayArgs(inv: Inventory, tx: InventoryHost, rx: InventoryHost, o: EngineReplayOptions): string[] {
  const mine = tx.interfaces[0];
  const theirs = rx.interfaces[0];
  if (!mine || !theirs) throw new Error(`replay needs a test interface on '${tx.name}' and '${rx.name}'`);
  return [
    "--role", "replay",
    "--pcap", o.pcap,
    "--loop", String(o.loop),
    ...(o.pps !== undefined ? ["--pps", String(o.pps)] : []),
    "--stats-interval", String(o.statsInterval),
    ...(o.autoMap ? ["--client", `${mine.ipv4},${mine.mac}`, "--server", `${theirs.ipv4},${nextHopMac(inv, tx, rx)}`] : []),
    ...(o.expect ? ["--expect", o.expect] : []),
    ...(o.expectSplit ? ["--expect-split"] : []),
    ...(o.expectRules?.length ? ["--expect-rules", o.expectRules.join(",")] : []),
    ...(o.expectFields?.length ? ["--expect-fields", o.expectFields.join(",")] : []),
    ...(o.expectWait !== undefined ? ["--expect-wait", String(o.expectWait)] : []),
  ];
}

export function engineReplayInvocation(inv: Inventory, tx: InventoryHost, rx: InventoryHost, o: EngineReplayOptions, runId: string): { argv: string[]; filePrefix: string } {
  const filePrefix = dpdkFilePrefix(inv.lab.prefix, runId, tx.name);
  return { filePrefix, argv: [toolsOf(tx).engine, ...engineEal(inv, tx, filePrefix, "tx", {}), "--", ...engineReplayArgs(inv, tx, rx, o)] };
}

export function parseReplayLine(line: string): EngineReplaySummary | undefined {
  const text = line.trim();
  if (!text.startsWith("{")) return undefined;
  try {
    const v = JSON.parse(text) as Partial<EngineReplaySummary> & { role?: string };
    if ((v.type === "summary" || v.type === "stats") && v.role === "replay" && typeof v.replay === "object") return v as EngineReplaySummary;
  } catch {
    return undefined;
  }
  return undefined;
}

export interface AnswerLimits {
  readonly max_missing?: number | undefined;
  readonly max_different?: number | undefined;
  readonly max_unexpected?: number | undefined;
}

/** The validation as checks: answers matched, missing, different, unexpected, each naming the first it found. */
export function answerChecks(v: ReplayValidation, limits: AnswerLimits): CheckResult[] {
  const first = <T>(list: T[], text: (x: T) => string) => (list.length ? `: ${list.slice(0, 3).map(text).join("; ")}${list.length > 3 ? "; …" : ""}` : "");
  const maxMissing = limits.max_missing ?? 0;
  const maxDifferent = limits.max_different ?? 0;
  const maxUnexpected = limits.max_unexpected ?? 0;
  return [
    {
      name: "answers_matched",
      ok: v.matched >= v.expected - maxMissing - maxDifferent && (v.expected === 0 || v.matched > 0),
      detail: `${v.matched} of ${v.expected} expected answers matched`,
    },
    {
      name: "answers_missing",
      ok: v.missing <= maxMissing,
      detail: `${v.missing} missing (at most ${maxMissing})${first(v.missing_answers, (m) => `${m.answer}${m.count > 1 ? ` x${m.count}` : ""}`)}`,
    },
    {
      name: "answers_different",
      ok: v.different <= maxDifferent,
      detail: `${v.different} different (at most ${maxDifferent})${first(v.differences, (d) => `${d.answer}: ${d.field} expected ${d.expected}, got ${d.got}`)}`,
    },
    {
      name: "answers_unexpected",
      ok: v.unexpected <= maxUnexpected,
      detail: `${v.unexpected} unexpected (at most ${maxUnexpected})${first(v.unexpected_answers, (u) => `${u.answer}${u.duplicate ? " (again)" : ""}`)}`,
    },
  ];
}
