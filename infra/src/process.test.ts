import { expect, test } from "bun:test";
import { errorLineOf, run, runChecked, which } from "./process.ts";

test("run: stdout, stderr and the exit code of argv, stdin passed in", async () => {
  expect(await run(["sh", "-c", "cat; echo err >&2; exit 3"], "in\n")).toEqual({ code: 3, stdout: "in\n", stderr: "err\n" });
  // argv is never a shell line: metacharacters arrive as they are.
  expect((await run(["printf", "%s", "$(id) ; |"])).stdout).toBe("$(id) ; |");
});

test("runChecked: the output, or one line naming what failed and its first error lines", async () => {
  expect(await runChecked(["echo", "ok"], "echo")).toBe("ok\n");
  await expect(runChecked(["sh", "-c", "echo first >&2; echo second >&2; echo third >&2; exit 2"], "the step")).rejects.toThrow(
    /^the step failed \(exit 2\): first \/ second$/,
  );
  await expect(runChecked(["false"], "false")).rejects.toThrow("false failed (exit 1): no output");
});

test("which: the path of a program on PATH or in the sbin directories, else undefined", () => {
  expect(which("sh")).toMatch(/\/sh$/);
  expect(which("ip")).toMatch(/sbin\/ip$|bin\/ip$/);
  expect(which("wirelab-no-such-program")).toBeUndefined();
});

test("errorLineOf: the first line naming an error, else the last line, else 'no output'", () => {
  expect(errorLineOf("[1/3] compiling\n  src/a.c:3: error: x undeclared  \nninja: build stopped\n")).toBe("src/a.c:3: error: x undeclared");
  expect(errorLineOf("step one\nstep two\n\n")).toBe("step two");
  expect(errorLineOf(" \n")).toBe("no output");
});
