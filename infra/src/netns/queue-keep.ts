// Multi-queue interfaces on the netns lab keep each frame's queue across the
// lab's bridge: what a host sends on tx queue q arrives at the other host on
// rx queue q, as over a plain veth pair. Without it the bridge's egress pick
// reads the queue a veth hands over (q, not q + 1) as recorded rx queue q - 1:
// queue 1 went to queue 0 and queue 0 was spread by flow hash, so a reply
// reached another engine worker than the one that sent the request (a 2-worker
// TCP run matched 5982 of 8000). xdp/queue_keep.bpf.c records the queue on the
// ingress of each such interface's switch port.
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Lab } from "../lab-model.ts";
import { run, runChecked } from "../process.ts";
import { BUILD_DIR } from "../repo.ts";

export const QUEUE_KEEP_OBJECT = join(BUILD_DIR, "xdp", "queue_keep.bpf.o");
export const QUEUE_KEEP_PROG = "wl_queue_keep";
/** After the impairing program and its ifb redirect (impairments.ts: prefs 1 and 2), whose frames it then still sees. */
export const PREF_QUEUE_KEEP = 10;

/** The switch ports that need the program: those of interfaces with more than one queue. */
export function queueKeepPorts(lab: Lab): string[] {
  return lab.hosts.flatMap((h) => h.interfaces.filter((i) => i.queues > 1).map((i) => i.switchPort));
}

/** tc's arguments that put the program on a port's ingress (replace: `up` again leaves one filter). */
export function queueKeepFilterArgs(port: string, object = QUEUE_KEEP_OBJECT): string[] {
  return ["filter", "replace", "dev", port, "ingress", "pref", String(PREF_QUEUE_KEEP), "handle", "1", "bpf", "direct-action", "obj", object, "sec", "tc"];
}

/** Attaches the program to every multi-queue interface's switch port; the switch namespace's removal takes it away. */
export async function keepQueues(lab: Lab): Promise<void> {
  const ports = queueKeepPorts(lab);
  if (ports.length === 0) return;
  if (!existsSync(QUEUE_KEEP_OBJECT)) throw new Error(`lab '${lab.name}' has interfaces with several queues and ${QUEUE_KEEP_OBJECT} is not built: run 'bun run build'`);
  const ns = ["nsenter", `--net=/run/netns/${lab.switchNamespace}`];
  for (const port of ports) {
    const r = await run([...ns, "tc", "qdisc", "add", "dev", port, "clsact"]);
    if (r.code !== 0 && !/File exists|Exclusivity flag on/.test(r.stderr)) throw new Error(`adding clsact on ${port} failed: ${r.stderr.trim().split("\n")[0]}`);
    await runChecked([...ns, "tc", ...queueKeepFilterArgs(port)], `keeping the queues of ${port}`);
  }
}
