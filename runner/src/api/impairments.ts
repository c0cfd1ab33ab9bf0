// /lab/impairments: show, set and clear the link impairments of the server's
// lab, the API's `lab impair`. A body says where (a host's interface and
// direction, or a network) and what, in the lab file's words; it replaces the
// point's whole impairment. Every check a person gets from the CLI happens
// before the kernel is touched: a bad value, an unknown host, and an
// impairment this machine's path cannot do are a 400 naming the field.
import { Hono } from "hono";
import { z } from "zod";
import { unsupportedOn } from "../../../infra/src/impair-paths.ts";
import { pointsWhere, type ImpairPoint, type ImpairWhere } from "../../../infra/src/impair-points.ts";
import { DIRECTION_ALIASES, type Direction } from "../../../infra/src/impair-schema.ts";
import { DISTRIBUTIONS, ImpairFieldError, kindsOf, parseImpairment } from "../../../infra/src/impair-spec.ts";
import type { Inventory } from "../../../infra/src/inventory.ts";
import type { Lab } from "../../../infra/src/lab-model.ts";
import { controlFor, type ImpairmentControl } from "../impair/control.ts";
import { ApiError } from "./errors.ts";
import { parseJsonBody } from "./json-body.ts";
import { fieldOf } from "./run-request.ts";

/** The server's lab as a control, or why there is none (answered as 503). */
export function impairmentsOf(inventory: Inventory | undefined): ImpairmentControl | string {
  if (!inventory) return "this server has no lab (start it with --lab or --inventory)";
  try {
    return controlFor(inventory);
  } catch (err) {
    return `lab '${inventory.lab.name}': ${(err as Error).message.split("\n")[0]}`;
  }
}

// Values are a number or the lab file's text; their ranges and units are parseImpairment's, so the API and
// the lab file say the same thing about the same mistake.
const value = z.union([z.number(), z.string().min(1).max(32)]);
const mapping = z.record(z.string().max(16), value);

export const impairmentRequestSchema = z.strictObject({
  host: z.string().min(1).max(64).optional().describe("a host of the lab (with iface and dir); or network"),
  iface: z.string().regex(/^eth\d{1,3}$/, "must be a test interface name like eth1").optional().describe("default: the host's first test interface"),
  dir: z.enum(Object.keys(DIRECTION_ALIASES) as [string, ...string[]]).optional().describe("egress (tx, default) or ingress (rx)"),
  network: z.string().min(1).max(64).optional().describe("every interface on this network, ingress"),
  loss: z.union([value, mapping]).optional().describe("percent ('1%', 0.5), or Gilbert-Elliott {p, r, bad, good}"),
  corrupt: value.optional().describe("percent"),
  duplicate: value.optional().describe("percent"),
  reorder: z.union([value, mapping]).optional().describe("percent, or {percent, gap}; needs delay"),
  delay: value.optional().describe("milliseconds, or '10ms', '250us'"),
  jitter: value.optional().describe("varies the delay"),
  distribution: z.enum(DISTRIBUTIONS).optional(),
  rate: value.optional().describe("bit/s, or '10mbit', '512kbit'"),
});

export type ImpairmentRequest = z.input<typeof impairmentRequestSchema>;

const WHERE = ["host", "iface", "dir", "network"] as const;

/** One 400 from zod's first issue, in run-request.ts's words. */
function firstIssue(error: z.ZodError): never {
  const issue = error.issues[0]!;
  const path = issue.code === "unrecognized_keys" ? [...issue.path, issue.keys[0]!] : issue.path;
  throw new ApiError(400, `${fieldOf(path)}: ${issue.code === "unrecognized_keys" ? "unknown field" : issue.message}`);
}

function whereOf(lab: Lab, w: { host?: string; iface?: string; dir?: string; network?: string }) {
  if (w.network !== undefined && (w.iface !== undefined || w.dir !== undefined)) throw new ApiError(400, `${w.iface !== undefined ? "iface" : "dir"}: goes with host, not network (a network's impairment is what its interfaces receive)`);
  if (w.host === undefined && (w.iface !== undefined || w.dir !== undefined)) throw new ApiError(400, `${w.iface !== undefined ? "iface" : "dir"}: goes with host`);
  const where: ImpairWhere = {
    ...(w.host !== undefined ? { host: w.host } : {}),
    ...(w.iface !== undefined ? { iface: w.iface } : {}),
    ...(w.dir !== undefined ? { direction: (DIRECTION_ALIASES as Record<string, Direction>)[w.dir]! } : {}),
    ...(w.network !== undefined ? { network: w.network } : {}),
  };
  try {
    return pointsWhere(lab, where);
  } catch (err) {
    if (err instanceof ImpairFieldError) throw new ApiError(400, err.message);
    throw err;
  }
}

