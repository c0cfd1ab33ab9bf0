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
