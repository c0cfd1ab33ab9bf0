import { expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { removePins } from "./pins.ts";

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
