// A VM's storage: a qcow2 overlay on the shared base image, and its cloud-init NoCloud seed.
import * as pulumi from "@pulumi/pulumi";
import type { Host, Lab } from "../../src/lab-model.ts";
import { renderMetaData, renderNetworkConfig } from "../cloud-init.ts";
import { diskVolumeName, seedVolumeName } from "../names.ts";
import { renderOverlayVolume, sha256 } from "../render.ts";
import { virshObject, type Command } from "../resources.ts";
import { SEED_CREATE, VOLUME_CREATE, VOLUME_DELETE } from "../scripts.ts";

export interface LabVolumeArgs {
  readonly lab: Lab;
  readonly host: Host;
  readonly uri: string;
  readonly pool: string;
  readonly baseImage: string;
  readonly capacityGib: number;
  /** Secret: carries the VM's private host key. */
  readonly userData: pulumi.Input<string>;
  /** The pool (children do not inherit a component's dependsOn, so it is passed down explicitly). */
  readonly dependsOn?: pulumi.Resource[];
}

export class LabVolume extends pulumi.ComponentResource {
  readonly disk: Command;
  readonly seed: Command;

  constructor(name: string, args: LabVolumeArgs, opts?: pulumi.ComponentResourceOptions) {
    super("wirelab:libvirt:LabVolume", name, {}, opts);
    const { lab, host, uri, pool } = args;
    this.disk = virshObject(
      `${name}-disk`,
      {
        uri,
        name: diskVolumeName(host),
        xml: renderOverlayVolume(host, { capacityGib: args.capacityGib, baseImage: args.baseImage }),
        create: VOLUME_CREATE,
        delete: VOLUME_DELETE,
        env: { WL_POOL: pool },
      },
      { parent: this, dependsOn: args.dependsOn ?? [] },
    );
    const metaData = renderMetaData(lab, host);
    const networkConfig = renderNetworkConfig(lab, host);
    this.seed = virshObject(
      `${name}-seed`,
      {
        uri,
        name: seedVolumeName(host),
        create: SEED_CREATE,
        delete: VOLUME_DELETE,
        env: { WL_POOL: pool, WL_META_DATA: metaData, WL_NETWORK_CONFIG: networkConfig },
        stdin: args.userData,
        // A changed seed must reach the VM: its hash replaces the volume (and, through the domain's trigger, the VM).
        replaceOn: [pulumi.output(args.userData).apply((u) => sha256(u + metaData + networkConfig))],
      },
      { parent: this, dependsOn: args.dependsOn ?? [] },
    );
    this.registerOutputs({ disk: this.disk.stdout, seedSha256: this.seed.stdout });
  }
}
