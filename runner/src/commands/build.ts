// `wirelab build`: the C parts (engine, XDP programs and tools) with meson.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { errorLineOf, run } from "../../../infra/src/process.ts";
import { parseCommandArgs } from "../cli-args.ts";
import { BUNDLED_COMMANDS, buildCommandBundles } from "../cli-bundle/build-bundles.ts";
import { BUILD_DIR, BUN, REPO_ROOT } from "../paths.ts";

export const COMPONENTS = ["engine", "xdp"] as const;
export type Component = (typeof COMPONENTS)[number];

export interface BuildResult {
  readonly component: Component;
  readonly state: "built" | "absent";
  readonly dir: string;
}

/** Configures (once) and compiles each component that has a meson.build; throws on a build error. */
export async function buildAll(log: (line: string) => void = () => {}): Promise<BuildResult[]> {
  const results: BuildResult[] = [];
  for (const component of COMPONENTS) {
    const src = join(REPO_ROOT, component);
    const dir = join(BUILD_DIR, component);
    if (!existsSync(join(src, "meson.build"))) {
      results.push({ component, state: "absent", dir });
      continue;
    }
    if (!existsSync(join(dir, "build.ninja"))) {
      log(`configuring ${component}`);
      const setup = await run(["meson", "setup", dir, src]);
      if (setup.code !== 0) throw new Error(`meson setup ${component} failed: ${errorLineOf(setup.stdout + setup.stderr)}`);
    }
    log(`compiling ${component}`);
    const compile = await run(["meson", "compile", "-C", dir]);
    if (compile.code !== 0) throw new Error(`building ${component} failed: ${errorLineOf(compile.stdout + compile.stderr)}`);
    results.push({ component, state: "built", dir });
  }
  log("compiling the CLI to build/wirelab");
  await compileCli();
  log("bundling the everyday commands to build/cli-bundles");
  await buildCommandBundles();
  return results;
}

/**
 * The CLI as one executable with its modules precompiled to bytecode: it starts in a
 * fraction of the time `bun runner/src/cli.ts` takes to load zod, yaml and ssh2 each run.
 */
export async function compileCli(): Promise<string> {
  const out = join(BUILD_DIR, "wirelab");
  const r = await run([BUN, "build", join(REPO_ROOT, "runner", "src", "cli.ts"), "--compile", "--bytecode", "--minify", "--outfile", out]);
  if (r.code !== 0) throw new Error(`compiling the CLI failed: ${errorLineOf(r.stdout + r.stderr)}`);
  return out;
}

export async function buildCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, { json: { type: "boolean" }, help: { type: "boolean", short: "h" } }, false);
  if (values.help) {
    console.log(`Usage: bun run build [--json]

Builds the DPDK engine (engine/) and the XDP programs and tools (xdp/) with
meson into build/<component>/, warnings as errors; compiles the CLI to
build/wirelab (same commands as 'bun run', starts several times faster); and
bundles the everyday commands to bytecode in build/cli-bundles/:
  ${BUNDLED_COMMANDS.join(", ")}
'bun run <command>' starts from its bundle while no source it was made from has
changed since (WIRELAB_FROM_SOURCE=1 runs the sources; 'bun run doctor' says
which bundles are current). Run images/provision.sh
first on a new machine (or just 'bun run test', which does both).`);
    return 0;
  }
  const results = await buildAll(values.json ? undefined : (l) => console.error(`build: ${l}`));
  if (values.json) console.log(JSON.stringify({ results }));
  else {
    for (const r of results) console.log(`${r.component}: ${r.state === "built" ? `built in ${r.dir.replace(`${REPO_ROOT}/`, "")}` : "no sources yet"}`);
    console.log("cli: build/wirelab");
    console.log(`bundles: build/cli-bundles (${BUNDLED_COMMANDS.join(", ")})`);
  }
  return 0;
}
