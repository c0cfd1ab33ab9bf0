// One lab host as a libvirt VM: its own SSH host key (so the fingerprint is
// pinned before boot), overlay disk and seed, the domain, and optionally a wait
// until sshd answers with that key, then the engine and XDP programs built inside.
import * as pulumi from "@pulumi/pulumi";
import { fingerprintOfPublicKey } from "../../src/ssh-host-key.ts";
import type { Host, Lab } from "../../src/lab-model.ts";
import { renderUserData } from "../cloud-init.ts";
import { domainName, testNicGuestPci } from "../names.ts";
import { renderDomain, type DomainOptions } from "../render.ts";
import { localCommand, virshObject, type Command, type RemoteCommand } from "../resources.ts";
import { DOMAIN_CREATE, DOMAIN_DELETE, HOSTKEY_CREATE, WAIT_SSH } from "../scripts.ts";
import { buildTools, copyTrees, remoteDirectory } from "./host-tools.ts";
import { LabVolume } from "./lab-volume.ts";

export interface LabVmArgs {
  readonly lab: Lab;
  readonly host: Host;
  readonly uri: string;
  readonly pool: string;
  readonly baseImage: string;
  readonly diskGib: number;
  readonly domain: DomainOptions;
  readonly sshUser: string;
  readonly sshPublicKey: string;
  readonly hugepages: number;
  readonly waitForSsh: boolean;
  readonly waitTimeoutSeconds: number;
  /** Pool and networks: created before any volume or domain of this VM. */
  readonly poolResource: pulumi.Resource;
  readonly networks: pulumi.Resource[];
  /** Copy include/, engine/ and xdp/ in over SSH and build them, once SSH answers (needs waitForSsh). */
  readonly tools?: { readonly privateKey: pulumi.Input<string>; readonly repoDir: string; readonly remoteDir: string; readonly sourceHash: string };
}

/** Splits ssh-keygen's output (private key file, then the .pub line). */
export function splitHostKey(stdout: string): { privateKey: string; publicKey: string } {
  const end = "-----END OPENSSH PRIVATE KEY-----";
  const at = stdout.indexOf(end);
  if (at < 0) throw new Error("host key command printed no OpenSSH private key");
  const publicKey = stdout.slice(at + end.length).trim().split("\n")[0]?.trim() ?? "";
  if (!publicKey.startsWith("ssh-ed25519 ")) throw new Error("host key command printed no ed25519 public key");
  return { privateKey: stdout.slice(0, at + end.length) + "\n", publicKey };
}

export class LabVm extends pulumi.ComponentResource {
  readonly hostKey: Command;
  readonly volume: LabVolume;
  readonly domain: Command;
  readonly ready?: Command;
  /** The engine and XDP programs built in the VM, where the inventory's tool paths point. */
  readonly build?: RemoteCommand;
  readonly hostKeyPublic: pulumi.Output<string>;
  readonly hostKeyFingerprint: pulumi.Output<string>;
  readonly domainName: string;
  readonly testPci: string;

  constructor(name: string, args: LabVmArgs, opts?: pulumi.ComponentResourceOptions) {
    super("wirelab:libvirt:LabVm", name, {}, opts);
    const { lab, host, uri } = args;
    this.domainName = domainName(lab, host);
    this.testPci = testNicGuestPci(0);

    this.hostKey = localCommand(
      `${name}-hostkey`,
      { create: HOSTKEY_CREATE, environment: { WL_COMMENT: `wirelab-${this.domainName}` } },
      { parent: this, additionalSecretOutputs: ["stdout"] },
    );
    const keys = this.hostKey.stdout.apply(splitHostKey);
    const privateKey = pulumi.secret(keys.apply((k) => k.privateKey));
    // The public half is not secret: it goes into the inventory for pinning.
    this.hostKeyPublic = pulumi.unsecret(keys.apply((k) => k.publicKey));
    this.hostKeyFingerprint = this.hostKeyPublic.apply(fingerprintOfPublicKey);

    const userData = pulumi.secret(
      pulumi.all([privateKey, this.hostKeyPublic]).apply(([priv, pub]) =>
        renderUserData(lab, host, {
          sshUser: args.sshUser,
          sshPublicKey: args.sshPublicKey,
          hostKeyPrivate: priv,
          hostKeyPublic: pub,
          hugepages: args.hugepages,
        }),
      ),
    );

    this.volume = new LabVolume(
      `${name}-volume`,
      {
        lab,
        host,
        uri,
        pool: args.pool,
        baseImage: args.baseImage,
        capacityGib: args.diskGib,
        userData,
        dependsOn: [args.poolResource],
      },
      { parent: this },
    );

    this.domain = virshObject(
      `${name}-domain`,
      {
        uri,
        name: this.domainName,
        xml: renderDomain(lab, host, args.domain),
        create: DOMAIN_CREATE,
        delete: DOMAIN_DELETE,
        // A new disk or seed means a new machine: the domain is replaced with them.
        replaceOn: [this.volume.disk.id, this.volume.seed.id],
      },
      { parent: this, dependsOn: [this.volume.disk, this.volume.seed, ...args.networks] },
    );

    if (args.waitForSsh) {
      this.ready = localCommand(
        `${name}-ready`,
        {
          create: WAIT_SSH,
          environment: {
            WL_HOST: host.mgmt.ip,
            WL_FINGERPRINT: this.hostKeyFingerprint,
            WL_TIMEOUT: String(args.waitTimeoutSeconds),
          },
          triggers: [this.domain.id],
        },
        { parent: this, dependsOn: [this.domain] },
      );
    }

    if (args.tools) {
      if (!this.ready) throw new Error(`${name}: installing the tools needs waitForSsh`);
      const tools = {
        connection: { host: host.mgmt.ip, port: 22, user: args.sshUser, privateKey: args.tools.privateKey },
        repoDir: args.tools.repoDir,
        remoteDir: args.tools.remoteDir,
        sourceHash: args.tools.sourceHash,
        machine: this.domain.id,
      };
      // No delete steps: the copies and the build go with the VM's disk.
      const prepare = remoteDirectory(name, tools, false, { parent: this, dependsOn: [this.ready] });
      const copies = copyTrees(name, tools, ["include", "engine", "xdp"], { parent: this, dependsOn: [prepare] });
      this.build = buildTools(name, tools, { parent: this, dependsOn: [...copies.values()] });
    }

    this.registerOutputs({
      domainName: this.domainName,
      hostKeyFingerprint: this.hostKeyFingerprint,
      mgmtIp: host.mgmt.ip,
      testPci: this.testPci,
    });
  }
}
