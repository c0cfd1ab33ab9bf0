// Instructions on the receive CPU from `perf stat`, where the PMU is there.
// On these shared VMs it says `<not supported>`; callers then report CPU time only.
import type { Transport } from "../../transport/transport.ts";

/** True when `perf stat -e instructions` gives a number on this host. */
export async function perfWorks(transport: Transport): Promise<{ ok: boolean; detail: string }> {
  const r = await transport.exec(["perf", "stat", "-x,", "-e", "instructions", "true"]).catch((e: Error) => ({ code: 127, stdout: "", stderr: e.message }));
  if (r.code === 127 || /not found|No such file/i.test(r.stderr)) return { ok: false, detail: "perf is not installed (Debian: linux-perf)" };
  const line = r.stderr.split("\n").find((l) => l.includes("instructions")) ?? "";
  if (/^\d/.test(line)) return { ok: true, detail: "perf stat -e instructions works" };
  return { ok: false, detail: `perf stat -e instructions: ${line.split(",")[0] || r.stderr.trim().split("\n").at(-1) || "no count"}` };
}

/** Counts instructions on `cpu` for `secs` seconds; resolves to null if perf gave no number. */
export async function perfInstructions(transport: Transport, cpu: number, secs: number): Promise<number | null> {
  const r = await transport.exec(["perf", "stat", "-x,", "-e", "instructions", "-C", String(cpu), "--", "sleep", String(secs)]);
  const line = r.stderr.split("\n").find((l) => l.includes("instructions")) ?? "";
  const n = Number(line.split(",")[0]);
  return Number.isFinite(n) && /^\d/.test(line) ? n : null;
}
