import { expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FINGERPRINT_RE, fingerprintOfKeyBlob, fingerprintOfPublicKey } from "./ssh-host-key.ts";

test("the fingerprint of a public key line is what ssh-keygen -lf prints, and the key blob gives the same", () => {
  const dir = mkdtempSync(join(tmpdir(), "wlhk-"));
  try {
    spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "wlhk", "-f", join(dir, "key")]);
    const line = readFileSync(join(dir, "key.pub"), "utf8");
    const openssh = spawnSync("ssh-keygen", ["-lf", join(dir, "key.pub")], { encoding: "utf8" }).stdout.split(" ")[1];
    expect(fingerprintOfPublicKey(line)).toBe(openssh!);
    expect(fingerprintOfKeyBlob(Buffer.from(line.split(" ")[1]!, "base64"))).toBe(openssh!);
    expect(openssh).toMatch(FINGERPRINT_RE);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a line that is no public key is refused", () => {
  expect(() => fingerprintOfPublicKey("ssh-ed25519")).toThrow("not an OpenSSH public key");
});
