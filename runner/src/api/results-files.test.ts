// GET /runs/:id/results[/:file]: the run directory's regular files with their
// content types; names that climb out, links, directories and unknown runs
// are one 404 JSON each.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { contentTypeOf } from "./results-files.ts";
import { auth, testApp } from "./test-app.ts";

type Json = Record<string, any>;

describe("results files", () => {
  const t = testApp();
  afterAll(t.cleanup);
  const dir = t.store.getRun("run-passed")!.dir;
  mkdirSync(join(dir, "sub"), { recursive: true });
  const files: Record<string, string> = {
    "results.json": '{"state":"passed"}\n', "results.csv": "t,host\n1,tx\n", "results.md": "# run\n", "report.html": "<!doctype html><p>r</p>",
    "junit.xml": "<testsuites/>", "samples.jsonl": '{"host":"tx"}\n', "run.log": "started\n", "run_tx.pcap": "\xd4\xc3\xb2\xa1", "blob.bin": "x",
  };
  const bytes = (name: string) => Buffer.from(files[name]!, name.endsWith(".pcap") ? "latin1" : "utf8");
  for (const name of Object.keys(files)) writeFileSync(join(dir, name), bytes(name));
  writeFileSync(join(dir, "sub", "inner.json"), "{}");
  writeFileSync(join(t.dir, "outside.json"), '{"secret":true}');
  symlinkSync(join(t.dir, "outside.json"), join(dir, "link.json"));
  symlinkSync("/etc", join(dir, "etc"));
  const get = (path: string) => t.app.request(path, { headers: auth });

  test("lists the regular files directly in the run directory", async () => {
    const body = (await (await get("/runs/run-passed/results")).json()) as Json;
    expect(body.id).toBe("run-passed");
    expect(body.files.map((f: Json) => f.name)).toEqual(Object.keys(files).sort());
    expect(body.files.find((f: Json) => f.name === "results.json")).toEqual({ name: "results.json", size: files["results.json"]!.length, type: "application/json" });
  });

  test("a run without a directory yet lists nothing", async () => {
    expect(((await (await get("/runs/run-failed/results")).json()) as Json).files).toEqual([]);
  });

  test("serves each file with its content type and bytes", async () => {
    const want: Record<string, string> = {
      "results.json": "application/json", "results.csv": "text/csv; charset=utf-8", "results.md": "text/markdown; charset=utf-8",
      "report.html": "text/html; charset=utf-8", "junit.xml": "application/xml", "samples.jsonl": "application/x-ndjson",
      "run.log": "text/plain; charset=utf-8", "run_tx.pcap": "application/vnd.tcpdump.pcap", "blob.bin": "application/octet-stream",
    };
    for (const [name, type] of Object.entries(want)) {
      const res = await get(`/runs/run-passed/results/${name}`);
      expect(res.status, name).toBe(200);
      expect(res.headers.get("content-type"), name).toBe(type);
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(Buffer.from(await res.arrayBuffer()).equals(bytes(name)), name).toBe(true);
    }
    // A report opened from the API's origin runs in a sandbox, away from the dashboard's token.
    expect((await get("/runs/run-passed/results/report.html")).headers.get("content-security-policy")).toBe("sandbox allow-scripts");
    expect(contentTypeOf("x.PNG")).toBe("image/png");
  });

  test("no name, link or directory leads anywhere but a regular file in the run directory", async () => {
    for (const path of [
      "/runs/run-passed/results/link.json", "/runs/run-passed/results/etc", "/runs/run-passed/results/sub", "/runs/run-passed/results/nope.json",
      "/runs/run-passed/results/..%2F..%2Foutside.json", "/runs/run-passed/results/%2e%2e%2foutside.json", "/runs/run-passed/results/sub%2Finner.json",
      "/runs/run-passed/results/etc%2Fpasswd", "/runs/run-passed/results/%2Fetc%2Fpasswd", "/runs/run-passed/results/.hidden", "/runs/run-passed/results/a%00b",
      "/runs/run-passed/results/" + "x".repeat(300), "/runs/nope/results/results.json", "/runs/nope/results",
    ]) {
      const res = await get(path);
      expect(res.status, path).toBe(404);
      expect(res.headers.get("content-type"), path).toStartWith("application/json");
      const body = (await res.json()) as Json;
      expect(body.status).toBe(404);
      expect(body.error).not.toContain("secret");
      expect(body.error).not.toContain(t.dir);
    }
    // Routes do not cross segments: sub/inner.json is not a results file route at all.
    expect((await get("/runs/run-passed/results/sub/inner.json")).status).toBe(404);
  });

  test("a run directory that is a link out of the results root is neither listed nor served", async () => {
    // What needs only write access to results/: a run's directory replaced by a link to somewhere else.
    const elsewhere = mkdtempSync(join(tmpdir(), "wirelab-elsewhere-"));
    try {
      writeFileSync(join(elsewhere, "shadow.txt"), "root:secret\n");
      const linked = join(t.dir, "run-linked");
      symlinkSync(elsewhere, linked);
      t.store.startRun({ id: "run-linked", kind: "traffic", name: "x", dir: linked, spec: {}, provenance: {} });
      expect(((await (await get("/runs/run-linked/results")).json()) as Json).files).toEqual([]);
      const res = await get("/runs/run-linked/results/shadow.txt");
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ error: "run 'run-linked' has no results file 'shadow.txt'", status: 404 });
      // A store row naming a directory outside the root, without any link, is refused the same way.
      t.store.startRun({ id: "run-outside", kind: "traffic", name: "x", dir: elsewhere, spec: {}, provenance: {} });
      expect((await get("/runs/run-outside/results/shadow.txt")).status).toBe(404);
      // The root itself is no run directory either.
      writeFileSync(join(t.dir, "root-file.txt"), "x");
      t.store.startRun({ id: "run-root", kind: "traffic", name: "x", dir: t.dir, spec: {}, provenance: {} });
      expect((await get("/runs/run-root/results/root-file.txt")).status).toBe(404);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  test("needs the token", async () => {
    expect((await t.app.request("/runs/run-passed/results/results.json")).status).toBe(401);
    expect((await t.app.request("/runs/run-passed/results")).status).toBe(401);
  });
});
