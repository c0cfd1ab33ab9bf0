// `wirelab lab impair`: show or change the link impairments of a running lab
// (netns here, or VMs and metal hosts over SSH: impair/control.ts).
import { supportTable } from "../../../infra/src/impair-paths.ts";
import { pointsWhere, type Direction, type ImpairPoint } from "../../../infra/src/impair-points.ts";
import { DIRECTION_ALIASES } from "../../../infra/src/impair-schema.ts";
import { ImpairFieldError, parseImpairment } from "../../../infra/src/impair-spec.ts";
import type { Lab } from "../../../infra/src/lab-model.ts";
import { namespaces } from "../../../infra/src/netns-lab.ts";
import { parseCommandArgs } from "../cli-args.ts";
import { loadInventory, loadLab } from "../lab-files.ts";
import { controlFor, netnsControl, type ImpairmentControl } from "../impair/control.ts";
import { UsageError } from "../paths.ts";

export const IMPAIR_HELP = `Usage: bun run lab impair --lab FILE|NAME | --inventory FILE [--host H [--iface ethN] [--dir egress|ingress] | --network N]
                      [--loss P] [--corrupt P] [--duplicate P] [--reorder P [--gap N]]
                      [--delay T [--jitter T [--distribution D]]] [--rate R] [--clear] [--json]

Shows or changes the impairments of a running lab's links, in place: traffic
keeps flowing while they change. The flags given replace the point's whole
impairment (what is not given is no longer impaired); without any, it shows
what the kernel holds now, with the impairing program's own counters.

A libvirt (or metal) lab is named by its inventory (pulumi stack output --json
inventory > FILE): there the impairments are netem in each host's kernel, set
over SSH, on interfaces the kernel holds (a host with 'dpdk: false').

Where:
  --host H          a host; with --iface (default: its first test interface, eth1)
  --dir D           egress (or tx: what the host sends, the default) or ingress (or rx: what it receives)
  --network N       every interface on network N, ingress (what a lab file's network impair: does)
  --clear           remove the impairment at the point; without --host/--network, every one in the lab

Impairments (P a percentage like 1% or 0.5; T a time like 10ms or 250us; R a rate like 10mbit):
  --loss P          independent loss; or Gilbert-Elliott bursts: --loss p=1%,r=30%[,bad=100%][,good=0%]
                    (p: good->bad, r: bad->good, bad/good: loss in each state; mean p/(p+r)*bad + r/(p+r)*good)
  --corrupt P       one byte of the frame flipped, so the receiver's checksum fails
  --duplicate P     the frame sent twice
  --reorder P       P of frames sent at once, ahead of the delayed rest (needs --delay); --gap N every Nth
  --delay T, --jitter T, --distribution uniform|normal|pareto|paretonormal
  --rate R          bit/s, in tc's units (bit, kbit, mbit, gbit: powers of 1000)

What each path does (doctor says which this machine gets; an impairment the
path cannot do is refused with one line, never left out):
${supportTable().join("\n")}

Examples:
  bun run lab impair --lab two-host --host tx --loss 1%
  bun run lab impair --lab two-host --host rx --dir ingress --duplicate 2% --rate 10mbit
  bun run lab impair --lab two-host --network br-test --loss p=2%,r=40%
  bun run lab impair --lab two-host --json
  bun run lab impair --lab two-host --clear`;

const SPEC_FLAGS = ["loss", "corrupt", "duplicate", "reorder", "delay", "jitter", "distribution", "rate"] as const;

