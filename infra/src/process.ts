// Running a program and collecting its output: the one way runner and infra
// start a short-lived process and wait for it (argv arrays, never a shell line).
import { existsSync } from "node:fs";

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function run(argv: string[], stdin?: string): Promise<RunResult> {
  const proc = Bun.spawn(argv, {
    stdin: stdin === undefined ? "ignore" : new TextEncoder().encode(stdin),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, stdout, stderr };
}

/** Runs argv and throws one line naming the command and its first error line. */
export async function runChecked(argv: string[], what: string, stdin?: string): Promise<string> {
  const r = await run(argv, stdin);
  if (r.code !== 0) {
    const detail = (r.stderr.trim() || r.stdout.trim()).split("\n").filter(Boolean).slice(0, 2).join(" / ");
    throw new Error(`${what} failed (exit ${r.code}): ${detail || "no output"}`);
  }
  return r.stdout;
}

/** The line of a failed command's output worth a one-line error: its first naming an error, else its last. */
export function errorLineOf(output: string): string {
  const lines = output.split("\n").map((l) => l.trim()).filter(Boolean);
  return lines.find((l) => /error/i.test(l)) ?? lines.at(-1) ?? "no output";
}

export function which(binary: string): string | undefined {
  for (const dir of (process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin").split(":").concat(["/usr/sbin", "/sbin"])) {
    if (existsSync(`${dir}/${binary}`)) return `${dir}/${binary}`;
  }
  return undefined;
}
