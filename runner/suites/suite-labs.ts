// Which lab each traffic suite runs on, and on which backends it means
// something. `bun run test --inventory FILE` runs the suites that fit the
// given lab and names the others with the reason; every suite file must have
// an entry here (a test checks it), so a new suite says where it belongs.
import type { Inventory } from "../../infra/src/inventory.ts";

export type Backend = Inventory["backend"];

export interface SuiteLab {
  /** The lab file it uses (its host names must be in a given inventory), or "own": a lab of the suite's own, never a given one. */
  readonly lab: string;
  readonly backends: readonly Backend[];
  /** Why it needs those backends: printed when it is left out. */
  readonly why?: string;
}

const KERNEL_NIC = "uses the test NIC's kernel interface (ping, arping, dig, nc, a kernel peer); a DPDK-bound NIC has none";
const OWN = "tests the runner on a netns lab of its own, not the given lab";
const XDP = "attaches XDP to veth test NICs whose peers are in this machine's switch namespace";

export const SUITE_LABS: Readonly<Record<string, SuiteLab>> = {
  "engine-modes.test.ts": { lab: "two-host", backends: ["netns", "libvirt", "metal"] },
  "engine.test.ts": { lab: "two-host", backends: ["netns"], why: KERNEL_NIC },
  "smoke.test.ts": { lab: "two-host", backends: ["netns"], why: `${KERNEL_NIC}, over both the netns and ssh transports` },
  "transport-contract.test.ts": { lab: "two-host", backends: ["netns"], why: "holds both transports to one contract, the netns transport among them" },
  "faults.test.ts": { lab: "two-host", backends: ["netns"], why: "kills the runner and engines on this machine and checks its namespaces for leftovers" },
  "xdp.test.ts": { lab: "xdp-pair", backends: ["netns"], why: XDP },
  "xdp-bench.test.ts": { lab: "xdp-pair", backends: ["netns"], why: XDP },
  "xdp-crash.test.ts": { lab: "xdp-pair", backends: ["netns"], why: XDP },
  "tcp-dns-conformance.test.ts": { lab: "own", backends: ["netns"], why: "compares the engine's TCP and DNS with the Linux kernel and dnsmasq of a netns host of its own lab" },
  "scenario.test.ts": { lab: "own", backends: ["netns"], why: OWN },
  "report.test.ts": { lab: "own", backends: ["netns"], why: OWN },
  "api.test.ts": { lab: "own", backends: ["netns"], why: OWN },
  "dashboard.test.ts": { lab: "own", backends: ["netns"], why: OWN },
  "remote.test.ts": { lab: "own", backends: ["netns"], why: OWN },
  "stops.test.ts": { lab: "own", backends: ["netns"], why: OWN },
  "run-lifecycle.test.ts": { lab: "own", backends: ["netns"], why: `${OWN}; SIGKILLs traffic, scenario and demo runners and reads what the store kept` },
  "shell-e2e.test.ts": { lab: "own", backends: ["netns"], why: "the shell suites build private veth namespaces of their own on this machine" },
  "host-conformance.test.ts": { lab: "own", backends: ["netns"], why: "compares the engine with the Linux kernel of a netns host of its own lab, on the same link" },
  "impairments.test.ts": { lab: "own", backends: ["netns"], why: `${OWN}; impairs its switch ports and checks that down removes every qdisc and program` },
  "impaired-protocols.test.ts": { lab: "own", backends: ["netns"], why: `${OWN}; impairs its switch ports for DNS, TCP and loss checks under bad links` },
  "ownership.test.ts": { lab: "own", backends: ["netns"], why: "makes foreign namespaces and links beside labs of its own on this machine" },
  "replay.test.ts": { lab: "own", backends: ["netns"], why: `${OWN}; replays captures with the engine and validates the answers` },
  "workers.test.ts": { lab: "own", backends: ["netns"], why: `${OWN}; two workers a side on two-queue interfaces across its bridge` },
  "dut.test.ts": { lab: "own", backends: ["netns"], why: `${OWN}; one tester on two ports through a routing dut (dut-tester shape): stamping, one-way latency, RFC 2544` },
  "ipv6-conformance.test.ts": { lab: "own", backends: ["netns"], why: "compares the engine's IPv6 with the Linux kernel of a dual-stack netns host of its own lab, on the same link" },
  "vlan.test.ts": { lab: "own", backends: ["netns"], why: `${OWN}; tagged frames across its bridge (whose ports it knows put tags back in the frame)` },
  "impair-over-ssh.test.ts": { lab: "own", backends: ["netns"], why: `${OWN}; sets netem over SSH on a metal view of its own netns lab, where sshd runs in each host` },
  "dual-stack.test.ts": { lab: "own", backends: ["netns"], why: "brings its own dual-stack netns lab up and down and looks into its switch namespace" },
};
