/** A problem in a lab file: renders as one line naming the file, the line, the field and the problem. */
export class LabError extends Error {
  constructor(
    readonly file: string,
    readonly field: string,
    readonly problem: string,
    readonly line?: number,
  ) {
    super(`${file}${line !== undefined ? `:${line}` : ""}: ${field ? `${field}: ` : ""}${problem}`);
    this.name = "LabError";
  }
}
