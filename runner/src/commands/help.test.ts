// Every command and subcommand answers --help (and -h) with its usage and exit 0, and does nothing else:
// run with an empty PATH, a command that went on to work (ip, meson, apt, bash, python3...) could not
// start its tools and would say so on stderr or exit non-zero; a bench that ran would also take far longer.
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { BUN, REPO_ROOT } from "../paths.ts";
import { BENCH_NAMES } from "./bench.ts";

const CLI = join(REPO_ROOT, "runner", "src", "cli.ts");

function cli(...args: string[]) {
  const t0 = performance.now();
  const r = Bun.spawnSync([BUN, CLI, ...args], { cwd: REPO_ROOT, env: { PATH: "/nonexistent", HOME: process.env.HOME ?? "/root" }, timeout: 20_000 });
  return { code: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString(), ms: performance.now() - t0 };
}

/** The commands the top-level help lists: lines "  name   description" under "Commands:". */
const top = cli("--help");
const COMMANDS = top.out.split("Commands:\n")[1]!.split("\n\n")[0]!.split("\n").map((l) => l.trim().split(/\s+/)[0]!.split(" ")[0]!);

/** Subcommands a command's usage names as <a|b|c> (bench names its benches instead). */
function subcommands(command: string): string[] {
  if (command === "bench") return BENCH_NAMES;
  const usage = cli(command, "--help").out.split("\n")[0]!;
  return /<([a-z-]+(?:\|[a-z-]+)+)>/.exec(usage)?.[1]!.split("|") ?? [];
}

const INVOCATIONS = COMMANDS.flatMap((c) => [[c], ...subcommands(c).map((s) => [c, s])]);

describe("--help", () => {
  test("the top-level help lists every command", () => {
    expect(top.code).toBe(0);
    expect(COMMANDS).toEqual(["lab", "traffic", "scenario", "xdp", "serve", "report", "doctor", "bench", "build", "test", "demo"]);
    expect(INVOCATIONS.length).toBeGreaterThan(COMMANDS.length + 8);
  });

  test.each(INVOCATIONS.flatMap((inv) => [[[...inv, "--help"].join(" "), [...inv, "--help"]], [[...inv, "-h"].join(" "), [...inv, "-h"]]] as const))("%s", (_name, argv) => {
    const r = cli(...argv);
    expect(r.err).toBe("");
    expect(r.out).toMatch(/^Usage: bun run /);
    expect(r.code).toBe(0);
    expect(r.ms).toBeLessThan(10_000);
  });

  test("a bench's help is its own, not the list of benches", () => {
    for (const name of BENCH_NAMES) expect(cli("bench", name, "--help").out).toStartWith(`Usage: bun run bench ${name}`);
  });
});
