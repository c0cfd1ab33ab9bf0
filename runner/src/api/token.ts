// Where the API token comes from: WIRELAB_API_TOKEN, else a file written at
// first start (0600, random 32 bytes, base64url) and read on later starts.
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { MIN_TOKEN_LENGTH } from "./auth.ts";

export interface LoadedToken {
  token: string;
  /** "env" when WIRELAB_API_TOKEN set it, else the file's path. */
  source: string;
  created: boolean;
}

export function generateToken(): string {
  return randomBytes(32).toString("base64url");
}

export function loadToken(options: { file: string; env?: Record<string, string | undefined> }): LoadedToken {
  const env = options.env ?? process.env;
  const fromEnv = env.WIRELAB_API_TOKEN;
  if (fromEnv !== undefined && fromEnv !== "") {
    if (fromEnv.length < MIN_TOKEN_LENGTH) throw new Error(`WIRELAB_API_TOKEN: ${fromEnv.length} chars, needs at least ${MIN_TOKEN_LENGTH}`);
    return { token: fromEnv, source: "env", created: false };
  }
  const file = options.file;
  if (existsSync(file)) {
    const mode = statSync(file).mode & 0o777;
    if (mode & 0o077) chmodSync(file, 0o600);
    const token = readFileSync(file, "utf8").trim();
    if (token.length < MIN_TOKEN_LENGTH) throw new Error(`${file}: token is ${token.length} chars, needs at least ${MIN_TOKEN_LENGTH} (delete the file to generate a new one)`);
    return { token, source: file, created: false };
  }
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const token = generateToken();
  // 'wx': never overwrite a token another process wrote meanwhile.
  writeFileSync(file, token + "\n", { mode: 0o600, flag: "wx" });
  chmodSync(file, 0o600);
  return { token, source: file, created: true };
}
