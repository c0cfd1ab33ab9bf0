// The rate sweeps `xdp bench` knows by name. Rates are scaled to what this
// kind of machine carries: two shared vCPUs, a veth pair behind a bridge, the
// DPDK engine on net_af_xdp (copy mode) as the generator. Measured there, the
// generator tops out near 0.6 Mpps of 64-byte frames and the plain stack into a
// UDP socket stops keeping up somewhere between 0.2 and 0.3 Mpps, so the sweeps
// straddle that knee. Rate 0 means "as fast as the generator goes" (engine
// continuous mode, no pacing).

export const RECEIVER_MODES = ["baseline-socket", "baseline-af-packet", "xdp-count", "xdp-drop"] as const;
export type ReceiverMode = (typeof RECEIVER_MODES)[number];

export interface Preset {
  readonly name: string;
  /** Offered packets per second per point; 0 = generator maximum. */
  readonly rates: readonly number[];
  /** Seconds the generator sends per point. */
  readonly duration: number;
  readonly why: string;
}

export const PRESETS = {
  quick: { name: "quick", rates: [50_000, 200_000], duration: 3, why: "a look in about a minute: one easy rate, one near the stack's knee" },
  performance: {
    name: "performance",
    rates: [50_000, 100_000, 200_000, 400_000, 0],
    duration: 5,
    why: "the comparison table: below, at and past the knee, up to the generator's maximum",
  },
  stress: { name: "stress", rates: [400_000, 0], duration: 20, why: "long points at and near the generator's maximum: does anyone fall over" },
} as const satisfies Record<string, Preset>;

export type PresetName = keyof typeof PRESETS;
export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];

export function rateLabel(pps: number): string {
  if (pps === 0) return "max";
  return pps % 1000 === 0 ? `${pps / 1000}k` : String(pps);
}

/** "50k,200000,max" → [50000, 200000, 0]. */
export function parseRates(text: string): number[] {
  return text.split(",").map((part) => {
    const t = part.trim().toLowerCase();
    if (t === "max" || t === "0") return 0;
    const m = /^(\d+(?:\.\d+)?)(k|m)?$/.exec(t);
    if (!m) throw new Error(`--rates: '${part}' is not a rate (e.g. 50000, 50k, 1m or max)`);
    const n = Number(m[1]) * (m[2] === "k" ? 1e3 : m[2] === "m" ? 1e6 : 1);
    if (!Number.isFinite(n) || n < 1) throw new Error(`--rates: '${part}' is not a positive rate`);
    return Math.round(n);
  });
}
