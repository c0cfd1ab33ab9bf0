// The only module that constructs @pulumi/command resources. Tests install
// their mocks before importing it (and everything that imports it).
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { sha256 } from "./render.ts";

export const BASH = ["/bin/bash", "-c"];

export interface VirshObjectArgs {
  readonly uri: string;
  /** libvirt object name: part of the environment so create and delete agree on it. */
  readonly name: string;
  readonly xml?: pulumi.Input<string>;
  readonly create: string;
  readonly delete: string;
  readonly env?: Record<string, pulumi.Input<string>>;
  readonly stdin?: pulumi.Input<string>;
  /** Inputs whose change must replace the object (delete, then create under the same name). */
  readonly replaceOn?: pulumi.Input<unknown>[];
}

/**
 * A libvirt object applied with virsh. The XML's hash is a trigger, so an edited
 * lab replaces the object; deleteBeforeReplace because libvirt names are unique.
 */
export function virshObject(name: string, args: VirshObjectArgs, opts: pulumi.CustomResourceOptions): command.local.Command {
  const xmlHash = args.xml === undefined ? undefined : pulumi.output(args.xml).apply(sha256);
  return new command.local.Command(
    name,
    {
      interpreter: BASH,
      create: args.create,
      delete: args.delete,
      environment: {
        WL_URI: args.uri,
        WL_NAME: args.name,
        ...(args.xml !== undefined ? { WL_XML: args.xml } : {}),
        ...args.env,
      },
      ...(args.stdin !== undefined ? { stdin: args.stdin } : {}),
      triggers: [args.uri, args.name, ...(xmlHash ? [xmlHash] : []), ...(args.replaceOn ?? [])],
    },
    { deleteBeforeReplace: true, ...opts },
  );
}

export function localCommand(name: string, args: command.local.CommandArgs, opts: pulumi.CustomResourceOptions): command.local.Command {
  return new command.local.Command(name, { interpreter: BASH, ...args }, opts);
}

export function remoteCommand(name: string, args: command.remote.CommandArgs, opts: pulumi.CustomResourceOptions): command.remote.Command {
  return new command.remote.Command(name, args, opts);
}

export function copyToRemote(name: string, args: command.remote.CopyToRemoteArgs, opts: pulumi.CustomResourceOptions): command.remote.CopyToRemote {
  return new command.remote.CopyToRemote(name, args, opts);
}

export type Command = command.local.Command;
export type RemoteCommand = command.remote.Command;
export type CopyToRemote = command.remote.CopyToRemote;
export type ConnectionArgs = command.types.input.remote.ConnectionArgs;
