// What a scenario file may say: a lab, then steps of concurrent flows, an
// optional rate sweep, a PCAP replay, and checks per step. Field names are the
// YAML's (snake_case); a flow is the traffic spec's schema (spec-schema.ts) in
// those names; scenario-file.ts turns zod's first issue into one line.
import { z } from "zod";
import { checksYamlShape, flowSchema, ppsSchema, statsIntervalSchema, type Flow } from "../traffic/spec-schema.ts";
import { stepImpairSchema } from "./impair-step.ts";
import { EXPECT_RULES } from "./engine-replay.ts";
import { rfc2544Schema } from "./rfc2544.ts";

const positive = z.number().positive();
const ratio = z.number().min(0).max(1);
const hostName = z.string().min(1);
const stepName = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, "must be lowercase letters, digits, '-' or '_' (at most 40)");

export { flowSchema, type Flow };

const { min_rx_ratio, min_answer_ratio, max_rtt_p99_us } = checksYamlShape;
export const checksSchema = z.strictObject({
  min_rx_ratio,
  /** 1 - rx/tx, at most. */
  max_loss: ratio.optional(),
  max_rtt_p99_us,
  min_answer_ratio,
  /** Replay validation: answers missing, different, unexpected, at most [0 each when the replay validates]. */
  max_missing: z.number().int().min(0).optional(),
  max_different: z.number().int().min(0).optional(),
  max_unexpected: z.number().int().min(0).optional(),
  /**
   * The measured loss lies within this confidence interval (e.g. 0.999) of the loss the step's
   * impairments (and the lab file's) set on the flow's path: statistics, not a fixed bound.
   */
  loss_within_ci: z.number().gt(0.5).lt(1).optional(),
});

/** A pcap file (relative to the scenario file), or the capture a previous step's flow wrote on a host. */
const capture = z.union([z.string().min(1), z.strictObject({ step: stepName, host: hostName })]);

export const replaySchema = z.strictObject({
  tx: hostName,
  rx: hostName,
  pcap: capture,
  /** Packets/s; without it the engine sends as fast as the port takes them. */
  pps: positive.optional(),
  /** How many times the file is sent. */
  loop: z.number().int().positive().default(1),
  /** engine: the engine's replay role (rewriting, validation); tcpreplay: the frames as captured, through the kernel. */
  sender: z.enum(["engine", "tcpreplay"]).default("engine"),
  /** Who answers on rx: the engine responder or the host's kernel. */
  server: z.enum(["engine", "kernel"]).default("engine"),
  /** auto: the capture's first client and server become tx and rx (IPv4 and MAC); none: sent as captured. */
  map: z.enum(["auto", "none"]).default("auto"),
  /** The answers expected: a pcap of the server's side, or a capture from an earlier step. */
  expect: capture.optional(),
  /** The replayed capture's own server-side frames are the answers expected (and are not sent). */
  expect_split: z.boolean().optional(),
  /** Answers derived from the requests. */
  expect_rules: z.array(z.enum(EXPECT_RULES)).min(1).optional(),
  /** Fields compared on (+) or off (-), e.g. ["+ip.ttl", "-dns.answer"]. */
  expect_fields: z.array(z.string().regex(/^[+-]?[a-z0-9]+\.[a-z0-9]+$/, "must be +field or -field, e.g. +ip.ttl")).optional(),
  /** Seconds to wait for late answers after the last frame [1]. */
  expect_wait: z.number().min(0).max(3600).optional(),
  /** A records the engine responder holds. */
  domains: z.array(z.string().min(1)).optional(),
});

export const stepSchema = z
  .strictObject({
    name: stepName,
    description: z.string().optional(),
    flows: z.array(flowSchema).min(1, "a step needs at least one flow").optional(),
    replay: replaySchema.optional(),
    /** RFC 2544 throughput search through a DUT from one tester with two ports (rfc2544.ts). */
    rfc2544: rfc2544Schema.optional(),
    /** Runs the step once per rate; every flow's pps is replaced (flows must be in rate mode). */
    sweep: z.strictObject({ pps: z.array(ppsSchema).min(1, "give at least one rate") }).optional(),
    /** Link impairments for this step (a lab file's impair: fields, plus where), put back after it. */
    impair: z.array(stepImpairSchema).min(1, "give at least one impairment").optional(),
    checks: checksSchema.default({}),
  });

export const scenarioSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, "must be lowercase letters, digits, '-' or '_' (at most 40)"),
  description: z.string().optional(),
  /** The lab this scenario needs: an example lab's name (two-host, dut) or a path relative to the scenario file. */
  lab: z.string().min(1),
  stats_interval: statsIntervalSchema.default(1),
  /** Sample CPU, memory and interface counters on every host of the lab. */
  monitor: z.boolean().default(true),
  steps: z.array(stepSchema).min(1, "a scenario needs at least one step"),
});

export type StepChecks = z.infer<typeof checksSchema>;
export type Replay = z.infer<typeof replaySchema>;
export type Step = z.infer<typeof stepSchema>;
export type Scenario = z.infer<typeof scenarioSchema>;
