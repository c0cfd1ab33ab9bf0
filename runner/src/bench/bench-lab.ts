// A netns lab of a bench's own: its own name, prefix and 198.18.X subnet, so a
// bench never measures on (or tears down) a lab someone else is using, and it
// gets the interfaces it needs (queues) whatever the example labs say. The lab
// file sits at a fixed path under the state root: the backend knows a lab by
// its file, so a run that finds a lab a crashed run left takes it down first.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { NetnsBackend } from "../../../infra/src/netns-lab.ts";
import { inventoryLab, type ReachedLab } from "../lab-fixture.ts";
import { loadLab } from "../lab-files.ts";
import { labStateDir, stateRoot } from "../paths.ts";

export interface BenchLabSpec {
  /** Lab name and prefix of every kernel object it makes. */
  readonly name: string;
  /** Third octet of its test subnet, 198.18.<octet>.0/24: one no suite or other bench uses. */
  readonly octet: number;
  /** Why the lab exists, the first line of its file. */
  readonly why: string;
  /** Hosts on the lab's one test bridge, each with one test interface of `queues` queues. */
  readonly hosts: readonly { name: string; role: string; queues?: number }[];
}

/** `bench engine`'s lab: 198.18.86.0/24 is no suite's, and two queues on each side give the 2-worker row its queues. */
export const ENGINE_BENCH_LAB: BenchLabSpec = {
  name: "wlbe",
  octet: 86,
  why: "bench engine's own lab: tx and rx on one bridge, two queues on each test interface (one af_xdp queue per worker)",
  hosts: [
    { name: "tx", role: "tx", queues: 2 },
    { name: "rx", role: "rx", queues: 2 },
  ],
};

export interface BenchLab extends ReachedLab {
  /** What was found and removed before bringing the lab up (a crashed run's), or undefined. */
  readonly leftover: string | undefined;
  /** Closes the transports and removes the lab; safe to call twice. */
  down(): Promise<void>;
}

export function benchLabYaml(spec: BenchLabSpec): string {
  if (!Number.isInteger(spec.octet) || spec.octet < 0 || spec.octet > 255) throw new Error(`bench lab ${spec.name}: octet ${spec.octet} is not 0..255`);
  const hosts = spec.hosts.map((h) => `  - name: ${h.name}\n    role: ${h.role}\n    interfaces: [ { network: br-test${h.queues !== undefined ? `, queues: ${h.queues}` : ""} } ]\n`);
  return `# ${spec.why}\nname: ${spec.name}\nprefix: ${spec.name}\nnetworks:\n  - name: br-test\n    subnet: 198.18.${spec.octet}.0/24\nhosts:\n${hosts.join("")}`;
}

export function benchLabFile(name: string): string {
  return join(stateRoot(), "bench-labs", `${name}.yaml`);
}

/** Brings the bench's lab up (after removing what a crashed run of it left) and reaches its hosts without SSH. */
export async function openBenchLab(spec: BenchLabSpec): Promise<BenchLab> {
  const file = benchLabFile(spec.name);
  mkdirSync(join(stateRoot(), "bench-labs"), { recursive: true });
  writeFileSync(file, benchLabYaml(spec));
  const { lab, sha256 } = loadLab(file);
  const options = { stateDir: labStateDir(lab.name), labFile: file };
  const backend = new NetnsBackend();
  let leftover: string | undefined;
  const before = await backend.status(lab, options);
  if (before.state !== "down") {
    const r = await backend.down(lab, options);
    leftover = `lab ${lab.name} was ${before.state} (a run that did not finish): removed ${r.removed.length} objects, stopped ${r.processesStopped.length} processes`;
  }
  const inventory = await backend.up(lab, { ...options, ssh: false, labSha256: sha256 });
  const reached = inventoryLab(inventory);
  let up = true;
  return {
    ...reached,
    leftover,
    async down() {
      await reached.closeTransports();
      if (!up) return;
      up = false;
      await backend.down(lab, options);
    },
  };
}
