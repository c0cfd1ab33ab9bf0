// Stack configuration: read from Pulumi once (readStackConfig, called only by
// infra/index.ts), validated with zod, then passed down as plain typed data.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { z } from "zod";
import { impairedDpdkNic, parseLab, type Lab } from "../src/lab-model.ts";
import { FINGERPRINT_RE } from "../src/ssh-host-key.ts";

const fingerprint = z.string().regex(FINGERPRINT_RE, "must be an OpenSSH SHA256 fingerprint (ssh-keyscan HOST | ssh-keygen -lf -)");
const absPath = z.string().refine((p) => isAbsolute(p), "must be an absolute path");
const publicKey = z
  .string()
  .trim()
  .regex(/^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/=]+( [^\n]*)?$/, "must be one OpenSSH public key line");

/** libvirt connection URIs the program knows how to drive: local, or a remote daemon over SSH/TCP/TLS. */
const libvirtUri = z
  .string()
  .regex(/^qemu(\+(ssh|tcp|tls|unix|libssh2|libssh))?:\/\/[^\s'"`$\\]*\/(system|session)(\?[^\s'"`$\\]*)?$/, "must be a qemu libvirt URI like qemu:///system or qemu+ssh://user@host/system");

export const metalHostConfigSchema = z.strictObject({
  /** Pinned host key of the existing machine (the program never trusts a key it sees for the first time). */
  hostKey: fingerprint,
  /** Overrides for the lab file's metal block. */
  address: z.string().min(1).optional(),
  port: z.number().int().min(1).max(65535).optional(),
  user: z.string().min(1).optional(),
});

export const stackConfigSchema = z
  .strictObject({
    backend: z.enum(["libvirt", "metal"]).default("libvirt"),
    /** Lab file path, relative to the project directory. */
    lab: z.string().min(1).optional(),
    /** Inline lab YAML (wins over `lab`). */
    labYaml: z.string().min(1).optional(),
    libvirtUri: libvirtUri.default("qemu:///system"),
    /** kvm where the host has hardware virtualization, qemu (TCG) where it has not. */
    domainType: z.enum(["kvm", "qemu"]).default("kvm"),
    /** Paths on the libvirt host (not necessarily this machine): images/build-image.sh output. */
    baseImage: absPath.default("/var/lib/wirelab/images/wirelab-base.qcow2"),
    kernel: absPath.optional(),
    initrd: absPath.optional(),
    kernelArgs: z.string().regex(/^[A-Za-z0-9_.,=:/ -]*$/, "only plain kernel arguments").default(""),
    /** Log each VM's serial console to <dir>/<domain>.console.log on the libvirt host (boot problems). */
    serialLogDir: absPath.optional(),
    /** Directory on the libvirt host for the lab's storage pool. */
    poolPath: absPath.optional(),
    vm: z
      .strictObject({
        vcpus: z.number().int().min(1).max(64).optional(),
        memoryMib: z.number().int().min(512).max(262144).optional(),
        diskGib: z.number().int().min(2).max(2048).optional(),
      })
      .default({}),
    sshUser: z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/, "must be a Unix user name").default("root"),
    sshPublicKey: publicKey,
    /**
     * Where the runner finds the matching private key; recorded in the inventory. The libvirt program
     * also reads it to install the tools in the VMs, unless the secret wirelab:sshPrivateKey is set.
     */
    sshPrivateKeyPath: absPath,
    /** libvirt: copy include/, engine/ and xdp/ into each VM once it answers SSH and build them there (remote.CopyToRemote + remote.Command). */
    installTools: z.boolean().default(true),
    hugepages: z.number().int().min(0).max(65536).default(128),
    /** NAT on the management network (the seed's design: eth0 reaches out through the host). */
    managementNat: z.boolean().default(true),
    /** Make `pulumi up` wait until each VM answers SSH with its pinned key (needs the management network reachable from here). */
    waitForSsh: z.boolean().default(true),
    waitTimeoutSeconds: z.number().int().min(30).max(7200).default(900),
    metalHosts: z.record(z.string(), metalHostConfigSchema).default({}),
    /** Checkout whose include/, engine/ and xdp/ (and, for metal, images/) are copied to the hosts and built there. */
    repoDir: z.string().optional(),
    remoteDir: absPath.default("/opt/wirelab"),
  })
  .refine((c) => c.lab !== undefined || c.labYaml !== undefined, { message: "set wirelab:lab (a lab file) or wirelab:labYaml", path: ["lab"] });


export interface StackConfig extends Omit<z.output<typeof stackConfigSchema>, "lab" | "labYaml" | "repoDir"> {
  readonly lab: Lab;
  readonly labFile?: string;
  readonly labSha256: string;
  readonly repoDir: string;
  readonly kernel: string;
  readonly initrd: string;
  readonly poolPath: string;
  /** The key remote.Command connects with (metal, and libvirt with installTools); the program keeps it secret. */
  readonly sshPrivateKey?: unknown;
}

/** Validates raw config (as Pulumi returns it) and loads the lab; throws one line per problem, naming the config key. */
export function resolveStackConfig(raw: Record<string, unknown>, projectDir: string, extras: { sshPrivateKey?: unknown } = {}): StackConfig {
  const parsed = stackConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = issue.path.length > 0 ? issue.path.map(String).join(".") : "(config)";
    throw new Error(`stack config wirelab:${key}: ${issue.message}`);
  }
  const c = parsed.data;
  let text: string;
  let labFile: string | undefined;
  if (c.labYaml !== undefined) {
    text = c.labYaml;
  } else {
    labFile = resolve(projectDir, c.lab!);
    try {
      text = readFileSync(labFile, "utf8");
    } catch (err) {
      throw new Error(`stack config wirelab:lab: cannot read ${labFile}: ${(err as Error).message}`);
    }
  }
  const lab = parseLab(text, labFile ?? "wirelab:labYaml");
  const where = labFile ?? "wirelab:labYaml";
  const impaired = lab.impairments[0];
  // VMs get netem in their own kernels; metal hosts not yet: a lab must not lose its impairments silently.
  if (impaired && c.backend === "metal") throw new Error(`${where}: ${impaired.source}: link impairments are applied by the netns and libvirt backends only, not yet by metal`);
  if (impaired) {
    const held = impairedDpdkNic(lab);
    if (held) throw new Error(`${where}: ${held}`);
    if (!c.waitForSsh) throw new Error(`stack config wirelab:waitForSsh: ${where}: ${impaired.source}: impairments are applied over SSH once the VM answers; set waitForSsh true`);
  }
  if (c.backend === "metal") {
    for (const host of lab.hosts) {
      if (!host.metal) throw new Error(`backend metal: host '${host.name}' has no 'metal' block in the lab file`);
      if (!c.metalHosts[host.name]) throw new Error(`backend metal: set wirelab:metalHosts.${host.name}.hostKey (pinned SSH host key)`);
    }
    for (const name of Object.keys(c.metalHosts)) {
      if (!lab.hosts.some((h) => h.name === name)) throw new Error(`stack config wirelab:metalHosts.${name}: no such host in lab '${lab.name}'`);
    }
    if (extras.sshPrivateKey === undefined) throw new Error("backend metal: set the secret wirelab:sshPrivateKey (pulumi config set --secret)");
  }
  let sshPrivateKey = extras.sshPrivateKey;
  if (c.backend === "libvirt" && (c.installTools || impaired)) {
    if (c.installTools && !c.waitForSsh) throw new Error("stack config wirelab:installTools: needs wirelab:waitForSsh true (the tools are copied over SSH), or set installTools false");
    if (sshPrivateKey === undefined) {
      try {
        sshPrivateKey = readFileSync(c.sshPrivateKeyPath, "utf8");
      } catch (err) {
        throw new Error(`stack config wirelab:sshPrivateKeyPath: cannot read ${c.sshPrivateKeyPath} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): ${c.installTools ? "installTools needs" : "impairments need"} the key; set the secret wirelab:sshPrivateKey${c.installTools ? " or wirelab:installTools false" : ""}`);
      }
    }
  }
  const imageDir = dirname(c.baseImage);
  const { lab: _l, labYaml: _y, repoDir, ...rest } = c;
  return {
    ...rest,
    lab,
    ...(labFile !== undefined ? { labFile } : {}),
    labSha256: createHash("sha256").update(text).digest("hex"),
    repoDir: resolve(projectDir, repoDir ?? "."),
    kernel: c.kernel ?? join(imageDir, "vmlinuz"),
    initrd: c.initrd ?? join(imageDir, "initrd.img"),
    poolPath: c.poolPath ?? `/var/lib/libvirt/images/wirelab-${lab.prefix}`,
    ...(sshPrivateKey !== undefined ? { sshPrivateKey } : {}),
  };
}

/** Every key the program reads, in Pulumi's namespaces. Kept here so the reading happens in one place. */
export const CONFIG_KEYS = [
  "backend", "lab", "labYaml", "domainType", "baseImage", "kernel", "initrd", "kernelArgs", "serialLogDir", "poolPath", "vm",
  "sshUser", "sshPublicKey", "sshPrivateKeyPath", "installTools", "hugepages", "managementNat", "waitForSsh", "waitTimeoutSeconds",
  "metalHosts", "repoDir", "remoteDir",
] as const;
