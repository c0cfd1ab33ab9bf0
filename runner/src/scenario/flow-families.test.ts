// A scenario flow's ip_version, vlan and workers: into the traffic spec, and bad values as one line naming file, line and field.
import { expect, test } from "bun:test";
import { ScenarioError } from "./scenario-error.ts";
import { checkHosts, parseScenario } from "./scenario-file.ts";
import { flowSpec } from "./run-scenario.ts";

const SC = `name: v6
lab: dual-stack
steps:
  - name: six
    flows:
      - tx: tx
        rx: rx
        protocol: icmp
        pps: 100
        duration: 2
        ip_version: 6
        vlan: [100, "200,3"]
        workers: 2
`;

function error(text: string, hosts?: { all: string[]; v6: string[] }): string {
  try {
    const parsed = parseScenario(text, "s.yaml");
    if (hosts) checkHosts(parsed, hosts.all, hosts.v6);
  } catch (err) {
    if (err instanceof ScenarioError) return err.message;
    throw err;
  }
  throw new Error("expected a ScenarioError");
}

test("ip_version, vlan and workers reach the traffic spec", () => {
  const { scenario } = parseScenario(SC, "s.yaml");
  const step = scenario.steps[0]!;
  expect(flowSpec(scenario, step.flows![0]!, step, undefined)).toMatchObject({ ipVersion: 6, vlan: [{ id: 100 }, { id: 200, pcp: 3 }], workers: 2 });
});

test("bad values: one line with the file, the line and the field", () => {
  expect(error(SC.replace("ip_version: 6", "ip_version: 5"))).toBe("s.yaml:11: steps[0].flows[0].ip_version: must be 4 or 6");
  expect(error(SC.replace('"200,3"', '"200,9"'))).toBe("s.yaml:12: steps[0].flows[0].vlan[1]: PCP 9 is outside 0..7");
  expect(error(SC.replace("vlan: [100,", "vlan: [100, 5,"))).toMatch(/^s\.yaml:12: steps\[0\]\.flows\[0\]\.vlan: at most 2 tags/);
  expect(error(SC.replace("workers: 2", "workers: 0"))).toMatch(/^s\.yaml:13: steps\[0\]\.flows\[0\]\.workers: /);
  expect(error(SC, { all: ["tx", "rx"], v6: ["tx"] })).toBe("s.yaml:11: steps[0].flows[0].ip_version: host 'rx' has no IPv6 address in lab 'dual-stack' (its lab file needs ipv6: true)");
});
