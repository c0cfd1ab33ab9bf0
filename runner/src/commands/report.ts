// `wirelab report`: regenerate a run's report files from the run store, list
// runs, or compare two runs.
import { existsSync } from "node:fs";
import { join, relative } from "node:path";
import { parseCommandArgs } from "../cli-args.ts";
import { REPO_ROOT, UsageError } from "../paths.ts";
import { RunStore, type RunRow } from "../store/run-store.ts";
import { loadReportData } from "../report/report-data.ts";
import { diffRuns, renderDiff } from "../report/run-diff.ts";
import { writeReports } from "../report/write-reports.ts";

const HELP = `Usage: bun run report <run-id> | --latest | --list | --diff A B   [options]

Every traffic run is kept in the run store (results/wirelab.sqlite) with its
spec, provenance, per-interval samples and verdicts. This command rebuilds the
run's files in its directory from there:
  results.csv   one row per sample (host, protocol, interval)
  breakdown.csv one row per sample and worker, port, IP family or VLAN
  results.md    the summary: totals per host and protocol; per worker, port, family, VLAN
                and one-way latency where the engines reported them; verdicts, spec, provenance
  junit.xml     one testcase per check, plus one for the run itself
  report.html   self-contained page: rate per host, RTT, XDP-vs-baseline bars, tables
  results.json  left as the traffic command wrote it (rebuilt only if missing)

Choosing runs (a unique prefix of an id is enough):
  <run-id>             regenerate that run's reports
  --latest             the most recent run
  --list               runs with their state, newest first (--json: one JSON array)
  --diff A B           compare two runs: totals, mean rates, RTT p50/p99 and
                       verdicts per host/protocol, with B-A and B/A (--json too)
Options:
  --results DIR        where the runs and wirelab.sqlite are [results/]
  --xdp-bench DIR      an 'xdp bench' result dir to draw XDP-vs-baseline bars from
                       (by default: the run dir's own *xdp-bench*/ subdirectory, if any)
  --json               machine-readable output

Examples:
  bun run report --list
  bun run report --latest
  bun run report 20261122-032810-udp-rate-3fa9c1d2 --xdp-bench results/20261122-040256_xdp-bench
  bun run report --diff 20261122-032759 20261122-032810 --json`;

/** An exact id, or the one run whose id starts with what was given. */
export function resolveRun(store: RunStore, given: string): RunRow {
  const exact = store.getRun(given);
  if (exact) return exact;
  const matches = store.listRuns(1_000_000).filter((r) => r.id.startsWith(given));
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) throw new UsageError(`run id '${given}' matches ${matches.length} runs (${matches.slice(0, 3).map((r) => r.id).join(", ")}${matches.length > 3 ? ", …" : ""}): give more of it`);
  throw new UsageError(`no run '${given}' in ${relative(process.cwd(), store.path) || store.path} (see 'bun run report --list')`);
}

export async function reportCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    latest: { type: "boolean" }, list: { type: "boolean" }, diff: { type: "boolean" }, json: { type: "boolean" },
    results: { type: "string" }, "xdp-bench": { type: "string" }, help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const modes = [values.latest, values.list, values.diff, !values.latest && !values.list && !values.diff && positionals.length > 0].filter(Boolean).length;
  if (modes !== 1) throw new UsageError("give one of: <run-id>, --latest, --list, --diff A B (see --help)");
  const dbPath = join(values.results ?? join(REPO_ROOT, "results"), "wirelab.sqlite");
  if (!existsSync(dbPath)) throw new UsageError(`no run store at ${relative(process.cwd(), dbPath) || dbPath}: no runs yet (run 'bun run traffic ...' first, or pass --results DIR)`);
  const store = RunStore.open(dbPath);
  try {
    if (values.list) {
      if (positionals.length) throw new UsageError("--list takes no run id");
      const runs = store.listRuns(1_000_000);
      if (values.json) {
        console.log(JSON.stringify(runs.map((r) => ({ id: r.id, kind: r.kind, name: r.name, state: r.state, reason: r.reason, started_at: r.started_at, ended_at: r.ended_at, lab: r.lab, dir: r.dir }))));
      } else if (!runs.length) {
        console.log("no runs");
      } else {
        const w = Math.max(...runs.map((r) => r.id.length));
        for (const r of runs) console.log(`${r.id.padEnd(w)}  ${r.state.padEnd(11)}  ${r.started_at}  ${r.name}${r.reason ? `  (${r.reason})` : ""}`);
      }
      return 0;
    }
    if (values.diff) {
      if (positionals.length !== 2) throw new UsageError(`--diff takes two run ids, got ${positionals.length}`);
      const [a, b] = positionals.map((id) => resolveRun(store, id));
      const diff = diffRuns(loadReportData(a!.dir, store, a!.id), loadReportData(b!.dir, store, b!.id));
      console.log(values.json ? JSON.stringify(diff, null, 2) : renderDiff(diff));
      return 0;
    }
    if (positionals.length > 1) throw new UsageError(`one run id at a time (got ${positionals.length}); to compare two, use --diff A B`);
    const run = values.latest ? store.listRuns(1)[0] : resolveRun(store, positionals[0]!);
    if (!run) throw new UsageError("the run store has no runs yet");
    const written = writeReports(run.dir, store, run.id, values["xdp-bench"] ? { xdpBench: values["xdp-bench"] } : {});
    if (values.json) {
      console.log(JSON.stringify({ id: run.id, state: run.state, dir: written.dir, files: written.files }));
    } else {
      console.log(`${run.id} (${run.state}): ${written.files.map((f) => relative(process.cwd(), f) || f).join(", ")}`);
      console.log(`open ${relative(process.cwd(), join(written.dir, "report.html")) || join(written.dir, "report.html")}`);
    }
    return 0;
  } finally {
    store.close();
  }
}
