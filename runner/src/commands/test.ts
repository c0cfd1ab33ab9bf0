// `wirelab test` (= `bun run test`): installs what is missing, builds the C
// parts, runs their meson tests and every bun:test file (unit tests, then the
// traffic suites on the netns lab, which the suites bring up themselves unless
// --inventory names a lab), writes JUnit, and ends with one "N passed, N failed" line.
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { parseCommandArgs, positiveNumber } from "../cli-args.ts";
import { BUN, REPO_ROOT, BUILD_DIR, UsageError } from "../paths.ts";
import { ensureProvisioned, streamed } from "../setup.ts";
import { buildAll, COMPONENTS } from "./build.ts";
import { loadInventory } from "../lab-files.ts";
import { suitesFor } from "./suite-selection.ts";

const HELP = `Usage: bun run test [--unit|--suites|--vm] [--inventory FILE] [--junit DIR] [--no-setup] [FILTER...]

Runs everything that tests wirelab, as root:
  1. images/provision.sh --profile test installs missing Debian packages (skip: --no-setup)
  2. meson builds engine/ and xdp/, then runs their unit and verdict tests
  3. the engine's rx-parser fuzzer for a bounded number of runs (--fuzz-runs N, default 20000)
  4. tsc --noEmit over all TypeScript (strict)
  5. bun:test, one fresh global per file: unit tests beside the code, then the
     traffic suites in runner/suites on a netns lab they bring up and tear down
JUnit files go to results/junit/ (or --junit DIR). The last line is
"tests: N passed, N failed, N skipped"; exit 1 when anything failed.

Options:
  --unit            only unit tests (no lab, no root needed for most)
  --suites          only the traffic suites
  --vm              only the slow VM suite (infra/pulumi/*.vm.test.ts: real libvirt + qemu)
  --inventory FILE  run the suites on this lab (netns, libvirt or metal inventory) instead of a fresh netns lab:
                    the suites written for its backend and hosts (runner/suites/suite-labs.ts); the
                    others are listed with the reason
  --junit DIR       where JUnit XML goes (default results/junit)
  --no-setup        do not provision or build first
  FILTER            only test files whose path contains FILTER`;

interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

function junitCounts(file: string): Counts | undefined {
  if (!existsSync(file)) return undefined;
  const xml = readFileSync(file, "utf8");
  const head = /<testsuites\b([^>]*)>/.exec(xml)?.[1] ?? /<testsuite\b([^>]*)>/.exec(xml)?.[1];
  if (!head) return undefined;
  const attr = (name: string) => Number(new RegExp(`\\b${name}="(\\d+)"`).exec(head)?.[1] ?? 0);
  const failed = attr("failures") + attr("errors");
  const skipped = attr("skipped");
  return { passed: attr("tests") - failed - skipped, failed, skipped };
}

function testFiles(kind: "unit" | "suites" | "vm", filters: string[]): string[] {
  const patterns =
    kind === "unit" ? ["infra/**/*.test.ts", "runner/src/**/*.test.ts"] : kind === "suites" ? ["runner/suites/**/*.test.ts"] : ["infra/**/*.vm.test.ts"];
  const files = new Set<string>();
  for (const pattern of patterns) {
    for (const f of new Bun.Glob(pattern).scanSync({ cwd: REPO_ROOT })) {
      if (f.includes("node_modules")) continue;
      if (kind !== "vm" && f.endsWith(".vm.test.ts")) continue;
      if (filters.length && !filters.some((flt) => f.includes(flt))) continue;
      files.add(`./${f}`);
    }
  }
  return [...files].sort();
}

