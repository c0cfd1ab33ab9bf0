// Bearer-token middleware: the token is checked at creation (16+ chars) and
// compared in constant time on every request.
import { timingSafeEqual, createHash } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { errorResponse } from "./errors.ts";

export const MIN_TOKEN_LENGTH = 16;

export interface BearerAuthOptions {
  token: string;
}

/** Constant-time equality: both sides are hashed to 32 bytes first, so lengths never leak or throw. */
export function tokenMatches(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b) && given.length === expected.length;
}

export function bearerAuth(options: BearerAuthOptions): MiddlewareHandler {
  const token = options?.token;
  if (typeof token !== "string" || token.length === 0) throw new Error("bearerAuth: token is empty");
  if (token.length < MIN_TOKEN_LENGTH) throw new Error(`bearerAuth: token is ${token.length} chars, shorter than ${MIN_TOKEN_LENGTH}`);
  if (/\s/.test(token)) throw new Error("bearerAuth: token contains whitespace");
  return async (c, next) => {
    const header = c.req.header("authorization");
    if (!header) {
      c.header("WWW-Authenticate", 'Bearer realm="wirelab"');
      return errorResponse(c, 401, "missing bearer token (send 'Authorization: Bearer <token>')");
    }
    const match = /^Bearer +(\S+) *$/i.exec(header);
    if (!match || !tokenMatches(match[1]!, token)) {
      c.header("WWW-Authenticate", 'Bearer realm="wirelab", error="invalid_token"');
      return errorResponse(c, 401, "wrong bearer token");
    }
    await next();
  };
}
