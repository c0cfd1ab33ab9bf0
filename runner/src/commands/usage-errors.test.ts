// Bad command-line input exits 2 in every command (the README's promise), with
// one line on stderr naming what was wrong, before anything is set up: an
// unknown option, a bad value, a name that resolves to nothing.
import { expect, test } from "bun:test";
import { join } from "node:path";
import { BUN, REPO_ROOT } from "../paths.ts";

const CLI = join(REPO_ROOT, "runner", "src", "cli.ts");

const BAD: [string[], string][] = [
  [["nosuchcommand"], "unknown command 'nosuchcommand'"],
  [["lab", "frob"], "unknown action 'frob'"],
  [["lab", "up", "--lab", "nosuchlab"], "--lab: no lab file 'nosuchlab'"],
  [["lab", "impair", "--lab", "two-host", "--host", "tx", "--delay", "abc"], "--delay: 'abc'"],
  [["traffic", "--tx", "tx", "--rx", "rx", "--size", "1515"], "--size: '1515'"],
  [["traffic", "--tx", "tx", "--rx", "rx", "--count", "1.5"], "--count: '1.5'"],
  [["traffic", "--tx", "tx", "--rx", "rx", "--min-rx-ratio", "2"], "--min-rx-ratio: '2'"],
  [["traffic", "--tx", "tx", "--rx", "rx", "--xdp", "frob"], "--xdp: 'frob'"],
  [["traffic", "--tx", "tx", "--rx", "rx", "--xdp", "count", "--xdp-rule", "proto=udp"], "--xdp-rule: rules belong to --xdp drop"],
  [["traffic", "--tx", "tx", "--rx", "rx", "--transport", "bogus"], "--transport: 'bogus'"],
  [["traffic", "--tx", "tx", "--rx", "rx", "--inventory", "/nonexistent/inventory.json"], "--inventory: no file"],
  [["traffic", "--server", "notaurl", "--tx", "tx", "--rx", "rx"], "--server: 'notaurl'"],
  [["scenario", "nosuchpreset"], "no scenario file 'nosuchpreset'"],
  [["xdp", "frob"], "unknown subcommand 'frob'"],
  [["xdp", "bench", "--size", "10"], "--size: 10"],
  [["serve", "--listen", "bad"], "--listen: 'bad'"],
  [["serve", "--inventory", "/nonexistent/inventory.json"], "--inventory: no file"],
  [["report", "--results", "/nonexistent", "--diff", "a"], "no run store"],
  [["doctor", "--bogus"], "Unknown option '--bogus'"],
  [["bench", "nosuch"], "unknown benchmark 'nosuch'"],
  [["build", "nosuchcomponent"], "Unexpected argument 'nosuchcomponent'"],
  [["test", "--fuzz-runs", "0"], "--fuzz-runs: '0'"],
  [["test", "--unit", "--no-setup", "zzzznosuchtest"], "'zzzznosuchtest': no unit test file"],
  [["demo", "--lab", "nosuch"], "--lab: no lab file 'nosuch'"],
];

test.each(BAD.map(([argv, said]) => [argv.join(" "), argv, said] as const))("%s: exit 2", (_name, argv, said) => {
  const r = Bun.spawnSync([BUN, CLI, ...argv], { cwd: REPO_ROOT, env: { ...process.env, WIRELAB_DEBUG: "" }, timeout: 30_000 });
  const err = r.stderr.toString().trim();
  expect(err).toContain(said);
  expect(err.split("\n")).toHaveLength(1);
  expect(r.exitCode).toBe(2);
});
