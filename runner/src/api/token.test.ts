import { afterAll, describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bearerAuth, MIN_TOKEN_BITS, tokenBits } from "./auth.ts";
import { generateToken, loadToken } from "./token.ts";

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

  test("refuses a token file others can read, a link (its target left alone), a directory, another user's file", () => {
    const loose = join(dir, "loose");
    writeFileSync(loose, "a-long-enough-token-value\n");
    chmodSync(loose, 0o644);
    expect(() => loadToken({ file: loose, env: {} })).toThrow(`token file ${loose}: mode 0644 lets other users at the token; chmod 600 it (and consider a new token)`);
    expect(statSync(loose).mode & 0o777).toBe(0o644);

    const target = join(dir, "target");
    writeFileSync(target, "a-long-enough-token-value\n");
    chmodSync(target, 0o644);
    const link = join(dir, "link");
    symlinkSync(target, link);
    expect(() => loadToken({ file: link, env: {} })).toThrow(`token file ${link}: is a symbolic link; give the file itself (a link is not followed)`);
    expect(statSync(target).mode & 0o777).toBe(0o644);

    expect(() => loadToken({ file: dir, env: {} })).toThrow(`token file ${dir}: is not a regular file`);

    // As root a file is given away to nobody; as anyone else, a root-owned system file is another user's.
    let foreign = "/etc/hostname";
    if (process.getuid!() === 0) {
      foreign = join(dir, "foreign");
      writeFileSync(foreign, "a-long-enough-token-value\n", { mode: 0o600 });
      chownSync(foreign, 65534, 65534);
    }
    expect(() => loadToken({ file: foreign, env: {} })).toThrow(`token file ${foreign}: owned by uid ${statSync(foreign).uid}, not by this server's user (uid ${process.getuid!()})`);
  });

  test("refuses a guessable token (a letter repeated, a short pattern) from a file or the environment, in one line", () => {
    const file = join(dir, "weak");
    writeFileSync(file, "a".repeat(16) + "\n", { mode: 0o600 });
    let message = "";
    try {
      loadToken({ file, env: {} });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toBe(`token file ${file}: token is guessable: its characters carry about 0 bits, needs at least ${MIN_TOKEN_BITS} (use a random one, e.g. openssl rand -base64 32) (delete the file to generate a new one)`);
    expect(() => loadToken({ file, env: { WIRELAB_API_TOKEN: "ab".repeat(8) } })).toThrow("WIRELAB_API_TOKEN: token is guessable: its characters carry about 16 bits");
    expect(() => bearerAuth({ token: "z".repeat(40) })).toThrow("bearerAuth: token is guessable");
  });

  test("what the server generates, and random tokens of 16 characters, pass", () => {
    for (let i = 0; i < 200; i++) {
      expect(tokenBits(generateToken())).toBeGreaterThan(150);
      expect(tokenBits(randomBytes(12).toString("base64url"))).toBeGreaterThanOrEqual(MIN_TOKEN_BITS);
    }
  });
});
