import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { parseLab } from "../../infra/src/lab-model.ts";
import { netnsInventory } from "../../infra/src/netns-lab.ts";
import { loadLab } from "./lab-files.ts";
import { parsedLabPath, parserDigest, parserDigestMemoPath, parserSources, rememberedLab, rememberLab } from "./parsed-lab.ts";
import { BUN, LABS_DIR, labStateDir } from "./paths.ts";

let dir: string;
const saved = process.env.WIRELAB_STATE;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "wirelab-parsed-lab-"));
  process.env.WIRELAB_STATE = join(dir, "state");
});
afterAll(() => {
  if (saved === undefined) delete process.env.WIRELAB_STATE;
  else process.env.WIRELAB_STATE = saved;
  rmSync(dir, { recursive: true, force: true });
});

describe("the parsing code's digest", () => {
  test("names every source parseLab loads and the packages they use", () => {
    const { files, packages } = parserSources();
    const names = [...files.keys()].map((f) => basename(f));
    for (const f of ["lab-model.ts", "lab-schema.ts", "yaml-file.ts", "impair-schema.ts", "ipv4.ts", "ipv6.ts", "naming.ts"]) expect(names).toContain(f);
    expect([...packages].sort()).toEqual(["yaml", "zod"]);
  });

  test("is a sha256, the same on every call", () => {
    expect(parserDigest()).toMatch(/^[0-9a-f]{64}$/);
    expect(parserDigest()).toBe(parserDigest());
  });

  test("is remembered with each source's size and time: the next process stats them, and reads them again once one changes", () => {
    const digestInFreshProcess = () => {
      const r = Bun.spawnSync([BUN, "-e", `console.log((await import(${JSON.stringify(join(import.meta.dir, "parsed-lab.ts"))})).parserDigest())`], { env: { ...process.env } });
      return r.stdout.toString().trim();
    };
    const real = parserDigest();
    const memo = JSON.parse(readFileSync(parserDigestMemoPath(), "utf8"));
    expect(memo.digest).toBe(real);
    expect(memo.inputs.map((i: [string]) => basename(i[0]))).toContain("lab-schema.ts");
    // A digest the sources cannot give: only the memo can be its origin.
    writeFileSync(parserDigestMemoPath(), JSON.stringify({ ...memo, digest: "f".repeat(64) }));
    expect(digestInFreshProcess()).toBe("f".repeat(64));
    const inputs = memo.inputs.map((i: [string, number, number], n: number) => (n === 1 ? [i[0], i[1] + 1, i[2]] : i));
    writeFileSync(parserDigestMemoPath(), JSON.stringify({ ...memo, inputs, digest: "f".repeat(64) }));
    expect(digestInFreshProcess()).toBe(real);
    expect(JSON.parse(readFileSync(parserDigestMemoPath(), "utf8")).digest).toBe(real);
  });
});

describe("a lab file's model, kept once parsed", () => {
  test("every example lab read back is the model parsing gives, down to its inventory", () => {
    for (const name of readdirSync(LABS_DIR).map((f) => f.replace(/\.yaml$/, ""))) {
      const loaded = loadLab(name);
      rememberLab(loaded);
      const kept = rememberedLab(name);
      expect(kept?.file).toBe(loaded.file);
      expect(kept?.sha256).toBe(loaded.sha256);
      expect(kept?.lab).toEqual(loaded.lab);
      const inventory = (lab: typeof loaded.lab) => JSON.stringify({ ...netnsInventory(lab, { labFile: loaded.file }), createdAt: "" });
      expect(inventory(kept!.lab)).toBe(inventory(loaded.lab));
    }
  });

  test("a file edited since is parsed again", () => {
    const file = join(dir, "edited.yaml");
    const text = readFileSync(join(LABS_DIR, "two-host.yaml"), "utf8").replace(/^name: .*$/m, "name: kepted");
    writeFileSync(file, text);
    rememberLab(loadLab(file));
    expect(rememberedLab(file)?.lab.name).toBe("kepted");
    writeFileSync(file, text + "# a comment changes the text, not the model\n");
    expect(rememberedLab(file)).toBeUndefined();
  });

  test("a model made by other parsing code is not used", () => {
    const file = join(dir, "other-code.yaml");
    writeFileSync(file, readFileSync(join(LABS_DIR, "two-host.yaml"), "utf8").replace(/^name: .*$/m, "name: keptcode"));
    rememberLab(loadLab(file));
    const path = parsedLabPath(labStateDir("keptcode"));
    const kept = JSON.parse(readFileSync(path, "utf8"));
    writeFileSync(path, JSON.stringify({ ...kept, parser: "0".repeat(64) }));
    expect(rememberedLab(file)).toBeUndefined();
  });

  test("a half-written model, or none, is no model", () => {
    const file = join(dir, "torn.yaml");
    writeFileSync(file, readFileSync(join(LABS_DIR, "two-host.yaml"), "utf8").replace(/^name: .*$/m, "name: kepttorn"));
    expect(rememberedLab(file)).toBeUndefined();
    rememberLab({ ...loadLab(file) });
    writeFileSync(parsedLabPath(labStateDir("kepttorn")), "{\"file\": ");
    expect(rememberedLab(file)).toBeUndefined();
    expect(parseLab(readFileSync(file, "utf8"), file).name).toBe("kepttorn");
  });
});
