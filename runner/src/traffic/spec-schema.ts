// The traffic spec's one schema: every field with its limits (the engine's own,
// engine/src/options.c) and its name for each caller: the CLI flag, the API's
// JSON key, the scenario file's YAML key and the engine option. The CLI,
// POST /runs, scenario flows and the engine command line all read this table.
import { z } from "zod";
import { PROTOCOLS } from "./engine-output.ts";
import { vlanTagsSchema } from "./vlan-schema.ts";

export const MODES = ["continuous", "burst", "rate", "backoff", "random"] as const;

/** Worker lcores per engine: the engine's own limit (WL_MAX_WORKERS, engine/src/workers_max.h). */
export const MAX_WORKERS = 64;

/**
 * The engine's limits, as engine/src/options.c and opt_table.c enforce them (spec-schema.test.ts runs the built
 * engine at each one and one past it). Where the runner asks for less, the comment says why.
 */
export const LIMITS = {
  /** (0, 100e6] packets per second. */
  maxPps: 100_000_000,
  /** --interval and --burst-gap: microseconds, 0..3600 s. */
  maxMicros: 3_600_000_000,
  maxBurstSize: 1_000_000,
  minSize: 60,
  maxSize: 1514,
  /** The engine takes 1..65535 flows, but the source ports run from --src-port (10000) to 10000 + flows - 1 <= 65535. */
  maxFlows: 65535 - 10000 + 1,
  /** Payload bytes (UTF-8), WL_MAX_MESSAGE. */
  maxMessageBytes: 1472,
  /** --domain names, WL_MAX_DOMAINS; the receiver holds WL_MAX_RECORDS records: an A and, over IPv6, an AAAA per name. */
  maxDomains: 64,
  maxRecords: 64,
  /** RFC 1035: 63-byte labels, 255 bytes on the wire (253 written out). */
  maxLabel: 63,
  maxName: 253,
  /** The engine's seed is a u64; JSON numbers are exact only to 2^53 - 1, so larger seeds are decimal strings. */
  maxSeed: 2n ** 64n - 1n,
  minPhaseDuration: 0.1,
  minStatsInterval: 0.01,
  maxWorkers: MAX_WORKERS,
} as const;

const whole = (min: number, max: number, unit = "") => {
  const m = `must be a whole number ${min}..${max}${unit}`;
  return z.number({ error: m }).int({ error: m }).min(min, { error: m }).max(max, { error: m });
};
const atLeast = (min: number, unit: string) => {
  const m = `must be a number >= ${min}${unit}`;
  return z.number({ error: m }).min(min, { error: m });
};
const positive = (unit: string) => {
  const m = `must be a positive number${unit}`;
  return z.number({ error: m }).positive({ error: m });
};
const ratio = () => {
  const m = "must be a ratio 0..1";
  return z.number({ error: m }).min(0, { error: m }).max(1, { error: m });
};
const oneOf = <T extends readonly [string, ...string[]]>(values: T) => z.enum(values, { error: `must be one of ${values.join(", ")}` });

const utf8Bytes = (s: string) => new TextEncoder().encode(s).length;
const label = `[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,${LIMITS.maxLabel - 2}}[A-Za-z0-9_])?`;
const DNS_NAME = new RegExp(`^${label}(?:\\.${label})*\\.?$`);

const seedMessage = `must be a whole number 0..${LIMITS.maxSeed} (above ${Number.MAX_SAFE_INTEGER} as a decimal string)`;
function isSeed(v: number | string): boolean {
  if (typeof v === "number") return Number.isSafeInteger(v) && v >= 0;
  return /^\d{1,20}$/.test(v) && BigInt(v) <= LIMITS.maxSeed;
}

/** A field of the spec: its schema and its name for the scenario file (YAML), the CLI and the engine. */
interface Field<Y extends string, S extends z.ZodType> {
  readonly yaml: Y;
  readonly flag: string;
  /** The engine option the field becomes on the sender's command line. */
  readonly engine?: string;
  readonly schema: S;
}
const field = <Y extends string, S extends z.ZodType>(yaml: Y, flag: string, schema: S, engine?: string): Field<Y, S> => ({ yaml, flag, schema, ...(engine ? { engine } : {}) });

export const hostNameSchema = z
  .string({ error: "must be a host name from the lab" })
  .min(1, { error: "must be a host name from the lab" })
  .max(64, { error: "must be a host name from the lab (at most 64 characters)" })
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, { error: "must be a host name from the lab" });

export const ppsSchema = z
  .number({ error: `must be a number of packets per second in (0, ${LIMITS.maxPps}]` })
  .gt(0, { error: `must be a number of packets per second in (0, ${LIMITS.maxPps}]` })
  .max(LIMITS.maxPps, { error: `must be a number of packets per second in (0, ${LIMITS.maxPps}]` });

