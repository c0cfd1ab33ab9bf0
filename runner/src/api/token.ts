// Where the API token comes from: WIRELAB_API_TOKEN, else a file written at
// first start (0600, random 32 bytes, base64url) and read on later starts.
// The file is trusted only as the server itself would have left it: a regular
// file (a link is never followed), owned by the server's user, readable by
// no one else.
import { randomBytes } from "node:crypto";
import { chmodSync, closeSync, constants, fstatSync, mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { tokenProblem } from "./auth.ts";

export interface LoadedToken {
  token: string;
  /** "env" when WIRELAB_API_TOKEN set it, else the file's path. */
  source: string;
  created: boolean;
}

export function generateToken(): string {
  return randomBytes(32).toString("base64url");
}

/** The file's token, or undefined when there is no file; any other state of the file is a one-line error. */
function readTokenFile(file: string): string | undefined {
  let fd: number;
  try {
    // O_NOFOLLOW: a link is refused by the kernel itself, not checked and then raced.
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    if (code === "ELOOP") throw new Error(`token file ${file}: is a symbolic link; give the file itself (a link is not followed)`);
    throw new Error(`token file ${file}: cannot open it (${code ?? (err as Error).message})`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new Error(`token file ${file}: is not a regular file`);
    const uid = process.getuid?.();
    if (uid !== undefined && st.uid !== uid) throw new Error(`token file ${file}: owned by uid ${st.uid}, not by this server's user (uid ${uid})`);
    const mode = st.mode & 0o777;
    if (mode & 0o077) throw new Error(`token file ${file}: mode 0${mode.toString(8)} lets other users at the token; chmod 600 it (and consider a new token)`);
    return readFileSync(fd, "utf8").trim();
  } finally {
    closeSync(fd);
  }
}

export function loadToken(options: { file: string; env?: Record<string, string | undefined> }): LoadedToken {
  const env = options.env ?? process.env;
  const fromEnv = env.WIRELAB_API_TOKEN;
  if (fromEnv !== undefined && fromEnv !== "") {
    const problem = tokenProblem(fromEnv);
    if (problem) throw new Error(`WIRELAB_API_TOKEN: ${problem}`);
    return { token: fromEnv, source: "env", created: false };
  }
  const file = options.file;
  const existing = readTokenFile(file);
  if (existing !== undefined) {
    const problem = tokenProblem(existing);
    if (problem) throw new Error(`token file ${file}: ${problem} (delete the file to generate a new one)`);
    return { token: existing, source: file, created: false };
  }
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const token = generateToken();
  // 'wx': never overwrite a token another process wrote meanwhile (nor follow a link planted there).
  writeFileSync(file, token + "\n", { mode: 0o600, flag: "wx" });
  chmodSync(file, 0o600);
  return { token, source: file, created: true };
}
