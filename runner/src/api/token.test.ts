import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadToken } from "./token.ts";

describe("loadToken", () => {
  const dir = mkdtempSync(join(tmpdir(), "wirelab-token-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("generates a 0600 file at first start and reads it afterwards", () => {
    const file = join(dir, "state", "api-token");
    const first = loadToken({ file, env: {} });
    expect(first.created).toBe(true);
    expect(first.source).toBe(file);
    expect(first.token.length).toBeGreaterThanOrEqual(32);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, "utf8").trim()).toBe(first.token);
    const again = loadToken({ file, env: {} });
    expect(again).toEqual({ token: first.token, source: file, created: false });
  });

  test("WIRELAB_API_TOKEN wins and writes nothing", () => {
    const file = join(dir, "unused");
    const t = loadToken({ file, env: { WIRELAB_API_TOKEN: "from-the-environment-123" } });
    expect(t).toEqual({ token: "from-the-environment-123", source: "env", created: false });
    expect(() => statSync(file)).toThrow();
  });

  test("refuses a short token from the environment or a file", () => {
    expect(() => loadToken({ file: join(dir, "x"), env: { WIRELAB_API_TOKEN: "short" } })).toThrow("at least 16");
    const file = join(dir, "short");
    writeFileSync(file, "tiny\n", { mode: 0o600 });
    expect(() => loadToken({ file, env: {} })).toThrow("at least 16");
  });

  test("tightens a token file readable by others", () => {
    const file = join(dir, "loose");
    writeFileSync(file, "a-long-enough-token-value\n");
    chmodSync(file, 0o644);
    expect(loadToken({ file, env: {} }).token).toBe("a-long-enough-token-value");
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });
});
