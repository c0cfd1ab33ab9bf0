// What a command costs before it does anything: the packages its module loads. zod and yaml
// cost ~100 ms a process, ssh2 and Hono more; a command that does not use them must not load them.
import { expect, test } from "bun:test";
import { join } from "node:path";
import { BUN, REPO_ROOT } from "../paths.ts";

const PROBE = `await import(process.argv[1]);
console.log(JSON.stringify([...new Set(Object.keys(require.cache).filter((k) => k.includes("/node_modules/")).map((k) => k.split("/node_modules/").pop().split("/")[0]))]));`;

function packagesLoadedBy(module: string): string[] {
  const r = Bun.spawnSync([BUN, "-e", PROBE, join(REPO_ROOT, "runner", "src", module)], { stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`importing ${module} failed: ${r.stderr.toString().trim().split("\n")[0]}`);
  return (JSON.parse(r.stdout.toString()) as string[]).sort();
}

test("the CLI's entry loads no package: each command is imported only when named", () => {
  expect(packagesLoadedBy("cli.ts")).toEqual([]);
});

test("lab (up, down, status) loads no package until it parses a lab file; down from the built lab, and any action on a file parsed before, never does", () => {
  expect(packagesLoadedBy("commands/lab.ts")).toEqual([]);
  expect(packagesLoadedBy("built-lab.ts")).toEqual([]);
  expect(packagesLoadedBy("parsed-lab.ts")).toEqual([]);
});

test("build, bench, doctor and report load neither the schema library, the YAML parser, ssh2 nor Hono", () => {
  for (const m of ["commands/build.ts", "commands/bench.ts", "commands/doctor.ts", "commands/report.ts"]) {
    expect({ m, loaded: packagesLoadedBy(m).filter((p) => ["zod", "yaml", "ssh2", "hono"].includes(p)) }).toEqual({ m, loaded: [] });
  }
});
