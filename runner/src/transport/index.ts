// Picks the transport for an inventory host.
import type { InventoryHost } from "../../../infra/src/inventory.ts";
import { NetnsTransport } from "./netns-transport.ts";
import { SshTransport } from "./ssh-transport.ts";
import type { Transport } from "./transport.ts";

export type TransportKind = Transport["kind"];

export function transportFor(host: InventoryHost, kind: TransportKind = host.defaultTransport): Transport {
  if (kind === "netns") {
    const spec = host.transports.netns;
    if (!spec) throw new Error(`host '${host.name}' has no netns transport (it is not a namespace on this machine)`);
    return new NetnsTransport(host.name, spec.namespace);
  }
  const spec = host.transports.ssh;
  if (!spec) throw new Error(`host '${host.name}' has no ssh transport (bring the lab up with --ssh)`);
  return new SshTransport(host.name, spec);
}

export type { Transport, RemoteProcess, ExecResult, SpawnOptions } from "./transport.ts";
export { CommandError, checked } from "./transport.ts";
