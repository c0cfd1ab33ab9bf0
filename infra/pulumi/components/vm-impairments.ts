// A VM lab's link impairments: netem in each VM's own kernel, one remote
// command per impaired interface and direction, run once the VM answers SSH
// (and its tools are built, so the boot unit has already decided which NICs
// DPDK holds). The lines come from impair-remote.ts, the same ones
// `lab impair` runs over SSH; delete takes them off again.
import * as pulumi from "@pulumi/pulumi";
import { remotePointScript } from "../../src/impair-remote.ts";
import type { Lab } from "../../src/lab-model.ts";
import { remoteCommand, type RemoteCommand } from "../resources.ts";
import type { LabVm } from "./lab-vm.ts";

export interface VmImpairmentsArgs {
  readonly lab: Lab;
  /** The lab's VMs, by host name. */
  readonly vms: ReadonlyMap<string, LabVm>;
  readonly sshUser: string;
  readonly privateKey: pulumi.Input<string>;
}

export class VmImpairments extends pulumi.ComponentResource {
  readonly commands: RemoteCommand[];

  constructor(name: string, args: VmImpairmentsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("wirelab:libvirt:VmImpairments", name, {}, opts);
    this.commands = args.lab.impairments.map((p) => {
      const vm = args.vms.get(p.host)!;
      const host = args.lab.hosts.find((h) => h.name === p.host)!;
      const up = vm.build ?? vm.ready;
      if (!up) throw new Error(`${p.source}: impairments on VMs need waitForSsh (they are applied over SSH)`);
      const script = remotePointScript(p);
      return remoteCommand(
        `${name}-${p.host}-${p.ifname}-${p.direction}`,
        {
          connection: { host: host.mgmt.ip, port: 22, user: args.sshUser, privateKey: args.privateKey },
          create: script.create,
          delete: script.delete,
          // A new machine starts without qdiscs: the impairment is applied to it again.
          triggers: [vm.domain.id],
        },
        { parent: this, dependsOn: [up] },
      );
    });
    this.registerOutputs({ points: this.commands.length });
  }
}
