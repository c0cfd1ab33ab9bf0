// `wirelab doctor`: what this machine has and lacks for wirelab. Changes nothing
// lasting (a veth and a bridge with the doctor's own prefix live for a moment).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { IMPAIR_SUPPORT, supportTable } from "../../../infra/src/impair-paths.ts";
import { IMPAIRMENT_KINDS } from "../../../infra/src/impair-spec.ts";
import { detectImpairPath } from "../../../infra/src/netns-impair.ts";
import { run } from "../../../infra/src/process.ts";
import { parseCommandArgs } from "../cli-args.ts";
import { BUNDLED_COMMANDS } from "../cli-bundle/build-bundles.ts";
import { bundlesDir, bundleState } from "../cli-bundle/bundle-state.ts";
import { BUILD_DIR, REPO_ROOT } from "../paths.ts";

export interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
  /** Required checks fail the doctor; the others only inform. */
  readonly required: boolean;
  readonly fix?: string;
}

const PROVISION = join(REPO_ROOT, "images", "provision.sh");

export async function runChecks(): Promise<Check[]> {
  const checks: Check[] = [];
  const add = (name: string, ok: boolean, detail: string, required = true, fix?: string) =>
    checks.push({ name, ok, detail, required, ...(fix && !ok ? { fix } : {}) });

  const root = process.getuid?.() === 0;
  add("root", root, root ? "running as root" : `uid ${process.getuid?.()}`, true, "run as root or with sudo");

  const prov = await run(["bash", PROVISION, "--check", "--quiet"]);
  const missingLine = prov.stdout.split("\n").find((l) => l.startsWith("missing packages:"));
  add("packages", !missingLine, missingLine ?? "all core Debian packages installed", true, "sudo images/provision.sh");

  const kernel = readFileSync("/proc/sys/kernel/osrelease", "utf8").trim();
  add("kernel", true, `Linux ${kernel}`, false);
  add("network namespaces", existsSync("/proc/self/ns/net"), "/proc/self/ns/net");
  add("BTF", existsSync("/sys/kernel/btf/vmlinux"), "/sys/kernel/btf/vmlinux (CO-RE, skeletons)");
  const bpffs = readFileSync("/proc/mounts", "utf8").split("\n").some((l) => l.split(" ")[1] === "/sys/fs/bpf" && l.split(" ")[2] === "bpf");
  add("bpffs", bpffs, bpffs ? "mounted at /sys/fs/bpf" : "not mounted at /sys/fs/bpf", true, "sudo images/provision.sh (mounts it)");
  const jit = existsSync("/proc/sys/net/core/bpf_jit_enable") ? readFileSync("/proc/sys/net/core/bpf_jit_enable", "utf8").trim() : "absent";
  add("BPF JIT", jit === "1" || jit === "2", `bpf_jit_enable=${jit}`, false);

  if (root) {
    // The only way to know veth and bridge work is to make one; the names are the doctor's own.
    const probe = await run(["ip", "-batch", "-"], "link add wldoc-v0 type veth peer name wldoc-v1\nlink add wldoc-br type bridge\n");
    await run(["ip", "-force", "-batch", "-"], "link del wldoc-v0\nlink del wldoc-br\n");
    add("veth + bridge", probe.code === 0, probe.code === 0 ? "created and removed a test veth pair and bridge" : probe.stderr.trim().split("\n")[0] ?? "failed");
    // Probed in a throwaway namespace: the path `lab up` and `lab impair` will use here.
    const impair = await detectImpairPath();
    const does = impair.path ? IMPAIRMENT_KINDS.filter((k) => IMPAIR_SUPPORT[impair.path!][k]) : [];
    const not = IMPAIRMENT_KINDS.filter((k) => !does.includes(k));
    add(
      "link impairments",
      impair.path !== undefined,
      impair.path ? `${impair.path} path (${impair.why}): ${does.join(", ")}${not.length ? `; not ${not.join(", ")}` : ""}` : impair.why,
      false,
      "bun run build (the wire and tc-bpf paths need build/xdp/impair.bpf.o; the wire build/engine/wirelab-engine)",
    );
  }

  const huge = /HugePages_Total:\s+(\d+)/.exec(readFileSync("/proc/meminfo", "utf8"))?.[1] ?? "0";
  add("hugepages", true, `${huge} reserved${huge === "0" ? " (the engine runs with --no-huge)" : ""}`, false);

  const perf = existsSync("/usr/bin/perf") ? await run(["perf", "stat", "-x,", "-e", "instructions", "true"]) : undefined;
  const perfOk = perf !== undefined && perf.code === 0 && !/not supported|<not counted>/.test(perf.stderr);
  add("perf instructions", perfOk, perfOk ? "hardware instruction counts available" : "not available: costs are reported as CPU time", false);

  for (const [name, file] of [
    ["engine built", join(BUILD_DIR, "engine", "wirelab-engine")],
    ["xdp tools built", join(BUILD_DIR, "xdp", "wirelab-xdp")],
  ] as const) {
    add(name, existsSync(file), existsSync(file) ? file.replace(`${REPO_ROOT}/`, "") : "not built", false, "bun run build");
  }
  const bundles = BUNDLED_COMMANDS.map((c) => ({ c, s: bundleState(c, bundlesDir()) }));
  const notFresh = bundles.filter((b) => b.s.state !== "fresh");
  add(
    "command bundles",
    notFresh.length === 0,
    notFresh.length === 0
      ? `${BUNDLED_COMMANDS.join(", ")} start from their bytecode bundles`
      : `from source (slower start): ${notFresh.map(({ c, s }) => `${c} (${s.state === "stale" ? s.reason : "not built"})`).join(", ")}`,
    false,
    "bun run build",
  );
  add("bun", true, `bun ${Bun.version}`, false);
  return checks;
}

export async function doctorCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, { json: { type: "boolean" }, help: { type: "boolean", short: "h" } }, false);
  if (values.help) {
    console.log(`Usage: bun run doctor [--json]

Checks this machine for wirelab, changing nothing: root, the Debian packages
that images/provision.sh installs, namespaces, veth and bridge, BTF, bpffs,
BPF JIT, hugepages, perf, the link impairment path (netem, wire or tc-bpf) and
what it can do, and whether the engine and XDP tools are built.
Exit 0 when every required check passes, 1 otherwise.`);
    return 0;
  }
  const checks = await runChecks();
  const failed = checks.filter((c) => c.required && !c.ok);
  if (values.json) {
    console.log(JSON.stringify({ ok: failed.length === 0, checks }));
  } else {
    for (const c of checks) {
      const mark = c.ok ? "ok  " : c.required ? "FAIL" : "note";
      console.log(`${mark}  ${c.name.padEnd(20)} ${c.detail}${c.fix ? `  -> ${c.fix}` : ""}`);
    }
    // What each path does, this machine's marked: the table `lab impair --help` shows.
    const path = checks.find((c) => c.name === "link impairments")?.detail.split(" ")[0];
    console.log(`link impairments by path${path ? ` (this machine: ${path})` : ""}:`);
    for (const row of supportTable()) console.log(row);
    console.log(failed.length === 0 ? "doctor: ready" : `doctor: ${failed.length} required check(s) failed: ${failed.map((c) => c.name).join(", ")}`);
  }
  return failed.length === 0 ? 0 : 1;
}
