// `queues: N` on a lab interface, on a real netns lab: the kernel's view of
// both veth ends (sysfs queue directories, ethtool's channel counts) and the
// inventory's, and an interface without it keeps one queue.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Inventory } from "../inventory.ts";
import { parseLab, type Lab } from "../lab-model.ts";
import { NetnsBackend } from "./backend.ts";
import { PREF_QUEUE_KEEP, QUEUE_KEEP_PROG, queueKeepPorts } from "./queue-keep.ts";
import { run } from "../process.ts";

const PREFIX = "wlhq";
const LAB = `name: ${PREFIX}
management: { subnet: 198.19.213.0/24 }
networks:
  - { name: seg-a, subnet: 198.18.213.0/24 }
  - { name: seg-b, subnet: 198.18.214.0/24 }
hosts:
  - name: gen
    role: tx
    interfaces: [ { network: seg-a, queues: 4 }, { network: seg-b } ]
  - name: sink
    role: rx
    interfaces: [ { network: seg-a, queues: 3 } ]
`;

const backend = new NetnsBackend();
let work: string;
let labFile: string;
let lab: Lab;
let inv: Inventory;

async function inNamespace(ns: string, argv: string[]): Promise<string> {
  // `ip netns exec` remounts /sys, so sysfs shows the namespace's own links.
  const r = await run(["ip", "netns", "exec", ns, ...argv]);
  if (r.code !== 0) throw new Error(`${argv.join(" ")} in ${ns}: ${r.stderr.trim()}`);
  return r.stdout;
}

async function sysfsQueues(ns: string, dev: string): Promise<{ rx: number; tx: number }> {
  const names = (await inNamespace(ns, ["ls", `/sys/class/net/${dev}/queues`])).split("\n").filter(Boolean);
  return { rx: names.filter((n) => n.startsWith("rx-")).length, tx: names.filter((n) => n.startsWith("tx-")).length };
}

/** ethtool -l: the channel counts in use ("Current hardware settings"). */
async function ethtoolChannels(ns: string, dev: string): Promise<{ rx: number; tx: number }> {
  const out = await inNamespace(ns, ["ethtool", "-l", dev]);
  const current = out.slice(out.indexOf("Current hardware settings"));
  const value = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, "m").exec(current)?.[1]);
  return { rx: value("RX"), tx: value("TX") };
}

describe("queues on a netns lab", () => {
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), `${PREFIX}-`));
    labFile = join(work, `${PREFIX}.yaml`);
    writeFileSync(labFile, LAB);
    lab = parseLab(LAB, labFile);
    inv = await backend.up(lab, { stateDir: join(work, "state"), labFile });
  }, 60_000);

  afterAll(async () => {
    if (lab) await backend.down(lab, { stateDir: join(work, "state"), labFile });
    rmSync(work, { recursive: true, force: true });
  }, 60_000);

  test("the host end of each veth has the queues its interface asks for, in sysfs and for ethtool", async () => {
    const [gen, sink] = lab.hosts;
    expect(await sysfsQueues(gen!.namespace, "eth1")).toEqual({ rx: 4, tx: 4 });
    expect(await ethtoolChannels(gen!.namespace, "eth1")).toEqual({ rx: 4, tx: 4 });
    expect(await sysfsQueues(sink!.namespace, "eth1")).toEqual({ rx: 3, tx: 3 });
    expect(await ethtoolChannels(sink!.namespace, "eth1")).toEqual({ rx: 3, tx: 3 });
    // Without `queues`, one queue, as before.
    expect(await sysfsQueues(gen!.namespace, "eth2")).toEqual({ rx: 1, tx: 1 });
    expect(await sysfsQueues(gen!.namespace, "eth0")).toEqual({ rx: 1, tx: 1 });
  });

  test("the switch end has as many: its tx queue picks the host end's rx queue", async () => {
    const port = lab.hosts[0]!.interfaces[0]!.switchPort;
    expect(await sysfsQueues(lab.switchNamespace, port)).toEqual({ rx: 4, tx: 4 });
  });

  test("the switch port of each multi-queue interface keeps the queue (queue_keep on its ingress), a one-queue port has no filter", async () => {
    const filters = async (port: string) =>
      JSON.parse((await inNamespace(lab.switchNamespace, ["tc", "-j", "filter", "show", "dev", port, "ingress"])) || "[]") as { pref?: number; options?: { prog?: { name?: string } } }[];
    for (const ifc of [lab.hosts[0]!.interfaces[0]!, lab.hosts[1]!.interfaces[0]!]) {
      const f = await filters(ifc.switchPort);
      expect(f.filter((x) => x.options?.prog?.name === QUEUE_KEEP_PROG).map((x) => x.pref)).toEqual([PREF_QUEUE_KEEP]);
    }
    expect(await filters(lab.hosts[0]!.interfaces[1]!.switchPort)).toEqual([]);
    expect(queueKeepPorts(lab)).toEqual([lab.hosts[0]!.interfaces[0]!.switchPort, lab.hosts[1]!.interfaces[0]!.switchPort]);
  });

  test("the inventory carries each interface's queues", () => {
    expect(inv.hosts.map((h) => h.interfaces.map((i) => i.queues))).toEqual([[4, 1], [3]]);
  });

  test("up again is idempotent and keeps the queues", async () => {
    await backend.up(lab, { stateDir: join(work, "state"), labFile });
    expect(await sysfsQueues(lab.hosts[0]!.namespace, "eth1")).toEqual({ rx: 4, tx: 4 });
    // still one queue_keep filter on the port, not a second
    const f = JSON.parse(await inNamespace(lab.switchNamespace, ["tc", "-j", "filter", "show", "dev", lab.hosts[0]!.interfaces[0]!.switchPort, "ingress"])) as { options?: { prog?: { name?: string } } }[];
    expect(f.filter((x) => x.options?.prog?.name === QUEUE_KEEP_PROG)).toHaveLength(1);
  }, 60_000);
});
