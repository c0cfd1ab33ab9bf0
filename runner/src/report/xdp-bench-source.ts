// Finding an `xdp bench` result to draw XDP-vs-baseline bars from: one passed
// explicitly, the run dir's own results.json when it is a bench, or a bench
// directory nested in the run dir (the demo puts one there).
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { BenchResults } from "../xdp/bench/bench-report.ts";

export type XdpBench = BenchResults & { source: string };

function readBench(file: string): XdpBench | null {
  try {
    const json = JSON.parse(readFileSync(file, "utf8")) as BenchResults;
    return json.schema === "wirelab/xdp-bench@1" && Array.isArray(json.points) ? { ...json, source: file } : null;
  } catch {
    return null;
  }
}

export function findXdpBench(runDir: string, given?: string): XdpBench | null {
  if (given) {
    const file = existsSync(given) && statSync(given).isDirectory() ? join(given, "results.json") : given;
    const bench = readBench(file);
    if (!bench) throw new Error(`--xdp-bench: '${given}' holds no xdp bench results.json`);
    return bench;
  }
  const own = join(runDir, "results.json");
  if (existsSync(own)) {
    const bench = readBench(own);
    if (bench) return bench;
  }
  if (!existsSync(runDir)) return null;
  for (const entry of readdirSync(runDir).sort()) {
    const file = join(runDir, entry, "results.json");
    if (entry.includes("xdp-bench") && existsSync(file)) {
      const bench = readBench(file);
      if (bench) return bench;
    }
  }
  return null;
}
