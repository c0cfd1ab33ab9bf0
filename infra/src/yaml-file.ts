// YAML files a person writes (lab files, scenarios): parsed, validated with a
// zod schema, and every problem reported as one line naming the file, the
// line, the field and the problem. Pure: the caller reads the file.
import { isMap, isSeq, LineCounter, parseDocument, visit, type Document } from "yaml";
import type { z } from "zod";
import type { FileErrorClass } from "./file-error.ts";

export type Path = readonly (string | number)[];
export type Fail = (path: Path, problem: string) => never;

export function formatPath(path: Path): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}

/**
 * Parses text as YAML and validates it against schema. Throws ErrorClass for bad YAML, a
 * document that is not a mapping (`notMapping` says what it should be) or a schema violation;
 * returns the data and a `fail` that points later, cross-field checks at their line.
 */
export function parseYamlFile<S extends z.ZodType>(
  text: string,
  file: string,
  schema: S,
  ErrorClass: FileErrorClass,
  notMapping: string,
): { data: z.infer<S>; fail: Fail } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const err = doc.errors[0]!;
    const line = err.linePos?.[0]?.line ?? lineCounter.linePos(err.pos[0]).line;
    throw new ErrorClass(file, "", `not valid YAML: ${err.message.split("\n")[0]}`, line);
  }
  let raw: unknown;
  try {
    raw = doc.toJS();
  } catch (err) {
    // Aliases are resolved only here: an unknown anchor, or an alias bomb (yaml's maxAliasCount).
    const alias = unresolvedAlias(doc);
    throw new ErrorClass(file, "", `not valid YAML: ${alias ? `alias '*${alias.name}' names no anchor defined before it` : (err as Error).message}`, alias ? lineCounter.linePos(alias.offset).line : undefined);
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) throw new ErrorClass(file, "", notMapping, 1);
  const fail: Fail = (path, problem) => {
    throw new ErrorClass(file, formatPath(path), problem, lineOf(doc, lineCounter, path));
  };
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.filter((p): p is string | number => typeof p !== "symbol");
    // A field that is there with the wrong kind of value is not a missing field: say what it is and what it should be.
    const at = valueAt(raw, path);
    const problem =
      issue.code === "unrecognized_keys"
        ? `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `'${k}'`).join(", ")}`
        : !at.found
          ? "is required"
          : issue.code === "invalid_type"
            ? `expected ${EXPECTED[issue.expected] ?? issue.expected}, got ${describeValue(at.value)}`
            : issue.message;
    fail(issue.code === "unrecognized_keys" ? [...path, issue.keys[0]!] : path, problem);
  }
  return { data: parsed.data as z.infer<S>, fail };
}

/** The line of the deepest YAML node along path: the key for a mapping entry, so a missing field points at its parent. */
function lineOf(doc: Document, lineCounter: LineCounter, path: Path): number | undefined {
  const lineAt = (node: unknown): number | undefined => {
    const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
    return range ? lineCounter.linePos(range[0]).line : undefined;
  };
  let node: unknown = doc.contents;
  let line = lineAt(node);
  for (const key of path) {
    let next: unknown;
    if (isMap(node)) {
      const pair = node.items.find((it) => (it.key as { value?: unknown } | null)?.value === key);
      line = lineAt(pair?.key) ?? line;
      next = pair?.value;
    } else if (isSeq(node) && typeof key === "number") {
      next = node.items[key];
      line = lineAt(next) ?? line;
    }
    if (next === undefined) break;
    node = next;
  }
  return line;
}

/** The first alias whose anchor is not defined before it, with the alias's offset in the text. */
function unresolvedAlias(doc: Document): { name: string; offset: number } | undefined {
  let found: { name: string; offset: number } | undefined;
  visit(doc, {
    Alias(_key, node) {
      if (node.resolve(doc) === undefined) {
        found = { name: node.source, offset: node.range?.[0] ?? 0 };
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return found;
}

const EXPECTED: Record<string, string> = {
  boolean: "true or false",
  number: "a number",
  int: "a whole number",
  string: "a string",
  array: "a list",
  object: "a mapping",
};

function valueAt(raw: unknown, path: Path): { found: boolean; value?: unknown } {
  let node: unknown = raw;
  for (const key of path) {
    if (node === null || typeof node !== "object" || !Object.hasOwn(node, key)) return { found: false };
    node = (node as Record<string | number, unknown>)[key];
  }
  return { found: true, value: node };
}

function describeValue(v: unknown): string {
  if (v === null || v === undefined) return "an empty value";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  if (typeof v === "string") {
    const shown = v.length > 40 ? `${v.slice(0, 40)}…` : v;
    // YAML 1.1 booleans are plain strings in YAML 1.2, which this reader speaks.
    const hint = /^(yes|no|on|off|y|n)$/i.test(v) ? " (YAML booleans are true and false)" : /^-?\d+(\.\d+)?$/.test(v) ? " (a quoted number is a string)" : "";
    return `the string ${JSON.stringify(shown)}${hint}`;
  }
  return `${typeof v} ${String(v)}`;
}
