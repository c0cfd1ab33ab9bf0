import { expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_TOOLS, toolsOf } from "../inventory.ts";
import { parseLab } from "../lab-model.ts";
import { netnsInventory } from "./netns-inventory.ts";
import { BPF_PIN_ROOT, removePins } from "./pins.ts";

test("removes exactly <namespace>-<dev> of the given namespaces, not every entry starting with the prefix", () => {
  const root = mkdtempSync(join(tmpdir(), "wl-pins-"));
  try {
    for (const e of ["sqp-tx-eth1", "sqp-sw-sqp-h0i1", "sqp-b-tx-eth1", "sqp-b-sw-sqp-b-h0i1", "sqp-deadbeef-eth0"]) mkdirSync(join(root, e));
    const removed = removePins(new Map([["sqp-tx", ["eth0", "eth1"]], ["sqp-sw", ["sqp-h0i1", "sqp-mg"]]]), root);
    expect(removed.sort()).toEqual([join(root, "sqp-sw-sqp-h0i1"), join(root, "sqp-tx-eth1")]);
    expect(readdirSync(root).sort()).toEqual(["sqp-b-sw-sqp-b-h0i1", "sqp-b-tx-eth1", "sqp-deadbeef-eth0"]);
    expect(removePins(new Map(), join(root, "absent"))).toEqual([]);
    expect(existsSync(root)).toBe(true);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("a netns lab's inventory names the pin root `down` sweeps, so the runner takes it from there", () => {
  const lab = parseLab("name: pr\nhosts:\n  - { name: a, role: xdp }\n");
  const inv = netnsInventory(lab, {});
  expect(inv.hosts.map((h) => toolsOf(h).bpfPinRoot)).toEqual([BPF_PIN_ROOT]);
  expect(BPF_PIN_ROOT).toBe(DEFAULT_TOOLS.bpfPinRoot);
});
