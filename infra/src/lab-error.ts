import { FileError } from "./file-error.ts";

/** A problem in a lab file: renders as one line naming the file, the line, the field and the problem. */
export class LabError extends FileError {
  override name = "LabError";
}
