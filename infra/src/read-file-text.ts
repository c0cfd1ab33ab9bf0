// Reading a file a person named (lab file, scenario): any failure is one line naming the file and what is wrong with it.
import { readFileSync } from "node:fs";
import type { FileErrorClass } from "./file-error.ts";

/** The text of file; ErrorClass names `shown` (the path as the person gave it) and the problem, e.g. "is a directory, not a lab file". */
export function readFileText(file: string, shown: string, ErrorClass: FileErrorClass, what: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const problem =
      code === "EISDIR" ? `is a directory, not ${what}` : code === "ENOENT" ? `no such file (expected ${what})` : code === "EACCES" ? "permission denied" : (err as Error).message;
    throw new ErrorClass(shown, "", problem);
  }
}