export const statsIntervalSchema = atLeast(LIMITS.minStatsInterval, " seconds");

/** The spec's fields in the API's (and TrafficSpec's) names; the order is the CLI help's. */
export const SPEC_FIELDS = {
  tx: field("tx", "--tx", hostNameSchema.describe("sending host")),
  rx: field("rx", "--rx", hostNameSchema.describe("receiving host")),
  protocol: field("protocol", "--protocol", oneOf([...PROTOCOLS, "random"] as const).optional(), "--protocol"),
  mode: field("mode", "--mode", oneOf(MODES).optional(), "--mode"),
  pps: field("pps", "--pps", ppsSchema.optional().describe("rate mode: packets per second"), "--pps"),
  interval: field("interval", "--interval", whole(0, LIMITS.maxMicros, " microseconds").optional().describe("continuous mode: gap between packets, microseconds"), "--interval"),
  burstSize: field("burst_size", "--burst-size", whole(1, LIMITS.maxBurstSize).optional(), "--burst-size"),
  burstGap: field("burst_gap", "--burst-gap", whole(0, LIMITS.maxMicros, " microseconds").optional(), "--burst-gap"),
  // The engine's 0 means "never stop"; a run ends, so the runner asks for more than 0.
  duration: field("duration", "--duration", positive(" seconds").optional().describe("seconds; 5 unless count is given"), "--duration"),
  // The engine's 0 means "no limit"; JSON numbers are exact to 2^53 - 1, far past any count a run reaches.
  count: field("count", "--count", whole(1, Number.MAX_SAFE_INTEGER, " packets").optional().describe("stop after this many packets"), "--count"),
  size: field("size", "--size", whole(LIMITS.minSize, LIMITS.maxSize, " bytes").optional().describe("frame size in bytes, without FCS"), "--size"),
  flows: field("flows", "--flows", whole(1, LIMITS.maxFlows).optional().describe("source ports varied over this many flows, from 10000"), "--flows"),
  dstPort: field("dst_port", "--dst-port", whole(1, 65535).optional(), "--dst-port"),
  message: field(
    "message",
    "--message",
    z
      .string({ error: `must be text of 1..${LIMITS.maxMessageBytes} bytes (UTF-8)` })
      .min(1, { error: `must be text of 1..${LIMITS.maxMessageBytes} bytes (UTF-8)` })
      .refine((s) => s.length > 0 && utf8Bytes(s) <= LIMITS.maxMessageBytes, { error: `must be text of 1..${LIMITS.maxMessageBytes} bytes (UTF-8)` })
      .refine((s) => !s.includes("\0"), { error: "must not hold a NUL character (the engine takes it as a C string)" })
      .optional()
      .describe(`UDP/TCP/eth payload, 1..${LIMITS.maxMessageBytes} bytes as UTF-8`),
    "--message",
  ),
  domains: field(
    "domains",
    "--domain",
    z
      .array(
        z
          .string({ error: "must be a DNS name" })
          .max(LIMITS.maxName + 1, { error: `must be a DNS name of at most ${LIMITS.maxName} characters` })
          .regex(DNS_NAME, { error: `must be a DNS name: labels of 1..${LIMITS.maxLabel} letters, digits, '-' or '_'` })
          .refine((s) => s.replace(/\.$/, "").length <= LIMITS.maxName, { error: `must be a DNS name of at most ${LIMITS.maxName} characters` }),
        { error: "must be a list of DNS names" },
      )
      .max(LIMITS.maxDomains, { error: `at most ${LIMITS.maxDomains} names` })
      .optional(),
    "--domain",
  ),
  seed: field(
    "seed",
    "--seed",
    z
      .union([z.number(), z.string()], { error: seedMessage })
      .refine(isSeed, { error: seedMessage })
      .describe(`0..${LIMITS.maxSeed}; above ${Number.MAX_SAFE_INTEGER} as a decimal string`)
      .optional(),
    "--seed",
  ),
  phaseDuration: field("phase_duration", "--phase-duration", atLeast(LIMITS.minPhaseDuration, " seconds").optional(), "--phase-duration"),
  udpEcho: field("udp_echo", "--udp-echo", z.boolean({ error: "must be true or false" }).optional()),
  capture: field("capture", "--capture", z.boolean({ error: "must be true or false" }).optional()),
  ipVersion: field("ip_version", "--ip-version", z.union([z.literal(4), z.literal(6)], { error: "must be 4 or 6" }).optional().describe("IP family [4]; 6 uses the hosts' IPv6 addresses"), "--ip-version"),
  vlan: field("vlan", "--vlan", vlanTagsSchema.optional().describe("802.1Q tags, outer first: 100 or \"100,5\" (ID 1..4094, PCP 0..7); two for QinQ")),
  workers: field("workers", "--workers", whole(1, LIMITS.maxWorkers).optional().describe("engine worker cores per host"), "--workers"),
} as const;

