// Argument parsing shared by every command: strict, as node's util.parseArgs (whose types it
// keeps), with each error one UsageError line that names the option. Its own code rather than
// node:util's, whose loading alone costs a short command such as `lab up` some 4 ms.
import type { parseArgs, ParseArgsConfig } from "node:util";
import { UsageError } from "./paths.ts";

type Options = NonNullable<ParseArgsConfig["options"]>;
type Parsed<O extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: boolean; strict: true }>>;

export function parseCommandArgs<O extends Options>(argv: string[], options: O, allowPositionals = true): Parsed<O> {
  const values: Record<string, string | boolean | (string | boolean)[]> = {};
  const positionals: string[] = [];
  const byShort = new Map(Object.entries(options).flatMap(([name, o]) => (o.short ? [[o.short, name] as const] : [])));
  const set = (name: string, value: string | boolean) => {
    if (options[name]!.multiple) ((values[name] ??= []) as (string | boolean)[]).push(value);
    else values[name] = value;
  };
  const positional = (arg: string) => {
    if (!allowPositionals) throw new UsageError(`Unexpected argument '${arg}'. This command does not take positional arguments`);
    positionals.push(arg);
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      for (const rest of argv.slice(i + 1)) positional(rest);
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      positional(arg);
      continue;
    }
    if (!arg.startsWith("--") && arg.length > 2) {
      // -abc: booleans grouped; -lVALUE: a string option with its value attached.
      const first = byShort.get(arg[1]!);
      if (first !== undefined && options[first]!.type === "string") {
        set(first, arg.slice(2));
        continue;
      }
      for (const c of arg.slice(1)) {
        const name = byShort.get(c);
        if (name === undefined) throw new UsageError(`Unknown option '${c}'`);
        if (options[name]!.type === "string") throw new UsageError(`Option '-${c}, --${name} <value>' argument missing`);
        set(name, true);
      }
      continue;
    }
    const eq = arg.indexOf("=");
    const name = arg.startsWith("--") ? (eq === -1 ? arg.slice(2) : arg.slice(2, eq)) : byShort.get(arg[1]!);
    const option = name === undefined || !Object.hasOwn(options, name) ? undefined : options[name]!;
    if (name === undefined || option === undefined) throw new UsageError(`Unknown option '${eq === -1 ? arg : arg.slice(0, eq)}'`);
    const label = option.short ? `-${option.short}, --${name}` : `--${name}`;
    if (option.type === "boolean") {
      if (eq !== -1 && arg.startsWith("--")) throw new UsageError(`Option '${label}' does not take an argument`);
      set(name, true);
      continue;
    }
    if (eq !== -1 && arg.startsWith("--")) {
      set(name, arg.slice(eq + 1));
      continue;
    }
    const value = argv[i + 1];
    if (value === undefined) throw new UsageError(`Option '${label} <value>' argument missing`);
    if (value.startsWith("-") && value !== "-") throw new UsageError(`Option '${arg}' argument is ambiguous.`);
    set(name, value);
    i++;
  }
  return { values, positionals } as unknown as Parsed<O>;
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
