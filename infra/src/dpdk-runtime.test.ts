import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dpdkFilePrefix, holdDpdkRuntimeDirs, removeStaleDpdkFiles } from "./dpdk-runtime.ts";

describe("dpdkFilePrefix", () => {
  test("the lab prefix ends at '_', so lab sqp's files never look like lab sqp-b's", () => {
    expect(dpdkFilePrefix("sqp", "20260101-udp-rate", "tx")).toBe("wl-sqp_20260101-udp-rate-tx");
    expect(dpdkFilePrefix("sqp-b", "r1", "tx").startsWith("wl-sqp_")).toBe(false);
  });
});

describe("removeStaleDpdkFiles", () => {
  test.skipIf(process.getuid?.() !== 0)("removes the lab's runtime dirs and hugepage files no process holds; a held one and another lab's stay", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wl-dpdk-"));
    const roots = { run: join(dir, "run"), huge: join(dir, "huge") };
    const make = (path: string) => {
      mkdirSync(join(roots.run, path), { recursive: true });
      writeFileSync(join(roots.run, path, "config"), "x");
    };
    make(dpdkFilePrefix("sqp", "r1", "tx"));
    make(dpdkFilePrefix("sqp", "r2", "rx"));
    make(dpdkFilePrefix("sqp-b", "r1", "tx"));
    mkdirSync(roots.huge);
    writeFileSync(join(roots.huge, `${dpdkFilePrefix("sqp", "r1", "tx")}map_0`), "");
    // An engine still running keeps its config open (EAL holds a lock on it).
    const held = join(roots.run, dpdkFilePrefix("sqp", "r2", "rx"), "config");
    const holder = Bun.spawn(["sh", "-c", `exec 3<${held}; echo open; exec sleep 30`], { stdout: "pipe" });
    try {
      await holder.stdout.getReader().read();
      const removed = removeStaleDpdkFiles("sqp", roots);
      expect(removed.sort()).toEqual([join(roots.huge, "wl-sqp_r1-txmap_0"), join(roots.run, "wl-sqp_r1-tx")]);
      expect(existsSync(held)).toBe(true);
      expect(existsSync(join(roots.run, "wl-sqp-b_r1-tx"))).toBe(true);
      // Its engine gone, the next sweep takes it.
      holder.kill("SIGKILL");
      await holder.exited;
      expect(removeStaleDpdkFiles("sqp", roots)).toEqual([join(roots.run, "wl-sqp_r2-rx")]);
    } finally {
      holder.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test.skipIf(process.getuid?.() !== 0)("a run's dirs held from before its engines start are never swept by a run beside it; released, they are", () => {
    const dir = mkdtempSync(join(tmpdir(), "wl-dpdk-"));
    const roots = { run: join(dir, "run"), huge: join(dir, "huge") };
    try {
      // The engine has not opened anything yet: only the runner's hold keeps the dir.
      const release = holdDpdkRuntimeDirs([dpdkFilePrefix("sqp", "r3", "tx")], roots.run);
      expect(existsSync(join(roots.run, "wl-sqp_r3-tx"))).toBe(true);
      expect(removeStaleDpdkFiles("sqp", roots)).toEqual([]);
      release();
      expect(removeStaleDpdkFiles("sqp", roots)).toEqual([join(roots.run, "wl-sqp_r3-tx")]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
