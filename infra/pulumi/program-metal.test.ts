// The entry point (infra/index.ts) with a metal stack config under mocks, in a
// second file: it must not see anything program.test.ts registered.
import { beforeAll, describe, expect, test } from "bun:test";
import * as pulumi from "@pulumi/pulumi";
import { join } from "node:path";
import { type Inventory } from "../src/inventory.ts";
import { parseInventory } from "../src/inventory-schema.ts";
import { installMocks, valueOf, type Recorder } from "./testing/harness.ts";
import { cannedResponder, testKeyPair, USER_KEY } from "./testing/fixtures.ts";

const root = join(import.meta.dir, "..", "..");
const GEN_KEY = `SHA256:${"g".repeat(43)}`;
const DST_KEY = `SHA256:${"d".repeat(43)}`;
let rec: Recorder;
let leftoverBefore: number;
let otherFileMarker: unknown;
let inventory: pulumi.Output<Inventory>;
let inv: Inventory;

beforeAll(async () => {
  otherFileMarker = (globalThis as Record<string, unknown>).__wirelabProgramTestRan;
  (globalThis as Record<string, unknown>).__wirelabMetalTestRan = true;
  leftoverBefore = (pulumi.runtime.getMonitor() as { resources?: Map<string, unknown> } | undefined)?.resources?.size ?? 0;
  rec = await installMocks(cannedResponder(testKeyPair().stdout), {
    "wirelab:backend": "metal",
    "wirelab:lab": "infra/pulumi/labs/metal-xdp.yaml",
    "wirelab:sshPublicKey": USER_KEY,
    "wirelab:sshPrivateKeyPath": "/root/.ssh/id_ed25519",
    "wirelab:sshPrivateKey": "-----BEGIN OPENSSH PRIVATE KEY-----\ntest\n-----END OPENSSH PRIVATE KEY-----\n",
    "wirelab:hugepages": "512",
    "wirelab:metalHosts": JSON.stringify({ gen: { hostKey: GEN_KEY }, dst: { hostKey: DST_KEY, address: "192.0.2.99", port: 2222 } }),
  });
  const entry = await import("../index.ts");
  inventory = entry.inventory;
  inv = await valueOf(inventory);
});

describe("isolation between test files (bun test --isolate)", () => {
  test("nothing from program.test.ts is visible here", () => {
    expect(otherFileMarker).toBeUndefined();
    expect(leftoverBefore).toBe(0);
    expect(rec.registrations.some((r) => r.name.startsWith("two-host"))).toBe(false);
  });
});

