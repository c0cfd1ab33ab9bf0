// A runner killed with SIGKILL while an XDP program is attached: `lab down`
// still leaves no program, no pin and no process behind.
import { expect, test } from "bun:test";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { BPF_PIN_ROOT, NetnsBackend, pidsInNamespace } from "../../infra/src/netns-lab.ts";
import { loadLab } from "../src/lab-files.ts";
import { labStateDir, REPO_ROOT } from "../src/paths.ts";
import { startLab } from "../src/lab-fixture.ts";

test("SIGKILL of the runner mid-session, then lab down: nothing left", async () => {
  const lab = await startLab("xdp-pair", { ssh: false });
  const dst = lab.inventory.hosts.find((h) => h.name === "dst")!;
  // A runner of its own: attaches count on dst and would run for a minute.
  const runner = Bun.spawn(
    [process.execPath, "-e", `
      const { startLab } = await import(${JSON.stringify(join(REPO_ROOT, "runner/src/lab-fixture.ts"))});
      const { startXdp, pinDirFor } = await import(${JSON.stringify(join(REPO_ROOT, "runner/src/xdp/xdp-session.ts"))});
      const { toolsOf } = await import(${JSON.stringify(join(REPO_ROOT, "infra/src/inventory.ts"))});
      process.env.WIRELAB_INVENTORY = ${JSON.stringify(join(labStateDir("xdp-pair"), "inventory.json"))};
      const lab = await startLab("xdp-pair");
      const dst = lab.inventory.hosts.find((h) => h.name === "dst");
      const peer = dst.interfaces[0].peer;
      await startXdp(lab.transport("dst"), { tool: toolsOf(dst).xdp, dev: "eth1", prog: "count", pinDir: pinDirFor(toolsOf(dst).bpfPinRoot, "xdp-pair", "dst", "eth1"),
        peer: { ...peer, pinDir: pinDirFor(toolsOf(dst).bpfPinRoot, "xdp-pair", "sw", peer.dev) } });
      console.log("attached");
      await Bun.sleep(60000);
    `],
    { stdout: "pipe", stderr: "inherit" },
  );
  const reader = runner.stdout.getReader();
  const first = new TextDecoder().decode((await reader.read()).value);
  expect(first).toContain("attached");
  runner.kill("SIGKILL");
  await runner.exited;

  // The runner is gone, its XDP tool lives on in the namespace with the program attached.
  const attached = await lab.transport("dst").exec(["ip", "link", "show", "dev", "eth1"]);
  expect(attached.stdout).toContain("prog/xdp");
  expect(pidsInNamespace(dst.transports.netns!.namespace).length).toBeGreaterThan(0);
  expect(readdirSync(BPF_PIN_ROOT).some((e) => e.startsWith("xdp-pair-"))).toBe(true);

  const { lab: model, file } = loadLab("xdp-pair");
  await new NetnsBackend().down(model, { stateDir: labStateDir("xdp-pair"), labFile: file });
  expect(existsSync(`/run/netns/${dst.transports.netns!.namespace}`)).toBe(false);
  expect(readdirSync(BPF_PIN_ROOT).filter((e) => e.startsWith("xdp-pair-"))).toEqual([]);
  const left = Bun.spawnSync(["pgrep", "-f", "--", `--pin-dir ${BPF_PIN_ROOT}/xdp-pair-`]).stdout.toString().trim();
  expect(left).toBe("");
  await lab.down();
}, 60000);
