// The checkout's trees copied to a host over SSH and the engine and XDP
// programs built there: the same steps for metal hosts and for lab VMs, so a
// source edit (a new tree hash) re-copies and rebuilds on both.
import * as pulumi from "@pulumi/pulumi";
import { join } from "node:path";
import { buildCommand, cleanupCommand } from "../metal-scripts.ts";
import { shQuote } from "../scripts.ts";
import { copyToRemote, remoteCommand, type ConnectionArgs, type CopyToRemote, type RemoteCommand } from "../resources.ts";

export interface HostToolsArgs {
  readonly connection: ConnectionArgs;
  readonly repoDir: string;
  readonly remoteDir: string;
  /** Content hash of the copied trees. */
  readonly sourceHash: string;
  /** The machine's identity (a VM's domain id): a new machine gets fresh copies and a fresh build. */
  readonly machine?: pulumi.Input<string>;
}

function triggers(args: HostToolsArgs): pulumi.Input<string>[] {
  return [args.sourceHash, ...(args.machine !== undefined ? [args.machine] : [])];
}

/**
 * The remote directory. `cleanup` removes the copies and builds on delete: wanted on a
 * machine that outlives the lab, pointless (and a failure point) on a VM deleted with it.
 */
export function remoteDirectory(name: string, args: HostToolsArgs, cleanup: boolean, opts: pulumi.CustomResourceOptions): RemoteCommand {
  return remoteCommand(
    `${name}-prepare`,
    { connection: args.connection, create: `install -d -m 0755 ${shQuote(args.remoteDir)}`, triggers: triggers(args), ...(cleanup ? { delete: cleanupCommand(args.remoteDir) } : {}) },
    opts,
  );
}

/** One CopyToRemote per tree: `<remoteDir>/<tree>`. */
export function copyTrees(name: string, args: HostToolsArgs, trees: readonly string[], opts: pulumi.CustomResourceOptions): Map<string, CopyToRemote> {
  return new Map(
    trees.map((tree) => [
      tree,
      copyToRemote(
        `${name}-copy-${tree}`,
        { connection: args.connection, source: new pulumi.asset.FileArchive(join(args.repoDir, tree)), remotePath: args.remoteDir, triggers: triggers(args) },
        opts,
      ),
    ]),
  );
}

/** meson + ninja for engine/ and xdp/ into `<remoteDir>/build`, where the inventory's tool paths point. */
export function buildTools(name: string, args: HostToolsArgs, opts: pulumi.CustomResourceOptions): RemoteCommand {
  return remoteCommand(`${name}-build`, { connection: args.connection, create: buildCommand(args.remoteDir), triggers: triggers(args) }, opts);
}
