import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tryLock, withFileLock } from "./file-lock.ts";

describe("file lock", () => {
  test("a second holder is refused with the first one's pid; released, it is free again", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wl-lock-"));
    const path = join(dir, "lock");
    try {
      await withFileLock(path, () => "unused", async () => {
        const second = tryLock(path);
        expect("release" in second).toBe(false);
        if (!("release" in second)) expect(second.holder).toBe(process.pid);
        await expect(withFileLock(path, (pid) => `held by ${pid}`, async () => 1)).rejects.toThrow(`held by ${process.pid}`);
      });
      expect(await withFileLock(path, () => "busy", async () => 2)).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("the lock of a killed holder is gone with it: nothing stale to take over", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wl-lock-"));
    const path = join(dir, "lock");
    try {
      const script = `const { tryLock } = await import(${JSON.stringify(join(import.meta.dir, "file-lock.ts"))}); tryLock(${JSON.stringify(path)}); console.log("held"); await Bun.sleep(30000);`;
      const child = Bun.spawn([process.execPath, "-e", script], { stdout: "pipe" });
      const reader = child.stdout.getReader();
      expect(new TextDecoder().decode((await reader.read()).value)).toContain("held");
      const held = tryLock(path);
      expect("release" in held ? "free" : held.holder).toBe(child.pid);
      child.kill("SIGKILL");
      await child.exited;
      const deadline = Date.now() + 3000;
      let got = tryLock(path);
      while (!("release" in got) && Date.now() < deadline) {
        await Bun.sleep(20);
        got = tryLock(path);
      }
      expect("release" in got).toBe(true);
      if ("release" in got) got.release();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
