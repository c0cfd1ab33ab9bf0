// The error of a file a person wrote (lab file, scenario), apart from the YAML parser:
// catching or naming one must not load the parser.
/** A problem in a file a person wrote: `file:line: field: problem`, one line. */
export class FileError extends Error {
  constructor(
    readonly file: string,
    readonly field: string,
    readonly problem: string,
    readonly line?: number,
  ) {
    super(`${file}${line !== undefined ? `:${line}` : ""}: ${field ? `${field}: ` : ""}${problem}`);
    this.name = "FileError";
  }
}

export type FileErrorClass = new (file: string, field: string, problem: string, line?: number) => FileError;
