// Every rendered document checked by libvirt itself: the schema
// (virt-xml-validate) and a real libvirtd (define, then undefine).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseLab, type Lab } from "../src/lab-model.ts";
import { renderDpdkConf, renderNetworkConfig, renderUserData } from "./cloud-init.ts";
import { renderDomain, renderManagementNetwork, renderOverlayVolume, renderPool, renderSegmentNetwork, type DomainOptions } from "./render.ts";
import { shQuote } from "./scripts.ts";
import { ensureLibvirtd, kvmHere, libvirtAvailable, libvirtOffersKvm, MISSING_KVM, TEST_URI, virsh, type Libvirtd } from "./testing/libvirtd.ts";
import { escapeXml } from "./xml.ts";
import { parse } from "yaml";

const root = join(import.meta.dir, "..", "..");
const labFile = (name: string): Lab => parseLab(readFileSync(join(root, "infra/labs", `${name}.yaml`), "utf8"), name);
const domainOpts: DomainOptions = { type: "qemu", vcpus: 1, memoryMib: 512, kernel: "/k/vmlinuz", initrd: "/k/initrd.img", kernelArgs: "" };

// Test objects live under the wlt-pulx prefix (the VM suite owns wlt-pul-*) and 198.18.0.0/15.
const HOSTILE = parseLab(
  `name: wlt-pul
prefix: wlt-pulx
description: "quotes ' \\" <tags> & $(rm -rf /) \`x\`"
management: { subnet: 198.19.251.0/24 }
networks:
  - { name: br-test, subnet: 198.18.251.0/24 }
  - { name: seg-b, subnet: 198.18.252.0/24, mtu: 9000 }
hosts:
  - { name: tx, role: tx, vm: { hostdev: "0000:3b:02.1" } }
  - { name: dut, role: dut, interfaces: [ { network: br-test }, { network: seg-b } ] }
  - { name: rx, role: rx, interfaces: [ { network: seg-b, queues: 4 } ] }
`,
  "hostile",
);

interface Doc {
  readonly what: string;
  readonly kind: "network" | "storagepool" | "storagevol" | "domain";
  readonly xml: string;
  readonly name: string;
  /** A domain of virt type kvm: libvirt defines it only where the host has KVM. */
  readonly kvm?: true;
}

function documents(lab: Lab): Doc[] {
  const docs: Doc[] = [
    { what: `${lab.name} mgmt`, kind: "network", xml: renderManagementNetwork(lab, { nat: true }), name: `${lab.prefix}-mgmt` },
    { what: `${lab.name} mgmt (no NAT)`, kind: "network", xml: renderManagementNetwork(lab, { nat: false }), name: `${lab.prefix}-mgmt` },
    ...lab.segments.map((s) => ({ what: `${lab.name} ${s.name}`, kind: "network" as const, xml: renderSegmentNetwork(lab, s), name: `${lab.prefix}-${s.name}` })),
    { what: `${lab.name} pool`, kind: "storagepool", xml: renderPool(lab, `/var/tmp/${lab.prefix}-pool`), name: `${lab.prefix}-pool` },
  ];
  for (const h of lab.hosts) {
    docs.push({ what: `${lab.name} ${h.name} volume`, kind: "storagevol", xml: renderOverlayVolume(h, { capacityGib: 8, baseImage: "/b/base.qcow2" }), name: `${h.name}-root.qcow2` });
    docs.push({ what: `${lab.name} ${h.name} domain`, kind: "domain", xml: renderDomain(lab, h, domainOpts), name: `${lab.prefix}-${h.name}` });
    docs.push({ what: `${lab.name} ${h.name} kvm domain`, kind: "domain", xml: renderDomain(lab, h, { ...domainOpts, type: "kvm" }), name: `${lab.prefix}-${h.name}`, kvm: true });
  }
  return docs;
}

const ALL = [...["two-host", "xdp-pair", "dut", "scale8"].flatMap((n) => documents(labFile(n))), ...documents(HOSTILE)];

