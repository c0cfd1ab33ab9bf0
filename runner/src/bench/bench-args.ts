// A bench script's command line: its own parser, --help printing its usage,
// and a bad option as one line with exit 2, the same for every bench.
import { UsageError } from "../paths.ts";

/** The parsed options, or the exit code when there is nothing to run (help: 0, bad input: 2). */
export function benchArgs<A>(name: string, usage: string, parse: (argv: string[]) => A | "help", argv: string[]): A | number {
  let args: A | "help";
  try {
    args = parse(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`bench ${name}: ${e.message}`);
      return 2;
    }
    throw e;
  }
  if (args === "help") {
    console.log(usage);
    return 0;
  }
  return args;
}

/** An option's value as a whole number in [min, max], or a UsageError naming the option. */
export function wholeNumber(option: string, value: string | undefined, min: number, max: number): number {
  const n = Number(value);
  if (value === undefined || !Number.isInteger(n) || n < min || n > max) throw new UsageError(`${option}: '${value ?? ""}' is not a whole number between ${min} and ${max}`);
  return n;
}
