// The users' lab workflow (.github/workflows/lab.yml): up, the tests against
// the stack's inventory, and a destroy that runs even when the tests fail.
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

const root = join(import.meta.dir, "..", "..");
const workflow = parse(readFileSync(join(root, ".github/workflows/lab.yml"), "utf8")) as {
  jobs: Record<string, { "timeout-minutes": number; steps: { name?: string; run?: string; if?: string; uses?: string }[] }>;
};

test("pulumi up, the tests on its inventory as root, then pulumi destroy whatever happened", () => {
  const job = workflow.jobs.lab!;
  const steps = job.steps;
  const at = (pattern: RegExp) => steps.findIndex((s) => pattern.test(s.run ?? ""));
  const up = at(/^pulumi up /);
  const output = at(/pulumi stack output .*--json inventory/);
  const tests = at(/bun run test --inventory /);
  const destroy = at(/^pulumi destroy /);
  expect([up, output, tests, destroy].every((i) => i >= 0)).toBe(true);
  expect(up).toBeLessThan(output);
  expect(output).toBeLessThan(tests);
  expect(tests).toBeLessThan(destroy);
  expect(steps[tests]!.run).toStartWith("sudo -E ");
  expect(steps[destroy]!.if).toBe("always()");
  // The Pulumi CLI version the README states for the bun runtime.
  expect(steps.find((s) => s.uses?.startsWith("pulumi/actions"))).toMatchObject({ with: { "pulumi-version": ">=3.227.0" } });
  expect(job["timeout-minutes"]).toBeLessThanOrEqual(90);
});
