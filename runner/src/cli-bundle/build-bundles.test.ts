// The bundles `bun run build` makes, and the CLI choosing between a bundle and the
// sources: real `bun build` output in a temp folder, the real CLI pointed at it.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BUN, REPO_ROOT } from "../paths.ts";
import { buildCommandBundles } from "./build-bundles.ts";
import { bundleState, manifestPath, type BundleManifest } from "./bundle-state.ts";

const CLI = join(REPO_ROOT, "runner", "src", "cli.ts");
let parent: string;
let dir: string;

beforeAll(async () => {
  parent = mkdtempSync(join(tmpdir(), "wirelab-bundles-"));
  dir = join(parent, "cli-bundles");
  await buildCommandBundles(dir, ["report", "lab"]);
}, 60_000);
afterAll(() => rmSync(parent, { recursive: true, force: true }));

function cli(args: string[], env: Record<string, string> = {}): { code: number; stdout: string; stderr: string } {
  const r = Bun.spawnSync([BUN, CLI, ...args], { env: { ...process.env, WIRELAB_BUNDLES: dir, WIRELAB_DEBUG: "1", ...env }, stdout: "pipe", stderr: "pipe" });
  return { code: r.exitCode, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

const manifestOf = (command: string) => JSON.parse(readFileSync(manifestPath(command, dir), "utf8")) as BundleManifest;

test("each bundle's manifest lists the checkout's sources it holds, relative to the checkout; packages stay in node_modules", () => {
  for (const command of ["report", "lab"]) {
    const m = manifestOf(command);
    const paths = m.inputs.map(([p]) => p);
    expect({ command, root: m.root, bun: m.bun, entry: paths.includes(`runner/src/commands/${command}.ts`) }).toEqual({ command, root: REPO_ROOT, bun: Bun.version, entry: true });
    expect(paths.filter((p) => p.startsWith("/") || p.startsWith("..") || p.includes("node_modules/"))).toEqual([]);
    expect(bundleState(command, dir)).toEqual({ state: "fresh", file: join(dir, `${command}.js`) });
  }
  // lab reaches its lab-file parser; report does not: each bundle holds what its command imports.
  expect(manifestOf("lab").inputs.some(([p]) => p === "infra/src/lab-model.ts")).toBe(true);
  expect(manifestOf("report").inputs.some(([p]) => p === "infra/src/lab-model.ts")).toBe(false);
});

test("the CLI runs a fresh bundle, and prints what the sources print", () => {
  const bundled = cli(["report", "--help"]);
  expect(bundled.stderr).toContain(`wirelab: report from ${join(dir, "report.js")}`);
  const source = cli(["report", "--help"], { WIRELAB_FROM_SOURCE: "1" });
  expect(source.stderr).toContain("wirelab: report from source (WIRELAB_FROM_SOURCE)");
  expect({ code: bundled.code, stdout: bundled.stdout }).toEqual({ code: source.code, stdout: source.stdout });
  expect(bundled.stdout).toContain("Usage:");
});

test("bad input to a bundled command: the same one line and exit 2 as from source", () => {
  const bundled = cli(["lab", "up", "--lab", "no-such-lab-anywhere"]);
  const source = cli(["lab", "up", "--lab", "no-such-lab-anywhere"], { WIRELAB_FROM_SOURCE: "1" });
  expect(bundled.stderr).toContain("wirelab: lab from ");
  const last = (s: string) => s.trim().split("\n").at(-1);
  expect({ code: bundled.code, line: last(bundled.stderr) }).toEqual({ code: 2, line: last(source.stderr) });
  expect(last(bundled.stderr)).toMatch(/^wirelab lab: --lab: no lab file 'no-such-lab-anywhere'/);
});

test("a source changed since the build: the CLI runs the sources and says which file", () => {
  const m = manifestOf("report");
  const [path, mtime, size] = m.inputs[0]!;
  writeFileSync(manifestPath("report", dir), JSON.stringify({ ...m, inputs: [[path, mtime - 1000, size], ...m.inputs.slice(1)] }));
  try {
    const r = cli(["report", "--help"]);
    expect(r.stderr).toContain(`wirelab: report from source (bundle stale: ${path} changed)`);
    expect({ code: r.code, usage: r.stdout.includes("Usage:") }).toEqual({ code: 0, usage: true });
  } finally {
    writeFileSync(manifestPath("report", dir), JSON.stringify(m));
  }
});

test("a bundle that does not load: one line saying so, then the sources run", () => {
  const file = join(dir, "report.js");
  const good = readFileSync(file);
  rmSync(`${file}.jsc`, { force: true });
  writeFileSync(file, "throw new Error('truncated by a full disk');\n");
  try {
    const r = cli(["report", "--help"]);
    expect(r.stderr).toContain(`wirelab: running report from source: its bundle ${file} did not load (truncated by a full disk); 'bun run build' remakes it`);
    expect({ code: r.code, usage: r.stdout.includes("Usage:") }).toEqual({ code: 0, usage: true });
  } finally {
    writeFileSync(file, good);
  }
});

test("a rebuild replaces the folder whole and leaves no work folders beside it", async () => {
  writeFileSync(join(dir, "stray.js"), "// from an older build\n");
  await buildCommandBundles(dir, ["report"]);
  expect(existsSync(join(dir, "stray.js"))).toBe(false);
  expect(existsSync(join(dir, "lab.js"))).toBe(false);
  expect(bundleState("report", dir)).toEqual({ state: "fresh", file: join(dir, "report.js") });
  expect(readdirSync(parent)).toEqual(["cli-bundles"]);
}, 60_000);
