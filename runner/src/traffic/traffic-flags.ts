// The traffic command's flags for the spec: one per field of spec-schema.ts
// (its flag name), turned into a POST /runs body so the same schema checks
// them and names a bad one by its flag (exit 2).
import { CHECK_FIELDS, SPEC_FIELDS } from "./spec-schema.ts";

type FlagOption = { type: "string"; multiple?: true } | { type: "boolean" };

const BOOLEAN = new Set<string>(["udpEcho", "capture"]);
const REPEATED = new Set<string>(["domains", "vlan"]);
/** Fields whose value is text: everything else is a number as the user typed it. */
const TEXT = new Set<string>(["tx", "rx", "protocol", "mode", "message"]);

const optionOf = (key: string): FlagOption => (BOOLEAN.has(key) ? { type: "boolean" } : REPEATED.has(key) ? { type: "string", multiple: true } : { type: "string" });
const flagName = (flag: string) => flag.replace(/^--/, "");

/** parseArgs options for every spec and check field. */
export const SPEC_OPTIONS: Record<string, FlagOption> = Object.fromEntries(
  [...Object.entries(SPEC_FIELDS), ...Object.entries(CHECK_FIELDS)].map(([key, f]) => [flagName(f.flag), optionOf(key)]),
);

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** A number as typed, or the text itself (which the schema then refuses with the field's own words). */
function numeric(key: string, raw: string): number | string {
  const text = raw.trim();
  if (!NUMBER.test(text)) return raw;
  // A seed past 2^53 - 1 stays text: the engine takes a u64, which a JS number would round.
  if (key === "seed" && /^\d+$/.test(text) && !Number.isSafeInteger(Number(text))) return text;
  return Number(text);
}

function valueOf(key: string, raw: unknown): unknown {
  if (typeof raw === "boolean" || Array.isArray(raw) || TEXT.has(key) || typeof raw !== "string") return raw;
  return numeric(key, raw);
}

/** The spec flags given, as a POST /runs body (its JSON names, numbers as numbers, checks nested). */
export function specRequest(values: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [key, f] of Object.entries(SPEC_FIELDS)) {
    const raw = values[flagName(f.flag)];
    if (raw !== undefined) body[key] = valueOf(key, raw);
  }
  const checks: Record<string, unknown> = {};
  for (const [key, f] of Object.entries(CHECK_FIELDS)) {
    const raw = values[flagName(f.flag)];
    if (raw !== undefined) checks[key] = valueOf(key, raw);
  }
  return { ...body, checks };
}
