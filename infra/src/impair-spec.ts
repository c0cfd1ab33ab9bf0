// Link impairments as a person writes them (lab file `impair:`, `lab impair`
// flags) and as the model holds them: percentages, times in milliseconds, rates
// in bit/s. Pure parsing and the checks that need no knowledge of the machine.

export const DISTRIBUTIONS = ["uniform", "normal", "pareto", "paretonormal"] as const;
export type Distribution = (typeof DISTRIBUTIONS)[number];

/** Gilbert-Elliott loss: a two-state chain, all values in percent (netem's `loss gemodel p r 1-h 1-k`). */
export interface GilbertElliott {
  /** Good -> bad transition probability per packet. */
  readonly p: number;
  /** Bad -> good transition probability per packet. */
  readonly r: number;
  /** Loss probability in the bad state (netem's 1-h); 100 by default. */
  readonly bad: number;
  /** Loss probability in the good state (netem's 1-k); 0 by default. */
  readonly good: number;
}

export interface Impairment {
  /** Independent loss, percent. */
  readonly loss?: number;
  readonly lossBursts?: GilbertElliott;
  readonly corrupt?: number;
  readonly duplicate?: number;
  readonly reorder?: { readonly percent: number; readonly gap?: number };
  /** Milliseconds. */
  readonly delay?: number;
  readonly jitter?: number;
  readonly distribution?: Distribution;
  /** Bits per second. */
  readonly rate?: number;
}

/** The impairments by the name a person writes them in, in the order tables list them. */
export const IMPAIRMENT_KINDS = ["loss", "corrupt", "duplicate", "reorder", "delay", "jitter", "rate"] as const;
export type ImpairmentKind = (typeof IMPAIRMENT_KINDS)[number];

/** Which kinds a spec asks for (bursty loss is `loss`; a distribution goes with `jitter`). */
export function kindsOf(spec: Impairment): ImpairmentKind[] {
  const has: Record<ImpairmentKind, boolean> = {
    loss: spec.loss !== undefined || spec.lossBursts !== undefined,
    corrupt: spec.corrupt !== undefined,
    duplicate: spec.duplicate !== undefined,
    reorder: spec.reorder !== undefined,
    delay: spec.delay !== undefined,
    jitter: spec.jitter !== undefined,
    rate: spec.rate !== undefined,
  };
  return IMPAIRMENT_KINDS.filter((k) => has[k]);
}

