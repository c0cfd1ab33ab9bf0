// The libvirt checks of render.test.ts as on a machine without KVM, whatever this one has: the same file
// run in a private mount namespace with no /dev/kvm and a libvirtd of its own (testing/without-kvm.sh).
// Both paths then run on every machine: kvm domains defined where KVM exists, refused for want of it here.
import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { libvirtAvailable } from "./testing/libvirtd.ts";

const root = join(import.meta.dir, "..", "..");

describe.if(libvirtAvailable() && process.getuid?.() === 0)("render.test.ts without /dev/kvm", () => {
  test("kvm domains are refused for want of KVM only, everything else is defined", () => {
    const r = spawnSync(join(import.meta.dir, "testing", "without-kvm.sh"), [process.execPath, "test", "--isolate", join(import.meta.dir, "render.test.ts")], {
      cwd: root,
      encoding: "utf8",
      timeout: 110_000,
    });
    const out = `${r.stdout}${r.stderr}`;
    expect(out).toContain("libvirt offers kvm exactly when this machine has /dev/kvm (it has not)");
    expect(out.match(/^\(pass\) .* kvm domain: refused for want of KVM only/gm)?.length).toBe(3);
    expect(out).toMatch(/^ 0 fail$/m);
    expect(r.status).toBe(0);
  }, 120_000);
});