describe("xml and quoting", () => {
  test("escapeXml covers markup and quotes, refuses control characters", () => {
    expect(escapeXml(`<a b="c" d='e'>&`)).toBe("&lt;a b=&quot;c&quot; d=&apos;e&apos;&gt;&amp;");
    expect(() => escapeXml("a\u0001b")).toThrow(/control character/);
  });

  test("no script stops reading a pipe early (SIGPIPE under pipefail)", async () => {
    const scripts = await import("./scripts.ts");
    for (const [name, text] of Object.entries(scripts)) {
      if (typeof text !== "string") continue;
      expect(`${name}: ${text}`).not.toMatch(/\|\s*grep\s+-[A-Za-z]*q/);
      expect(`${name}: ${text}`).not.toMatch(/\|\s*head\b/);
    }
  });

  test("shQuote round-trips anything through a real shell", () => {
    for (const s of [`it's`, `$(id) \`id\` "x" \\ ; | & > <`, "", "new\nline"]) {
      const r = spawnSync("bash", ["-c", `printf '%s' ${shQuote(s)}`], { encoding: "utf8" });
      expect(r.stdout).toBe(s);
    }
  });

  test("a hostile description survives into the domain as text, not markup", () => {
    const xml = renderDomain(HOSTILE, HOSTILE.hosts[0]!, domainOpts);
    expect(xml).toContain("quotes &apos; &quot; &lt;tags&gt; &amp; $(rm -rf /) `x`");
    const r = spawnSync("xmllint", ["--xpath", "string(/domain/description)", "-"], { input: xml, encoding: "utf8" });
    expect(r.stdout).toContain(`quotes ' " <tags> & $(rm -rf /) \`x\``);
  });

  test("cloud-init: static test address, MAC-matched names, DPDK settings per role", () => {
    const dut = HOSTILE.hosts[1]!;
    const net = parse(renderNetworkConfig(HOSTILE, dut));
    expect(net.ethernets.eth1).toEqual({ match: { macaddress: dut.interfaces[0]!.mac }, "set-name": "eth1", addresses: ["198.18.251.2/24"], mtu: 1500 });
    expect(net.ethernets.eth2.mtu).toBe(9000);
    expect(net.ethernets.eth0.dhcp4).toBe(true);
    expect(renderDpdkConf(dut, 64)).toContain("DRIVER=none");
    expect(renderDpdkConf(HOSTILE.hosts[2]!, 64)).toContain("DRIVER=uio_pci_generic");
    expect(renderDpdkConf(HOSTILE.hosts[0]!, 64)).toContain("TEST_PCI=0000:00:04.0");
    const ud = renderUserData(HOSTILE, dut, { sshUser: "lab", sshPublicKey: "ssh-ed25519 AAAA x", hostKeyPrivate: "PRIV", hostKeyPublic: "ssh-ed25519 BBBB h", hugepages: 64 });
    expect(ud.startsWith("#cloud-config\n")).toBe(true);
    const doc = parse(ud);
    expect(doc.locale).toBe("C.UTF-8");
    expect(doc.hostname).toBe("dut");
    expect(doc.users[0]).toMatchObject({ name: "lab", ssh_authorized_keys: ["ssh-ed25519 AAAA x"], sudo: "ALL=(ALL) NOPASSWD:ALL" });
    expect(doc.ssh_keys.ed25519_public).toBe("ssh-ed25519 BBBB h");
    expect(doc.ssh_genkeytypes).toEqual(["ed25519"]);
    expect(doc.runcmd).toEqual([["sysctl", "-p", "/etc/sysctl.d/90-wirelab.conf"]]);
  });

  test("domain: fixed guest PCI slots, serial console, hostdev VF behind a vIOMMU", () => {
    const xml = renderDomain(HOSTILE, HOSTILE.hosts[0]!, domainOpts);
    expect(xml).toContain(`<interface type="hostdev" managed="yes">`);
    expect(xml).toContain(`<address type="pci" domain="0x0000" bus="0x3b" slot="0x02" function="0x1"/>`);
    expect(xml).toContain(`<iommu model="intel">`);
    expect(xml).toContain(`machine="q35"`);
    const plain = renderDomain(HOSTILE, HOSTILE.hosts[2]!, domainOpts);
    expect(plain).toContain(`<source network="wlt-pulx-seg-b"/>`);
    expect(plain).toContain(`<console type="pty">`);
    expect(plain).toContain(`<cpu mode="maximum"/>`);
    expect(plain).toContain("net.ifnames=0");
  });

  test("domain: an interface with queues is multiqueue virtio-net, one without stays single-queue", () => {
    const xpath = (xml: string, expr: string) => spawnSync("xmllint", ["--xpath", expr, "-"], { input: xml, encoding: "utf8" }).stdout.trim();
    const rx = renderDomain(HOSTILE, HOSTILE.hosts[2]!, domainOpts);
    expect(xpath(rx, "count(/domain/devices/interface[source/@network='wlt-pulx-seg-b']/driver[@name='vhost'][@queues='4'])")).toBe("1");
    const dut = renderDomain(HOSTILE, HOSTILE.hosts[1]!, domainOpts);
    expect(dut).not.toContain("queues=");
  });
});

