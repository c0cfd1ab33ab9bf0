// A lab file of a suite's own (its own name, prefix and test subnet), so
// suites that bring labs up and down never touch each other's or the shared
// two-host lab.
import { writeFileSync } from "node:fs";
import { join } from "node:path";

/** Writes `<dir>/<name>.yaml` (these hosts on br-test, 198.18.<octet>.0/24) and returns its path. */
export function ownLab(dir: string, name: string, octet: number, why: string, hosts: readonly { name: string; role: string }[]): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    `# ${why}
name: ${name}
prefix: ${name}
networks:
  - name: br-test
    subnet: 198.18.${octet}.0/24
hosts:
${hosts.map((h) => `  - name: ${h.name}\n    role: ${h.role}\n`).join("")}`,
  );
  return file;
}

/** Writes `<dir>/<name>.yaml` (tx and rx on br-test, 198.18.<octet>.0/24) and returns its path. */
export function ownTwoHostLab(dir: string, name: string, octet: number, why: string): string {
  return ownLab(dir, name, octet, why, [{ name: "tx", role: "tx" }, { name: "rx", role: "rx" }]);
}
