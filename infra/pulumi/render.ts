// Typed renderers: lab model → libvirt XML (network, pool, volume, domain).
// Pure functions, so the same text is hashed for triggers, checked by
// virt-xml-validate in tests, and handed to virsh.
import { createHash } from "node:crypto";
import { hostRange, parseCidr, formatIpv4, maskOf, type Cidr } from "../src/ipv4.ts";
import type { Host, Lab, Segment } from "../src/lab-model.ts";
import { diskVolumeName, domainName, GUEST_SLOTS, managementNetworkName, poolName, seedVolumeName, segmentNetworkName } from "./names.ts";
import { el, renderXml, type XmlElement } from "./xml.ts";

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** Management network: the lab's management subnet on bridge `<prefix>-mg`, DHCP with a fixed lease per host. */
export function renderManagementNetwork(lab: Lab, options: { nat: boolean }): string {
  const cidr = parseCidr(lab.management.subnet) as Cidr;
  const range = hostRange(cidr);
  // Fixed leases hold the lab model's addresses; the pool above them serves anything else (a rescue boot).
  const firstDynamic = range.first + 1 + lab.hosts.length;
  return renderXml(
    el(
      "network",
      {},
      el("name", {}, managementNetworkName(lab)),
      options.nat && el("forward", { mode: "nat" }),
      el("bridge", { name: lab.management.bridge, stp: "on", delay: 0 }),
      el("mtu", { size: 1500 }),
      el(
        "ip",
        { address: lab.management.gateway, netmask: formatIpv4(maskOf(lab.management.prefixLen)) },
        el(
          "dhcp",
          {},
          firstDynamic <= range.last && el("range", { start: formatIpv4(firstDynamic), end: formatIpv4(range.last) }),
          ...lab.hosts.map((h) => el("host", { mac: h.mgmt.mac, name: h.name, ip: h.mgmt.ip })),
        ),
      ),
    ),
  );
}

/** A test segment: an isolated bridge with no address on the host, so lab traffic never leaves the lab. */
export function renderSegmentNetwork(lab: Lab, segment: Segment): string {
  return renderXml(
    el(
      "network",
      {},
      el("name", {}, segmentNetworkName(lab, segment)),
      el("bridge", { name: segment.bridge, stp: "off", delay: 0 }),
      el("mtu", { size: segment.mtu }),
    ),
  );
}

export function renderPool(lab: Lab, path: string): string {
  return renderXml(el("pool", { type: "dir" }, el("name", {}, poolName(lab)), el("target", {}, el("path", {}, path))));
}

/** Copy-on-write root disk over the shared base image: a VM's writes never touch the base. */
export function renderOverlayVolume(host: Host, options: { capacityGib: number; baseImage: string }): string {
  return renderXml(
    el(
      "volume",
      { type: "file" },
      el("name", {}, diskVolumeName(host)),
      el("capacity", { unit: "GiB" }, String(options.capacityGib)),
      el("target", {}, el("format", { type: "qcow2" })),
      el("backingStore", {}, el("path", {}, options.baseImage), el("format", { type: "qcow2" })),
    ),
  );
}

export interface DomainOptions {
  readonly type: "kvm" | "qemu";
  readonly vcpus: number;
  readonly memoryMib: number;
  readonly kernel: string;
  readonly initrd: string;
  readonly kernelArgs: string;
  /** Directory on the libvirt host where the serial console is also logged (through virtlogd). */
  readonly serialLogDir?: string;
}

function pciAddress(slot: number): XmlElement {
  return el("address", { type: "pci", domain: "0x0000", bus: "0x00", slot: `0x${slot.toString(16).padStart(2, "0")}`, function: "0x0" });
}

function parseHostPci(pci: string): Record<string, string> {
  const m = /^([0-9a-f]{4}):([0-9a-f]{2}):([0-9a-f]{2})\.([0-7])$/i.exec(pci);
  if (!m) throw new Error(`'${pci}' is not a PCI address like 0000:03:00.0`);
  return { domain: `0x${m[1]}`, bus: `0x${m[2]}`, slot: `0x${m[3]}`, function: `0x${m[4]}` };
}

/**
 * A lab VM: virtio disk over the overlay, the NoCloud seed as a read-only disk,
 * eth0 on the management network, eth1.. on the test segments (the first one
 * an SR-IOV VF when the lab asks for a hostdev), serial console, direct kernel boot.
 */
