// POST /runs: the body schema (the same parameters as `bun run traffic`),
// validated into a TrafficSpec with one 400 that names the first bad field.
import { z } from "zod";
import { PROTOCOLS } from "../traffic/engine-output.ts";
import { MAX_WORKERS, MODES, validateSpec, type TrafficSpec } from "../traffic/traffic-spec.ts";
import { vlanTagsSchema } from "../traffic/vlan-schema.ts";
import { ApiError } from "./errors.ts";

const hostName = z.string().min(1).max(64).regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "must be a host name from the inventory");
const positive = z.number().positive().finite();
const count = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

export const runRequestSchema = z.strictObject({
  tx: hostName.describe("sending host"),
  rx: hostName.describe("receiving host"),
  protocol: z.enum([...PROTOCOLS, "random"]).default("udp"),
  mode: z.enum(MODES).default("continuous"),
  pps: positive.max(100_000_000).optional().describe("rate mode: packets per second"),
  interval: z.number().int().min(0).max(60_000_000).optional().describe("continuous mode: gap between packets, microseconds"),
  burstSize: count.optional(),
  burstGap: z.number().int().min(0).max(60_000_000).optional(),
  duration: positive.max(86_400).optional().describe("seconds; 5 unless count is given"),
  count: count.optional().describe("stop after this many packets"),
  size: z.number().int().min(60).max(1514).optional().describe("frame size in bytes"),
  flows: z.number().int().positive().max(65_535).optional(),
  message: z.string().max(1400).optional(),
  domains: z.array(z.string().min(1).max(253).regex(/^[A-Za-z0-9._-]+$/, "must be a DNS name")).max(64).optional(),
  seed: z.number().int().min(0).max(2 ** 32 - 1).optional(),
  phaseDuration: positive.max(3600).optional(),
  dstPort: z.number().int().min(1).max(65_535).optional(),
  udpEcho: z.boolean().optional(),
  capture: z.boolean().optional(),
  ipVersion: z.union([z.literal(4), z.literal(6)], { error: "must be 4 or 6" }).optional().describe("IP family [4]; 6 uses the hosts' IPv6 addresses"),
  vlan: vlanTagsSchema.optional().describe("802.1Q tags, outer first: 100 or \"100,5\" (ID,PCP); two for QinQ"),
  workers: z.number().int().min(1).max(MAX_WORKERS).optional().describe("engine worker cores per host"),
  /** Built-in XDP programs only: an object file path from a request body is not loaded. */
  xdp: z.strictObject({ prog: z.enum(["count", "drop", "reflect"]), rules: z.array(z.string().min(1).max(200)).max(32).optional() }).optional(),
  checks: z
    .strictObject({
      minRxRatio: z.number().min(0).max(1).optional(),
      minAnswerRatio: z.number().min(0).max(1).optional(),
      maxRttP99Us: positive.optional(),
      maxNxdomain: z.number().int().min(0).optional(),
      maxTcpViolations: z.number().int().min(0).optional(),
    })
    .optional(),
});

export type RunRequest = z.input<typeof runRequestSchema>;

/** A body field's path as the 400s name it: `checks.minRxRatio`, `domains[1]`. */
export function fieldOf(path: readonly PropertyKey[]): string {
  return path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("").replace(/^\./, "") || "(body)";
}

/** The body as a validated TrafficSpec, or an ApiError(400) naming the field. */
export function parseRunRequest(body: unknown, hosts?: readonly string[], ipv6Hosts?: readonly string[]): TrafficSpec {
  if (body === null || typeof body !== "object" || Array.isArray(body)) throw new ApiError(400, "body: must be a JSON object");
  const parsed = runRequestSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.code === "unrecognized_keys" ? [...issue.path, issue.keys[0]!] : issue.path;
    const message = issue.code === "unrecognized_keys" ? "unknown field" : issue.message;
    throw new ApiError(400, `${fieldOf(path)}: ${message}`);
  }
  const req = parsed.data;
  if (req.xdp?.rules && req.xdp.prog !== "drop") throw new ApiError(400, "xdp.rules: rules belong to xdp.prog 'drop'");
  if (hosts) {
    for (const field of ["tx", "rx"] as const) {
      if (!hosts.includes(req[field])) throw new ApiError(400, `${field}: no host '${req[field]}' in the lab (hosts: ${hosts.join(", ")})`);
    }
  }
  if (req.ipVersion === 6 && ipv6Hosts) {
    const without = [req.tx, req.rx].find((h) => !ipv6Hosts.includes(h));
    if (without) throw new ApiError(400, `ipVersion: host '${without}' has no IPv6 address in the lab (a lab with ipv6: true gives one)`);
  }
  const { checks, ...rest } = req;
  const spec: TrafficSpec = { ...rest, ...(checks ? { checks } : {}) };
  try {
    return validateSpec(spec);
  } catch (err) {
    // validateSpec speaks in CLI options ("--rx: ..."); the API speaks in body fields.
    throw new ApiError(400, (err as Error).message.replace(/--([a-z-]+)/g, (_, f: string) => f.replace(/-([a-z])/g, (_m, ch: string) => ch.toUpperCase())));
  }
}
