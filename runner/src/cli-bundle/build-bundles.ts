// `bun run build`'s last step: the commands users type again and again, each as one
// bytecode bundle with a manifest of what it was made from (bundle-state.ts reads it).
// Packages stay in node_modules, loaded only when a command reaches them: a bundle
// that held them would load zod and ssh2's bytecode on every start.
// build, test, demo and bench are left out: they rebuild the bundles themselves, and
// they run for minutes, so their start-up does not show.
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { errorLineOf, run } from "../../../infra/src/process.ts";
import { BUN, REPO_ROOT } from "../paths.ts";
import { BUNDLES_DIR, MANIFEST_VERSION, manifestPath, type BundleManifest } from "./bundle-state.ts";

export const BUNDLED_COMMANDS = ["lab", "traffic", "scenario", "xdp", "serve", "report", "doctor"] as const;

interface Metafile {
  readonly outputs: Record<string, { readonly inputs?: Record<string, unknown> }>;
}

/**
 * Bundles `commands` into `dir` (replaced whole, so a command never finds a bundle
 * beside another build's manifest) and returns the bundles' paths. Throws one line
 * naming what failed; the previous bundles stay until the new ones are complete.
 */
export async function buildCommandBundles(dir = BUNDLES_DIR, commands: readonly string[] = BUNDLED_COMMANDS): Promise<string[]> {
  const next = `${dir}.new-${process.pid}`;
  rmSync(next, { recursive: true, force: true });
  mkdirSync(next, { recursive: true });
  try {
    const meta = join(next, "meta.json");
    const entries = commands.map((c) => join(REPO_ROOT, "runner", "src", "commands", `${c}.ts`));
    const r = await run([BUN, "build", ...entries, "--target=bun", "--format=cjs", "--bytecode", "--packages=external", "--outdir", next, `--metafile=${meta}`]);
    if (r.code !== 0) throw new Error(`bundling the commands failed: ${errorLineOf(r.stdout + r.stderr)}`);
    const outputs = (JSON.parse(readFileSync(meta, "utf8")) as Metafile).outputs;
    rmSync(meta);
    // The metafile names inputs relative to the directory bun build ran in.
    const fromRoot = (p: string) => relative(REPO_ROOT, resolve(process.cwd(), p));
    const files: string[] = [];
    for (const command of commands) {
      const file = `${command}.js`;
      const output = outputs[`./${file}`];
      if (!output?.inputs) throw new Error(`bundling the commands: bun build wrote no ${file}`);
      const manifest: BundleManifest = {
        version: MANIFEST_VERSION,
        bun: Bun.version,
        root: REPO_ROOT,
        file,
        inputs: Object.keys(output.inputs).map((p) => {
          const path = fromRoot(p);
          const s = statSync(join(REPO_ROOT, path));
          return [path, s.mtimeMs, s.size] as const;
        }),
      };
      writeFileSync(manifestPath(command, next), `${JSON.stringify(manifest)}\n`);
      files.push(join(dir, file));
    }
    const old = `${dir}.old-${process.pid}`;
    rmSync(old, { recursive: true, force: true });
    try {
      renameSync(dir, old);
    } catch {
      // no previous bundles
    }
    renameSync(next, dir);
    rmSync(old, { recursive: true, force: true });
    return files;
  } catch (err) {
    rmSync(next, { recursive: true, force: true });
    throw err;
  }
}
