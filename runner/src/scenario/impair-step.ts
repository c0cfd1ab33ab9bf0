// A scenario step's link impairments: set on the lab before the step's traffic
// and put back after it (to the lab file's own setting, or none), so a step
// says "under 30% loss" and its checks judge the protocol on that link.
import { z } from "zod";
import { pointsWhere, type Direction, type ImpairPoint, type ImpairWhere } from "../../../infra/src/impair-points.ts";
import { DIRECTION_ALIASES } from "../../../infra/src/impair-schema.ts";
import { expectedLossPercent, ImpairFieldError, kindsOf, parseImpairment, type Impairment } from "../../../infra/src/impair-spec.ts";
import type { Inventory } from "../../../infra/src/inventory.ts";
import type { Lab } from "../../../infra/src/lab-model.ts";
import { controlFor, type AppliedPoint } from "../impair/control.ts";
import { loadLab } from "../lab-files.ts";
import { burstInflation } from "./binomial.ts";

export interface StepImpair {
  readonly where: ImpairWhere;
  readonly spec: Impairment;
}

const WHERE = ["host", "iface", "dir", "network"];

/** One `impair:` item: where (host, iface, dir, or network) and the impairment fields of a lab file. */
export const stepImpairSchema = z.unknown().transform((raw, ctx): StepImpair => {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    ctx.addIssue({ code: "custom", message: "expected a mapping: host (with iface, dir) or network, and impairments (loss, corrupt, duplicate, rate...)" });
    return z.NEVER;
  }
  const r = raw as Record<string, unknown>;
  for (const key of WHERE) {
    if (r[key] !== undefined && typeof r[key] !== "string") {
      ctx.addIssue({ code: "custom", message: `expected a string, got ${typeof r[key]}`, path: [key] });
      return z.NEVER;
    }
  }
  const direction = r.dir === undefined ? undefined : (DIRECTION_ALIASES as Record<string, Direction>)[r.dir as string];
  if (r.dir !== undefined && !direction) {
    ctx.addIssue({ code: "custom", message: `'${String(r.dir)}' is not one of egress, tx, ingress, rx`, path: ["dir"] });
    return z.NEVER;
  }
  if ((r.host === undefined) === (r.network === undefined)) {
    ctx.addIssue({ code: "custom", message: "say where: host (with iface, dir) or network, one of them" });
    return z.NEVER;
  }
  const rest = Object.fromEntries(Object.entries(r).filter(([k]) => !WHERE.includes(k)));
  try {
    const spec = parseImpairment(rest, "@");
    const where: ImpairWhere = {
      ...(r.host !== undefined ? { host: r.host as string } : {}),
      ...(r.iface !== undefined ? { iface: r.iface as string } : {}),
      ...(direction ? { direction } : {}),
      ...(r.network !== undefined ? { network: r.network as string } : {}),
    };
    return { where, spec };
  } catch (err) {
    if (!(err instanceof ImpairFieldError)) throw err;
    ctx.addIssue({ code: "custom", message: err.problem, path: err.field.split(".").slice(1) });
    return z.NEVER;
  }
});

export interface StepImpairments {
  readonly points: AppliedPoint[];
  readonly lab: Lab;
  /** Every impaired point during the step: the step's own, and the lab file's where the step set none. */
  readonly effective: readonly ImpairPoint[];
  /** Puts every point back as the lab file has it. */
  restore(): Promise<void>;
}

/** Sets a step's impairments on the scenario's lab, whatever built it; throws one line when it cannot. */
export async function setStepImpairments(labArg: string, inv: Inventory, items: readonly StepImpair[], stepIndex: number): Promise<StepImpairments> {
  const { lab } = loadLab(labArg);
  const control = controlFor(inv, lab);
  const points: ImpairPoint[] = items.flatMap((item, k) => {
    try {
      return pointsWhere(lab, item.where).map((p) => ({ ...p, spec: item.spec, source: `steps[${stepIndex}].impair[${k}]` }));
    } catch (err) {
      if (err instanceof ImpairFieldError) throw new Error(`steps[${stepIndex}].impair[${k}].${err.field}: ${err.problem}`);
      throw err;
    }
  });
  const applied = await control.apply(points);
  const same = (a: ImpairPoint, b: ImpairPoint) => a.host === b.host && a.ifname === b.ifname && a.direction === b.direction;
  return {
    points: applied.points,
    lab,
    effective: [...lab.impairments.filter((o) => !points.some((p) => same(o, p))), ...points],
    restore: async () => {
      const own = (p: ImpairPoint) => lab.impairments.find((o) => o.host === p.host && o.ifname === p.ifname && o.direction === p.direction);
      await control.apply(points.map((p) => own(p) ?? { ...p, spec: {} }));
    },
  };
}

/** The loss a flow from tx to rx meets, from the impairments on its path; or why it cannot be judged. */
export type PathLoss = { readonly loss: number; readonly inflate: number; readonly via: string } | { readonly why: string };

/** Kinds that change what arrives other than by losing frames: a loss count under them says nothing clean. */
const MUDDY = ["duplicate", "corrupt", "rate"] as const;

/**
 * What the impairments at tx's egress and rx's ingress (on the network they share) lose together:
 * 1 - product of what each keeps. Gilbert-Elliott bursts correlate losses; `inflate` says by how much.
 */
export function lossOnPath(lab: Lab, impaired: readonly ImpairPoint[], tx: string, rx: string): PathLoss {
  const from = lab.hosts.find((h) => h.name === tx);
  const to = lab.hosts.find((h) => h.name === rx);
  if (!from || !to) return { why: `no host '${!from ? tx : rx}' in lab '${lab.name}'` };
  const out = from.interfaces.find((i) => to.interfaces.some((j) => j.segment === i.segment));
  if (!out) return { why: `${tx} and ${rx} share no network: loss on a routed path is not judged` };
  const into = to.interfaces.find((j) => j.segment === out.segment)!;
  const on = impaired.filter((p) => (p.host === tx && p.ifname === out.ifname && p.direction === "egress") || (p.host === rx && p.ifname === into.ifname && p.direction === "ingress"));
  let keep = 1;
  let inflate = 1;
  const via: string[] = [];
  for (const p of on) {
    const muddy = kindsOf(p.spec).find((k) => (MUDDY as readonly string[]).includes(k));
    if (muddy) return { why: `${p.host} ${p.ifname} ${p.direction} also has ${muddy}, so the received count is not a loss count` };
    const loss = expectedLossPercent(p.spec) / 100;
    if (loss === 0) continue;
    keep *= 1 - loss;
    if (p.spec.lossBursts) inflate = Math.max(inflate, burstInflation(p.spec.lossBursts.p / 100, p.spec.lossBursts.r / 100));
    via.push(`${p.host} ${p.direction} ${+(loss * 100).toFixed(4)}%`);
  }
  return { loss: 1 - keep, inflate, via: via.join(" + ") || "no loss on the path" };
}
