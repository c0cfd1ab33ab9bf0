// The `impair:` pieces of the lab file schema: on a network (every frame delivered
// on it) and on a host interface, per direction. Values are checked by
// impair-spec.ts; its errors keep their field path so the file line is named.
import { z } from "zod";
import { ImpairFieldError, parseImpairment, type Impairment } from "./impair-spec.ts";

const ROOT = "@";

function impairmentAt(raw: unknown, ctx: z.RefinementCtx): Impairment {
  try {
    return parseImpairment(raw, ROOT);
  } catch (err) {
    if (!(err instanceof ImpairFieldError)) throw err;
    const path = err.field.split(".").slice(1);
    ctx.addIssue({ code: "custom", message: err.problem, path });
    return z.NEVER;
  }
}

/** A network's impairment: applied where each frame leaves the network's switch towards a host. */
export const networkImpairSchema = z.unknown().transform(impairmentAt);

export const DIRECTION_ALIASES = { egress: "egress", tx: "egress", ingress: "ingress", rx: "ingress" } as const;
export type Direction = "egress" | "ingress";

/** A host interface's impairments by direction: egress (tx, what the host sends) and ingress (rx, what it receives). */
export const interfaceImpairSchema = z.unknown().transform((raw, ctx): Partial<Record<Direction, Impairment>> => {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    ctx.addIssue({ code: "custom", message: "expected a mapping by direction: egress (or tx) and/or ingress (or rx)" });
    return z.NEVER;
  }
  const out: Partial<Record<Direction, Impairment>> = {};
  for (const [key, value] of Object.entries(raw)) {
    const dir = (DIRECTION_ALIASES as Record<string, Direction>)[key];
    if (!dir) {
      ctx.addIssue({ code: "custom", message: `unknown direction '${key}' (egress or tx, ingress or rx)`, path: [key] });
      return z.NEVER;
    }
    if (out[dir]) {
      ctx.addIssue({ code: "custom", message: `'${key}' is the same direction as one given before (tx is egress, rx is ingress)`, path: [key] });
      return z.NEVER;
    }
    try {
      out[dir] = parseImpairment(value, ROOT);
    } catch (err) {
      if (!(err instanceof ImpairFieldError)) throw err;
      ctx.addIssue({ code: "custom", message: err.problem, path: [key, ...err.field.split(".").slice(1)] });
      return z.NEVER;
    }
  }
  return out;
});
