// `wirelab scenario FILE|PRESET`: runs a scenario file (or a preset from
// scenarios/), prints a verdict per step and run, exit 0 only when every step passed.
import { existsSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { oneOf, parseCommandArgs } from "../cli-args.ts";
import { inventoryLab } from "../lab-fixture.ts";
import { loadInventory } from "../lab-files.ts";
import { REPO_ROOT, SCENARIOS_DIR, UsageError } from "../paths.ts";
import type { TransportKind } from "../transport/index.ts";
import { withServerInterrupt } from "../remote/ctrl-c.ts";
import { parseServerUrl, RemoteClient } from "../remote/remote-client.ts";
import { remoteScenario } from "../remote/remote-scenario.ts";
import { clientToken } from "../remote/remote-token.ts";
import type { StepResult } from "../scenario/run-scenario.ts";
import { runScenarioFile } from "../run/scenario-run.ts";
import { stopOnSignals } from "../run/signals.ts";

const HELP = `Usage: bun run scenario FILE|PRESET [options]

Runs a scenario: its lab comes up (unless it is up already or --inventory is
given), then each step — concurrent flows on separate host pairs, once per rate
of a sweep, or a PCAP replay — with CPU, memory and interface counters sampled
on every host. Exit 0 only when every step met its checks.

Presets (scenarios/*.yaml): quick, performance, stress, dut-forwarding, dual-stack, rfc2544

Options:
  --inventory FILE         run on this lab's inventory (VMs, metal) instead
  --transport netns|ssh    how to reach the hosts [the inventory's default]
  --json                   one JSON line per step, then the result
  --results DIR            where the run directory goes [results/]

Remote (a wirelab server runs one of its presets on its lab):
  --server URL             POST {"scenario": PRESET} to 'bun run serve' at URL, follow the
                           run's events, print each step's verdicts; Ctrl-C stops it there
  --token-file PATH        the server's token [WIRELAB_API_TOKEN, else .wirelab/api-token]

Examples:
  bun run scenario quick
  bun run scenario quick --server http://127.0.0.1:7800`;

export function resolveScenarioFile(arg: string): string {
  if (existsSync(arg)) return arg;
  const preset = join(SCENARIOS_DIR, arg.endsWith(".yaml") ? arg : `${arg}.yaml`);
  if (!arg.includes("/") && existsSync(preset)) return preset;
  throw new UsageError(`no scenario file '${arg}' (give a path, or a preset: quick, performance, stress, dut-forwarding, rfc2544)`);
}

export async function scenarioCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    inventory: { type: "string" }, transport: { type: "string" }, json: { type: "boolean" }, results: { type: "string" }, help: { type: "boolean", short: "h" },
    server: { type: "string" }, "token-file": { type: "string" },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError("give one scenario file or preset (see --help)");
  if (values.server !== undefined) {
    const server = parseServerUrl(values.server);
    for (const local of ["inventory", "transport", "results"] as const) {
      if (values[local] !== undefined) throw new UsageError(`--${local}: not used with --server (the server runs the scenario on its own lab)`);
    }
    const preset = positionals[0]!;
    if (!/^[a-z0-9][a-z0-9-]{0,63}$/.test(preset)) throw new UsageError(`'${preset}': with --server give a preset name (the server runs its own scenarios/, never a file from here)`);
    const client = new RemoteClient(server, clientToken(values["token-file"] !== undefined ? { tokenFile: values["token-file"] } : {}));
    return withServerInterrupt((interrupt) =>
      remoteScenario({ client, preset, json: Boolean(values.json), interrupt, out: (line) => console.log(line), err: (line) => console.error(line) }),
    );
  }
  const file = resolveScenarioFile(positionals[0]!);
  const kind = values.transport === undefined ? undefined : (oneOf(values.transport, "--transport", ["netns", "ssh"] as const, "netns") as TransportKind);
  const lab = values.inventory ? inventoryLab(loadInventory({ inventory: values.inventory }), kind) : undefined;

  const print = (step: StepResult) => {
    if (values.json) return console.log(JSON.stringify({ type: "step", ...step, runs: step.runs.map(({ hostSamples, ...r }) => ({ ...r, hostSamples: hostSamples.length })) }));
    console.log(`${step.verdict === "passed" ? "ok  " : "FAIL"} ${step.name}`);
    for (const run of step.runs) {
      const rate = run.pps !== undefined ? ` @ ${run.pps} pps` : "";
      for (const f of run.flows) {
        // A sweep rate the sender could not reach is said, or a clean run at 240 kpps would pass as 400 kpps.
        const seconds = f.traffic.hosts.find((h) => h.role === "tx")?.summary?.t;
        const achieved = run.pps !== undefined && seconds ? f.sent / seconds : undefined;
        const short = achieved !== undefined && achieved < 0.95 * run.pps! ? `, achieved ${Math.round(achieved).toLocaleString("en-US")} pps (${((100 * achieved) / run.pps!).toFixed(0)}% of the rate)` : "";
        console.log(`       ${f.tx} -> ${f.rx} ${f.protocol}${rate}: sent ${f.sent}, received ${f.received}${short}${f.traffic.rtt ? `, rtt p99 ${f.traffic.rtt.p99.toFixed(0)} us` : ""}${f.reason ? ` — ${f.reason}` : ""}`);
      }
      for (const z of run.rfc2544?.sizes ?? []) {
        const lat = z.latency ? `, latency p50 ${z.latency.p50_us.toFixed(1)} us, p99 ${z.latency.p99_us.toFixed(1)} us` : "";
        console.log(`       rfc2544 ${z.frameSize} B: ${Math.round(z.pps).toLocaleString("en-US")} pps (${z.mbps.toFixed(1)} Mbit/s, ${z.percentOfMax.toFixed(1)}% of max, limited by ${z.limitedBy === "tester" ? "the tester's rate" : z.limitedBy === "loss" ? "loss at the DUT" : "max_rate"})${lat}, ${z.trials.length} trials${z.error ? ` — ${z.error}` : ""}`);
      }
      if (run.replay) {
        const v = run.replay.validation;
        const answers = v ? `; answers: ${v.matched} matched, ${v.missing} missing, ${v.different} different, ${v.unexpected} unexpected (of ${v.expected})` : "";
        console.log(`       replay${rate} (${run.replay.sender}): sent ${run.replay.sent}, received ${run.replay.received}${answers}${run.reason ? ` — ${run.reason}` : ""}`);
      }
      const busiest = run.hostSamples.reduce<Record<string, number>>((m, s) => ({ ...m, [s.host]: Math.max(m[s.host] ?? 0, s.cpu.cpu?.busy ?? 0) }), {});
      if (Object.keys(busiest).length) console.log(`       cpu busy (max): ${Object.entries(busiest).map(([h, b]) => `${h} ${b.toFixed(0)}%`).join(", ")}`);
    }
  };
  const stop = stopOnSignals();
  try {
    const result = await runScenarioFile(file, {
      resultsDir: values.results ?? join(REPO_ROOT, "results"),
      ...(lab ? { lab } : {}),
      ...(dirname(resolve(file)) === SCENARIOS_DIR ? { preset: basename(file, ".yaml") } : {}),
      signal: stop.signal,
      onStep: print,
      warn: (line) => console.error(`wirelab scenario: ${line}`),
    });
    const dir = result.dir;
    if (values.json) console.log(JSON.stringify({ type: "result", name: result.name, verdict: result.verdict, reason: result.reason, dir: result.dir }));
    else {
      console.log(`${result.verdict}: scenario ${result.name} on lab ${result.lab}${result.reason ? ` — ${result.reason}` : ""}`);
      console.log(`results: ${relative(process.cwd(), dir) || dir}/`);
    }
    return result.verdict === "passed" ? 0 : result.verdict === "interrupted" ? 130 : 1;
  } finally {
    stop.release();
    await lab?.closeTransports();
  }
}