/** The checks a traffic run (CLI, API) may set, with their flags; a scenario's step checks use the same schemas. */
export const CHECK_FIELDS = {
  minRxRatio: field("min_rx_ratio", "--min-rx-ratio", ratio().optional()),
  minAnswerRatio: field("min_answer_ratio", "--min-answer-ratio", ratio().optional()),
  maxRttP99Us: field("max_rtt_p99_us", "--max-rtt-p99-us", positive(" microseconds").optional()),
  maxNxdomain: field("max_nxdomain", "--max-nxdomain", whole(0, Number.MAX_SAFE_INTEGER).optional()),
  maxTcpViolations: field("max_tcp_violations", "--max-tcp-violations", whole(0, Number.MAX_SAFE_INTEGER).optional()),
} as const;

type Fields = typeof SPEC_FIELDS;
export type SpecKey = keyof Fields;
type CheckFields = typeof CHECK_FIELDS;

const camelShape = <F extends Record<string, Field<string, z.ZodType>>>(fields: F) =>
  Object.fromEntries(Object.entries(fields).map(([k, f]) => [k, f.schema])) as { [K in keyof F]: F[K]["schema"] };
const yamlShape = <F extends Record<string, Field<string, z.ZodType>>>(fields: F) =>
  Object.fromEntries(Object.values(fields).map((f) => [f.yaml, f.schema])) as { [K in keyof F as F[K]["yaml"]]: F[K]["schema"] };

export const specShape = camelShape(SPEC_FIELDS);
export const specYamlShape = yamlShape(SPEC_FIELDS);
export const checksShape = camelShape(CHECK_FIELDS);
export const checksYamlShape = yamlShape(CHECK_FIELDS);

/** What the rules read: a spec in the API's names, whoever wrote it. */
type RuleInput = Partial<Record<SpecKey, unknown>>;

/**
 * The rules between fields, written once. `name` gives another field's name in the caller's terms; `report` puts
 * the problem on a field. The engine refuses each of these at start (options.c), after the run has begun.
 */
export function specRules(s: RuleInput, report: (key: SpecKey, message: string) => void, name: (key: SpecKey) => string): void {
  if (typeof s.tx === "string" && s.tx === s.rx) report("rx", `must differ from ${name("tx")} ('${s.tx}')`);
  if (s.ipVersion === 6 && s.protocol === "arp") report("protocol", `'arp' is IPv4's address resolution: not with ${name("ipVersion")} 6 (IPv6 resolves neighbours with NDP)`);
  if (s.mode === "backoff" && s.protocol === "eth") report("mode", "'backoff' resends unanswered requests: it needs arp, icmp, udp, tcp or dns, not eth");
  const perName = s.ipVersion === 6 ? 2 : 1;
  if (Array.isArray(s.domains) && s.domains.length * perName > LIMITS.maxRecords) {
    report("domains", `at most ${LIMITS.maxRecords / perName} names with ${name("ipVersion")} 6 (the receiver holds ${LIMITS.maxRecords} DNS records: an A and an AAAA per name)`);
  }
}

/** Placeholder for a field's name in a message, replaced by the caller's term when the message is shown (specIssue). */
const placeholder = (key: SpecKey) => `{${key}}`;

/** The spec's fields and checks in the API's names, with the rules; what the CLI and POST /runs validate. */
export const requestFields = {
  ...specShape,
  protocol: SPEC_FIELDS.protocol.schema.default("udp"),
  mode: SPEC_FIELDS.mode.schema.default("continuous"),
  /** Built-in XDP programs only: an object file path from a request body is not loaded. */
  xdp: z
    .strictObject({
      prog: oneOf(["count", "drop", "reflect"] as const),
      rules: z.array(z.string().min(1).max(200), { error: "must be a list of rules such as proto=udp,dport=9000" }).max(32, { error: "at most 32 rules" }).optional(),
    })
    .optional(),
  checks: z.strictObject(checksShape).optional(),
};

export const runRequestSchema = z.strictObject(requestFields).superRefine((s, ctx) => {
  specRules(s, (key, message) => ctx.addIssue({ code: "custom", path: [key], message }), placeholder);
  if (s.xdp?.rules && s.xdp.prog !== "drop") ctx.addIssue({ code: "custom", path: ["xdp", "rules"], message: "rules belong to the XDP program 'drop'" });
});

