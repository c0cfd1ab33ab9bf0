// An existing machine reached over SSH: copy the provisioning script, engine
// and XDP sources, provision, bind the test NIC, build, report capabilities.
import * as pulumi from "@pulumi/pulumi";
import { join } from "node:path";
import type { Capabilities } from "../../src/inventory.ts";
import type { Host } from "../../src/lab-model.ts";
import { buildCommand, capabilitiesCommand, cleanupCommand, DPDK_RELEASE, dpdkBindCommand, provisionCommand } from "../metal-scripts.ts";
import { shQuote } from "../scripts.ts";
import { copyToRemote, remoteCommand, type ConnectionArgs, type RemoteCommand } from "../resources.ts";

export interface MetalHostArgs {
  readonly host: Host;
  readonly connection: ConnectionArgs;
  readonly repoDir: string;
  readonly remoteDir: string;
  readonly hugepages: number;
  /** Content hash of the copied trees: a source change re-copies and rebuilds. */
  readonly sourceHash: string;
}

/** Values from the bind step's env file (`KEY=value` lines). */
export function parseDpdkEnv(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^(WIRELAB_[A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) env[m[1]!] = m[2]!;
  }
  return env;
}

export function parseCapabilities(text: string): Capabilities {
  const line = text.trim().split("\n").pop() ?? "";
  const value = JSON.parse(line) as Capabilities;
  return { xdp: value.xdp, afXdp: value.afXdp, afPacket: value.afPacket, dpdkPci: value.dpdkPci, hugepages: value.hugepages };
}

export class MetalHost extends pulumi.ComponentResource {
  readonly provision: RemoteCommand;
  readonly bind: RemoteCommand;
  readonly build: RemoteCommand;
  readonly capabilities: pulumi.Output<Capabilities>;
  readonly dpdkEnv: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: MetalHostArgs, opts?: pulumi.ComponentResourceOptions) {
    super("wirelab:metal:MetalHost", name, {}, opts);
    const { host, connection, remoteDir } = args;
    const prepare = remoteCommand(
      `${name}-prepare`,
      { connection, create: `install -d -m 0755 ${shQuote(remoteDir)}`, delete: cleanupCommand(remoteDir) },
      { parent: this },
    );
    const copies = ["images", "engine", "xdp"].map((dir) =>
      copyToRemote(
        `${name}-copy-${dir}`,
        { connection, source: new pulumi.asset.FileArchive(join(args.repoDir, dir)), remotePath: remoteDir, triggers: [args.sourceHash] },
        { parent: this, dependsOn: [prepare] },
      ),
    );
    const copiedImages = copies[0]!;
    this.provision = remoteCommand(
      `${name}-provision`,
      { connection, create: provisionCommand(remoteDir, args.hugepages), triggers: [args.sourceHash] },
      { parent: this, dependsOn: [copiedImages] },
    );
    this.bind = remoteCommand(
      `${name}-dpdk`,
      { connection, create: dpdkBindCommand(remoteDir, host, args.hugepages), delete: DPDK_RELEASE, triggers: [args.sourceHash] },
      { parent: this, dependsOn: [this.provision] },
    );
    this.build = remoteCommand(
      `${name}-build`,
      { connection, create: buildCommand(remoteDir), triggers: [args.sourceHash] },
      { parent: this, dependsOn: [this.provision, ...copies] },
    );
    const caps = remoteCommand(
      `${name}-capabilities`,
      { connection, create: capabilitiesCommand(host.metal!.test_nic), triggers: [args.sourceHash] },
      { parent: this, dependsOn: [this.bind, this.build] },
    );
    this.capabilities = caps.stdout.apply(parseCapabilities);
    this.dpdkEnv = this.bind.stdout.apply(parseDpdkEnv);
    this.registerOutputs({ capabilities: this.capabilities, dpdkEnv: this.dpdkEnv });
  }
}
