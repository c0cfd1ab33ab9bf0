// The lab's libvirt networks: management (DHCP with a fixed lease per host,
// NAT unless turned off) and one isolated bridge per test segment.
import * as pulumi from "@pulumi/pulumi";
import type { Lab } from "../../src/lab-model.ts";
import { managementNetworkName, segmentNetworkName } from "../names.ts";
import { renderManagementNetwork, renderSegmentNetwork } from "../render.ts";
import { virshObject, type Command } from "../resources.ts";
import { NETWORK_CREATE, NETWORK_DELETE } from "../scripts.ts";

export interface LabNetworkArgs {
  readonly lab: Lab;
  readonly uri: string;
  readonly nat: boolean;
}

export class LabNetwork extends pulumi.ComponentResource {
  readonly management: Command;
  /** Keyed by segment name (br-test, seg-a, ...). */
  readonly segments: Readonly<Record<string, Command>>;
  readonly managementBridge: pulumi.Output<string>;

  constructor(name: string, args: LabNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("wirelab:libvirt:LabNetwork", name, {}, opts);
    const { lab, uri } = args;
    this.management = virshObject(
      `${name}-mgmt`,
      { uri, name: managementNetworkName(lab), xml: renderManagementNetwork(lab, { nat: args.nat }), create: NETWORK_CREATE, delete: NETWORK_DELETE },
      { parent: this },
    );
    const segments: Record<string, Command> = {};
    for (const segment of lab.segments) {
      segments[segment.name] = virshObject(
        `${name}-${segment.name}`,
        { uri, name: segmentNetworkName(lab, segment), xml: renderSegmentNetwork(lab, segment), create: NETWORK_CREATE, delete: NETWORK_DELETE },
        { parent: this },
      );
    }
    this.segments = segments;
    this.managementBridge = this.management.stdout.apply((s) => s.trim());
    this.registerOutputs({
      managementBridge: this.managementBridge,
      segmentBridges: Object.fromEntries(lab.segments.map((s) => [s.name, segments[s.name]!.stdout.apply((o) => o.trim())])),
    });
  }

  /** Every network: a VM depends on all of them being started. */
  all(): Command[] {
    return [this.management, ...Object.values(this.segments)];
  }
}
