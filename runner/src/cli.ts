#!/usr/bin/env bun
// wirelab's one command line. Each command lives in commands/<name>.ts and is loaded
// only when named: what one command imports (zod, yaml, Hono) costs the others nothing.
import { bundledCommand } from "./cli-bundle/bundle-state.ts";

const HELP = `wirelab: lab-as-code for network protocol, DPDK and XDP testing

Usage: bun run <command> [options]      (or: bun runner/src/cli.ts <command> ...)

Commands:
  lab up|down|status   build, remove or check a lab as network namespaces (and impair its links)
  traffic              run traffic between lab hosts with the DPDK engine
  scenario             run a YAML scenario (steps, sweeps, DUT, PCAP replay); presets: quick, performance, stress
  xdp                  XDP programs: load/stats, and 'xdp bench' (XDP vs userspace baseline)
  serve                control API (Hono) with live events and metrics
  report               regenerate or compare run reports
  doctor               check this machine: packages, kernel features, root, bpffs
  bench                benchmarks that print a table of ratios against a reference
  build                build the engine and XDP programs (meson)
  test                 unit tests and traffic suites (brings up the netns lab itself)
  demo                 the main job: lab up, traffic, XDP comparison, report, lab down

Run 'bun run <command> --help' for a command's options.`;

type Command = (argv: string[]) => Promise<number>;

const commands: Record<string, () => Promise<Command>> = {
  lab: async () => (await import("./commands/lab.ts")).labCommand,
  doctor: async () => (await import("./commands/doctor.ts")).doctorCommand,
  build: async () => (await import("./commands/build.ts")).buildCommand,
  test: async () => (await import("./commands/test.ts")).testCommand,
  demo: async () => (await import("./commands/demo.ts")).demoCommand,
  bench: async () => (await import("./commands/bench.ts")).benchCommand,
  traffic: async () => (await import("./commands/traffic.ts")).trafficCommand,
  scenario: async () => (await import("./commands/scenario.ts")).scenarioCommand,
  xdp: async () => (await import("./commands/xdp.ts")).xdpCommand,
  serve: async () => (await import("./commands/serve.ts")).serveCommand,
  report: async () => (await import("./commands/report.ts")).reportCommand,
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    console.log(HELP);
    return name ? 0 : 2;
  }
  const load = commands[name];
  if (!load) {
    console.error(`wirelab: unknown command '${name}' (run with --help for the list)`);
    return 2;
  }
  try {
    const command = (await bundledCommand<Command>(name, `${name}Command`)) ?? (await load());
    return await command(rest);
  } catch (err) {
    // By name: a bundled command throws its bundle's own UsageError class.
    if (err instanceof Error && err.name === "UsageError") {
      console.error(`wirelab ${name}: ${err.message}`);
      return 2;
    }
    const message = err instanceof Error ? err.message : String(err);
    console.error(`wirelab ${name}: ${message.split("\n")[0]}`);
    if (process.env.WIRELAB_DEBUG) console.error(err);
    return 1;
  }
}

if (import.meta.main) void main(process.argv.slice(2)).then((code) => process.exit(code));
