// Lab bring-up benchmark: up+down time (median of N) for two-host and scale8,
// wirelab against references run in the same invocation: Mininet with its
// Linux-bridge switch, and a plain shell script of one `ip` command per object.
// Prints a table of ratios; asserts nothing.
import { existsSync, mkdtempSync, readFileSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseLab, type Lab } from "../../../infra/src/lab-model.ts";
import { BUILD_DIR, BUN } from "../../../infra/src/repo.ts";
import { NetnsBackend } from "../../../infra/src/netns-lab.ts";
import { run } from "../../../infra/src/process.ts";
import { benchArgs, wholeNumber } from "./bench-args.ts";
import { UsageError } from "../paths.ts";

const REPO = resolve(import.meta.dir, "..", "..", "..");
const COMPILED_CLI = join(BUILD_DIR, "wirelab");

const USAGE = `Usage: bun run bench lab [--reps N] [--json FILE]

Lab up+down time, median of N, for the two-host and scale8 labs: the wirelab CLI
(compiled build/wirelab and bun cli.ts), the netns backend in-process, and two
references measured in the same run: Mininet with its Linux-bridge switch and a
plain script of one 'ip' command per object. Every measurement, Mininet's too,
starts 0.3 s after the last ended, so none pays for the kernel still tearing the
previous one's namespaces down. 'bun cli.ts' runs the command bundles of 'bun run
build' when they are current (see 'bun run doctor'). Prints a table of ratios. Needs
root (it builds namespaces) and Mininet ('bun run bench lab' installs the bench
profile of images/provision.sh when run as root).

Options:
  --reps N      repetitions per tool and lab [5]
  --json FILE   also write the rows as JSON to FILE
  -h, --help    this help`;

interface Args {
  reps: number;
  json?: string;
}

function parseArgs(argv: string[]): Args | "help" {
  const args: Args = { reps: 5 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "-h" || a === "--help") return "help";
    else if (a === "--reps") args.reps = wholeNumber(a, argv[++i], 1, 100);
    else if (a === "--json" && argv[i + 1] !== undefined) args.json = argv[++i];
    else throw new UsageError(a === "--json" ? "--json needs a file" : `unknown argument '${a}' (see --help)`);
  }
  return args;
}

const parsed = benchArgs<Args>("lab", USAGE, parseArgs, process.argv.slice(2));
if (typeof parsed === "number") process.exit(parsed);
const { reps: REPS, json: JSON_FILE } = parsed;

// The kernel finishes tearing a namespace down after `down` returns, on the same cores:
// without a pause, each measurement would pay for the one before it. Every variant,
// Mininet included, starts this long after the last one ended.
const SETTLE_MS = 300;

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

async function timeIt(body: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  await body();
  return (performance.now() - t0) / 1000;
}

async function must(argv: string[], what: string): Promise<void> {
  const r = await run(argv);
  if (r.code !== 0) throw new Error(`${what}: ${(r.stderr || r.stdout).trim().split("\n").slice(-1)[0]}`);
}

/** The same topology as a plain script: one `ip` process per object, as a person would write it. */
function ipScripts(lab: Lab, prefix: string): { up: string; down: string } {
  const up: string[] = ["set -e"];
  const down: string[] = [];
  const br = `${prefix}-br`;
  up.push(`ip link add ${br} type bridge`, `ip link set ${br} up`);
  lab.hosts.forEach((h, i) => {
    const ns = `${prefix}-${i}`;
    const v = `${prefix}-v${i}`;
    up.push(
      `ip netns add ${ns}`,
      `ip link add ${v} type veth peer name eth1 netns ${ns}`,
      `ip link set ${v} master ${br}`,
      `ip link set ${v} up`,
      `ip -n ${ns} addr add ${h.interfaces[0]!.ip}/${h.interfaces[0]!.prefixLen} dev eth1`,
      `ip -n ${ns} link set eth1 up`,
      `ip -n ${ns} link set lo up`,
    );
    down.push(`ip link del ${v}`, `ip netns del ${ns}`);
  });
  down.push(`ip link del ${br}`);
  return { up: up.join("\n") + "\n", down: down.join("\n") + "\n" };
}

/** Mininet, Linux-bridge switch, no controller, addresses from the benchmarking range, names of its own. */
function mininetScript(hosts: number): string {
  return `
import time, sys
from mininet.net import Mininet
from mininet.topo import Topo
from mininet.nodelib import LinuxBridge
from mininet.log import setLogLevel
setLogLevel('error')
class T(Topo):
    def build(self):
        s = self.addSwitch('wmb1')
        for i in range(${hosts}):
            self.addLink(self.addHost('wmh%d' % (i + 1)), s)
times = []
for _ in range(${REPS}):
    time.sleep(${SETTLE_MS / 1000})
    t0 = time.perf_counter()
    net = Mininet(topo=T(), switch=LinuxBridge, controller=None, ipBase='198.18.128.0/24', autoSetMacs=True)
    net.start()
    net.stop()
    times.append(time.perf_counter() - t0)
print(' '.join('%.6f' % t for t in times))
`;
}

