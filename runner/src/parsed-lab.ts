// A lab file's model, kept in the lab's state directory once parsed. Parsing loads the YAML
// parser and the schema library, most of a `lab up` process's time; the model is a function of
// the file's text and of the code that parses it, so a lab file parsed before, under the same
// code, is not parsed again. The code is named by a digest of every source parseLab loads, the
// versions of the packages they use and Bun's: an edit to any of them parses again.
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Lab } from "../../infra/src/lab-model.ts";
import { COMPILED } from "../../infra/src/repo.ts";
import { labStateOf } from "./built-lab.ts";
import type { LoadedLab } from "./lab-files.ts";
import { labStateDir, REPO_ROOT } from "./paths.ts";

interface ParsedLab extends LoadedLab {
  /** The parsing code's digest (parserDigest) when this model was made. */
  readonly parser: string;
}

const PARSER_ENTRY = join(REPO_ROOT, "infra", "src", "lab-model.ts");
const IMPORT_RE = /\bfrom\s+["']([^"']+)["']|\bimport\s*\(\s*["']([^"']+)["']\s*\)|^\s*import\s+["']([^"']+)["']/gm;

export function parsedLabPath(stateDir: string): string {
  return join(stateDir, "model.json");
}

/** The sources parseLab loads (lab-model.ts and what it imports, transitively) and the packages they name. */
export function parserSources(entry = PARSER_ENTRY): { files: Map<string, string>; packages: Set<string> } {
  const files = new Map<string, string>();
  const packages = new Set<string>();
  const todo = [entry];
  while (todo.length > 0) {
    const file = todo.pop()!;
    if (files.has(file)) continue;
    const text = readFileSync(file, "utf8");
    files.set(file, text);
    for (const m of text.matchAll(IMPORT_RE)) {
      const spec = (m[1] ?? m[2] ?? m[3])!;
      if (spec.startsWith(".")) todo.push(join(dirname(file), spec));
      else if (!/^(node|bun):|^bun$/.test(spec)) packages.add(spec.split("/").slice(0, spec.startsWith("@") ? 2 : 1).join("/"));
    }
  }
  return { files, packages };
}

let digest: string | undefined;

/**
 * Names the code that turns a lab file into a model. From source: the text of every file parseLab
 * loads, the package.json of every package they import, and Bun's version. The compiled CLI holds its
 * code in its executable: that file's size and time stand in.
 */
export function parserDigest(): string {
  if (digest) return digest;
  const hash = new Bun.CryptoHasher("sha256").update(`bun ${Bun.version}\n`);
  if (COMPILED) {
    const exe = statSync(process.execPath);
    hash.update(`compiled ${process.execPath} ${exe.size} ${exe.mtimeMs}\n`);
  } else {
    const { files, packages } = parserSources();
    for (const [file, text] of files) hash.update(`${file}\n${text}\n`);
    for (const pkg of [...packages].sort()) hash.update(`${pkg}\n${readFileSync(join(REPO_ROOT, "node_modules", pkg, "package.json"), "utf8")}\n`);
  }
  digest = hash.digest("hex");
  return digest;
}

/** The model parsed before from the lab file `arg` names, while neither the file nor the parsing code changed; undefined otherwise. */
export function rememberedLab(arg: string): LoadedLab | undefined {
  const kept = labStateOf<ParsedLab>(arg, parsedLabPath, (k) => k.parser === parserDigest());
  return kept && { lab: kept.lab, file: kept.file, sha256: kept.sha256 };
}

/** Keeps a model just parsed for the next command on the same file (atomically: a reader sees all of it or none). */
export function rememberLab(loaded: LoadedLab): void {
  const stateDir = labStateDir(loaded.lab.name);
  const path = parsedLabPath(stateDir);
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    const kept: ParsedLab = { ...loaded, parser: parserDigest() };
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    writeFileSync(tmp, JSON.stringify(kept) + "\n", { mode: 0o600 });
    renameSync(tmp, path);
  } catch {
    // Only time is lost: a state directory this process cannot write fails `up` on its own terms, not here.
    rmSync(tmp, { force: true });
  }
}