export function renderDomain(lab: Lab, host: Host, options: DomainOptions): string {
  const hostdev = host.vm?.hostdev;
  // A passed-through VF is only usable by vfio-pci inside the guest through a virtual IOMMU, which needs q35.
  const machine = hostdev ? "q35" : "pc";
  const cmdline = [
    "root=LABEL=wirelab-root",
    "rw",
    "console=ttyS0,115200n8",
    "net.ifnames=0",
    "biosdevname=0",
    ...(hostdev ? ["intel_iommu=on", "iommu=pt"] : []),
    ...options.kernelArgs.split(/\s+/).filter(Boolean),
  ].join(" ");
  const testNics = host.interfaces.map((ifc, i) => {
    const segment = lab.segments.find((s) => s.name === ifc.segment)!;
    if (i === 0 && hostdev) {
      return el(
        "interface",
        { type: "hostdev", managed: "yes" },
        el("mac", { address: ifc.mac }),
        el("source", {}, el("address", { type: "pci", ...parseHostPci(hostdev) })),
        pciAddress(GUEST_SLOTS.firstTest + i),
      );
    }
    return el(
      "interface",
      { type: "network" },
      el("mac", { address: ifc.mac }),
      el("source", { network: segmentNetworkName(lab, segment) }),
      el("model", { type: "virtio" }),
      // Multiqueue virtio-net: one queue pair per engine worker (libvirt drops vhost on a plain-qemu domain by itself).
      ifc.queues > 1 && el("driver", { name: "vhost", queues: ifc.queues }),
      el("mtu", { size: segment.mtu }),
      pciAddress(GUEST_SLOTS.firstTest + i),
    );
  });
  return renderXml(
    el(
      "domain",
      { type: options.type },
      el("name", {}, domainName(lab, host)),
      el("description", {}, `wirelab lab ${lab.name}, host ${host.name} (${host.role})${lab.description ? `: ${lab.description}` : ""}`),
      el("memory", { unit: "MiB" }, String(options.memoryMib)),
      el("vcpu", { placement: "static" }, String(options.vcpus)),
      el(
        "os",
        {},
        el("type", { arch: "x86_64", machine }, "hvm"),
        el("kernel", {}, options.kernel),
        el("initrd", {}, options.initrd),
        el("cmdline", {}, cmdline),
      ),
      el("features", {}, el("acpi"), el("apic"), hostdev && el("ioapic", { driver: "qemu" })),
      // DPDK's x86 build needs SSE4.2: TCG's default qemu64 model lacks it, "maximum" has it.
      options.type === "kvm" ? el("cpu", { mode: "host-passthrough" }) : el("cpu", { mode: "maximum" }),
      el("clock", { offset: "utc" }),
      el("on_poweroff", {}, "destroy"),
      el("on_reboot", {}, "restart"),
      el("on_crash", {}, "destroy"),
      el(
        "devices",
        {},
        el(
          "disk",
          { type: "volume", device: "disk" },
          el("driver", { name: "qemu", type: "qcow2", discard: "unmap" }),
          el("source", { pool: poolName(lab), volume: diskVolumeName(host) }),
          el("target", { dev: "vda", bus: "virtio" }),
          pciAddress(GUEST_SLOTS.disk),
        ),
        el(
          "disk",
          { type: "volume", device: "disk" },
          el("driver", { name: "qemu", type: "raw" }),
          el("source", { pool: poolName(lab), volume: seedVolumeName(host) }),
          el("target", { dev: "vdb", bus: "virtio" }),
          el("readonly"),
          pciAddress(GUEST_SLOTS.seed),
        ),
        el(
          "interface",
          { type: "network" },
          el("mac", { address: host.mgmt.mac }),
          el("source", { network: managementNetworkName(lab) }),
          el("model", { type: "virtio" }),
          pciAddress(GUEST_SLOTS.mgmt),
        ),
        ...testNics,
        el(
          "serial",
          { type: "pty" },
          options.serialLogDir && el("log", { file: `${options.serialLogDir}/${domainName(lab, host)}.console.log`, append: "off" }),
          el("target", { port: 0 }),
        ),
        el("console", { type: "pty" }, el("target", { type: "serial", port: 0 })),
        el("rng", { model: "virtio" }, el("backend", { model: "random" }, "/dev/urandom"), pciAddress(GUEST_SLOTS.rng)),
        el("memballoon", { model: "none" }),
        hostdev && el("iommu", { model: "intel" }, el("driver", { intremap: "on", caching_mode: "on" })),
      ),
    ),
  );
}
