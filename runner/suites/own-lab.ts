// A lab file of a suite's own (its own name, prefix and test subnet), so
// suites that bring labs up and down never touch each other's or the shared
// two-host lab.
import { afterAll, beforeAll } from "bun:test";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startLab, type LabFixture } from "../src/lab-fixture.ts";

/**
 * Writes `<dir>/<name>.yaml` (these hosts on br-test, 198.18.<octet>.0/24, and dual stack with
 * `subnet6` when given) and returns its path.
 */
export function ownLab(dir: string, name: string, octet: number, why: string, hosts: readonly { name: string; role: string }[], subnet6?: string): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    `# ${why}
name: ${name}
prefix: ${name}
${subnet6 ? "ipv6: true\n" : ""}networks:
  - name: br-test
    subnet: 198.18.${octet}.0/24
${subnet6 ? `    subnet6: ${subnet6}\n` : ""}hosts:
${hosts.map((h) => `  - name: ${h.name}\n    role: ${h.role}\n`).join("")}`,
  );
  return file;
}

/** Writes `<dir>/<name>.yaml` (tx and rx on br-test, 198.18.<octet>.0/24, `subnet6` too when given) and returns its path. */
export function ownTwoHostLab(dir: string, name: string, octet: number, why: string, subnet6?: string): string {
  return ownLab(dir, name, octet, why, [{ name: "tx", role: "tx" }, { name: "rx", role: "rx" }], subnet6);
}

/**
 * A suite's own lab from `file`, up before its first test and down after its last (also when one
 * fails), even when WIRELAB_INVENTORY points suites at another lab; `work` is removed at the end.
 */
export function useOwnLab(file: string, work: string): { readonly fixture: LabFixture; down(): Promise<void> } {
  let lab: LabFixture | undefined;
  const saved = process.env.WIRELAB_INVENTORY;
  beforeAll(async () => {
    delete process.env.WIRELAB_INVENTORY;
    lab = await startLab(file, { ssh: false });
  }, 90_000);
  afterAll(async () => {
    await lab?.down();
    if (saved !== undefined) process.env.WIRELAB_INVENTORY = saved;
    rmSync(work, { recursive: true, force: true });
  }, 90_000);
  return {
    get fixture() {
      if (!lab) throw new Error(`lab ${file} is not up: use it inside tests, after beforeAll`);
      return lab;
    },
    async down() {
      const l = lab;
      lab = undefined;
      await l?.down();
    },
  };
}
