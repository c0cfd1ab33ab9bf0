// The libvirt program under mocks: every resource, its parent, dependencies,
// replacement triggers and secrets, and the inventory it exports.
import { beforeAll, describe, expect, test } from "bun:test";
import * as pulumi from "@pulumi/pulumi";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type Inventory } from "../src/inventory.ts";
import { parseInventory } from "../src/inventory-schema.ts";
import { fingerprintOfPublicKey } from "../src/ssh-host-key.ts";
import { resolveStackConfig } from "./config.ts";
import { sha256 } from "./render.ts";
import { installMocks, valueOf, deleteOrder, type Recorder } from "./testing/harness.ts";
import { cannedResponder, testKeyPair, USER_KEY } from "./testing/fixtures.ts";

const root = join(import.meta.dir, "..", "..");
const CLIENT_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nclient\n-----END OPENSSH PRIVATE KEY-----\n";
const hostKey = testKeyPair();
let rec: Recorder;
let inventory: pulumi.Output<Inventory>;
let inv: Inventory;
let otherFileMarker: unknown;
let leftoverBefore: number;

beforeAll(async () => {
  // Each of the two mock files leaves a marker and checks for the other's (bun test --isolate must drop it).
  otherFileMarker = (globalThis as Record<string, unknown>).__wirelabMetalTestRan;
  leftoverBefore = (pulumi.runtime.getMonitor() as { resources?: Map<string, unknown> } | undefined)?.resources?.size ?? 0;
  (globalThis as Record<string, unknown>).__wirelabProgramTestRan = true;
  rec = await installMocks(cannedResponder(hostKey.stdout));
  // Resources modules are imported only after the mocks are in place.
  const { defineLab } = await import("./program.ts");
  const cfg = resolveStackConfig(
    {
      lab: "infra/labs/two-host.yaml",
      libvirtUri: "qemu+ssh://ops@kvm1.example/system",
      domainType: "qemu",
      baseImage: "/srv/images/wirelab-base.qcow2",
      sshPublicKey: USER_KEY,
      sshPrivateKeyPath: "/home/ops/.ssh/id_ed25519",
      vm: { memoryMib: 1024 },
    },
    root,
    { sshPrivateKey: CLIENT_KEY },
  );
  inventory = defineLab(cfg).inventory;
  inv = await valueOf(inventory);
});

test("isolation (bun test --isolate): nothing from program-metal.test.ts is visible here", () => {
  expect(otherFileMarker).toBeUndefined();
  expect(leftoverBefore).toBe(0);
});

const COMMAND = "command:local:Command";

