// A request body as JSON: valid JSON and, in every key and string, valid
// Unicode. JSON's \ud800 escape makes a lone surrogate, which no store or
// UTF-8 file can keep: stored, it would come back as text no JSON reader
// takes. It is refused here with a 400 naming the field.
import { createMiddleware } from "hono/factory";
import { ApiError } from "./errors.ts";
import { jsonPath as fieldOf } from "../traffic/spec-schema.ts";

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const wellFormed = (s: string) => !LONE_SURROGATE.test(s);

/** The first key or string in `value` that is not well-formed Unicode, as its path; undefined when all are. */
export function illFormedPath(value: unknown, path: PropertyKey[] = []): PropertyKey[] | undefined {
  if (typeof value === "string") return wellFormed(value) ? undefined : path;
  if (value === null || typeof value !== "object") return undefined;
  for (const [key, child] of Array.isArray(value) ? value.entries() : Object.entries(value)) {
    if (typeof key === "string" && !wellFormed(key)) return [...path, key.replace(new RegExp(LONE_SURROGATE, "g"), "\ufffd")];
    const bad = illFormedPath(child, [...path, key]);
    if (bad) return bad;
  }
  return undefined;
}

export function parseJsonBody(text: string): unknown {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    if (err instanceof SyntaxError) throw new ApiError(400, `body: not valid JSON (${err.message})`);
    throw err;
  }
  const bad = illFormedPath(body);
  if (bad) throw new ApiError(400, `${fieldOf(bad)}: not valid Unicode (a lone UTF-16 surrogate such as \\ud800)`);
  return body;
}

/** The media types @hono/zod-validator parses as JSON (any other body it would validate as {}). */
const JSON_MEDIA = /^application\/([\w.-]+\+)?json$/i;

/**
 * Before a route's json validator: 415 for a body not typed JSON, 400 for one that is not a JSON object or not
 * valid Unicode. The validator then parses the same text again (hono keeps it).
 */
export const jsonObjectBody = createMiddleware(async (c, next) => {
  const media = (c.req.header("content-type") ?? "").split(";")[0]!.trim();
  if (!JSON_MEDIA.test(media)) throw new ApiError(415, "body: send Content-Type: application/json");
  const body = parseJsonBody(await c.req.text());
  if (body === null || typeof body !== "object" || Array.isArray(body)) throw new ApiError(400, "body: must be a JSON object");
  await next();
});
