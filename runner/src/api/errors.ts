// The API's one error type and its one handler: every failure leaves as JSON
// `{ "error": "<one line>", "status": <code> }`, never as an HTML page or a stack.
import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

export interface ErrorBody {
  error: string;
  status: number;
  /** 409: the run holding the hosts. */
  runId?: string;
}

/** An error that knows its HTTP status; thrown anywhere in a route, answered by `onError`. */
export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly status: ContentfulStatusCode,
    message: string,
    readonly extra: Omit<ErrorBody, "error" | "status"> = {},
  ) {
    super(message);
  }
}

export function errorResponse(c: Context, status: ContentfulStatusCode, message: string, extra: Omit<ErrorBody, "error" | "status"> = {}): Response {
  return c.json({ error: message, status, ...extra } satisfies ErrorBody, status);
}

export const onError: ErrorHandler = (err, c) => {
  if (err instanceof ApiError) return errorResponse(c, err.status, err.message, err.extra);
  // Hono's own (bodyLimit, bearer parsing, malformed JSON in c.req.json()): keep the status, say it as JSON.
  if (err instanceof HTTPException) return errorResponse(c, err.status as ContentfulStatusCode, err.message || "request rejected");
  if (err instanceof SyntaxError) return errorResponse(c, 400, `body: not valid JSON (${err.message})`);
  console.error(`wirelab serve: ${c.req.method} ${c.req.path}: ${(err as Error).stack ?? err}`);
  // The store's own words (malformed, not a database, locked) tell the operator what to fix; they carry no secret.
  if ((err as Error)?.name === "SQLiteError") return errorResponse(c, 500, `run store: ${(err as Error).message.split("\n")[0]} (logged by the server)`);
  return errorResponse(c, 500, "internal error (logged by the server)");
};

export const notFound: NotFoundHandler = (c) => errorResponse(c, 404, `no route ${c.req.method} ${c.req.path}`);
