// A bad scenario file, in one line: file, line, field, problem.
export class ScenarioError extends Error {
  constructor(
    readonly file: string,
    readonly field: string,
    readonly problem: string,
    readonly line?: number,
  ) {
    super(`${file}${line !== undefined ? `:${line}` : ""}: ${field ? `${field}: ` : ""}${problem}`);
    this.name = "ScenarioError";
  }
}
