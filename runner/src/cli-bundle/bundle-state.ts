// A command run from source pays for Bun resolving and transpiling its few dozen
// modules on every start; `bun run build` also writes each command as one bundle
// precompiled to bytecode (build/cli-bundles/<command>.js). The CLI runs a command
// from its bundle only while every file the bundle was made from is unchanged
// (size and mtime, as make decides), under the same Bun and from the same checkout:
// an edited source runs as edited, at source speed, until the next build.
// This module is on every command's start-up path: node:fs and node:path only.
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { BUILD_DIR, COMPILED, REPO_ROOT } from "../../../infra/src/repo.ts";

export const BUNDLES_DIR = join(BUILD_DIR, "cli-bundles");
export const MANIFEST_VERSION = 1;

/** What one command's bundle was made from, written by the build beside the bundle. */
export interface BundleManifest {
  readonly version: number;
  readonly bun: string;
  /** The checkout the bundle was built from: its inputs are relative to it. */
  readonly root: string;
  /** The bundle's file, relative to the bundles' folder. */
  readonly file: string;
  /** [path relative to root, mtime in ms, size in bytes] of every input. */
  readonly inputs: ReadonlyArray<readonly [string, number, number]>;
}

export type BundleState =
  | { readonly state: "fresh"; readonly file: string }
  | { readonly state: "absent" }
  | { readonly state: "stale"; readonly reason: string };

/** Where the build writes what `command`'s bundle was made from. */
export function manifestPath(command: string, dir = BUNDLES_DIR): string {
  return join(dir, `${command}.json`);
}

/** Whether `command`'s bundle in `dir` may run in place of its sources, and if not why. */
export function bundleState(command: string, dir = BUNDLES_DIR, root = REPO_ROOT): BundleState {
  let manifest: BundleManifest;
  try {
    manifest = JSON.parse(readFileSync(manifestPath(command, dir), "utf8")) as BundleManifest;
  } catch {
    return { state: "absent" };
  }
  if (manifest.version !== MANIFEST_VERSION) return { state: "stale", reason: `manifest version ${manifest.version}, not ${MANIFEST_VERSION}` };
  if (manifest.bun !== Bun.version) return { state: "stale", reason: `built by Bun ${manifest.bun}, this is ${Bun.version}` };
  if (manifest.root !== root) return { state: "stale", reason: `built in ${manifest.root}, not this checkout` };
  for (const [path, mtime, size] of manifest.inputs) {
    const now = statSync(join(root, path), { throwIfNoEntry: false });
    if (!now) return { state: "stale", reason: `${path} is gone` };
    if (now.mtimeMs !== mtime || now.size !== size) return { state: "stale", reason: `${path} changed` };
  }
  return { state: "fresh", file: join(dir, manifest.file) };
}

/** Where the CLI looks for bundles: WIRELAB_BUNDLES, or build/cli-bundles. */
export function bundlesDir(): string {
  return process.env.WIRELAB_BUNDLES || BUNDLES_DIR;
}

/**
 * `command`'s entry function from its bundle, or undefined when it must run from
 * source: no fresh bundle, the compiled CLI (already bytecode), or
 * WIRELAB_FROM_SOURCE set. A bundle that fails to load is reported and skipped.
 * WIRELAB_DEBUG says which one runs, and why.
 */
export async function bundledCommand<T>(command: string, exportName: string): Promise<T | undefined> {
  if (COMPILED) return undefined;
  const debug = (line: string) => process.env.WIRELAB_DEBUG && console.error(`wirelab: ${command} ${line}`);
  if (process.env.WIRELAB_FROM_SOURCE) {
    debug("from source (WIRELAB_FROM_SOURCE)");
    return undefined;
  }
  const s = bundleState(command, bundlesDir());
  if (s.state !== "fresh") {
    debug(`from source (${s.state === "absent" ? "no bundle" : `bundle stale: ${s.reason}`})`);
    return undefined;
  }
  try {
    const entry = ((await import(s.file)) as Record<string, unknown>)[exportName];
    if (typeof entry !== "function") throw new Error(`it exports no ${exportName}`);
    debug(`from ${s.file}`);
    return entry as T;
  } catch (err) {
    console.error(`wirelab: running ${command} from source: its bundle ${s.file} did not load (${err instanceof Error ? err.message.split("\n")[0] : String(err)}); 'bun run build' remakes it`);
    return undefined;
  }
}
