// The matrix an `xdp bench` run walks, and the commands each point runs on
// each host: what --dry-run prints and what the runner then does.
import type { BenchConfig, BenchTarget } from "./bench-config.ts";
import { rateLabel, type ReceiverMode } from "./presets.ts";

export interface PlannedPoint {
  readonly mode: ReceiverMode;
  readonly rate: number;
}

export function planPoints(config: BenchConfig): PlannedPoint[] {
  return config.modes.flatMap((mode) => config.rates.map((rate) => ({ mode, rate })));
}

/** The XDP program a mode attaches. Baselines get `count` (XDP_PASS) because a veth does threaded NAPI only with XDP attached. */
export function programFor(mode: ReceiverMode): "count" | "drop" {
  return mode === "xdp-drop" ? "drop" : "count";
}

export function sinkArgv(config: BenchConfig, target: BenchTarget, mode: ReceiverMode): string[] | undefined {
  const common = ["--cpu", String(config.rxCpu), "--interval", "1"];
  if (mode === "baseline-socket") return [target.tools.sink, "--mode", "socket", "--bind", target.dst.ip, "--port", String(config.port), "--job", "drop", ...common];
  // count, not drop: AF_PACKET sees every frame, so it classifies like the XDP count program does.
  if (mode === "baseline-af-packet") return [target.tools.sink, "--mode", "af-packet", "--dev", target.dst.dev, "--job", "count", ...common];
  return undefined;
}

export function xdpArgv(target: BenchTarget, mode: ReceiverMode): string[] {
  return [target.tools.xdp, "run", "--dev", target.dst.dev, "--pin-dir", target.pinDir, "--prog", programFor(mode), "--interval", "1"];
}

export function generatorSummary(config: BenchConfig, rate: number): string {
  const pace = rate === 0 ? "--mode continuous (no pacing: the generator's maximum)" : `--mode rate --pps ${rate}`;
  return `wirelab-engine -l ${config.txCpu} -- --role tx --protocol udp ${pace} --size ${config.size} --dst-port ${config.port} --duration ${config.duration}`;
}

export function describePlan(config: BenchConfig, target: BenchTarget): string {
  const points = planPoints(config);
  const perPoint = config.duration + 4; // attach, settle 1 s, background 1 s, drain and detach
  const lines = [
    `xdp bench plan: preset ${config.preset}, ${config.modes.length} modes x ${config.rates.length} rates = ${points.length} points x ${config.duration} s` +
      ` (about ${Math.ceil((points.length * perPoint) / 60)} min)`,
    `  lab ${target.labName}: generator ${target.gen.name} ${target.gen.dev} ${target.gen.ip} (CPU ${config.txCpu}) -> receiver ${target.dst.name} ${target.dst.dev} ${target.dst.ip} (CPU ${config.rxCpu})`,
    `  modes: ${config.modes.join(", ")}`,
    `  rates: ${config.rates.map(rateLabel).join(", ")} pps, ${config.size}-byte UDP frames to port ${config.port}`,
    "",
    "Every point:",
    `  ${target.dst.name}: ${xdpArgv(target, "xdp-count").join(" ").replace("--prog count", "--prog count|drop")}`,
    `  ${target.dst.name}: echo 1 > /sys/class/net/${target.dst.dev}/threaded; taskset -p -c ${config.rxCpu} <new napi/${target.dst.dev}-* thread>${config.rt ? "; chrt -f -p 50 <napi thread, sink>" : ""}`,
    `  ${target.dst.name}: baselines only: wirelab-sink (see below), pinned to CPU ${config.rxCpu}`,
    `  ${target.dst.name}: 1 s settle, 1 s background sample of CPU ${config.rxCpu}, then snapshot /proc/stat, schedstat, wirelab-xdp stats${target.dst.peer ? `, ${target.dst.peer.namespace}/${target.dst.peer.dev} tx counters` : ""}`,
    `  ${target.gen.name}: ${generatorSummary(config, config.rates[0] ?? 0)}`,
    `  ${target.dst.name}: snapshot again, restore threaded NAPI, stop the sink, stop wirelab-xdp (detaches, unpins)`,
    "",
    "Points:",
    ...points.map((p, i) => {
      const sink = sinkArgv(config, target, p.mode);
      return `  ${String(i + 1).padStart(2)}. ${p.mode.padEnd(19)} ${rateLabel(p.rate).padStart(5)}  xdp --prog ${programFor(p.mode)}${sink ? `; ${sink.slice(1).join(" ")}` : ""}`;
    }),
  ];
  return lines.join("\n");
}
