// `xdp bench --check-only`: can this lab run the comparison? Each check is one
// line with what to do when it fails. The XDP and threaded-NAPI checks attach
// the count program for a moment (that is the only real test) and detach it.
import { existsSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Transport } from "../../transport/transport.ts";
import { startXdp } from "../xdp-session.ts";
import type { BenchTarget } from "./bench-config.ts";
import { perfWorks } from "./perf-probe.ts";
import { readThreaded, writeThreaded } from "./threaded-napi.ts";

export interface Check {
  readonly name: string;
  readonly ok: boolean;
  /** A failed optional check is reported but does not fail --check-only. */
  readonly required: boolean;
  readonly detail: string;
}

async function toolBuilt(t: Transport, path: string): Promise<boolean> {
  if (t.kind === "netns") return existsSync(path);
  return (await t.exec(["test", "-x", path])).code === 0;
}

export async function checkCapabilities(target: BenchTarget, transport: (host: string) => Transport): Promise<Check[]> {
  const dst = transport(target.dst.name);
  const gen = transport(target.gen.name);
  const checks: Check[] = [];
  const add = (name: string, ok: boolean, detail: string, required = true) => checks.push({ name, ok, required, detail });

  const uid = (await dst.exec(["id", "-u"])).stdout.trim();
  add("root", uid === "0", uid === "0" ? `root on ${target.dst.name}` : `${target.dst.name} runs as uid ${uid}: XDP and threaded NAPI need root`);
  const bpffs = dst.kind === "netns"
    ? readFileSync("/proc/filesystems", "utf8").includes("\tbpf\n")
    : (await dst.exec(["grep", "-qw", "bpf", "/proc/filesystems"])).code === 0;
  add("bpffs", bpffs, bpffs ? `bpffs available (pins under ${dirname(target.pinDir)})` : "the kernel has no bpf filesystem");
  for (const [what, t, path] of [["engine", gen, target.tools.engine], ["wirelab-xdp", dst, target.tools.xdp], ["wirelab-sink", dst, target.tools.sink]] as const) {
    const ok = await toolBuilt(t, path);
    add(`${what} built`, ok, ok ? path : `no ${path}: run 'bun run build'`);
  }
  const canAttach = checks.every((c) => c.ok);
  if (canAttach) {
    try {
      const s = await startXdp(dst, { tool: target.tools.xdp, dev: target.dst.dev, pinDir: target.pinDir, prog: "count", interval: 3600 });
      add("native XDP", s.loaded.mode === "native", `${target.dst.name} ${target.dst.dev}: attached in ${s.loaded.mode} mode (${s.loaded.attach})`);
      const before = await readThreaded(dst, target.dst.dev);
      const on = await writeThreaded(dst, target.dst.dev, "1");
      if (before !== "1") await writeThreaded(dst, target.dst.dev, before || "0");
      add("threaded NAPI", on, on ? `${target.dst.dev} can switch to threaded NAPI (setting restored to ${before || "0"})` : `${target.dst.dev}: writing /sys/class/net/${target.dst.dev}/threaded failed`);
      await s.stop();
    } catch (err) {
      add("native XDP", false, (err as Error).message.split("\n")[0]!);
    }
  } else {
    add("native XDP", false, "not tried: fix the checks above first");
  }
  const perf = await perfWorks(dst);
  add("perf instructions", perf.ok, perf.ok ? perf.detail : `${perf.detail}: cost will be reported as CPU time only`, false);
  return checks;
}
