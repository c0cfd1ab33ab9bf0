// Is a measured share (frames lost, duplicated, handshakes completed) what an
// impairment's setting says? Each frame is a trial, so the count is binomial
// and the question is whether the setting lies inside the confidence interval
// of what was measured. Wilson's score interval, because the settings checked
// are small shares (1%, 5%) where the plain normal interval is too narrow on
// one side and can leave [0, 1].

/** The standard normal density. */
const density = (x: number) => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);

/** P(0 <= Z <= x) by Simpson's rule: enough for the quantiles tests use, with no table of constants. */
function centralMass(x: number): number {
  const steps = 4000;
  const h = x / steps;
  let sum = density(0) + density(x);
  for (let i = 1; i < steps; i++) sum += density(i * h) * (i % 2 ? 4 : 2);
  return (sum * h) / 3;
}

/** The z with P(Z <= z) = p, 0.5 <= p < 1 (two-sided confidence c: z for p = (1 + c) / 2). */
export function normalQuantile(p: number): number {
  if (!(p >= 0.5 && p < 1)) throw new Error(`normalQuantile: ${p} is not in [0.5, 1)`);
  let lo = 0;
  let hi = 40;
  while (hi - lo > 1e-9) {
    const mid = (lo + hi) / 2;
    if (0.5 + centralMass(mid) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

export interface Interval {
  /** successes / trials. */
  readonly estimate: number;
  readonly low: number;
  readonly high: number;
}

/**
 * Wilson's score interval for a proportion seen `successes` times in `trials`, at two-sided `confidence`.
 * `inflate` (>= 1) widens it for trials that are not independent (a Gilbert-Elliott chain): the variance
 * grows by that factor, which is the same as having trials / inflate independent ones.
 */
export function binomialInterval(successes: number, trials: number, confidence = 0.999, inflate = 1): Interval {
  if (!(trials > 0)) throw new Error(`binomialInterval: ${trials} trials (needs at least one)`);
  if (successes < 0 || successes > trials) throw new Error(`binomialInterval: ${successes} successes out of ${trials} trials`);
  if (!(confidence > 0 && confidence < 1)) throw new Error(`binomialInterval: confidence ${confidence} is not in (0, 1)`);
  if (!(inflate >= 1)) throw new Error(`binomialInterval: inflate ${inflate} is below 1`);
  const z = normalQuantile((1 + confidence) / 2);
  const n = trials / inflate;
  const phat = successes / trials;
  const z2n = (z * z) / n;
  const centre = (phat + z2n / 2) / (1 + z2n);
  const half = (z / (1 + z2n)) * Math.sqrt((phat * (1 - phat)) / n + z2n / (4 * n));
  return { estimate: phat, low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

export interface IntervalVerdict extends Interval {
  readonly ok: boolean;
  /** One line: measured, setting, interval, confidence. */
  readonly detail: string;
}

/** Whether `expected` (a share, 0..1) lies inside the interval measured from `successes` of `trials`. */
export function settingWithin(successes: number, trials: number, expected: number, confidence = 0.999, inflate = 1): IntervalVerdict {
  const ci = binomialInterval(successes, trials, confidence, inflate);
  const ok = expected >= ci.low && expected <= ci.high;
  const pct = (x: number) => `${+(x * 100).toFixed(3)}%`;
  const detail = `measured ${successes}/${trials} = ${pct(ci.estimate)}, ${+(confidence * 100).toFixed(2)}% interval [${pct(ci.low)}, ${pct(ci.high)}]${inflate > 1 ? ` (widened ${inflate.toFixed(2)}x for correlated trials)` : ""}, setting ${pct(expected)} ${ok ? "inside" : "OUTSIDE"}`;
  return { ...ci, ok, detail };
}

/** Variance inflation of a Gilbert-Elliott loss count (bad 100%, good 0%): lag-1 correlation 1 - p - r. */
export function burstInflation(p: number, r: number): number {
  const rho = 1 - p - r;
  return Math.max(1, (1 + rho) / (1 - rho));
}
