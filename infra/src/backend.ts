// One interface for every way of building a lab; every backend writes the same inventory.
import type { Inventory } from "./inventory.ts";
import type { Lab } from "./lab-model.ts";

/** Where a lab's state lives and which file it is: the file is the lab's identity (two files may share a name). */
export interface LabOptions {
  /** Directory for this lab's runtime state (keys, pid files, inventory, the record of what it made). */
  readonly stateDir: string;
  readonly labFile?: string;
}

export interface UpOptions extends LabOptions {
  /** Start an OpenSSH server on each host and put SSH transports in the inventory. */
  readonly ssh?: boolean;
  readonly labSha256?: string;
  readonly onProgress?: (message: string) => void;
}

export interface StatusReport {
  readonly lab: string;
  readonly backend: Inventory["backend"];
  readonly state: "up" | "down" | "degraded";
  /** Objects the lab should have and does not, each a short phrase naming the object and what it is for. */
  readonly missing: string[];
  /** Objects this lab made (its record or mark) that the lab file does not describe. */
  readonly extra: string[];
  /** `ipv6`: the global IPv6 addresses found on the host's test interfaces, where the lab has IPv6. */
  readonly hosts: { name: string; present: boolean; ssh?: boolean; ipv6?: { ifname: string; address: string }[] }[];
}

export interface DownReport {
  readonly removed: string[];
  readonly processesStopped: number[];
  /** Objects named like the lab's that are not its own, each "what: why", left untouched. */
  readonly leftAlone: string[];
}

export interface LabBackend {
  readonly kind: Inventory["backend"];
  up(lab: Lab, options: UpOptions): Promise<Inventory>;
  down(lab: Lab, options: LabOptions): Promise<DownReport>;
  status(lab: Lab, options: LabOptions): Promise<StatusReport>;
}
