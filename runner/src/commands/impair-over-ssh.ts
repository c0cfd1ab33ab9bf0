// `lab impair` on a lab of VMs (or metal hosts): netem in each host's own
// kernel, driven over the inventory's SSH transports with impair-remote.ts,
// the lines the Pulumi program also declares.
import type { ImpairPoint } from "../../../infra/src/impair-points.ts";
import { applyRemoteImpairments, readRemotePoint, type RemoteExec } from "../../../infra/src/impair-remote.ts";
import type { Inventory } from "../../../infra/src/inventory.ts";
import type { Lab } from "../../../infra/src/lab-model.ts";
import { transportFor, type Transport } from "../transport/index.ts";
import { loadLab } from "../lab-files.ts";

/** The lab an inventory was built from (its file), to resolve hosts, interfaces and networks. */
export function labOfInventory(inv: Inventory): Lab {
  if (!inv.lab.file) throw new Error(`inventory of lab '${inv.lab.name}' names no lab file: pass the ${inv.backend} lab's inventory written by 'pulumi stack output'`);
  return loadLab(inv.lab.file).lab;
}

async function withTransports<T>(inv: Inventory, run: (execOf: (host: string) => RemoteExec) => Promise<T>): Promise<T> {
  const open = new Map<string, Transport>();
  const execOf = (host: string): RemoteExec => (argv) => {
    let t = open.get(host);
    if (!t) {
      const h = inv.hosts.find((x) => x.name === host);
      if (!h) throw new Error(`inventory of lab '${inv.lab.name}' has no host '${host}'`);
      t = transportFor(h, "ssh");
      open.set(host, t);
    }
    return t.exec(argv);
  };
  try {
    return await run(execOf);
  } finally {
    await Promise.all([...open.values()].map((t) => t.close()));
  }
}

export function applyOverSsh(inv: Inventory, points: readonly ImpairPoint[]) {
  return withTransports(inv, (execOf) => applyRemoteImpairments(execOf, points));
}

/** What every test interface holds now, both directions. */
export function readOverSsh(inv: Inventory, lab: Lab) {
  return withTransports(inv, async (execOf) => {
    const out: { host: string; ifname: string; direction: "egress" | "ingress"; applied: string }[] = [];
    for (const h of lab.hosts) {
      for (const i of h.interfaces) {
        for (const direction of ["egress", "ingress"] as const) {
          const applied = await readRemotePoint(execOf(h.name), i.ifname, direction);
          if (applied !== "none") out.push({ host: h.name, ifname: i.ifname, direction, applied });
        }
      }
    }
    return out;
  });
}