const haveValidator = spawnSync("sh", ["-c", "command -v virt-xml-validate"], { stdio: "ignore" }).status === 0;

describe.if(haveValidator)("virt-xml-validate", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "wlt-pul-xml-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  test.each(ALL.map((d) => [d.what, d] as const))("%s", (_what, doc) => {
    const file = join(dir, "doc.xml");
    writeFileSync(file, doc.xml);
    const r = spawnSync("virt-xml-validate", [file, doc.kind], { encoding: "utf8" });
    expect(r.stderr + r.stdout).toContain("validates");
    expect(r.status).toBe(0);
  });
});

// KVM exists on some of our machines and not on others. Without it, libvirt must refuse a kvm domain for
// exactly that reason (the schema check above still covers the document); whether libvirt accepts the
// kvm domain itself can only be seen where /dev/kvm exists.
const KVM = kvmHere();

describe.if(libvirtAvailable() && process.getuid?.() === 0)("a real libvirtd accepts every document", () => {
  let daemon: Libvirtd;
  let dir: string;
  // Defined only, never started: started objects are the VM suite's business. Volumes need a running pool, checked there.
  const definable = documents(HOSTILE).filter((d) => d.kind !== "storagevol");
  beforeAll(async () => {
    daemon = await ensureLibvirtd();
    dir = mkdtempSync(join(tmpdir(), "wlt-pul-define-"));
  }, 60_000);
  afterAll(async () => {
    // A failed test may have left its object defined: remove exactly those names, never a sweep by prefix
    // (another suite sharing this libvirtd may own objects with similar names).
    for (const d of definable) {
      const [info, undefine] = d.kind === "network" ? ["net-info", "net-undefine"] : d.kind === "storagepool" ? ["pool-info", "pool-undefine"] : ["dominfo", "undefine"];
      if (virsh(daemon.uri, info, d.name).code === 0) virsh(daemon.uri, undefine, d.name);
    }
    rmSync(dir, { recursive: true, force: true });
    await daemon?.stop();
  }, 60_000);

  test.if((process.env.WIRELAB_TEST_LIBVIRT_URI ?? TEST_URI) === TEST_URI)(`libvirt offers kvm exactly when this machine has /dev/kvm (${KVM ? "it has" : "it has not"})`, () => {
    // A stale capability cache or a qemu without KVM support would make the kvm tests below check the wrong thing.
    expect(libvirtOffersKvm(daemon.uri)).toBe(KVM);
  });

  test.each(definable.map((d) => [d.kvm && !KVM ? `${d.what}: refused for want of KVM only` : d.what, d] as const))("%s", (_what, doc) => {
    const file = join(dir, `${doc.kind}.xml`);
    writeFileSync(file, doc.xml);
    const [define, undefine] =
      doc.kind === "network" ? ["net-define", "net-undefine"] : doc.kind === "storagepool" ? ["pool-define", "pool-undefine"] : ["define", "undefine"];
    const d = virsh(daemon.uri, define, file);
    if (doc.kvm && !KVM) {
      expect(d.stderr).toMatch(MISSING_KVM);
      expect(d.code).not.toBe(0);
      expect(virsh(daemon.uri, "dominfo", doc.name).code).not.toBe(0);
      return;
    }
    expect(d.stderr).toBe("");
    expect(d.code).toBe(0);
    const u = virsh(daemon.uri, undefine, doc.name);
    expect(u.code).toBe(0);
  });
});
