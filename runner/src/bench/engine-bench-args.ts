// The command line of `bun run bench engine`: its usage text and its parser,
// apart from the bench itself so that a unit test can read them without
// bringing a lab up.
import { UsageError } from "../paths.ts";
import { wholeNumber } from "./bench-args.ts";

export type BenchPath = "direct" | "bridge";
export type BenchLoad = "quiet" | "busy";

export interface EngineBenchArgs {
  reps: number;
  seconds: number;
  only: "tx" | "rate" | undefined;
  json: string | undefined;
  /** In the order they are measured. */
  paths: BenchPath[];
  loads: BenchLoad[];
}

/** Time after traffic is first seen before the window opens: AF_XDP ring fill and the first page faults of --no-huge memory. */
export const WARM_S = 1.5;

export const ENGINE_BENCH_USAGE = `Usage: bun run bench engine [--reps N] [--seconds S] [--only tx|rate] [--path direct|bridge|both] [--load quiet|busy|both] [--json FILE]

On a netns lab of the bench's own (tx and rx on one bridge, two queues on each
test interface, 198.18.86.0/24; brought up here, taken down at the end, and a
copy a crashed run left is taken down first), counted at the rx host's interface:
  tx    wirelab-engine vs dpdk-testpmd --forward-mode=txonly, 64 B and 1500 B UDP,
        one frame sent again and again by both (the engine with --message: its
        default draws each payload from 16 random messages, a dearer job), same
        vdev (net_af_xdp on queue 0 of the tx host's interface), same lcores, same
        EAL memory; each tool's CPU time per packet (all its threads, from
        schedstat, over the window, per frame counted at the receiver); quiet and
        under a fixed background load; then the engine with 1 vs 2 workers (one
        af_xdp queue each); all of it on each path asked for
  rate  engine --mode rate at 10 kpps, 100 kpps, 1 Mpps: achieved/target at the
        receiver, and the engine's own inter-departure statistics

Options:
  --reps N       repetitions of every measurement, interleaved (default 5: one rep's ratio
                 strays by ±3-7% here, so a claim rests on the median of several)
  --seconds S    length of the measured window, after a ${WARM_S} s warm-up (default 5)
  --only WHAT    tx or rate (default: both)
  --load L       quiet, busy (one busy loop pinned to the data core, CPU 1, for both
                 tools alike) or both (default)
  --path P       bridge: the lab's own path, through its switch namespace's bridge;
                 direct: frames from the tx host skip the bridge (a tc mirred redirect
                 between the two switch-side veths, for that part of the run only), which
                 takes the bridge's per-frame cost (~10-20% of the sending core here) out of
                 both tools' numbers; both (default): direct, then bridge, each with its
                 own table rows (the IPv6 row and the rate part run once, on the last path)
  --json FILE    also write every measurement and the summary rows as JSON
  -h, --help     this help

Needs root (namespaces, AF_XDP, DPDK).`;

export function parseEngineBenchArgs(argv: string[]): EngineBenchArgs | "help" {
  const args: EngineBenchArgs = { reps: 5, seconds: 5, only: undefined, json: undefined, paths: ["direct", "bridge"], loads: ["quiet", "busy"] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${a}: needs a value`);
      return v;
    };
    if (a === "-h" || a === "--help") return "help";
    else if (a === "--reps") args.reps = wholeNumber("--reps", value(), 1, 50);
    else if (a === "--seconds") {
      const v = value();
      args.seconds = Number(v);
      if (!Number.isFinite(args.seconds) || args.seconds < 1 || args.seconds > 600) throw new UsageError(`--seconds: '${v}' is not a number between 1 and 600`);
    } else if (a === "--only") {
      const v = value();
      if (v !== "tx" && v !== "rate") throw new UsageError(`--only: want tx or rate, not '${v}'`);
      args.only = v;
    } else if (a === "--path") {
      const v = value();
      if (v !== "direct" && v !== "bridge" && v !== "both") throw new UsageError(`--path: want direct, bridge or both, not '${v}'`);
      args.paths = v === "both" ? ["direct", "bridge"] : [v];
    } else if (a === "--load") {
      const v = value();
      if (v !== "quiet" && v !== "busy" && v !== "both") throw new UsageError(`--load: want quiet, busy or both, not '${v}'`);
      args.loads = v === "both" ? ["quiet", "busy"] : [v];
    } else if (a === "--json") args.json = value();
    else throw new UsageError(`unknown argument '${a}' (see --help)`);
  }
  return args;
}
