// A lab file with impair: is refused by the Pulumi program (libvirt, metal) with one line, not built without them.
import { expect, test } from "bun:test";
import { join } from "node:path";
import { resolveStackConfig } from "./config.ts";

const LAB = `name: imp
hosts:
  - name: tx
    role: tx
    interfaces:
      - impair: { egress: { loss: 1% } }
  - name: rx
    role: rx
`;

test("impairments in a VM lab are refused, naming the field", () => {
  expect(() => resolveStackConfig({ labYaml: LAB, sshPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA user", installTools: false, sshPrivateKeyPath: "/nonexistent/id_ed25519" }, join(import.meta.dir, "..", ".."))).toThrow(
    "wirelab:labYaml: hosts[0].interfaces[0].impair.egress: link impairments are applied by the netns backend only, not yet by libvirt",
  );
});
