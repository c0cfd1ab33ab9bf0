// The ways a lab link is impaired, and what each can do. `netem` where the
// kernel has sch_netem (distribution kernels, our VMs); where it does not (this
// project's CI machines) `wire`: the engine as a wire on the link (--role
// impair) for delay, jitter and reordering, with `tc-bpf`'s parts for the rest;
// `tc-bpf` alone where the engine is not built: a tc classifier
// (xdp/impair.bpf.c) for the stateless impairments and TBF for rate. Anything a
// path cannot do is refused with one line naming the lab file field, never left out.
import { IMPAIRMENT_KINDS, kindsOf, type Distribution, type ImpairmentKind } from "./impair-spec.ts";
import type { ImpairPoint } from "./impair-points.ts";

export const IMPAIR_PATHS = ["netem", "wire", "tc-bpf"] as const;
export type ImpairPath = (typeof IMPAIR_PATHS)[number];

/** How each path does each impairment; undefined: it cannot. */
export const IMPAIR_SUPPORT: Readonly<Record<ImpairPath, Readonly<Partial<Record<ImpairmentKind, string>>>>> = {
  netem: {
    loss: "netem loss random, or loss gemodel for Gilbert-Elliott bursts",
    corrupt: "netem corrupt (a random bit of the frame)",
    duplicate: "netem duplicate",
    reorder: "netem reorder with gap (needs delay)",
    delay: "netem delay",
    jitter: "netem delay jitter with a distribution table",
    rate: "netem rate",
  },
  wire: {
    loss: "as tc-bpf (the classifier on the switch port)",
    corrupt: "as tc-bpf",
    duplicate: "as tc-bpf",
    reorder: "the wire engine sends P% at once, ahead of the delayed frames (netem's gap; needs delay)",
    delay: "the wire engine (--role impair in a namespace on the link) holds each frame as an mbuf until due by the TSC",
    jitter: "the wire engine: uniform (+-jitter) or normal (sd jitter); frames leave in due order, as netem's",
    rate: "as tc-bpf (TBF)",
  },
  "tc-bpf": {
    loss: "tc BPF classifier drops with bpf_get_prandom_u32; Gilbert-Elliott state in a map",
    corrupt: "tc BPF classifier flips the frame's last byte (payload), so the L4 checksum fails",
    duplicate: "tc BPF classifier: bpf_clone_redirect to the same hook",
    rate: "TBF qdisc (an ifb device for the host's egress)",
  },
};

/** The jitter distributions a path draws from; undefined: all of the lab file's. */
export const PATH_DISTRIBUTIONS: Readonly<Partial<Record<ImpairPath, readonly Distribution[]>>> = {
  wire: ["uniform", "normal"],
};

/** What a path leaves out, for the one-line refusal. */
function cannot(path: ImpairPath): string {
  const can = IMPAIRMENT_KINDS.filter((k) => IMPAIR_SUPPORT[path][k]);
  return `the ${path} path does ${can.join(", ")}`;
}

/** The first impairment a path cannot do, as one line naming where it was asked; undefined when all can be done. */
export function unsupportedOn(path: ImpairPath, points: readonly ImpairPoint[], why = ""): string | undefined {
  for (const point of points) {
    const missing = kindsOf(point.spec).find((k) => !IMPAIR_SUPPORT[path][k]);
    if (missing) {
      return `${point.source}: ${missing} is not possible on this machine: ${cannot(path)}${why ? ` (${why})` : ""}, not ${missing}`;
    }
    const dists = PATH_DISTRIBUTIONS[path];
    const dist = point.spec.distribution;
    if (dist !== undefined && dists && !dists.includes(dist)) {
      return `${point.source}: distribution ${dist} is not possible on this machine: the ${path} path's jitter is ${dists.join(" or ")}${why ? ` (${why})` : ""}`;
    }
  }
  return undefined;
}

/** The capability table as text rows (doctor, `lab impair --help`, README). */
export function supportTable(): string[] {
  const rows = IMPAIRMENT_KINDS.map((k) => `  ${k.padEnd(10)} ${IMPAIR_PATHS.map((p) => (IMPAIR_SUPPORT[p][k] ? "yes" : "no").padEnd(8)).join("")}`);
  return [`  ${"".padEnd(10)} ${IMPAIR_PATHS.map((p) => p.padEnd(8)).join("")}`, ...rows];
}
