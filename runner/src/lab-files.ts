// Reading lab files and inventories from disk for the runner.
import { existsSync, readFileSync } from "node:fs";
import { relative } from "node:path";
import { type Inventory } from "../../infra/src/inventory.ts";
import { parseInventory } from "../../infra/src/inventory-schema.ts";
import { LabError } from "../../infra/src/lab-error.ts";
import { readFileText } from "../../infra/src/read-file-text.ts";
import { parseLab, type Lab } from "../../infra/src/lab-model.ts";
import { inventoryPath } from "../../infra/src/netns-lab.ts";
import { labFileSha256 } from "./built-lab.ts";
import { labStateDir, REPO_ROOT, resolveLabFile, UsageError } from "./paths.ts";

export interface LoadedLab {
  readonly lab: Lab;
  readonly file: string;
  readonly sha256: string;
}

export function loadLab(arg: string): LoadedLab {
  const file = resolveLabFile(arg);
  const rel = relative(process.cwd(), file) || file;
  const shown = rel.startsWith("..") ? file : rel;
  const text = readFileText(file, shown, LabError, "a lab file");
  return { lab: parseLab(text, shown), file, sha256: labFileSha256(text) };
}

/** The inventory from --inventory, or the one `lab up` wrote for the lab. */
export function loadInventory(options: { inventory?: string; lab?: string }): Inventory {
  let path = options.inventory;
  if (!path) {
    const { lab } = loadLab(options.lab ?? "two-host");
    path = inventoryPath(labStateDir(lab.name));
    if (!existsSync(path)) throw new Error(`lab '${lab.name}' is not up (no ${relative(REPO_ROOT, path)}): run 'bun run lab up --lab ${options.lab ?? "two-host"}' or pass --inventory`);
  }
  if (!existsSync(path)) throw new UsageError(`--inventory: no file '${path}'`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new Error(`${path}: not JSON: ${(err as Error).message}`);
  }
  // Pulumi's `stack output --json inventory` may wrap the object in a string.
  if (typeof json === "string") json = JSON.parse(json);
  return parseInventory(json, path);
}
