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
import { labStateDir, REPO_ROOT, stateRoot } from "./paths.ts";

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
export function parserSources(entry = PARSER_ENTRY): { files: Map<string, string>; packages: Set<string>; stats: [string, number, number][] } {
  const files = new Map<string, string>();
  const packages = new Set<string>();
  // Each file as stat saw it before it was read: a file changed in between then fails the next check of a memo.
  const stats: [string, number, number][] = [];
  const todo = [entry];
  while (todo.length > 0) {
    const file = todo.pop()!;
    if (files.has(file)) continue;
    stats.push(statOf(file));
    const text = readFileSync(file, "utf8");
    files.set(file, text);
    for (const m of text.matchAll(IMPORT_RE)) {
      const spec = (m[1] ?? m[2] ?? m[3])!;
      if (spec.startsWith(".")) todo.push(join(dirname(file), spec));
      else if (!/^(node|bun):|^bun$/.test(spec)) packages.add(spec.split("/").slice(0, spec.startsWith("@") ? 2 : 1).join("/"));
    }
  }
  return { files, packages, stats };
}

let digest: string | undefined;

/** A digest with the files it was made from as stat saw them (path, size, mtimeMs) just before they were read. */
interface DigestMemo {
  readonly bun: string;
  /** The parser of the checkout that made it: a state root may be shared by several (WIRELAB_STATE). */
  readonly entry: string;
  readonly inputs: [string, number, number][];
  readonly digest: string;
}

export function parserDigestMemoPath(): string {
  return join(stateRoot(), "parser-digest.json");
}

function statOf(path: string): [string, number, number] {
  const st = statSync(path);
  return [path, st.size, st.mtimeMs];
}

/** The remembered digest while every file it was made from has the size and time it had then. */
function rememberedDigest(): string | undefined {
  try {
    const memo = JSON.parse(readFileSync(parserDigestMemoPath(), "utf8")) as DigestMemo;
    if (memo.bun !== Bun.version || memo.entry !== PARSER_ENTRY) return undefined;
    for (const [path, size, mtimeMs] of memo.inputs) {
      const [, nowSize, nowMtime] = statOf(path);
      if (nowSize !== size || nowMtime !== mtimeMs) return undefined;
    }
    return memo.digest;
  } catch {
    return undefined;
  }
}

/**
 * Names the code that turns a lab file into a model. From source: the text of every file parseLab
 * loads, the package.json of every package they import, and Bun's version; remembered with each
 * file's size and time, so the next process stats those files instead of reading and hashing them
 * (1.5 ms of a `lab up`). The compiled CLI holds its code in its executable: that file's size and
 * time stand in.
 */
export function parserDigest(): string {
  if (digest) return digest;
  const hash = new Bun.CryptoHasher("sha256").update(`bun ${Bun.version}\n`);
  if (COMPILED) {
    const exe = statSync(process.execPath);
    hash.update(`compiled ${process.execPath} ${exe.size} ${exe.mtimeMs}\n`);
    digest = hash.digest("hex");
    return digest;
  }
  const remembered = rememberedDigest();
  if (remembered) return (digest = remembered);
  const sources = parserSources();
  const inputs = sources.stats;
  for (const [file, text] of sources.files) hash.update(`${file}\n${text}\n`);
  for (const pkg of [...sources.packages].sort()) {
    const path = join(REPO_ROOT, "node_modules", pkg, "package.json");
    inputs.push(statOf(path));
    hash.update(`${pkg}\n${readFileSync(path, "utf8")}\n`);
  }
  digest = hash.digest("hex");
  const memo: DigestMemo = { bun: Bun.version, entry: PARSER_ENTRY, inputs, digest };
  const path = parserDigestMemoPath();
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    mkdirSync(stateRoot(), { recursive: true, mode: 0o700 });
    writeFileSync(tmp, JSON.stringify(memo) + "\n", { mode: 0o600 });
    renameSync(tmp, path);
  } catch {
    // Only time is lost: the next process reads and hashes the sources again.
    rmSync(tmp, { force: true });
  }
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