/** The body as the points it sets, or an ApiError(400) naming the field. */
export function parseImpairmentRequest(body: unknown, lab: Lab): ImpairPoint[] {
  if (body === null || typeof body !== "object" || Array.isArray(body)) throw new ApiError(400, "body: must be a JSON object");
  const parsed = impairmentRequestSchema.safeParse(body);
  if (!parsed.success) firstIssue(parsed.error);
  const req = parsed.data;
  const raw = Object.fromEntries(Object.entries(req).filter(([k]) => !(WHERE as readonly string[]).includes(k)));
  let spec;
  try {
    spec = parseImpairment(raw, "@");
  } catch (err) {
    if (err instanceof ImpairFieldError) throw new ApiError(400, `${err.field.replace(/^@\./, "")}: ${err.problem}`);
    throw err;
  }
  if (kindsOf(spec).length === 0) throw new ApiError(400, "body: give at least one impairment (loss, corrupt, duplicate, reorder, delay, jitter, rate); DELETE clears one");
  return whereOf(lab, req).map((p) => ({ ...p, spec, source: `${p.host} ${p.ifname} ${p.direction}` }));
}

/**
 * The routes on `control`, or on nothing (every route answers 503 with `control` as the reason).
 * Changes are applied one at a time: two requests never reconcile the same qdisc at once.
 */
export function impairmentRoutes(control: ImpairmentControl | string) {
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work, work);
    queue = next.catch(() => {});
    return next;
  };
  const lab = (): ImpairmentControl => {
    if (typeof control === "string") throw new ApiError(503, `impairments: ${control}`);
    return control;
  };
  const set = async (ctl: ImpairmentControl, points: ImpairPoint[]) => {
    const choice = await ctl.path();
    const asked = points.filter((p) => kindsOf(p.spec).length > 0);
    if (asked.length > 0) {
      if (!choice.path) throw new ApiError(400, `${asked[0]!.source}: no impairment path on this machine: ${choice.why}`);
      const refused = unsupportedOn(choice.path, asked, choice.why);
      if (refused) throw new ApiError(400, refused);
    }
    const applied = await serial(() => ctl.apply(points)).catch((err: Error) => {
      // The kernel's refusal (a tc or bpftool line) is what the operator fixes; it carries no secret.
      throw new ApiError(500, `impairments: ${err.message.split("\n")[0]}`);
    });
    return { lab: ctl.lab.name, path: applied.path, points: applied.points };
  };

  return new Hono()
    .get("/", async (c) => {
      const ctl = lab();
      const [choice, points] = await Promise.all([ctl.path(), serial(() => ctl.read())]);
      return c.json({ lab: ctl.lab.name, path: choice.path ?? null, why: choice.why, points });
    })
    .post("/", async (c) => {
      if (!(c.req.header("content-type") ?? "").toLowerCase().startsWith("application/json")) throw new ApiError(415, "body: send Content-Type: application/json");
      const body = parseJsonBody(await c.req.text());
      const ctl = lab();
      return c.json(await set(ctl, parseImpairmentRequest(body, ctl.lab)));
    })
    .delete("/", async (c) => {
      const ctl = lab();
      const q = c.req.query();
      for (const key of Object.keys(q)) if (!(WHERE as readonly string[]).includes(key)) throw new ApiError(400, `${key}: unknown query parameter (host, iface, dir, network)`);
      if (q.dir !== undefined && !Object.hasOwn(DIRECTION_ALIASES, q.dir)) throw new ApiError(400, `dir: '${q.dir}' is not one of egress, tx, ingress, rx`);
      const where = q.host === undefined && q.network === undefined && q.iface === undefined && q.dir === undefined
        ? (await serial(() => ctl.read())).map((p) => ({ host: p.host, ifname: p.ifname, direction: p.direction }))
        : whereOf(ctl.lab, q);
      return c.json(await set(ctl, where.map((p) => ({ ...p, spec: {}, source: `${p.host} ${p.ifname} ${p.direction}` }))));
    });
}
