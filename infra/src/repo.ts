// Where the wirelab checkout is, whether this code runs from source (bun
// runner/src/cli.ts) or as the compiled CLI (build/wirelab, whose modules
// live in Bun's virtual /$bunfs and so cannot locate anything by their own path).
import { dirname, join, resolve } from "node:path";

export const COMPILED = import.meta.dir.startsWith("/$bunfs");

export const REPO_ROOT =
  process.env.WIRELAB_ROOT ?? (COMPILED ? resolve(dirname(process.execPath), "..") : resolve(import.meta.dir, "..", ".."));

export const BUILD_DIR = join(REPO_ROOT, "build");

/** The bun binary, for running test files and scripts (the compiled CLI's own executable is not bun). */
export const BUN = COMPILED ? join(REPO_ROOT, "node_modules", ".bin", "bun") : process.execPath;
