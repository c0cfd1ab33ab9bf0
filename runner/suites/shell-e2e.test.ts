// The shell end-to-end suites beside the engine and the XDP tools, run by
// `bun run test` like every other suite: each builds its own private
// namespaces (wlt-eng-*, wlt-xdp-*) and removes them on exit, prints one
// "ok"/"FAIL" line per check and exits non-zero if any failed. They test
// the binaries without the runner (engine tx<->rx over a veth pair, the
// kernel as a peer both ways with tshark-checked captures, a malformed
// flood; XDP load/unload/drop/reflect/sink), so a runner bug cannot hide an
// engine or XDP one. The benchmarks there (engine/tests/bench.sh,
// xdp/tests/compare.sh) print tables and are not tests.
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { BUILD_DIR, REPO_ROOT } from "../src/paths.ts";

interface ShellSuite {
  readonly script: string;
  readonly args?: readonly string[];
  readonly timeoutMs: number;
}

const SUITES: readonly ShellSuite[] = [
  { script: "engine/tests/e2e_pair.sh", timeoutMs: 300_000 },
  { script: "engine/tests/e2e_kernel.sh", timeoutMs: 180_000 },
  { script: "engine/tests/e2e_malformed.sh", args: ["5000"], timeoutMs: 120_000 },
  { script: "engine/tests/e2e_replay.sh", timeoutMs: 180_000 },
  { script: "engine/tests/e2e_replay_workers.sh", timeoutMs: 180_000 },
  { script: "engine/tests/e2e_validate.sh", timeoutMs: 180_000 },
  { script: "engine/tests/e2e_ipv6.sh", timeoutMs: 180_000 },
  { script: "engine/tests/e2e_workers.sh", timeoutMs: 240_000 },
  { script: "engine/tests/e2e_vlan.sh", timeoutMs: 300_000 },
  { script: "engine/tests/e2e_ports.sh", timeoutMs: 180_000 },
  { script: "xdp/tests/e2e.sh", timeoutMs: 300_000 },
  { script: "xdp/tests/v6-vlan.sh", timeoutMs: 180_000 },
];

/** Runs a script to its end; its output is kept for the failure message. */
async function runScript(s: ShellSuite): Promise<{ code: number; out: string }> {
  const p = Bun.spawn(["bash", join(REPO_ROOT, s.script), ...(s.args ?? [])], {
    cwd: REPO_ROOT,
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, WL_ENGINE: join(BUILD_DIR, "engine", "wirelab-engine"), WL_BUILD: join(BUILD_DIR, "xdp") },
  });
  const timer = setTimeout(() => p.kill("SIGTERM"), s.timeoutMs - 5000);
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  clearTimeout(timer);
  return { code, out: `${out}${err}` };
}

describe("shell end-to-end suites", () => {
  for (const s of SUITES) {
    test(s.script, async () => {
      const r = await runScript(s);
      const lines = r.out.split("\n");
      const failed = lines.filter((l) => /\bFAIL\b/.test(l));
      const passed = lines.filter((l) => /\bok\b/.test(l));
      // Every check it ran passed, it ran some, and it said so with its exit status.
      expect({ script: s.script, failed, code: r.code, tail: r.code === 0 ? "" : lines.slice(-15).join("\n") }).toEqual({ script: s.script, failed: [], code: 0, tail: "" });
      expect(passed.length).toBeGreaterThan(3);
    }, s.timeoutMs);
  }
});
