// The lab `lab up` built from a file, found again by the file's path and digest: `lab down`
// removes what up made from that model, and so loads neither the YAML parser nor the lab
// schema (about half of a `lab down` process's time otherwise). A file changed since `up`
// has no built lab: the caller parses it.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { builtLabPath, type BuiltLab } from "../../infra/src/netns-lab.ts";
import { resolveLabFile, stateRoot } from "./paths.ts";

export function labFileSha256(text: string): string {
  // Bun's hasher, not node:crypto: that module alone costs a `lab` process about 10 ms to load.
  return new Bun.CryptoHasher("sha256").update(text).digest("hex");
}

/** The built lab of the lab file `arg` names, while that file is what was built; undefined otherwise (or when unreadable). */
export function builtLabOf(arg: string): BuiltLab | undefined {
  return labStateOf<BuiltLab>(arg, builtLabPath);
}

/**
 * A record a lab command kept in a lab's state directory (at `pathIn(dir)`) about the lab file `arg` names: found by the
 * file's path and the digest of its text now, so a file changed since has none; `fits` may ask more of it. Undefined
 * when there is none, the file is unreadable (the caller parses it and says what is wrong), or the record was
 * half-written by a crash.
 */
export function labStateOf<T extends { readonly file: string; readonly sha256: string; readonly lab?: { readonly name: string } }>(
  arg: string,
  pathIn: (stateDir: string) => string,
  fits: (kept: T) => boolean = () => true,
): T | undefined {
  let file: string;
  let sha256: string;
  try {
    file = resolveLabFile(arg);
    sha256 = labFileSha256(readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
  const labs = join(stateRoot(), "labs");
  if (!existsSync(labs)) return undefined;
  for (const name of readdirSync(labs)) {
    const path = pathIn(join(labs, name));
    if (!existsSync(path)) continue;
    try {
      const kept = JSON.parse(readFileSync(path, "utf8")) as T;
      if (kept.file === file && kept.sha256 === sha256 && kept.lab?.name === name && fits(kept)) return kept;
    } catch {
      // Half-written by a crash: the file is parsed instead.
    }
  }
  return undefined;
}
