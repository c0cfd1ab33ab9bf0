// The Pulumi program as a function of validated config, so tests can run it
// under mocks with any lab; infra/index.ts calls it once with the stack's config.
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import type { Inventory } from "../src/inventory.ts";
import { LabNetwork } from "./components/lab-network.ts";
import { LabPool } from "./components/lab-pool.ts";
import { LabVm } from "./components/lab-vm.ts";
import { MetalHost } from "./components/metal-host.ts";
import { VmImpairments } from "./components/vm-impairments.ts";
import type { StackConfig } from "./config.ts";
import { libvirtInventory, metalInventory, type InventoryMeta, type MetalHostFacts } from "./inventory.ts";

export interface LabProgram {
  readonly inventory: pulumi.Output<Inventory>;
  /** A libvirt lab's VMs by host name: what components declared against the running lab (VmImpairments) depend on. */
  readonly vms?: ReadonlyMap<string, LabVm>;
}

export function defineLab(cfg: StackConfig): LabProgram {
  const meta: InventoryMeta = {
    ...(cfg.labFile ? { labFile: cfg.labFile } : {}),
    labSha256: cfg.labSha256,
    sshUser: cfg.sshUser,
    sshPrivateKeyPath: cfg.sshPrivateKeyPath,
    createdAt: new Date().toISOString(),
  };
  return cfg.backend === "metal" ? defineMetal(cfg, meta) : defineLibvirt(cfg, meta);
}

function defineLibvirt(cfg: StackConfig, meta: InventoryMeta): LabProgram {
  const { lab } = cfg;
  const uri = cfg.libvirtUri;
  const network = new LabNetwork(lab.prefix, { lab, uri, nat: cfg.managementNat });
  const pool = new LabPool(lab.prefix, { lab, uri, path: cfg.poolPath });
  const tools = cfg.installTools
    ? { privateKey: pulumi.secret(cfg.sshPrivateKey as pulumi.Input<string>), repoDir: cfg.repoDir, remoteDir: cfg.remoteDir, sourceHash: treeHash(cfg.repoDir, ["include", "engine", "xdp"]) }
    : undefined;
  const vms = lab.hosts.map(
    (host) =>
      new LabVm(`${lab.prefix}-${host.name}`, {
        lab,
        host,
        uri,
        pool: pool.name,
        baseImage: cfg.baseImage,
        diskGib: cfg.vm.diskGib ?? host.vm?.disk_gib ?? 8,
        domain: {
          type: cfg.domainType,
          vcpus: cfg.vm.vcpus ?? host.vm?.vcpus ?? 2,
          memoryMib: cfg.vm.memoryMib ?? host.vm?.memory_mib ?? 2048,
          kernel: cfg.kernel,
          initrd: cfg.initrd,
          kernelArgs: cfg.kernelArgs,
          ...(cfg.serialLogDir ? { serialLogDir: cfg.serialLogDir } : {}),
        },
        sshUser: cfg.sshUser,
        sshPublicKey: cfg.sshPublicKey,
        hugepages: cfg.hugepages,
        waitForSsh: cfg.waitForSsh,
        waitTimeoutSeconds: cfg.waitTimeoutSeconds,
        poolResource: pool.pool,
        networks: network.all(),
        ...(tools ? { tools } : {}),
      }),
  );
  const fingerprints = pulumi.all(Object.fromEntries(vms.map((vm, i) => [lab.hosts[i]!.name, vm.hostKeyFingerprint])));
  const byHost = new Map(vms.map((vm, i) => [lab.hosts[i]!.name, vm]));
  const impairments =
    lab.impairments.length > 0
      ? new VmImpairments(`${lab.prefix}-impair`, {
          lab,
          vms: byHost,
          sshUser: cfg.sshUser,
          privateKey: pulumi.secret(cfg.sshPrivateKey as pulumi.Input<string>),
        })
      : undefined;
  // The inventory is published once every VM is up (its tools built, its links impaired), so a consumer never reads a lab still booting.
  const ready = pulumi.all([...vms.map((vm) => (vm.build ?? vm.ready ?? vm.domain).id), ...(impairments?.commands ?? []).map((c) => c.id)]);
  const inventory = pulumi
    .all([fingerprints, ready])
    .apply(([fps]) => libvirtInventory(lab, { ...meta, hugepages: cfg.hugepages }, fps as Record<string, string>));
  return { inventory, vms: byHost };
}

/** A content hash of the trees copied to metal hosts: edits re-copy and rebuild, an unchanged tree does nothing. */
export function treeHash(root: string, dirs: readonly string[]): string {
  const hash = createHash("sha256");
  const walk = (dir: string): void => {
    let entries: string[];
    try {
      entries = readdirSync(dir).sort();
    } catch {
      return;
    }
    for (const entry of entries) {
      if (entry === "build" || entry.startsWith(".")) continue;
      const path = join(dir, entry);
      const st = statSync(path);
      if (st.isDirectory()) walk(path);
      else if (st.isFile()) hash.update(relative(root, path)).update("\0").update(readFileSync(path)).update("\0");
    }
  };
  for (const d of dirs) walk(join(root, d));
  return hash.digest("hex");
}

function defineMetal(cfg: StackConfig, meta: InventoryMeta): LabProgram {
  const { lab } = cfg;
  const sourceHash = treeHash(cfg.repoDir, ["images", "include", "engine", "xdp"]);
  const facts = lab.hosts.map((host) => {
    const metal = host.metal!;
    const override = cfg.metalHosts[host.name]!;
    const address = override.address ?? metal.address;
    const port = override.port ?? metal.port;
    const user = override.user ?? metal.user;
    const component = new MetalHost(`${lab.prefix}-${host.name}`, {
      host,
      connection: { host: address, port, user, privateKey: cfg.sshPrivateKey as pulumi.Input<string> },
      repoDir: cfg.repoDir,
      remoteDir: cfg.remoteDir,
      hugepages: cfg.hugepages,
      sourceHash,
    });
    return pulumi.all([component.capabilities, component.dpdkEnv]).apply(
      ([capabilities, dpdkEnv]): [string, MetalHostFacts] => [host.name, { address, port, user, hostKey: override.hostKey, capabilities, dpdkEnv }],
    );
  });
  const inventory = pulumi.all(facts).apply((entries) => metalInventory(lab, meta, Object.fromEntries(entries)));
  return { inventory };
}
