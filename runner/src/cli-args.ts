// Argument parsing shared by every command: node's parseArgs, strict, with
// errors turned into one-line UsageErrors that name the option.
import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "./paths.ts";

type Options = NonNullable<ParseArgsConfig["options"]>;

export function parseCommandArgs<O extends Options>(argv: string[], options: O, allowPositionals = true) {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (err) {
    const msg = (err as Error).message.split("\n")[0]!.replace(/\. To specify.*$/, "");
    throw new UsageError(msg);
  }
}

export function positiveNumber(value: string | undefined, option: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${option}: '${value}' is not a positive number`);
  return n;
}

export function oneOf<T extends string>(value: string | undefined, option: string, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`${option}: '${value}' is not one of ${allowed.join(", ")}`);
  return value as T;
}
