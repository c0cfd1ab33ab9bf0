// One bad setting, three callers: the CLI (the real command, exit 2) names the
// flag, POST /runs (400) the JSON path, a scenario file the YAML field and its
// line; the problem is said in the same words by all three.
import { afterAll, describe, expect, test } from "bun:test";
import { REPO_ROOT } from "../paths.ts";
import { postRun, testApp } from "../api/test-app.ts";
import { parseScenario } from "../scenario/scenario-file.ts";
import { LIMITS, type SpecKey } from "./spec-schema.ts";

type Names = Record<SpecKey, string>;
const CLI = { tx: "--tx", ipVersion: "--ip-version" } as Names;
const API = { tx: "tx", ipVersion: "ipVersion" } as Names;
const YAML = { tx: "tx", ipVersion: "ip_version" } as Names;

interface Setting {
  readonly name: string;
  readonly flags: string[];
  readonly body: Record<string, unknown>;
  /** The flow's YAML lines after `- tx: tx` (line 6); the bad one is on `line`. */
  readonly yaml: string[];
  readonly line: number;
  /** The field as each caller names it. */
  readonly cli: string;
  readonly api: string;
  readonly scenario: string;
  readonly message: string | ((n: Names) => string);
}

const domains = Array.from({ length: 33 }, (_, i) => `d${i}.wirelab.test`);
const SETTINGS: Setting[] = [
  { name: "a frame past 1514 bytes", flags: ["--size", "1515"], body: { size: 1515 }, yaml: ["rx: rx", "size: 1515"], line: 8, cli: "--size", api: "size", scenario: "size", message: "must be a whole number 60..1514 bytes" },
  { name: "more flows than source ports", flags: ["--flows", "55537"], body: { flows: 55537 }, yaml: ["rx: rx", "flows: 55537"], line: 8, cli: "--flows", api: "flows", scenario: "flows", message: `must be a whole number 1..${LIMITS.maxFlows}` },
  { name: "a rate of 0", flags: ["--mode", "rate", "--pps", "0"], body: { mode: "rate", pps: 0 }, yaml: ["rx: rx", "mode: rate", "pps: 0"], line: 9, cli: "--pps", api: "pps", scenario: "pps", message: "must be a number of packets per second in (0, 100000000]" },
  { name: "an interval past an hour", flags: ["--interval", "3600000001"], body: { interval: 3600000001 }, yaml: ["rx: rx", "interval: 3600000001"], line: 8, cli: "--interval", api: "interval", scenario: "interval", message: "must be a whole number 0..3600000000 microseconds" },
  { name: "a message past 1472 bytes", flags: ["--message", "m".repeat(1473)], body: { message: "m".repeat(1473) }, yaml: ["rx: rx", `message: ${"m".repeat(1473)}`], line: 8, cli: "--message", api: "message", scenario: "message", message: "must be text of 1..1472 bytes (UTF-8)" },
  { name: "a seed past 2^64 - 1", flags: ["--seed", "18446744073709551616"], body: { seed: "18446744073709551616" }, yaml: ["rx: rx", "seed: \"18446744073709551616\""], line: 8, cli: "--seed", api: "seed", scenario: "seed", message: "must be a whole number 0..18446744073709551615" },
  { name: "VLAN ID 0", flags: ["--vlan", "0"], body: { vlan: [0] }, yaml: ["rx: rx", "vlan: [0]"], line: 8, cli: "--vlan", api: "vlan[0]", scenario: "vlan[0]", message: "VLAN ID 0 is outside 1..4094" },
  { name: "65 workers", flags: ["--workers", "65"], body: { workers: 65 }, yaml: ["rx: rx", "workers: 65"], line: 8, cli: "--workers", api: "workers", scenario: "workers", message: "must be a whole number 1..64" },
  { name: "the sender as receiver", flags: [], body: { rx: "tx" }, yaml: ["rx: tx"], line: 7, cli: "--rx", api: "rx", scenario: "rx", message: (n) => `must differ from ${n.tx} ('tx')` },
  {
    name: "arp over IPv6", flags: ["--protocol", "arp", "--ip-version", "6"], body: { protocol: "arp", ipVersion: 6 }, yaml: ["rx: rx", "protocol: arp", "ip_version: 6"], line: 8,
    cli: "--protocol", api: "protocol", scenario: "protocol", message: (n) => `'arp' is IPv4's address resolution: not with ${n.ipVersion} 6`,
  },
  {
    name: "33 DNS names over IPv6", flags: ["--protocol", "dns", "--ip-version", "6", ...domains.flatMap((d) => ["--domain", d])], body: { protocol: "dns", ipVersion: 6, domains },
    yaml: ["rx: rx", "protocol: dns", "ip_version: 6", `domains: [${domains.join(", ")}]`], line: 10, cli: "--domain", api: "domains", scenario: "domains", message: (n) => `at most 32 names with ${n.ipVersion} 6`,
  },
];

const said = (s: Setting, n: Names) => (typeof s.message === "string" ? s.message : s.message(n));

describe("the same bad setting, named by each caller", () => {
  const t = testApp();
  afterAll(t.cleanup);

  for (const s of SETTINGS) {
    test(`${s.name}: CLI ${s.cli}, API ${s.api}, scenario line ${s.line}`, async () => {
      const rx = s.body.rx === undefined ? ["--rx", "rx"] : ["--rx", String(s.body.rx)];
      const cli = Bun.spawnSync([process.execPath, "runner/src/cli.ts", "traffic", "--tx", "tx", ...rx, ...s.flags], { cwd: REPO_ROOT, stdout: "pipe", stderr: "pipe" });
      const stderr = cli.stderr.toString().trim();
      expect(stderr).toStartWith(`wirelab traffic: ${s.cli}: `);
      expect(stderr).toContain(said(s, CLI));
      expect(stderr.split("\n")).toHaveLength(1);
      expect(cli.exitCode).toBe(2);

      const res = await postRun(t.app, { tx: "tx", rx: "rx", ...s.body });
      const body = (await res.json()) as { error: string };
      expect(res.status).toBe(400);
      expect(body.error).toStartWith(`${s.api}: `);
      expect(body.error).toContain(said(s, API));

      const text = ["name: bad", "lab: two-host", "steps:", "  - name: one", "    flows:", "      - tx: tx", ...s.yaml.map((l) => `        ${l}`)].join("\n") + "\n";
      expect(() => parseScenario(text, "bad.yaml")).toThrow(`bad.yaml:${s.line}: steps[0].flows[0].${s.scenario}: ${said(s, YAML)}`);
    });
  }

  test("no bad setting started a run", () => expect(t.fake.calls).toHaveLength(0));
});