/** A problem with one field: the caller names where (file line, or flag). */
export class ImpairFieldError extends Error {
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${field}: ${problem}`);
    this.name = "ImpairFieldError";
  }
}

const bad = (field: string, problem: string): never => {
  throw new ImpairFieldError(field, problem);
};

/** `5%`, `0.5%` or a bare number, all meaning percent, 0..100. */
export function parsePercent(value: unknown, field: string): number {
  const text = typeof value === "number" ? String(value) : typeof value === "string" ? value.trim() : undefined;
  const m = text === undefined ? null : /^(\d+(?:\.\d+)?)\s*%?$/.exec(text);
  if (!m) return bad(field, `'${String(value)}' is not a percentage (like 1%, 0.5% or 30)`);
  const n = Number(m[1]);
  if (n > 100) bad(field, `${text} is more than 100%`);
  return n;
}

const TIME_UNITS: Record<string, number> = { us: 0.001, ms: 1, s: 1000 };

/** `10ms`, `250us`, `1s`, or a bare number of milliseconds. */
export function parseTime(value: unknown, field: string): number {
  const text = typeof value === "number" ? `${value}ms` : typeof value === "string" ? value.trim() : "";
  const m = /^(\d+(?:\.\d+)?)\s*(us|ms|s)$/.exec(text);
  if (!m) return bad(field, `'${String(value)}' is not a time (like 10ms, 250us, 1s, or a number of ms)`);
  const ms = Number(m[1]) * TIME_UNITS[m[2]!]!;
  if (ms > 60_000) bad(field, `${text} is more than 60 s`);
  return ms;
}

const RATE_UNITS: Record<string, number> = { bit: 1, kbit: 1e3, mbit: 1e6, gbit: 1e9 };

/** `10mbit`, `512kbit`, `1gbit`, `9600bit`, or a bare number of bit/s (tc's units: powers of 1000). */
export function parseRate(value: unknown, field: string): number {
  const text = typeof value === "number" ? `${value}bit` : typeof value === "string" ? value.trim().toLowerCase() : "";
  const m = /^(\d+(?:\.\d+)?)\s*(bit|kbit|mbit|gbit)$/.exec(text);
  if (!m) return bad(field, `'${String(value)}' is not a rate (like 10mbit, 512kbit, 1gbit, or a number of bit/s)`);
  const bps = Math.round(Number(m[1]) * RATE_UNITS[m[2]!]!);
  if (bps < 8000) bad(field, `${text} is below 8kbit, the slowest rate tc shapes sensibly`);
  if (bps > 100e9) bad(field, `${text} is above 100gbit`);
  return bps;
}

/** `p=1%,r=30%[,bad=100%][,good=0%]`: Gilbert-Elliott on the command line. */
export function parseBurstText(text: string, field: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(",")) {
    const [k, v, extra] = part.split("=");
    if (!k || v === undefined || extra !== undefined) bad(field, `'${text}' is not p=..,r=..[,bad=..][,good=..]`);
    out[k!.trim()] = v!.trim();
  }
  return out;
}

/**
 * One impairment spec from its written form (a YAML mapping, or flags gathered into one):
 * checks every field and the rules between them, and throws ImpairFieldError naming the field.
 */
export function parseImpairment(raw: unknown, at = "impair"): Impairment {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) bad(at, "expected a mapping of impairments (loss, corrupt, duplicate, reorder, delay, jitter, distribution, rate)");
  const r = raw as Record<string, unknown>;
  const known = new Set(["loss", "corrupt", "duplicate", "reorder", "delay", "jitter", "distribution", "rate"]);
  for (const key of Object.keys(r)) {
    if (!known.has(key)) bad(`${at}.${key}`, `unknown impairment (known: ${[...known].join(", ")})`);
  }
  const spec: { -readonly [K in keyof Impairment]: Impairment[K] } = {};
  if (r.loss !== undefined) {
    if (r.loss !== null && typeof r.loss === "object" && !Array.isArray(r.loss)) spec.lossBursts = parseBursts(r.loss as Record<string, unknown>, `${at}.loss`);
    else if (typeof r.loss === "string" && r.loss.includes("=")) spec.lossBursts = parseBursts(parseBurstText(r.loss, `${at}.loss`), `${at}.loss`);
    else spec.loss = parsePercent(r.loss, `${at}.loss`);
  }
  if (r.corrupt !== undefined) spec.corrupt = parsePercent(r.corrupt, `${at}.corrupt`);
  if (r.duplicate !== undefined) spec.duplicate = parsePercent(r.duplicate, `${at}.duplicate`);
  if (r.reorder !== undefined) {
    if (r.reorder !== null && typeof r.reorder === "object" && !Array.isArray(r.reorder)) {
      const o = r.reorder as Record<string, unknown>;
      for (const key of Object.keys(o)) if (key !== "percent" && key !== "gap") bad(`${at}.reorder.${key}`, "unknown field (reorder has percent and gap)");
      const gap = o.gap;
      if (gap !== undefined && (typeof gap !== "number" || !Number.isInteger(gap) || gap < 1 || gap > 1_000_000)) {
        bad(`${at}.reorder.gap`, `'${String(gap)}' must be a whole number of packets, at least 1`);
      }
      spec.reorder = { percent: parsePercent(o.percent, `${at}.reorder.percent`), ...(gap !== undefined ? { gap: gap as number } : {}) };
    } else spec.reorder = { percent: parsePercent(r.reorder, `${at}.reorder`) };
  }
  if (r.delay !== undefined) spec.delay = parseTime(r.delay, `${at}.delay`);
  if (r.jitter !== undefined) spec.jitter = parseTime(r.jitter, `${at}.jitter`);
  if (r.distribution !== undefined) {
    if (!(DISTRIBUTIONS as readonly unknown[]).includes(r.distribution)) bad(`${at}.distribution`, `'${String(r.distribution)}' is not one of ${DISTRIBUTIONS.join(", ")}`);
    spec.distribution = r.distribution as Distribution;
  }
  if (r.rate !== undefined) spec.rate = parseRate(r.rate, `${at}.rate`);
  // The rules between fields are netem's: jitter varies a delay, a distribution shapes jitter, reordering sends some packets ahead of the delayed rest.
  if (spec.jitter !== undefined && spec.delay === undefined) bad(`${at}.jitter`, "jitter varies a delay: set delay too");
  if (spec.jitter !== undefined && spec.delay !== undefined && spec.jitter > spec.delay && spec.distribution === undefined) {
    bad(`${at}.jitter`, `jitter ${spec.jitter}ms is larger than the delay ${spec.delay}ms (packets cannot leave before they arrive)`);
  }
  if (spec.distribution !== undefined && spec.jitter === undefined) bad(`${at}.distribution`, "a distribution shapes jitter: set jitter too");
  if (spec.reorder !== undefined && spec.delay === undefined) bad(`${at}.reorder`, "reordering sends some packets ahead of delayed ones: set delay too");
  return spec;
}

function parseBursts(o: Record<string, unknown>, at: string): GilbertElliott {
  for (const key of Object.keys(o)) {
    if (!["p", "r", "bad", "good"].includes(key)) bad(`${at}.${key}`, "unknown field (Gilbert-Elliott loss has p, r, bad, good)");
  }
  if (o.p === undefined) bad(`${at}.p`, "is required (good -> bad probability, e.g. 1%)");
  if (o.r === undefined) bad(`${at}.r`, "is required (bad -> good probability, e.g. 30%)");
  const ge = {
    p: parsePercent(o.p, `${at}.p`),
    r: parsePercent(o.r, `${at}.r`),
    bad: o.bad === undefined ? 100 : parsePercent(o.bad, `${at}.bad`),
    good: o.good === undefined ? 0 : parsePercent(o.good, `${at}.good`),
  };
  if (ge.r === 0) bad(`${at}.r`, "0% would never leave the bad state");
  return ge;
}

/** Long-run loss of a Gilbert-Elliott chain, percent: the stationary share of each state times its loss. */
export function burstLossPercent(ge: GilbertElliott): number {
  const inBad = ge.p + ge.r === 0 ? 0 : ge.p / (ge.p + ge.r);
  return inBad * ge.bad + (1 - inBad) * ge.good;
}

/** The loss a spec asks for in the long run, percent. */
export function expectedLossPercent(spec: Impairment): number {
  return spec.lossBursts ? burstLossPercent(spec.lossBursts) : (spec.loss ?? 0);
}

export function formatRate(bps: number): string {
  for (const [unit, f] of [["gbit", 1e9], ["mbit", 1e6], ["kbit", 1e3]] as const) {
    if (bps >= f && bps % (f / 1000) === 0) return `${+(bps / f).toFixed(3)}${unit}`;
  }
  return `${bps}bit`;
}

/** One line a person reads: `loss 5% corrupt 1% rate 10mbit`. */
export function describeImpairment(spec: Impairment): string {
  const parts: string[] = [];
  if (spec.loss !== undefined) parts.push(`loss ${spec.loss}%`);
  if (spec.lossBursts) {
    const g = spec.lossBursts;
    parts.push(`loss bursts p=${g.p}% r=${g.r}% bad=${g.bad}% good=${g.good}% (mean ${+burstLossPercent(g).toFixed(3)}%)`);
  }
  if (spec.corrupt !== undefined) parts.push(`corrupt ${spec.corrupt}%`);
  if (spec.duplicate !== undefined) parts.push(`duplicate ${spec.duplicate}%`);
  if (spec.reorder) parts.push(`reorder ${spec.reorder.percent}%${spec.reorder.gap ? ` gap ${spec.reorder.gap}` : ""}`);
  if (spec.delay !== undefined) parts.push(`delay ${spec.delay}ms`);
  if (spec.jitter !== undefined) parts.push(`jitter ${spec.jitter}ms${spec.distribution ? ` ${spec.distribution}` : ""}`);
  if (spec.rate !== undefined) parts.push(`rate ${formatRate(spec.rate)}`);
  return parts.length ? parts.join(" ") : "none";
}
