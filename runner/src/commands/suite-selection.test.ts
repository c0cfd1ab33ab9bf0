// Which suites `bun run test --inventory` runs on which lab.
import { expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { fixtureInventory } from "../api/test-app.ts";
import { REPO_ROOT } from "../paths.ts";
import { SUITE_LABS } from "../../suites/suite-labs.ts";
import { suitesFor } from "./suite-selection.ts";

const suiteFiles = readdirSync(join(REPO_ROOT, "runner/suites")).filter((f) => f.endsWith(".test.ts")).sort();

test("every suite file says which lab it runs on and where (and nothing else is listed)", () => {
  expect(Object.keys(SUITE_LABS).sort()).toEqual(suiteFiles);
});

test("a libvirt two-host lab gets the engine-to-engine suite; the rest are named with a reason", () => {
  // The fixture lab is libvirt with tx, rx, tx2, rx2.
  const { run, leftOut } = suitesFor(fixtureInventory(), suiteFiles.map((f) => `./runner/suites/${f}`));
  expect(run).toEqual(["./runner/suites/engine-modes.test.ts"]);
  expect(leftOut).toHaveLength(suiteFiles.length - 1);
  expect(leftOut.find((l) => l.file.endsWith("/smoke.test.ts"))!.why).toStartWith("not on a libvirt lab: it uses the test NIC's kernel interface");
  expect(leftOut.find((l) => l.file.endsWith("/api.test.ts"))!.why).toBe("not on a libvirt lab: it tests the runner on a netns lab of its own, not the given lab");
});

test("a netns lab gets the suites written for its hosts; a lab without them is named", () => {
  const inv = { ...fixtureInventory(), backend: "netns" as const };
  const { run, leftOut } = suitesFor(inv, suiteFiles.map((f) => `./runner/suites/${f}`));
  expect(run.map((f) => f.split("/").pop())).toEqual(["engine-modes.test.ts", "engine.test.ts", "faults.test.ts", "smoke.test.ts", "transport-contract.test.ts"]);
  expect(leftOut.find((l) => l.file.endsWith("/xdp.test.ts"))!.why).toBe("written for lab 'xdp-pair': hosts gen, dst not in lab 'api-test'");
});

test("a suite file with no entry is an error naming the file", () => {
  expect(() => suitesFor(fixtureInventory(), ["./runner/suites/new-thing.test.ts"])).toThrow("./runner/suites/new-thing.test.ts: no entry in runner/suites/suite-labs.ts");
});
