// An existing machine reached over SSH: copy the provisioning script, engine
// and XDP sources, provision, bind the test NIC, build, report capabilities.
import * as pulumi from "@pulumi/pulumi";
import type { Capabilities } from "../../src/inventory.ts";
import type { Host } from "../../src/lab-model.ts";
import { capabilitiesCommand, DPDK_RELEASE, dpdkBindCommand, provisionCommand } from "../metal-scripts.ts";
import { remoteCommand, type ConnectionArgs, type RemoteCommand } from "../resources.ts";
import { buildTools, copyTrees, remoteDirectory } from "./host-tools.ts";

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
    const tools = { connection, repoDir: args.repoDir, remoteDir, sourceHash: args.sourceHash };
    const prepare = remoteDirectory(name, tools, true, { parent: this });
    const copies = copyTrees(name, tools, ["images", "include", "engine", "xdp"], { parent: this, dependsOn: [prepare] });
    this.provision = remoteCommand(
      `${name}-provision`,
      { connection, create: provisionCommand(remoteDir, args.hugepages), triggers: [args.sourceHash] },
      { parent: this, dependsOn: [copies.get("images")!] },
    );
    this.bind = remoteCommand(
      `${name}-dpdk`,
      { connection, create: dpdkBindCommand(remoteDir, host, args.hugepages), delete: DPDK_RELEASE, triggers: [args.sourceHash] },
      { parent: this, dependsOn: [this.provision] },
    );
    this.build = buildTools(name, tools, { parent: this, dependsOn: [this.provision, ...copies.values()] });
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
