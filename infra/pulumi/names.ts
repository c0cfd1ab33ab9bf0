// libvirt object names for a lab. Every name starts with the lab prefix, like
// the kernel bridges, so two labs share one libvirt host and a sweep by prefix
// finds exactly one lab's objects.
import type { Host, Lab, Segment } from "../src/lab-model.ts";

export const managementNetworkName = (lab: Lab): string => `${lab.prefix}-mgmt`;
/** The default segment keeps its name (br-test) after the prefix: `<prefix>-br-test`. */
export const segmentNetworkName = (lab: Lab, segment: Segment): string => `${lab.prefix}-${segment.name}`;
export const poolName = (lab: Lab): string => `${lab.prefix}-pool`;
export const domainName = (lab: Lab, host: Host): string => `${lab.prefix}-${host.name}`;
export const diskVolumeName = (host: Host): string => `${host.name}-root.qcow2`;
export const seedVolumeName = (host: Host): string => `${host.name}-seed.iso`;

/** Guest PCI slots are fixed so the test NIC's PCI address is known before the VM boots (it goes in the inventory). */
export const GUEST_SLOTS = { mgmt: 0x03, firstTest: 0x04, disk: 0x0e, seed: 0x0f, rng: 0x10 } as const;

export function guestPciAddress(slot: number): string {
  return `0000:00:${slot.toString(16).padStart(2, "0")}.0`;
}

export function testNicGuestPci(interfaceIndex: number): string {
  return guestPciAddress(GUEST_SLOTS.firstTest + interfaceIndex);
}

export { bindsDpdk } from "../src/lab-model.ts";
