// images/dpdk/wirelab-dpdk-bind.sh with several test NICs, fed the config
// cloud-init writes (renderDpdkConf) and run against a sysfs tree laid out as
// the kernel lays out virtio NICs (WIRELAB_SYSFS). Binding itself needs a
// kernel that moves the device to the new driver: the VM suite checks that.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseLab } from "../src/lab-model.ts";
import { renderDpdkConf } from "./cloud-init.ts";
import { testNicGuestPci } from "./names.ts";

const SCRIPT = join(import.meta.dir, "..", "..", "images", "dpdk", "wirelab-dpdk-bind.sh");

const LAB = parseLab(`name: wlhb
networks: [ { name: a, subnet: 198.18.215.0/24 }, { name: b, subnet: 198.18.216.0/24 }, { name: c, subnet: 198.18.217.0/24 } ]
hosts:
  - { name: gen, role: tx, interfaces: [ { network: a }, { network: b, queues: 2 }, { network: c } ] }
  - { name: fwd, role: dut, interfaces: [ { network: a }, { network: b } ] }
`);
const [gen, fwd] = LAB.hosts;

let dir: string;
let sys: string;

/** A virtio NIC as sysfs shows it: PCI function, its virtio device, the netdev below, the driver link. */
function virtioNic(pci: string, ifname: string, mac: string, driver = "virtio-pci"): void {
  const fn = join(sys, "bus/pci/devices", pci);
  mkdirSync(join(fn, "virtio1/net", ifname), { recursive: true });
  writeFileSync(join(fn, "driver_override"), "(null)\n");
  writeFileSync(join(fn, "virtio1/net", ifname, "address"), `${mac}\n`);
  symlinkSync(join(fn, "virtio1"), join(fn, "virtio1/net", ifname, "device"));
  mkdirSync(join(sys, "class/net"), { recursive: true });
  symlinkSync(join(fn, "virtio1/net", ifname), join(sys, "class/net", ifname));
  bindTo(pci, driver);
}

function bindTo(pci: string, driver: string): void {
  const d = join(sys, "bus/pci/drivers", driver);
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, "unbind"), "");
  const link = join(sys, "bus/pci/devices", pci, "driver");
  rmSync(link, { force: true });
  symlinkSync(d, link);
}

function bind(conf: string, ...args: string[]) {
  writeFileSync(join(dir, "dpdk.conf"), conf);
  const r = spawnSync("bash", [SCRIPT, "--config", join(dir, "dpdk.conf"), "--env", join(dir, "dpdk.env"), ...args], {
    encoding: "utf8",
    env: { ...process.env, WIRELAB_SYSFS: sys },
  });
  return { code: r.status, stderr: r.stderr, stdout: r.stdout };
}

