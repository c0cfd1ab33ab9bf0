// When a bundle may stand in for its sources: a checkout of its own in a temp dir,
// manifests written as the build writes them, the sources then changed one way at a time.
import { afterEach, beforeEach, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bundleState, MANIFEST_VERSION, manifestPath, type BundleManifest } from "./bundle-state.ts";

let root: string;
let dir: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "wirelab-bundle-state-"));
  dir = join(root, "build", "cli-bundles");
  mkdirSync(join(root, "src"), { recursive: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(root, "src", "a.ts"), "export const a = 1;\n");
  writeFileSync(join(root, "src", "b.ts"), "export const b = 2;\n");
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function writeManifest(over: Partial<BundleManifest> = {}): void {
  const inputs = ["src/a.ts", "src/b.ts"].map((p) => {
    const s = statSync(join(root, p));
    return [p, s.mtimeMs, s.size] as const;
  });
  const manifest: BundleManifest = { version: MANIFEST_VERSION, bun: Bun.version, root, file: "lab.js", inputs, ...over };
  writeFileSync(manifestPath("lab", dir), JSON.stringify(manifest));
}

test("every input as the build saw it: fresh, and the bundle's path is in the bundles' folder", () => {
  writeManifest();
  expect(bundleState("lab", dir, root)).toEqual({ state: "fresh", file: join(dir, "lab.js") });
});

test("no manifest, or one that is not JSON: absent", () => {
  expect(bundleState("lab", dir, root)).toEqual({ state: "absent" });
  writeFileSync(manifestPath("lab", dir), "{ half a manif");
  expect(bundleState("lab", dir, root)).toEqual({ state: "absent" });
});

test("an input touched since the build (same size, new mtime): stale, naming the file", () => {
  writeManifest();
  const later = new Date(Date.now() + 5_000);
  utimesSync(join(root, "src", "b.ts"), later, later);
  expect(bundleState("lab", dir, root)).toEqual({ state: "stale", reason: "src/b.ts changed" });
});

test("an input edited to another size with its mtime put back: stale", () => {
  writeManifest();
  const before = statSync(join(root, "src", "a.ts"));
  writeFileSync(join(root, "src", "a.ts"), "export const a = 10;\n");
  utimesSync(join(root, "src", "a.ts"), before.atime, before.mtime);
  expect(bundleState("lab", dir, root)).toEqual({ state: "stale", reason: "src/a.ts changed" });
});

test("an input deleted: stale", () => {
  writeManifest();
  rmSync(join(root, "src", "a.ts"));
  expect(bundleState("lab", dir, root)).toEqual({ state: "stale", reason: "src/a.ts is gone" });
});

test("another Bun, another checkout or another manifest version: stale, saying which", () => {
  writeManifest({ bun: "0.0.1" });
  expect(bundleState("lab", dir, root)).toEqual({ state: "stale", reason: `built by Bun 0.0.1, this is ${Bun.version}` });
  writeManifest({ root: "/elsewhere" });
  expect(bundleState("lab", dir, root)).toEqual({ state: "stale", reason: "built in /elsewhere, not this checkout" });
  writeManifest({ version: MANIFEST_VERSION + 1 });
  expect(bundleState("lab", dir, root)).toEqual({ state: "stale", reason: `manifest version ${MANIFEST_VERSION + 1}, not ${MANIFEST_VERSION}` });
});

test("one command's manifest says nothing of another's", () => {
  writeManifest();
  expect(bundleState("traffic", dir, root)).toEqual({ state: "absent" });
});
