import { afterAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LabError } from "./lab-error.ts";
import { readFileText } from "./read-file-text.ts";

const dir = mkdtempSync(join(tmpdir(), "wlt-read-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function problem(path: string): string {
  try {
    readFileText(path, "shown.yaml", LabError, "a lab file");
  } catch (err) {
    expect(err).toBeInstanceOf(LabError);
    return (err as Error).message;
  }
  throw new Error("expected a LabError");
}

test("a directory, a missing file: one line naming the file as given", () => {
  mkdirSync(join(dir, "labs.yaml"));
  expect(problem(join(dir, "labs.yaml"))).toBe("shown.yaml: is a directory, not a lab file");
  expect(problem(join(dir, "none.yaml"))).toBe("shown.yaml: no such file (expected a lab file)");
});

test("a readable file gives its text", () => {
  writeFileSync(join(dir, "ok.yaml"), "name: l\n");
  expect(readFileText(join(dir, "ok.yaml"), "ok.yaml", LabError, "a lab file")).toBe("name: l\n");
});
