// Bearer-token middleware: the token is checked at creation (16+ chars, no
// whitespace, not guessable) and compared in constant time on every request.
import type { MiddlewareHandler } from "hono";
import { errorResponse } from "./errors.ts";

export const MIN_TOKEN_LENGTH = 16;
/**
 * What the token's own characters must carry (length × their Shannon entropy): a letter repeated carries 0, "ab"×8
 * 16; 16 random hex digits carry 32 or more all but a few times in a million, 16 random base64 chars about 60.
 */
export const MIN_TOKEN_BITS = 32;

/** The token's length times the Shannon entropy of its characters: 0 for one letter repeated, ~n·log2(alphabet) when random. */
export function tokenBits(token: string): number {
  const counts = new Map<string, number>();
  for (const ch of token) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  const n = [...token].length;
  let perChar = 0;
  for (const c of counts.values()) perChar -= (c / n) * Math.log2(c / n);
  return n * perChar;
}

/** Why a token cannot guard the API, in a few words; undefined when it can. */
export function tokenProblem(token: unknown): string | undefined {
  if (typeof token !== "string" || token.length === 0) return "token is empty";
  if (/\s/.test(token)) return "token contains whitespace";
  if (token.length < MIN_TOKEN_LENGTH) return `token is ${token.length} chars, shorter than ${MIN_TOKEN_LENGTH} (needs at least ${MIN_TOKEN_LENGTH})`;
  const bits = tokenBits(token);
  if (bits < MIN_TOKEN_BITS) return `token is guessable: its characters carry about ${Math.floor(bits)} bits, needs at least ${MIN_TOKEN_BITS} (use a random one, e.g. openssl rand -base64 32)`;
  return undefined;
}

export interface BearerAuthOptions {
  token: string;
}

/**
 * Constant-time equality without hashing (two SHA-256 per request were a tenth of GET /runs): every character of the
 * given token is compared, the expected one's cycled, so the time depends only on the length the caller chose.
 */
export function tokenMatches(given: string, expected: string): boolean {
  if (expected.length === 0) return false;
  let diff = given.length ^ expected.length;
  for (let i = 0; i < given.length; i++) diff |= given.charCodeAt(i) ^ expected.charCodeAt(i % expected.length);
  return diff === 0;
}

const BEARER = /^Bearer +(\S+) *$/i;

/** Whether an Authorization header carries the token. */
export function bearerAccepted(header: string | null | undefined, token: string): boolean {
  const match = header ? BEARER.exec(header) : null;
  return match !== null && tokenMatches(match[1]!, token);
}

/**
 * bearerAccepted for one token, quicker for the form clients send: the header compared whole (in constant time) with
 * "Bearer <token>" first, the regex only when that fails. The regex on a request's header string was ~3 us of a
 * served GET /runs, as much as the rest of the fast path.
 */
export function bearerCheck(token: string): (header: string | null | undefined) => boolean {
  const exact = `Bearer ${token}`;
  return (header) => (header != null && tokenMatches(header, exact)) || bearerAccepted(header, token);
}

export function bearerAuth(options: BearerAuthOptions): MiddlewareHandler {
  const token = options?.token;
  const problem = tokenProblem(token);
  if (problem) throw new Error(`bearerAuth: ${problem}`);
  const accepted = bearerCheck(token!);
  return async (c, next) => {
    const header = c.req.header("authorization");
    if (!header) {
      c.header("WWW-Authenticate", 'Bearer realm="wirelab"');
      return errorResponse(c, 401, "missing bearer token (send 'Authorization: Bearer <token>')");
    }
    if (!accepted(header)) {
      c.header("WWW-Authenticate", 'Bearer realm="wirelab", error="invalid_token"');
      return errorResponse(c, 401, "wrong bearer token");
    }
    await next();
  };
}
