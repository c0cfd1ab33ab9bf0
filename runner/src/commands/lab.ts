// `wirelab lab up|down|status`: the netns backend from the command line.
import { relative } from "node:path";
import type { Lab } from "../../../infra/src/lab-model.ts";
import { inventoryPath, NetnsBackend, OwnershipError } from "../../../infra/src/netns-lab.ts";
import { parseCommandArgs } from "../cli-args.ts";
import { builtLabOf } from "../built-lab.ts";
import type { LoadedLab } from "../lab-files.ts";
import { labStateDir, REPO_ROOT, UsageError } from "../paths.ts";

export const LAB_HELP = `Usage: bun run lab <up|down|status|impair> [--lab FILE|NAME] [--ssh] [--json]

Builds a lab file as network namespaces on this machine (root needed):
hosts are namespaces, test networks are Linux bridges joined by veth pairs,
and a management bridge reaches every host from here. Every object carries
the lab's prefix and its mark (alias wirelab:<lab id>, the id of the lab file),
and is recorded in the lab's state as it is made: 'down' removes exactly what
'up' made, also after a crash, and leaves alone anything merely named like it.

  up       create what is missing (idempotent) and write inventory.json; refuses a
           prefix that overlaps another running lab's (sqp vs sqp-b), a name that
           exists and is not the lab's, a lab name another lab file already uses
  down     stop the lab's processes and remove its namespaces, veths, bridges, XDP pins,
           DPDK runtime files; names each object it left alone and why
  status   compare the machine with the lab file: what is missing, what is extra
           (exit 0 up, 1 degraded, 3 down)
  impair   show or change a running lab's link impairments (loss, corruption, rate...;
           'bun run lab impair --help')

Options:
  --lab FILE|NAME   lab file, or an example lab: two-host (default), xdp-pair, dut, scale8,
                    dual-stack
  --ssh             also start an OpenSSH server in every host (key-only, management
                    address only) and put SSH transports with pinned host keys in the inventory
  --json            machine-readable output
  -h, --help        this help

Examples:
  bun run lab up --lab two-host --ssh
  bun run lab status --lab dut --json
  bun run lab down --lab two-host`;

export async function labCommand(argv: string[]): Promise<number> {
  if (argv[0] === "impair") return (await import("./impair.ts")).impairCommand(argv.slice(1));
  const { values, positionals } = parseCommandArgs(argv, {
    lab: { type: "string" },
    ssh: { type: "boolean" },
    json: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  const action = positionals[0];
  if (values.help || !action) {
    console.log(LAB_HELP);
    return values.help ? 0 : 2;
  }
  if (positionals.length > 1) throw new UsageError(`lab: unexpected argument '${positionals[1]}'`);
  const arg = values.lab ?? "two-host";
  const { lab, file, sha256 } = await labOf(action, arg);
  const backend = new NetnsBackend();
  const stateDir = labStateDir(lab.name);
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);

  try {
    return await labAction(action, values, { lab, file, sha256, stateDir, backend, ms });
  } catch (err) {
    // One line per object refused, not only the first.
    if (!(err instanceof OwnershipError)) throw err;
    console.error(`wirelab lab: ${err.summary}`);
    for (const line of err.lines) console.error(`  ${line}`);
    return 1;
  }
}

/**
 * `down` takes the model `up` built while the file is unchanged; anything else the model parsed
 * before from the same text by the same code, and only failing that parses the file (which loads
 * the YAML parser and the schema library: most of what a `lab` process would otherwise cost).
 * Each is imported only when its turn comes: a `down` from the built lab loads neither of the others.
 */
async function labOf(action: string, arg: string): Promise<LoadedLab> {
  const built = action === "down" ? builtLabOf(arg) : undefined;
  if (built) return built;
  const { rememberedLab, rememberLab } = await import("../parsed-lab.ts");
  const known = rememberedLab(arg);
  if (known) return known;
  const loaded = (await import("../lab-files.ts")).loadLab(arg);
  rememberLab(loaded);
  return loaded;
}

interface LabContext {
  readonly lab: Lab;
  readonly file: string;
  readonly sha256: string;
  readonly stateDir: string;
  readonly backend: NetnsBackend;
  readonly ms: () => number;
}

async function labAction(action: string, values: { ssh?: boolean; json?: boolean }, { lab, file, sha256, stateDir, backend, ms }: LabContext): Promise<number> {
  switch (action) {
    case "up": {
      // Progress goes to a terminal only: asking is the one thing here that needs tty.ts (and so only `up` loads it).
      const { isTerminal } = await import("../tty.ts");
      const inventory = await backend.up(lab, {
        stateDir,
        ssh: values.ssh ?? false,
        labFile: file,
        labSha256: sha256,
        ...(values.json ? {} : { onProgress: (m: string) => isTerminal(2) && console.error(`  ${m}`) }),
      });
      const path = inventoryPath(stateDir);
      if (values.json) {
        console.log(JSON.stringify({ lab: lab.name, state: "up", elapsedMs: ms(), inventoryPath: path, inventory }));
      } else {
        console.log(`lab ${lab.name} up in ${ms()} ms: ${inventory.hosts.length} hosts${values.ssh ? " with sshd" : ""}`);
        for (const h of inventory.hosts) {
          const test = h.interfaces.map((i) => `${i.name} ${i.ipv4}${i.ipv6 ? ` ${i.ipv6}` : ""} (${i.segment})`).join(", ");
          console.log(`  ${h.name.padEnd(10)} ${h.role.padEnd(5)} mgmt ${h.mgmt.ip.padEnd(15)} ${test}`);
        }
        console.log(`inventory: ${relative(process.cwd(), path) || path}`);
      }
      return 0;
    }
    case "down": {
      const report = await backend.down(lab, { stateDir, labFile: file });
      if (values.json) console.log(JSON.stringify({ lab: lab.name, state: "down", elapsedMs: ms(), ...report }));
      else {
        console.log(
          `lab ${lab.name} down in ${ms()} ms: removed ${report.removed.length} objects` +
            (report.processesStopped.length ? `, stopped ${report.processesStopped.length} processes` : ""),
        );
        for (const line of report.leftAlone) console.log(`  ${line}`);
      }
      return 0;
    }
    case "status": {
      const report = await backend.status(lab, { stateDir, labFile: file });
      if (values.json) console.log(JSON.stringify(report));
      else {
        console.log(`lab ${lab.name}: ${report.state}`);
        for (const h of report.hosts) {
          const v6 = h.ipv6?.length ? `, ${h.ipv6.map((a) => `${a.ifname} ${a.address}`).join(", ")}` : "";
          console.log(`  ${h.name.padEnd(10)} ${h.present ? "present" : "absent"}${h.ssh === undefined ? "" : h.ssh ? ", sshd running" : ", sshd NOT running"}${v6}`);
        }
        for (const m of report.missing) console.log(`  missing: ${m}`);
        for (const e of report.extra) console.log(`  extra:   ${e}`);
      }
      return report.state === "up" ? 0 : report.state === "degraded" ? 1 : 3;
    }
    default:
      throw new UsageError(`lab: unknown action '${action}' (up, down, status)`);
  }
}

export { REPO_ROOT };
