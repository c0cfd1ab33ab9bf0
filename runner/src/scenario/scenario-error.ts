import { FileError } from "../../../infra/src/file-error.ts";

/** A bad scenario file, in one line: file, line, field, problem. */
export class ScenarioError extends FileError {
  override name = "ScenarioError";
}
