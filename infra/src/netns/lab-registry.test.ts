import { describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { claimPrefix, prefixesClash, registeredLabs, releasePrefix, type RegisteredLab } from "./lab-registry.ts";

describe("prefixesClash", () => {
  test("equal prefixes, and one that is the other plus '-…', can make the same names", () => {
    expect(prefixesClash("sqp", "sqp")).toBe(true);
    expect(prefixesClash("sqp", "sqp-b")).toBe(true);
    expect(prefixesClash("sqp-b", "sqp")).toBe(true);
    expect(prefixesClash("sqp", "sqp-b-c")).toBe(true);
  });

  test("a longer word is no clash: 'sqpb-x' can never be 'sqp-…'", () => {
    expect(prefixesClash("sqp", "sqpb")).toBe(false);
    expect(prefixesClash("sqp", "sq")).toBe(false);
    expect(prefixesClash("two-host", "xdp-pair")).toBe(false);
  });
});

function lab(labId: string, prefix: string): RegisteredLab {
  return { labId, name: prefix, prefix, file: `/labs/${prefix}.yaml`, stateDir: `/state/${prefix}` };
}

describe("claimPrefix", () => {
  test("refuses an overlapping prefix of a live lab, naming it; takes over a stale one; releases only its own", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wl-reg-"));
    try {
      await claimPrefix(lab("aaaa", "sqp-b"), () => true, dir);
      await expect(claimPrefix(lab("bbbb", "sqp"), () => true, dir)).rejects.toThrow(
        "prefix 'sqp' of lab 'sqp' overlaps the prefix of lab 'sqp-b' (prefix 'sqp-b', /labs/sqp-b.yaml), which is up: their namespace names could collide; give one lab another prefix",
      );
      await expect(claimPrefix({ ...lab("cccc", "sqp-b"), name: "other" }, () => true, dir)).rejects.toThrow("prefix 'sqp-b' of lab 'other' is the prefix of lab 'sqp-b'");
      // The same lab again (idempotent up), and an unrelated prefix, are fine.
      await claimPrefix(lab("aaaa", "sqp-b"), () => true, dir);
      await claimPrefix(lab("dddd", "sqpb"), () => true, dir);
      // A lab whose objects are gone no longer holds its prefix.
      await claimPrefix(lab("bbbb", "sqp"), (other) => other.labId !== "aaaa", dir);
      expect(registeredLabs(dir).map((l) => l.prefix).sort()).toEqual(["sqp", "sqpb"]);
      releasePrefix("not-mine", "sqp", dir);
      expect(registeredLabs(dir).some((l) => l.prefix === "sqp")).toBe(true);
      releasePrefix("bbbb", "sqp", dir);
      expect(readdirSync(dir).filter((e) => e.endsWith(".json"))).toEqual(["sqpb.json"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
