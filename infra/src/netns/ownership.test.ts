import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { judge, labIdOf, labMark, newRecord, PENDING, readRecord, removeRecord, writeRecord } from "./ownership.ts";

const ID = "0123456789ab";

describe("judge", () => {
  test("ours by our mark, whatever the record says", () => {
    expect(judge({ id: 7, alias: labMark(ID) }, undefined, ID)).toEqual({ ours: true });
    expect(judge({ id: 7, alias: labMark(ID) }, 9, ID)).toEqual({ ours: true });
  });

  test("another lab's mark is never ours, even when our record names the object", () => {
    const v = judge({ id: 7, alias: "wirelab:ffffffffffff" }, 7, ID);
    expect(v.ours).toBe(false);
    if (!v.ours) expect(v.why).toBe("carries another lab's mark (wirelab:ffffffffffff)");
  });

  test("unmarked: ours only when the record names this very object, or it was being made (pending)", () => {
    expect(judge({ id: 7, alias: "" }, 7, ID)).toEqual({ ours: true });
    expect(judge({ id: 7, alias: "" }, PENDING, ID)).toEqual({ ours: true });
    expect(judge({ id: 7, alias: "" }, 8, ID)).toEqual({ ours: false, why: "the lab made one with this name, but this is another object (recreated since)" });
    expect(judge({ id: 7, alias: "" }, undefined, ID)).toEqual({ ours: false, why: "not made by this lab (no wirelab mark, not in its record)" });
    expect(judge({ id: 7, alias: "pod eth0" }, undefined, ID)).toEqual({ ours: false, why: "not made by this lab (alias 'pod eth0', no wirelab mark)" });
    // A pending record does not claim an object someone else marked.
    expect(judge({ id: 7, alias: "k8s" }, PENDING, ID).ours).toBe(false);
  });
});

describe("labIdOf", () => {
  test("the lab file's real path is the identity: two files with one name differ, a symlink to a file does not", () => {
    const dir = mkdtempSync(join(tmpdir(), "wl-own-"));
    try {
      writeFileSync(join(dir, "a.yaml"), "name: x\n");
      writeFileSync(join(dir, "b.yaml"), "name: x\n");
      symlinkSync(join(dir, "a.yaml"), join(dir, "link.yaml"));
      const a = labIdOf(join(dir, "a.yaml"), "/state/x");
      expect(a).toMatch(/^[0-9a-f]{12}$/);
      expect(labIdOf(join(dir, "b.yaml"), "/state/x")).not.toBe(a);
      expect(labIdOf(join(dir, "link.yaml"), "/elsewhere")).toBe(a);
      // Without a file, the state directory stands in.
      expect(labIdOf(undefined, join(dir, "s1"))).not.toBe(labIdOf(undefined, join(dir, "s2")));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("record", () => {
  test("round-trips, is removed, and a corrupt one is an error naming the file", () => {
    const dir = mkdtempSync(join(tmpdir(), "wl-own-"));
    try {
      expect(readRecord(dir)).toBeUndefined();
      const r = newRecord(ID, { name: "x", prefix: "x" }, "/labs/x.yaml");
      r.namespaces["x-sw"] = 4026532179;
      r.processes.push({ pid: 42, start: 1000, what: "sshd of host 'tx'" });
      writeRecord(dir, r);
      expect(readRecord(dir)).toEqual(r);
      removeRecord(dir);
      expect(readRecord(dir)).toBeUndefined();
      writeFileSync(join(dir, "objects.json"), "{not json");
      expect(() => readRecord(dir)).toThrow(`${join(dir, "objects.json")}: not a wirelab ownership record`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