interface Row {
  topology: string;
  compiled: number | undefined;
  cli: number;
  inProcess: number;
  ipScript: number;
  mininet: number | undefined;
}

async function measure(labName: string): Promise<Row> {
  const file = join(REPO, "infra", "labs", `${labName}.yaml`);
  const lab = parseLab(readFileSync(file, "utf8"), file);
  const stateDir = join(work, labName);
  const backend = new NetnsBackend();
  const bun = BUN;
  const compiledTimes: number[] = [];
  const cliTimes: number[] = [];
  const inTimes: number[] = [];
  const ipTimes: number[] = [];
  const scripts = ipScripts(lab, `wlb${labName.length}`);
  writeFileSync(join(work, "up.sh"), scripts.up);
  writeFileSync(join(work, "down.sh"), scripts.down);
  const variants: { times: number[]; upDown: () => Promise<void> }[] = [
    {
      times: cliTimes,
      upDown: async () => {
        await must([bun, join(REPO, "runner", "src", "cli.ts"), "lab", "up", "--lab", file], "wirelab lab up");
        await must([bun, join(REPO, "runner", "src", "cli.ts"), "lab", "down", "--lab", file], "wirelab lab down");
      },
    },
    {
      times: inTimes,
      upDown: async () => {
        await backend.up(lab, { stateDir });
        await backend.down(lab, { stateDir });
      },
    },
    {
      times: ipTimes,
      upDown: async () => {
        await must(["bash", join(work, "up.sh")], "ip script up");
        await must(["bash", join(work, "down.sh")], "ip script down");
      },
    },
  ];
  if (existsSync(COMPILED_CLI)) {
    variants.push({
      times: compiledTimes,
      upDown: async () => {
        await must([COMPILED_CLI, "lab", "up", "--lab", file], "build/wirelab lab up");
        await must([COMPILED_CLI, "lab", "down", "--lab", file], "build/wirelab lab down");
      },
    });
  }
  for (let i = 0; i < REPS; i++) {
    for (const v of variants) {
      await Bun.sleep(SETTLE_MS);
      v.times.push(await timeIt(v.upDown));
    }
  }
  let mininet: number | undefined;
  const mn = await run(["/usr/bin/python3", "-c", mininetScript(lab.hosts.length)]);
  if (mn.code === 0) mininet = median(mn.stdout.trim().split(/\s+/).map(Number));
  else console.error(`mininet (${labName}): ${(mn.stderr.trim().split("\n").slice(-1)[0] ?? "failed")} (Debian packages mininet, bridge-utils)`);
  return { topology: `${labName} (${lab.hosts.length} hosts)`, compiled: compiledTimes.length ? median(compiledTimes) : undefined, cli: median(cliTimes), inProcess: median(inTimes), ipScript: median(ipTimes), mininet };
}

if (process.getuid?.() !== 0) {
  console.error("bench lab: needs root (it builds namespaces)");
  process.exit(1);
}
const work = mkdtempSync(join(tmpdir(), "wirelab-lab-bench-"));
const rows: Row[] = [];
try {
  for (const name of ["two-host", "scale8"]) rows.push(await measure(name));
} finally {
  rmSync(work, { recursive: true, force: true });
}

const ms = (s: number | undefined) => (s === undefined ? "n/a" : `${(s * 1000).toFixed(1)} ms`);
const ratio = (a: number, b: number | undefined) => (b === undefined ? "n/a" : `${(a / b).toFixed(2)}x`);
const header = ["topology", "build/wirelab", "bun cli.ts", "in-process", "ip script", "mininet (lxbr)", "build/wirelab / mininet", "bun cli.ts / mininet", "in-process / ip script"];
const table = rows.map((r) => [
  r.topology, ms(r.compiled), ms(r.cli), ms(r.inProcess), ms(r.ipScript), ms(r.mininet),
  r.compiled === undefined ? "n/a" : ratio(r.compiled, r.mininet), ratio(r.cli, r.mininet), ratio(r.inProcess, r.ipScript),
]);
console.log(`lab up+down, median of ${REPS} (lower is better; a ratio below 1.00x means wirelab is faster)`);
console.log(`| ${header.join(" | ")} |`);
console.log(`|${header.map(() => "---").join("|")}|`);
for (const row of table) console.log(`| ${row.join(" | ")} |`);
if (!existsSync(COMPILED_CLI)) console.log("build/wirelab not built: run 'bun run build' to measure the compiled CLI.");
console.log(
  "build/wirelab and bun cli.ts = two processes each ('lab up' then 'lab down', start-up included); in-process = NetnsBackend.up+down; " +
    "ip script = bash with one ip process per object; mininet = Mininet(LinuxBridge).start()+stop() inside python.",
);
if (JSON_FILE) writeFileSync(JSON_FILE, JSON.stringify(rows, null, 2));
// Without its reference the table has lost its point: say so in the exit status, not only with n/a.
if (rows.some((r) => r.mininet === undefined)) {
  console.error("bench lab: Mininet could not be measured (see above): run as root so 'bun run bench lab' installs it (images/provision.sh --profile bench)");
  process.exit(1);
}
