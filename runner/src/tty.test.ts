import { expect, test } from "bun:test";
import { join } from "node:path";
import { BUN, REPO_ROOT } from "./paths.ts";

const PROBE = `const { isTerminal } = await import(${JSON.stringify(join(REPO_ROOT, "runner", "src", "tty.ts"))}); console.log(String(isTerminal(1)), String(process.stdout.isTTY === true));`;

test("a pipe is no terminal, as process.stdout.isTTY says", () => {
  const r = Bun.spawnSync([BUN, "-e", PROBE], { stdout: "pipe", stderr: "pipe" });
  expect(r.stdout.toString().trim()).toBe("false false");
});

test("a pseudo-terminal is one, as process.stdout.isTTY says", () => {
  // script(1) runs the probe with a pty as its standard output.
  const r = Bun.spawnSync(["script", "-qec", `${BUN} -e '${PROBE}'`, "/dev/null"], { stdout: "pipe", stderr: "pipe" });
  expect(r.stdout.toString().replace(/\r/g, "").trim()).toBe("true true");
});