function envFile(): Record<string, string> {
  return Object.fromEntries(readFileSync(join(dir, "dpdk.env"), "utf8").trim().split("\n").map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
}

const hugeTotal = Number(/HugePages_Total:\s+(\d+)/.exec(readFileSync("/proc/meminfo", "utf8"))?.[1] ?? 0);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "wlhb-"));
  sys = join(dir, "sys");
  mkdirSync(join(sys, "bus/pci"), { recursive: true });
  writeFileSync(join(sys, "bus/pci/drivers_probe"), "");
  gen!.interfaces.forEach((ifc, n) => virtioNic(testNicGuestPci(n), ifc.ifname, ifc.mac));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("wirelab-dpdk-bind.sh with several test NICs", () => {
  test("the config names every test NIC of the host, the first unsuffixed", () => {
    const conf = renderDpdkConf(gen!, 0);
    expect(conf).toContain(`TEST_MAC=${gen!.interfaces[0]!.mac}\n`);
    expect(conf).toContain(`TEST_MAC_1=${gen!.interfaces[1]!.mac}\nTEST_IFACE_1=eth2\nTEST_IPV4_1=198.18.216.1/24\n`);
    expect(conf).toContain(`TEST_MAC_2=${gen!.interfaces[2]!.mac}\n`);
  });

  test("every NIC found by MAC is recorded with its PCI address and MAC, and every one is allowed to the engine", () => {
    // DRIVER=none (what a DUT gets): found and recorded, left with its kernel driver.
    const r = bind(renderDpdkConf(gen!, 0).replace("DRIVER=uio_pci_generic", "DRIVER=none"));
    expect(r.stderr).toContain("wrote");
    expect(r.code).toBe(0);
    const env = envFile();
    expect(env.WIRELAB_DPDK_NICS).toBe("3");
    gen!.interfaces.forEach((ifc, n) => {
      expect(env[`WIRELAB_DPDK_PCI_${n}`]).toBe(testNicGuestPci(n));
      expect(env[`WIRELAB_DPDK_MAC_${n}`]).toBe(ifc.mac);
      expect(env[`WIRELAB_DPDK_IFACE_${n}`]).toBe(ifc.ifname);
      expect(env[`WIRELAB_DPDK_KERNEL_DRIVER_${n}`]).toBe("virtio-pci");
      expect(env[`WIRELAB_DPDK_IPV4_${n}`]).toBe(`${ifc.ip}/24`);
    });
    // Readers of a one-NIC env file (metal capabilities, older engines' wrappers) still find the first.
    expect([env.WIRELAB_DPDK_PCI, env.WIRELAB_DPDK_MAC]).toEqual([testNicGuestPci(0), gen!.interfaces[0]!.mac]);
    const allow = "-a 0000:00:04.0 -a 0000:00:05.0 -a 0000:00:06.0";
    expect(env.WIRELAB_DPDK_EAL).toBe(hugeTotal > 0 ? allow : `${allow} --no-huge -m 256`);
    // Nothing was unbound or re-probed.
    expect(readFileSync(join(sys, "bus/pci/drivers_probe"), "utf8")).toBe("");
  });

  test("a later boot, every NIC already on uio_pci_generic and gone from the kernel, keeps every record", () => {
    const conf = renderDpdkConf(gen!, 0);
    expect(bind(conf.replace("DRIVER=uio_pci_generic", "DRIVER=none")).code).toBe(0);
    for (const ifc of gen!.interfaces) rmSync(join(sys, "class/net", ifc.ifname));
    gen!.interfaces.forEach((_, n) => bindTo(testNicGuestPci(n), "uio_pci_generic"));
    const r = bind(conf);
    expect(r.code).toBe(0);
    expect(r.stderr.match(/already bound to uio_pci_generic/g)?.length).toBe(3);
    const env = envFile();
    expect(env.WIRELAB_DPDK_DRIVER).toBe("uio_pci_generic");
    gen!.interfaces.forEach((ifc, n) => {
      expect(env[`WIRELAB_DPDK_PCI_${n}`]).toBe(testNicGuestPci(n));
      expect(env[`WIRELAB_DPDK_MAC_${n}`]).toBe(ifc.mac);
      // The kernel driver each NIC came from, to give it back on release.
      expect(env[`WIRELAB_DPDK_KERNEL_DRIVER_${n}`]).toBe("virtio-pci");
    });

    // --release hands every NIC back: unbound from uio_pci_generic, override cleared, re-probed.
    const rel = bind(conf, "--release");
    expect(rel.code).toBe(0);
    expect(readFileSync(join(sys, "bus/pci/drivers/uio_pci_generic/unbind"), "utf8")).toBe("0000:00:06.0\n");
    expect(readFileSync(join(sys, "bus/pci/drivers_probe"), "utf8")).toBe("0000:00:06.0\n");
    expect(rel.stderr.match(/returned to/g)?.length).toBe(3);
    expect(existsSync(join(dir, "dpdk.env"))).toBe(false);
  });

  test("a NIC that is nowhere is an error naming which one", () => {
    rmSync(join(sys, "class/net/eth3"));
    const r = bind(renderDpdkConf(gen!, 0));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`test NIC 2 not found (TEST_MAC='${gen!.interfaces[2]!.mac}' TEST_IFACE='eth3')`);
    expect(existsSync(join(dir, "dpdk.env"))).toBe(false);
  });

  test("two NICs resolving to one PCI function are refused", () => {
    const r = bind(`TEST_PCI=0000:00:04.0\nTEST_PCI_1=0000:00:04.0\nDRIVER=none\n`);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("test NICs 0 and 1 are both 0000:00:04.0");
  });

  test("a host that keeps its NICs in the kernel says DRIVER=none for all of them", () => {
    const conf = renderDpdkConf(fwd!, 0);
    expect(conf).toContain("DRIVER=none");
    expect(conf).toContain("TEST_MAC_1=");
  });
});
