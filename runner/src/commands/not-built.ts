// Commands whose issue has not landed yet say so plainly and exit 2.
export function notBuilt(name: string, what: string) {
  return async (argv: string[]): Promise<number> => {
    const help = argv.includes("--help") || argv.includes("-h");
    console.error(`wirelab ${name}: not built yet: this command arrives with ${what}.`);
    return help ? 0 : 2;
  };
}
