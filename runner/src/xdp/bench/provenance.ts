// What a result was measured on and with, so two results files can be compared honestly.
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import type { Transport } from "../../transport/transport.ts";

export interface Provenance {
  kernel: string;
  cpu_model: string;
  cpus: number;
  hz: number;
  engine_sha256: string | null;
  xdp_tool_sha256: string | null;
  sink_sha256: string | null;
  /** The built-in programs' object hashes as wirelab-xdp reports them on load. */
  program_obj_sha256: Record<string, string>;
  perf: string;
  generator: string;
}

export function sha256File(path: string): string | null {
  if (!existsSync(path)) return null;
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

/** Kernel, CPU model, CPU count and clock ticks per second of the receiving host. */
export async function hostFacts(transport: Transport): Promise<{ kernel: string; cpu_model: string; cpus: number; hz: number }> {
  const r = await transport.exec(["sh", "-c", "uname -r; grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'; nproc; getconf CLK_TCK"]);
  const [kernel = "", model = "", cpus = "0", hz = "100"] = r.stdout.split("\n").map((l) => l.trim());
  return { kernel, cpu_model: model, cpus: Number(cpus), hz: Number(hz) || 100 };
}
