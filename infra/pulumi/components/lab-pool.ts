// The lab's storage pool: a directory on the libvirt host holding every VM's overlay and seed.
import * as pulumi from "@pulumi/pulumi";
import type { Lab } from "../../src/lab-model.ts";
import { poolName } from "../names.ts";
import { renderPool } from "../render.ts";
import { virshObject, type Command } from "../resources.ts";
import { POOL_CREATE, POOL_DELETE } from "../scripts.ts";

export interface LabPoolArgs {
  readonly lab: Lab;
  readonly uri: string;
  readonly path: string;
}

export class LabPool extends pulumi.ComponentResource {
  readonly pool: Command;
  readonly name: string;

  constructor(name: string, args: LabPoolArgs, opts?: pulumi.ComponentResourceOptions) {
    super("wirelab:libvirt:LabPool", name, {}, opts);
    this.name = poolName(args.lab);
    this.pool = virshObject(
      `${name}-pool`,
      { uri: args.uri, name: this.name, xml: renderPool(args.lab, args.path), create: POOL_CREATE, delete: POOL_DELETE },
      { parent: this },
    );
    this.registerOutputs({ pool: this.name, path: args.path });
  }
}
