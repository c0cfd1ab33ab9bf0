// Which VM and metal labs with impair: the program accepts: netem in a VM's
// kernel needs the impaired NIC in that kernel (a host with dpdk: false, or a
// role that keeps its NICs), SSH to reach it; metal hosts are refused for now.
import { expect, test } from "bun:test";
import { join } from "node:path";
import { bindsDpdk, impairedDpdkNic, parseLab } from "../src/lab-model.ts";
import { resolveStackConfig } from "./config.ts";

const root = join(import.meta.dir, "..", "..");
const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA user";
const labWith = (txExtra: string) => `name: imp
hosts:
  - name: tx
    role: tx
${txExtra}    interfaces:
      - impair: { egress: { loss: 1% } }
  - name: rx
    role: rx
`;
const cfg = (labYaml: string, extra: Record<string, unknown> = {}) =>
  resolveStackConfig({ labYaml, sshPublicKey: KEY, installTools: false, sshPrivateKeyPath: "/nonexistent/id_ed25519", ...extra }, root, { sshPrivateKey: "k" });

test("the lab model names an impaired NIC the VM's boot unit would hand to DPDK, in one line", () => {
  const lab = parseLab(labWith(""), "imp.yaml");
  expect(impairedDpdkNic(lab)).toBe("hosts[0].interfaces[0].impair.egress: tx eth1 is bound to DPDK in the VM (role tx); netem needs it in the kernel: set 'dpdk: false' on host tx");
  const kept = parseLab(labWith("    dpdk: false\n"), "imp.yaml");
  expect(kept.hosts[0]!.dpdk).toBe(false);
  expect(bindsDpdk(kept.hosts[0]!)).toBe(false);
  expect(bindsDpdk(kept.hosts[1]!)).toBe(true);
  expect(impairedDpdkNic(kept)).toBeUndefined();
});

test("a network's impairment lands on every interface of it, so a DPDK host on it is refused too", () => {
  const lab = parseLab(
    `name: imp
networks:
  - name: wan
    impair: { delay: 10ms }
hosts:
  - name: tx
    role: tx
    dpdk: false
    interfaces: [{ network: wan }]
  - name: dut
    role: dut
    interfaces: [{ network: wan }]
  - name: rx
    role: rx
    interfaces: [{ network: wan }]
`,
    "imp.yaml",
  );
  expect(impairedDpdkNic(lab)).toBe("networks[0].impair: rx eth1 is bound to DPDK in the VM (role rx); netem needs it in the kernel: set 'dpdk: false' on host rx");
});

test("dpdk accepts only false (the role decides otherwise)", () => {
  expect(() => parseLab(labWith("    dpdk: true\n"), "imp.yaml")).toThrow("hosts[0].dpdk");
});

test("the libvirt program refuses an impaired DPDK NIC with the lab model's line, naming the config", () => {
  expect(() => cfg(labWith(""))).toThrow(
    "wirelab:labYaml: hosts[0].interfaces[0].impair.egress: tx eth1 is bound to DPDK in the VM (role tx); netem needs it in the kernel: set 'dpdk: false' on host tx",
  );
});

test("a libvirt lab with impair: and dpdk: false is accepted; without SSH it is refused", () => {
  expect(cfg(labWith("    dpdk: false\n")).lab.impairments).toHaveLength(1);
  expect(() => cfg(labWith("    dpdk: false\n"), { waitForSsh: false })).toThrow(
    "stack config wirelab:waitForSsh: wirelab:labYaml: hosts[0].interfaces[0].impair.egress: impairments are applied over SSH once the VM answers; set waitForSsh true",
  );
});

test("metal labs with impair: are still refused, naming the field", () => {
  expect(() => cfg(labWith("    dpdk: false\n"), { backend: "metal" })).toThrow(
    "wirelab:labYaml: hosts[0].interfaces[0].impair.egress: link impairments are applied by the netns and libvirt backends only, not yet by metal",
  );
});
