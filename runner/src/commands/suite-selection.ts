// The traffic suites that fit a given lab (bun run test --inventory): its
// backend, and the host names of the lab each suite is written for.
import { basename } from "node:path";
import type { Inventory } from "../../../infra/src/inventory.ts";
import { SUITE_LABS } from "../../suites/suite-labs.ts";
import { loadLab } from "../lab-files.ts";

export interface Selection {
  readonly run: string[];
  readonly leftOut: { file: string; why: string }[];
}

export function suitesFor(inventory: Inventory, files: readonly string[]): Selection {
  const run: string[] = [];
  const leftOut: Selection["leftOut"] = [];
  const have = new Set(inventory.hosts.map((h) => h.name));
  for (const file of files) {
    const entry = SUITE_LABS[basename(file)];
    if (!entry) throw new Error(`${file}: no entry in runner/suites/suite-labs.ts (which lab it runs on, and on which backends)`);
    if (entry.lab === "own" || !entry.backends.includes(inventory.backend)) {
      leftOut.push({ file, why: `not on a ${inventory.backend} lab: it ${entry.why ?? "runs elsewhere"}` });
      continue;
    }
    const missing = loadLab(entry.lab).lab.hosts.map((h) => h.name).filter((n) => !have.has(n));
    if (missing.length > 0) {
      leftOut.push({ file, why: `written for lab '${entry.lab}': host${missing.length > 1 ? "s" : ""} ${missing.join(", ")} not in lab '${inventory.lab.name}'` });
      continue;
    }
    run.push(file);
  }
  return { run, leftOut };
}