export async function testCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    unit: { type: "boolean" },
    suites: { type: "boolean" },
    vm: { type: "boolean" },
    inventory: { type: "string" },
    junit: { type: "string" },
    "no-setup": { type: "boolean" },
    "fuzz-runs": { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const onlyUnit = values.unit ?? false;
  const kinds: ("unit" | "suites" | "vm")[] = values.vm ? ["vm"] : values.unit ? ["unit"] : values.suites ? ["suites"] : ["unit", "suites"];
  const junitDir = values.junit ?? join(REPO_ROOT, "results", "junit");
  mkdirSync(junitDir, { recursive: true });
  const fuzzRuns = positiveNumber(values["fuzz-runs"], "--fuzz-runs", 20000);
  // A filter that selects nothing is a typo, not a passing run of no tests.
  const unmatched = positionals.find((p) => !kinds.some((k) => testFiles(k, [p]).length > 0) && !COMPONENTS.some((c) => c.includes(p)));
  if (unmatched !== undefined) throw new UsageError(`'${unmatched}': no ${kinds.join(" or ")} test file and no component (${COMPONENTS.join(", ")}) matches it`);

  if (!onlyUnit && process.getuid?.() !== 0) {
    throw new Error("the traffic suites need root (namespaces, XDP, DPDK): run 'sudo bun run test', or 'bun run test --unit'");
  }
  if (!values["no-setup"] && process.getuid?.() === 0) await ensureProvisioned((l) => console.log(`test: ${l}`), "test");
  const totals: Counts = { passed: 0, failed: 0, skipped: 0 };
  const add = (c: Counts | undefined, what: string) => {
    if (!c) {
      console.log(`test: ${what} wrote no JUnit results; counting it as one failure`);
      totals.failed++;
      return;
    }
    totals.passed += c.passed;
    totals.failed += c.failed;
    totals.skipped += c.skipped;
  };

  if (!values["no-setup"] && !values.vm) {
    const built = await buildAll((l) => console.log(`test: ${l}`));
    for (const b of built.filter((r) => r.state === "built")) {
      if (positionals.length && !positionals.some((f) => b.component.includes(f))) continue;
      console.log(`test: meson test ${b.component}`);
      await streamed(["meson", "test", "-C", b.dir, "--print-errorlogs"]);
      add(junitCounts(join(b.dir, "meson-logs", "testlog.junit.xml")), `meson test ${b.component}`);
    }
    const fuzz = join(REPO_ROOT, "engine", "tests", "fuzz.sh");
    if (existsSync(fuzz) && !positionals.length) {
      console.log(`test: fuzzing the engine's rx parser for ${fuzzRuns} runs`);
      const code = await streamed(["bash", fuzz, String(fuzzRuns)]);
      totals[code === 0 ? "passed" : "failed"]++;
    }
  }

  if (!positionals.length && !values.vm) {
    // Strict types are part of the tests: CI runs exactly this command.
    console.log("test: tsc --noEmit");
    const tsc = await streamed([join(REPO_ROOT, "node_modules", ".bin", "tsc"), "--noEmit", "-p", REPO_ROOT]);
    totals[tsc === 0 ? "passed" : "failed"]++;
  }

  let files = kinds.flatMap((k) => testFiles(k, positionals));
  if (values.inventory && !values.vm) {
    // A given lab runs the suites written for it; the others are named, with why, and not counted.
    const inventory = loadInventory({ inventory: values.inventory });
    const suites = files.filter((f) => f.startsWith("./runner/suites/"));
    const { run, leftOut } = suitesFor(inventory, suites);
    for (const l of leftOut) console.log(`test: left out ${l.file}: ${l.why}`);
    console.log(`test: on lab '${inventory.lab.name}' (${inventory.backend}): ${run.length} of ${suites.length} suite files`);
    files = [...files.filter((f) => !suites.includes(f)), ...run];
  }
  if (files.length > 0) {
    const junit = join(junitDir, values.vm ? "bun-vm.xml" : "bun.xml");
    const env: Record<string, string> = values.inventory ? { WIRELAB_INVENTORY: values.inventory } : {};
    await streamed(
      [BUN, "test", "--isolate", "--timeout", "120000", "--reporter=junit", `--reporter-outfile=${junit}`, ...files],
      env,
    );
    add(junitCounts(junit), "bun test");
  } else if (positionals.length) {
    console.log(`test: no test file matches ${positionals.join(", ")}`);
  }
  console.log(`JUnit: ${relative(process.cwd(), junitDir) || junitDir}/`);
  console.log(`tests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
  return totals.failed === 0 && totals.passed > 0 ? 0 : 1;
}

export { COMPONENTS, BUILD_DIR };
