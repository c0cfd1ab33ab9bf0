// `wirelab bench <name>`: benchmark scripts that print a table of ratios against
// a reference run in the same invocation. Each lives in runner/src/bench/.
import { join } from "node:path";
import { BUN, REPO_ROOT, UsageError } from "../paths.ts";
import { ensureProvisioned, streamed } from "../setup.ts";

/** A bench that needs reference tools names the images/provision.sh profile that installs them. */
const BENCHES: Record<string, { file: string; what: string; profile?: "bench" }> = {
  lab: { file: "runner/src/bench/lab.bench.ts", what: "lab up+down vs Mininet and a plain ip script (two-host, scale8)", profile: "bench" },
  engine: { file: "runner/src/bench/engine.bench.ts", what: "engine tx rate vs dpdk-testpmd txonly; rate-mode accuracy" },
  replay: { file: "runner/src/bench/replay.bench.ts", what: "engine replay pps vs tcpreplay --topspeed and dpdk-testpmd txonly on one veth pair; --pps accuracy" },
  runner: { file: "runner/src/bench/runner.bench.ts", what: "runner CPU overhead with 8 hosts at 1 s stats" },
  api: { file: "runner/src/bench/api.bench.ts", what: "control API under wrk: /health, /metrics, /runs req/s and p50/p99 vs a bare Bun.serve", profile: "bench" },
};

export const BENCH_NAMES = Object.keys(BENCHES);

export async function benchCommand(argv: string[]): Promise<number> {
  const name = argv[0];
  if (!name || name === "--help" || name === "-h") {
    console.log(
      `Usage: bun run bench <name> [options]\n\nBenchmarks print a table of ratios against a reference measured in the same run:\n${Object.entries(BENCHES)
        .map(([n, b]) => `  ${n.padEnd(8)} ${b.what}`)
        .join("\n")}\n\n'bun run bench <name> --help' shows a bench's options. Example:\n  bun run bench api --seconds 5 --connections 32`,
    );
    return name ? 0 : 2;
  }
  const bench = BENCHES[name];
  if (!bench) throw new UsageError(`bench: unknown benchmark '${name}' (${Object.keys(BENCHES).join(", ")})`);
  const file = join(REPO_ROOT, bench.file);
  const wantsHelp = argv.slice(1).some((a) => a === "--help" || a === "-h");
  if (bench.profile && !wantsHelp) await ensureProvisioned((line) => console.error(`bench ${name}: ${line}`), bench.profile, `bench ${name}`);
  return streamed([BUN, file, ...argv.slice(1)]);
}