export async function impairCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    lab: { type: "string" },
    host: { type: "string" },
    iface: { type: "string" },
    dir: { type: "string" },
    network: { type: "string" },
    loss: { type: "string" },
    corrupt: { type: "string" },
    duplicate: { type: "string" },
    reorder: { type: "string" },
    gap: { type: "string" },
    delay: { type: "string" },
    jitter: { type: "string" },
    distribution: { type: "string" },
    rate: { type: "string" },
    clear: { type: "boolean" },
    json: { type: "boolean" },
    inventory: { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    console.log(IMPAIR_HELP);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`lab impair: unexpected argument '${positionals[0]}'`);
  let control: ImpairmentControl;
  let mustBeUp = () => {};
  const inv = values.inventory !== undefined ? loadInventory({ inventory: values.inventory }) : undefined;
  if (inv && inv.backend !== "netns") {
    control = controlFor(inv);
  } else {
    if (inv) values.lab ??= inv.lab.file;
    const { lab } = loadLab(values.lab ?? "two-host");
    control = netnsControl(lab);
    mustBeUp = () => {
      if (!namespaces().has(lab.switchNamespace)) {
        throw new Error(`lab '${lab.name}' is not up (no namespace ${lab.switchNamespace}): run 'bun run lab up --lab ${values.lab ?? "two-host"}' first`);
      }
    };
  }
  const lab = control.lab;
  const given = SPEC_FLAGS.filter((f) => values[f] !== undefined);
  if (values.gap !== undefined && values.reorder === undefined) throw new UsageError("--gap: goes with --reorder");
  if (values.clear && given.length > 0) throw new UsageError(`--clear: not with --${given[0]} (--clear removes the impairment; the flags alone replace it)`);
  if (values.host && values.network) throw new UsageError("--network: give --host or --network, not both");
  if (!values.host && (values.iface || values.dir)) throw new UsageError(`--${values.iface ? "iface" : "dir"}: goes with --host`);

  if (given.length === 0 && !values.clear) {
    mustBeUp();
    return show(control, values.json ?? false);
  }

  let points: ImpairPoint[];
  if (!values.host && !values.network) {
    if (given.length > 0) throw new UsageError("lab impair: say where: --host H (with --iface, --dir) or --network N");
    mustBeUp();
    points = (await control.read()).map((p) => ({ host: p.host, ifname: p.ifname, direction: p.direction, spec: {}, source: "--clear" }));
  } else {
    const spec = values.clear ? {} : specFromFlags(values);
    points = where(lab, values).map((w) => ({ ...w, spec, source: `lab impair ${w.host} ${w.ifname} ${w.direction}` }));
  }
  mustBeUp();
  const result = await control.apply(points);
  if (values.json) console.log(JSON.stringify({ lab: lab.name, path: result.path, points: result.points }));
  else {
    console.log(`lab ${lab.name}: impairments set on the ${result.path} path, in ${control.where}`);
    for (const p of result.points) console.log(`  ${p.host} ${p.ifname} ${p.direction}: asked ${p.asked}; kernel holds ${p.applied}`);
    if (result.points.length === 0) console.log("  nothing was impaired");
  }
  return 0;
}

function specFromFlags(values: Partial<Record<(typeof SPEC_FLAGS)[number] | "gap", string>>) {
  const raw: Record<string, unknown> = {};
  for (const f of SPEC_FLAGS) if (values[f] !== undefined) raw[f] = values[f];
  if (values.gap !== undefined) {
    const gap = Number(values.gap);
    raw.reorder = { percent: values.reorder, gap: Number.isInteger(gap) ? gap : values.gap };
  }
  try {
    return parseImpairment(raw, "@");
  } catch (err) {
    if (!(err instanceof ImpairFieldError)) throw err;
    const [flag, ...sub] = err.field.split(".").slice(1);
    const name = flag === "reorder" && sub[0] === "gap" ? "gap" : flag;
    throw new UsageError(`--${name}${sub.length && name !== "gap" ? ` (${sub.join(".")})` : ""}: ${err.problem.replace(/set (\w+) too/, "set --$1 too")}`);
  }
}

function where(lab: Lab, values: { host?: string; iface?: string; dir?: string; network?: string }): Omit<ImpairPoint, "spec" | "source">[] {
  const direction: Direction | undefined = values.dir === undefined ? undefined : (DIRECTION_ALIASES as Record<string, Direction>)[values.dir];
  if (values.dir !== undefined && !direction) throw new UsageError(`--dir: '${values.dir}' is not one of egress, tx, ingress, rx`);
  try {
    return pointsWhere(lab, { ...values, ...(direction ? { direction } : {}) });
  } catch (err) {
    if (err instanceof ImpairFieldError) throw new UsageError(`--${err.field}: ${err.problem}`);
    throw err;
  }
}

async function show(control: ImpairmentControl, json: boolean): Promise<number> {
  const lab = control.lab;
  const [choice, points] = await Promise.all([control.path(), control.read()]);
  if (json) console.log(JSON.stringify({ lab: lab.name, path: choice.path ?? null, why: choice.why, points }));
  else {
    console.log(`lab ${lab.name}: impairment path ${choice.path ?? "none"}, in ${control.where} (${choice.why})`);
    for (const p of points) {
      const c = p.counters ? `  [program: ${p.counters.seen} seen, ${p.counters.dropped} dropped, ${p.counters.corrupted} corrupted, ${p.counters.duplicated} duplicated]` : "";
      const w = p.wire ? `  [wire engine: ${p.wire.received} received, ${p.wire.forwarded} forwarded, ${p.wire.delayed} delayed, ${p.wire.reordered} sent ahead, ${p.wire.overflow} overflow, ${p.wire.queue} queued]` : "";
      console.log(`  ${p.host} ${p.ifname} ${p.direction}: ${p.applied}${c}${w}`);
    }
    if (points.length === 0) console.log("  no link is impaired");
  }
  return 0;
}
