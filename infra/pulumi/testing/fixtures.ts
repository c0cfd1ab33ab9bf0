// Shared test inputs: a real ed25519 key pair (what the host-key command would print) and canned outputs.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import type { Registration } from "./harness.ts";

export function testKeyPair(): { privateKey: string; publicKey: string; stdout: string } {
  const dir = mkdtempSync(join(tmpdir(), "wlt-pul-key-"));
  try {
    const r = spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "wlt-pul-test", "-f", join(dir, "k")]);
    if (r.status !== 0) throw new Error("ssh-keygen failed");
    const privateKey = readFileSync(join(dir, "k"), "utf8");
    const publicKey = readFileSync(join(dir, "k.pub"), "utf8").trim();
    return { privateKey, publicKey, stdout: `${privateKey}${publicKey}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const USER_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIC2M1bs0nDOqkS3WXj0Cq4hvvJ3+6R8cX7y2lB0mX8Wd user@test";

/** Outputs as a command provider would report them; inputs echo back as state. */
export function cannedResponder(hostKeyStdout: string) {
  return (reg: Registration): Record<string, any> => {
    let stdout = "";
    if (reg.type === "command:local:Command" && reg.name.endsWith("-hostkey")) stdout = hostKeyStdout;
    else if (reg.type === "command:local:Command" && reg.name.endsWith("-mgmt")) stdout = "bridge\n";
    else if (reg.type === "command:remote:Command" && reg.name.endsWith("-capabilities")) {
      stdout = reg.name.includes("-gen-")
        ? '{"xdp":"none","afXdp":true,"afPacket":true,"dpdkPci":true,"hugepages":512}'
        : '{"xdp":"native","afXdp":true,"afPacket":true,"dpdkPci":false,"hugepages":512}';
    } else if (reg.type === "command:remote:Command" && reg.name.endsWith("-dpdk")) {
      stdout = reg.name.includes("-gen-")
        ? "WIRELAB_DPDK_PCI=0000:03:00.0\nWIRELAB_DPDK_MAC=3c:fd:fe:00:00:01\nWIRELAB_DPDK_DRIVER=vfio-pci\nWIRELAB_HUGEPAGES=512\n"
        : "WIRELAB_DPDK_PCI=0000:03:00.0\nWIRELAB_DPDK_DRIVER=none\nWIRELAB_HUGEPAGES=512\n";
    }
    return { ...reg.inputs, stdout, stderr: "" };
  };
}
