// The token a remote client sends: --token-file, else WIRELAB_API_TOKEN, else
// the file `serve` writes at its first start. Read only: unlike the server,
// a client never creates a token. Where it came from is kept for error
// messages; the token itself is never shown.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { stateRoot, UsageError } from "../paths.ts";

export interface ClientToken {
  readonly token: string;
  /** "WIRELAB_API_TOKEN" or the file's path. */
  readonly source: string;
}

export function defaultTokenFile(): string {
  return join(stateRoot(), "api-token");
}

export function clientToken(options: { tokenFile?: string; env?: Record<string, string | undefined> } = {}): ClientToken {
  const env = options.env ?? process.env;
  const fromFile = (file: string, option: string): ClientToken => {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (err) {
      throw new UsageError(`${option}: cannot read '${file}' (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    const token = text.trim();
    if (!token || /\s/.test(token)) throw new UsageError(`${option}: '${file}' does not hold one token on one line`);
    return { token, source: file };
  };
  if (options.tokenFile !== undefined) return fromFile(options.tokenFile, "--token-file");
  const fromEnv = env.WIRELAB_API_TOKEN;
  if (fromEnv) {
    if (/\s/.test(fromEnv.trim())) throw new UsageError("WIRELAB_API_TOKEN: holds whitespace, not one token");
    return { token: fromEnv.trim(), source: "WIRELAB_API_TOKEN" };
  }
  const file = defaultTokenFile();
  if (existsSync(file)) return fromFile(file, "token file");
  throw new UsageError(`no API token: give --token-file FILE, set WIRELAB_API_TOKEN, or run 'bun run serve' here once (it writes ${file})`);
}