describe("metal program through infra/index.ts", () => {
  test("one MetalHost per host with copy, provision, bind, build and capability steps", () => {
    expect(rec.ofType("wirelab:metal:MetalHost").map((r) => r.name).sort()).toEqual(["mxdp-dst", "mxdp-gen"]);
    for (const h of ["gen", "dst"]) {
      const comp = rec.byName(`mxdp-${h}`);
      const kids = rec.childrenOf(comp.urn).map((r) => `${r.type} ${r.name}`).sort();
      expect(kids).toEqual(
        [
          `command:remote:Command mxdp-${h}-build`,
          `command:remote:Command mxdp-${h}-capabilities`,
          `command:remote:Command mxdp-${h}-dpdk`,
          `command:remote:Command mxdp-${h}-prepare`,
          `command:remote:Command mxdp-${h}-provision`,
          `command:remote:CopyToRemote mxdp-${h}-copy-engine`,
          `command:remote:CopyToRemote mxdp-${h}-copy-images`,
          `command:remote:CopyToRemote mxdp-${h}-copy-include`,
          `command:remote:CopyToRemote mxdp-${h}-copy-xdp`,
        ].sort(),
      );
    }
    expect(rec.ofType("command:local:Command")).toHaveLength(0);
  });

  test("steps run in order: copy, provision, then bind and build, then capabilities", () => {
    const urn = (n: string) => rec.byName(n).urn;
    expect(rec.byName("mxdp-gen-copy-images").dependencies).toContain(urn("mxdp-gen-prepare"));
    expect(rec.byName("mxdp-gen-provision").dependencies).toContain(urn("mxdp-gen-copy-images"));
    expect(rec.byName("mxdp-gen-dpdk").dependencies).toContain(urn("mxdp-gen-provision"));
    expect(rec.byName("mxdp-gen-build").dependencies).toEqual(expect.arrayContaining([urn("mxdp-gen-provision"), urn("mxdp-gen-copy-include"), urn("mxdp-gen-copy-engine"), urn("mxdp-gen-copy-xdp")]));
    expect(rec.byName("mxdp-gen-capabilities").dependencies).toEqual(expect.arrayContaining([urn("mxdp-gen-dpdk"), urn("mxdp-gen-build")]));
  });

  test("the SSH private key reaches every remote step only as a secret", () => {
    for (const r of [...rec.ofType("command:remote:Command"), ...rec.ofType("command:remote:CopyToRemote")]) {
      expect(r.secretInputs).toContain("connection");
      expect(r.inputs.connection.privateKey).toContain("BEGIN OPENSSH PRIVATE KEY");
    }
    expect(rec.byName("mxdp-dst-dpdk").inputs.connection).toMatchObject({ host: "192.0.2.99", port: 2222, user: "root" });
  });

  test("the same provisioning script and bind unit as the VMs; XDP host keeps its NIC in the kernel", () => {
    expect(rec.byName("mxdp-gen-provision").inputs.create).toBe("bash '/opt/wirelab/images/provision.sh' --profile core --hugepages 512 --quiet");
    const gen = rec.byName("mxdp-gen-dpdk").inputs;
    expect(gen.create).toContain("TEST_IFACE=enp3s0f0\nTEST_PCI=0000:03:00.0\nDRIVER=auto");
    expect(gen.delete).toContain("--release");
    expect(rec.byName("mxdp-dst-dpdk").inputs.create).toContain("DRIVER=none");
    expect(rec.byName("mxdp-gen-build").inputs.create).toContain("meson setup build/engine engine");
    expect(rec.byName("mxdp-gen-build").inputs.create).toContain("meson setup build/xdp xdp");
  });

  test("inventory: metal backend, pinned keys from config, binding and capabilities as reported", async () => {
    expect(await pulumi.isSecret(inventory)).toBe(false);
    expect(() => parseInventory(JSON.parse(JSON.stringify(inv)))).not.toThrow();
    expect(inv.backend).toBe("metal");
    const gen = inv.hosts.find((h) => h.name === "gen")!;
    const dst = inv.hosts.find((h) => h.name === "dst")!;
    expect(gen.transports.ssh).toEqual({ host: "192.0.2.10", port: 22, user: "root", keyPath: "/root/.ssh/id_ed25519", hostKey: GEN_KEY });
    expect(dst.transports.ssh?.hostKey).toBe(DST_KEY);
    expect(gen.interfaces[0]).toMatchObject({ name: "enp3s0f0", pci: "0000:03:00.0", dpdk: { pci: "0000:03:00.0", driver: "vfio-pci", eal: [] } });
    expect(dst.interfaces[0]!.dpdk.vdev).toBe("net_af_xdp0,iface=enp3s0f0");
    expect(dst.capabilities.xdp).toBe("native");
    expect(gen.capabilities.hugepages).toBe(512);
  });
});

describe("config validation", () => {
  test("names the config key and the problem", async () => {
    const { resolveStackConfig } = await import("./config.ts");
    expect(() => resolveStackConfig({ sshPublicKey: USER_KEY, sshPrivateKeyPath: "/k" }, root)).toThrow("wirelab:lab: set wirelab:lab");
    expect(() =>
      resolveStackConfig({ lab: "infra/labs/two-host.yaml", sshPublicKey: USER_KEY, sshPrivateKeyPath: "/k", libvirtUri: "qemu:///system; rm -rf /" }, root),
    ).toThrow(/wirelab:libvirtUri: must be a qemu libvirt URI/);
    expect(() => resolveStackConfig({ lab: "infra/labs/two-host.yaml", sshPublicKey: "nope", sshPrivateKeyPath: "/k" }, root)).toThrow(/sshPublicKey/);
    expect(() => resolveStackConfig({ backend: "metal", lab: "infra/labs/two-host.yaml", sshPublicKey: USER_KEY, sshPrivateKeyPath: "/k" }, root)).toThrow(
      "backend metal: host 'tx' has no 'metal' block",
    );
  });
});
