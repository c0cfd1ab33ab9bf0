// The runner's import graph, read from its sources: it reaches the netns backend only
// through infra/src/netns-lab.ts and netns-impair.ts (the backend's internals stay free to change), and every
// command the CLI dispatches to lives in commands/.
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { REPO_ROOT } from "./paths.ts";

const RUNNER_SRC = join(REPO_ROOT, "runner", "src");
const NETNS_INTERNALS = join(REPO_ROOT, "infra", "src", "netns") + "/";
const COMMANDS = join(RUNNER_SRC, "commands") + "/";

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

/** Every module a file names: static imports, re-exports, side-effect imports and `import()` with a literal. */
function importSpecifiers(text: string): string[] {
  const out: string[] = [];
  for (const re of [/\bfrom\s+["']([^"']+)["']/g, /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g, /^\s*import\s+["']([^"']+)["']/gm]) {
    for (const m of text.matchAll(re)) out.push(m[1]!);
  }
  return out;
}

/** Arrows from `file` to the repository's own modules, as absolute paths. */
function arrows(file: string): string[] {
  return importSpecifiers(readFileSync(file, "utf8"))
    .filter((s) => s.startsWith("."))
    .map((s) => resolve(dirname(file), s));
}

const files = sources(RUNNER_SRC);
const rel = (p: string) => relative(REPO_ROOT, p);

describe("the runner's import graph", () => {
  test("the walk reads the runner's sources and their imports", () => {
    expect(files.length).toBeGreaterThan(100);
    expect(arrows(join(RUNNER_SRC, "cli.ts")).map(rel)).toContain("runner/src/commands/lab.ts");
  });

  test("the specifier reader sees every form of import", () => {
    const text = `import { a } from "./a.ts";\nimport type { B } from '../b.ts';\nexport { c } from "./c.ts";\nimport "./d.ts";\nconst e = await import("./e.ts");`;
    expect(importSpecifiers(text).sort()).toEqual(["../b.ts", "./a.ts", "./c.ts", "./d.ts", "./e.ts"]);
  });

  test("no arrow from the runner into infra/src/netns/ (the netns backend's internals)", () => {
    const into = files.flatMap((f) => arrows(f).filter((to) => to.startsWith(NETNS_INTERNALS)).map((to) => `${rel(f)} -> ${rel(to)}`));
    expect(into).toEqual([]);
  });

  test("every command the CLI dispatches to lives in runner/src/commands/", () => {
    const cli = join(RUNNER_SRC, "cli.ts");
    const targets = [...readFileSync(cli, "utf8").matchAll(/\bimport\s*\(\s*["'](\.[^"']+)["']\s*\)/g)].map((m) => resolve(RUNNER_SRC, m[1]!));
    expect(targets.length).toBeGreaterThanOrEqual(11);
    expect(targets.filter((to) => !to.startsWith(COMMANDS)).map(rel)).toEqual([]);
  });

  test("no module outside runner/src/commands/ defines a command (an exported xCommand(argv))", () => {
    const outside = files.filter((f) => !f.startsWith(COMMANDS) && /export\s+async\s+function\s+\w+Command\s*\(\s*argv\s*:\s*string\[\]\s*\)\s*:\s*Promise<number>/.test(readFileSync(f, "utf8")));
    expect(outside.map(rel)).toEqual([]);
  });
});