/** A flow in a scenario file: the same fields in the YAML's names; mode defaults to rate (a flow has a pps). */
export const flowSchema = z
  .strictObject({
    ...specYamlShape,
    protocol: SPEC_FIELDS.protocol.schema.default("udp"),
    mode: SPEC_FIELDS.mode.schema.default("rate"),
  })
  .superRefine((f, ctx) => {
    specRules(fromYaml(f), (key, message) => ctx.addIssue({ code: "custom", path: [SPEC_FIELDS[key].yaml], message }), (key) => SPEC_FIELDS[key].yaml);
  });

export type Flow = z.infer<typeof flowSchema>;
export type RunRequest = z.input<typeof runRequestSchema>;
export type ParsedRunRequest = z.output<typeof runRequestSchema>;

type YamlToKey = { [K in SpecKey as Fields[K]["yaml"]]: K };
type FromYaml<T> = { [Y in keyof T as Y extends keyof YamlToKey ? YamlToKey[Y] : never]: T[Y] };

/** A flow's fields in the spec's names. */
export function fromYaml<T extends Record<string, unknown>>(flow: T): FromYaml<T> {
  const out: Record<string, unknown> = {};
  for (const [key, f] of Object.entries(SPEC_FIELDS)) if (flow[f.yaml] !== undefined) out[key] = flow[f.yaml];
  return out as FromYaml<T>;
}

// ---------- naming an issue in the caller's terms ----------

export type Caller = "cli" | "api";

/** A JSON path as the API names it: `checks.minRxRatio`, `domains[1]`. */
export function jsonPath(path: readonly PropertyKey[]): string {
  return path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("").replace(/^\./, "") || "(body)";
}

/** The flag a path comes from on the CLI: `--burst-size`, `--domain` (for domains[3]), `--min-rx-ratio`. */
export function flagOf(path: readonly PropertyKey[]): string {
  const [head, sub] = path;
  if (head === "checks" && typeof sub === "string" && sub in CHECK_FIELDS) return CHECK_FIELDS[sub as keyof CheckFields].flag;
  if (head === "xdp") return sub === "rules" ? "--xdp-rule" : "--xdp";
  if (typeof head === "string" && head in SPEC_FIELDS) return SPEC_FIELDS[head as SpecKey].flag;
  return `--${String(head)}`;
}

const nameIn = (caller: Caller, path: readonly PropertyKey[]) => (caller === "cli" ? flagOf(path) : jsonPath(path));

/** A message's field placeholders in the caller's terms. */
export const inTermsOf = (caller: Caller, message: string) =>
  message.replace(/\{(\w+)\}/g, (whole, key: string) => (key in SPEC_FIELDS ? nameIn(caller, [key]) : whole));

function valueAt(data: unknown, path: readonly PropertyKey[]): { found: boolean; value?: unknown } {
  let node = data;
  for (const key of path) {
    if (node === null || typeof node !== "object" || !Object.hasOwn(node, key)) return { found: false };
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return { found: true, value: node };
}

/** The first problem of a failed parse, in one line: `--pps: '0' must be ...` for the CLI, `pps: must be ...` for the API. */
export function specIssue(error: z.ZodError, data: unknown, caller: Caller): string {
  const issue = error.issues[0]!;
  if (issue.code === "unrecognized_keys") return `${nameIn(caller, [...issue.path, issue.keys[0]!])}: unknown field`;
  const at = valueAt(data, issue.path);
  const name = nameIn(caller, issue.path);
  if (!at.found) return `${name}: is required`;
  const v = at.value;
  // The CLI shows what was typed; the API's caller has its body.
  const shown = caller === "cli" && issue.code !== "custom" && (typeof v === "string" || typeof v === "number") ? `'${v}' ` : "";
  return `${name}: ${shown}${inTermsOf(caller, issue.message)}`;
}

/** What only the lab can refuse: hosts it does not have, IPv6 on a host without an address. */
export function labIssue(spec: { tx: string; rx: string; ipVersion?: number }, hosts: readonly string[], ipv6Hosts?: readonly string[]): { key: SpecKey; message: string } | undefined {
  for (const key of ["tx", "rx"] as const) {
    if (!hosts.includes(spec[key])) return { key, message: `no host '${spec[key]}' in the lab (hosts: ${hosts.join(", ")})` };
  }
  const without = spec.ipVersion === 6 && ipv6Hosts ? [spec.tx, spec.rx].find((h) => !ipv6Hosts.includes(h)) : undefined;
  if (without) return { key: "ipVersion", message: `host '${without}' has no IPv6 address in the lab (a lab with ipv6: true gives one, e.g. the dual-stack lab)` };
  return undefined;
}