describe("libvirt program (two-host)", () => {
  test("declares one component per concept and the expected commands", () => {
    const count = (t: string) => rec.ofType(t).length;
    expect(count("wirelab:libvirt:LabNetwork")).toBe(1);
    expect(count("wirelab:libvirt:LabPool")).toBe(1);
    expect(count("wirelab:libvirt:LabVm")).toBe(2);
    expect(count("wirelab:libvirt:LabVolume")).toBe(2);
    const names = rec.ofType(COMMAND).map((r) => r.name).sort();
    expect(names).toEqual(
      [
        "two-host-br-test",
        "two-host-mgmt",
        "two-host-pool",
        ...["tx", "rx"].flatMap((h) => [
          `two-host-${h}-domain`,
          `two-host-${h}-hostkey`,
          `two-host-${h}-ready`,
          `two-host-${h}-volume-disk`,
          `two-host-${h}-volume-seed`,
        ]),
      ].sort(),
    );
  });

  test("every command is parented by its component, volumes by their VM", () => {
    const urnOf = (name: string) => rec.byName(name).urn;
    expect(rec.byName("two-host-mgmt").parent).toBe(urnOf("two-host"));
    expect(rec.byName("two-host-br-test").parent).toBe(urnOf("two-host"));
    const poolComp = rec.ofType("wirelab:libvirt:LabPool")[0]!;
    expect(rec.byName("two-host-pool").parent).toBe(poolComp.urn);
    for (const h of ["tx", "rx"]) {
      const vm = urnOf(`two-host-${h}`);
      const vol = rec.byName(`two-host-${h}-volume`);
      expect(vol.parent).toBe(vm);
      expect(rec.byName(`two-host-${h}-volume-disk`).parent).toBe(vol.urn);
      expect(rec.byName(`two-host-${h}-volume-seed`).parent).toBe(vol.urn);
      for (const c of ["domain", "hostkey", "ready"]) expect(rec.byName(`two-host-${h}-${c}`).parent).toBe(vm);
    }
  });

  test("dependencies: pool before volumes, volumes and networks before the domain, domain before the SSH wait", () => {
    const urn = (n: string) => rec.byName(n).urn;
    for (const h of ["tx", "rx"]) {
      expect(rec.byName(`two-host-${h}-volume-disk`).dependencies).toContain(urn("two-host-pool"));
      expect(rec.byName(`two-host-${h}-volume-seed`).dependencies).toContain(urn("two-host-pool"));
      const domain = rec.byName(`two-host-${h}-domain`).dependencies;
      for (const d of [`two-host-${h}-volume-disk`, `two-host-${h}-volume-seed`, "two-host-mgmt", "two-host-br-test"]) expect(domain).toContain(urn(d));
      expect(rec.byName(`two-host-${h}-ready`).dependencies).toContain(urn(`two-host-${h}-domain`));
    }
    const order = deleteOrder(rec.registrations).map((r) => r.name);
    const before = (a: string, b: string) => expect(order.indexOf(a)).toBeLessThan(order.indexOf(b));
    before("two-host-tx-domain", "two-host-tx-volume-disk");
    before("two-host-tx-volume-seed", "two-host-pool");
    before("two-host-rx-domain", "two-host-br-test");
    before("two-host-rx-domain", "two-host-mgmt");
  });

  test("each libvirt object is replaced (delete first) when its XML changes", () => {
    for (const name of ["two-host-mgmt", "two-host-br-test", "two-host-pool", "two-host-tx-domain", "two-host-tx-volume-disk"]) {
      const r = rec.byName(name);
      expect(r.deleteBeforeReplace).toBe(true);
      expect(r.inputs.triggers).toContain(sha256(r.inputs.environment.WL_XML));
      expect(r.inputs.triggers).toContain("qemu+ssh://ops@kvm1.example/system");
      expect(r.inputs.interpreter).toEqual(["/bin/bash", "-c"]);
    }
    const domain = rec.byName("two-host-tx-domain");
    expect(domain.inputs.triggers).toContain("two-host-tx-volume-seed-id");
  });

  test("scripts are constant: lab values travel only in the environment", () => {
    for (const r of rec.ofType(COMMAND)) {
      for (const script of [r.inputs.create, r.inputs.delete].filter(Boolean)) {
        expect(script).not.toContain("two-host");
        expect(script).not.toContain("kvm1.example");
      }
    }
    const domain = rec.byName("two-host-tx-domain").inputs.environment;
    expect(domain.WL_NAME).toBe("two-host-tx");
    expect(domain.WL_XML).toContain("<domain type=\"qemu\">");
    expect(domain.WL_XML).toContain("<memory unit=\"MiB\">1024</memory>");
    expect(domain.WL_XML).toContain("/srv/images/vmlinuz");
  });

  test("the host key's private half is secret everywhere; its public half is not", () => {
    const keygen = rec.byName("two-host-tx-hostkey");
    expect(keygen.additionalSecretOutputs).toEqual(["stdout"]);
    expect(keygen.inputs.triggers).toBeUndefined();
    const seed = rec.byName("two-host-tx-volume-seed");
    expect(seed.secretInputs).toContain("stdin");
    expect(seed.inputs.stdin).toContain("-----BEGIN OPENSSH PRIVATE KEY-----");
    expect(seed.inputs.stdin).toContain(USER_KEY);
    // Never on a command line or in the environment, where ps and /proc would show it.
    expect(JSON.stringify(seed.inputs.environment)).not.toContain("PRIVATE KEY");
    expect(seed.inputs.create).not.toContain("PRIVATE KEY");
  });

  test("each VM: engine/ and xdp/ copied over SSH once it answers, then built; the client key stays secret", () => {
    const urn = (n: string) => rec.byName(n).urn;
    for (const h of ["tx", "rx"]) {
      const vm = urn(`two-host-${h}`);
      const prepare = rec.byName(`two-host-${h}-prepare`);
      expect(prepare.type).toBe("command:remote:Command");
      expect(prepare.parent).toBe(vm);
      expect(prepare.dependencies).toContain(urn(`two-host-${h}-ready`));
      // The copies go with the VM's disk: no remote delete that would need a live VM at destroy.
      expect(prepare.inputs.delete).toBeUndefined();
      // include/ holds the protocol names engine and xdp share.
      for (const tree of ["include", "engine", "xdp"]) {
        const copy = rec.byName(`two-host-${h}-copy-${tree}`);
        expect(copy.type).toBe("command:remote:CopyToRemote");
        expect(copy.parent).toBe(vm);
        expect(copy.dependencies).toContain(prepare.urn);
        expect(copy.inputs.remotePath).toBe("/opt/wirelab");
        expect(copy.inputs.source.path).toBe(join(root, tree));
      }
      const build = rec.byName(`two-host-${h}-build`);
      expect(build.dependencies).toEqual(expect.arrayContaining([urn(`two-host-${h}-copy-include`), urn(`two-host-${h}-copy-engine`), urn(`two-host-${h}-copy-xdp`)]));
      expect(build.inputs.create).toContain("meson setup build/engine engine");
      // A replaced VM (new domain id) gets fresh copies and a fresh build.
      expect(build.inputs.triggers).toContain(rec.byName(`two-host-${h}-domain`).state?.id ?? `two-host-${h}-domain-id`);
      for (const r of [prepare, build, rec.byName(`two-host-${h}-copy-engine`)]) {
        expect(r.secretInputs).toContain("connection");
        expect(r.inputs.connection).toMatchObject({ host: inv.hosts.find((x) => x.name === h)!.mgmt.ip, port: 22, user: "root", privateKey: CLIENT_KEY });
        expect(JSON.stringify(r.inputs.create ?? "")).not.toContain("PRIVATE KEY");
      }
    }
  });

  test("installTools needs the client key and the SSH wait; one line names the setting", () => {
    const base = { lab: "infra/labs/two-host.yaml", sshPublicKey: USER_KEY, sshPrivateKeyPath: "/nonexistent/id_ed25519" };
    expect(() => resolveStackConfig(base, root)).toThrow(/^stack config wirelab:sshPrivateKeyPath: cannot read \/nonexistent\/id_ed25519 \(ENOENT\)/);
    expect(() => resolveStackConfig({ ...base, waitForSsh: false }, root)).toThrow("wirelab:installTools: needs wirelab:waitForSsh true");
    expect(resolveStackConfig({ ...base, installTools: false }, root).sshPrivateKey).toBeUndefined();
  });

  test("the inventory output is not secret and passes the shared schema", async () => {
    expect(await pulumi.isSecret(inventory)).toBe(false);
    expect(() => parseInventory(JSON.parse(JSON.stringify(inv)))).not.toThrow();
    expect(inv.backend).toBe("libvirt");
    expect(inv.lab.file).toBe(join(root, "infra/labs/two-host.yaml"));
    expect(inv.lab.sha256).toBe(sha256(readFileSync(join(root, "infra/labs/two-host.yaml"), "utf8")));
  });

  test("each host: SSH on the management address with the pinned host key, test NIC bound to DPDK", () => {
    const fp = fingerprintOfPublicKey(hostKey.publicKey);
    for (const host of inv.hosts) {
      expect(host.defaultTransport).toBe("ssh");
      expect(host.transports.ssh).toEqual({ host: host.mgmt.ip, port: 22, user: "root", keyPath: "/home/ops/.ssh/id_ed25519", hostKey: fp });
      const nic = host.interfaces[0]!;
      expect(nic.name).toBe("eth1");
      expect(nic.segment).toBe("br-test");
      expect(nic.pci).toBe("0000:00:04.0");
      expect(nic.dpdk).toEqual({ pci: "0000:00:04.0", driver: "uio_pci_generic", eal: [] });
      expect(host.capabilities.dpdkPci).toBe(true);
    }
    expect(inv.hosts.map((h) => h.interfaces[0]!.ipv4)).toEqual(["198.18.0.1", "198.18.0.2"]);
  });
});
