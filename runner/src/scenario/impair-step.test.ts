// A scenario step's impair: items, parsed with the lab file's rules and one-line errors naming file, line and field.
import { expect, test } from "bun:test";
import { ScenarioError } from "./scenario-error.ts";
import { parseScenario } from "./scenario-file.ts";

const SC = `name: lossy
lab: two-host
steps:
  - name: under-loss
    impair:
      - { host: tx, dir: tx, loss: 30% }
      - { network: br-test, duplicate: 1%, rate: 10mbit }
    flows:
      - { tx: tx, rx: rx, protocol: dns, mode: backoff, count: 50 }
    checks: { min_answer_ratio: 1 }
`;

function error(text: string): string {
  try {
    parseScenario(text, "s.yaml");
  } catch (err) {
    if (err instanceof ScenarioError) return err.message;
    throw err;
  }
  throw new Error("expected a ScenarioError");
}

test("impair: items name where and what, as in a lab file", () => {
  const step = parseScenario(SC, "s.yaml").scenario.steps[0]!;
  expect(step.impair).toEqual([
    { where: { host: "tx", direction: "egress" }, spec: { loss: 30 } },
    { where: { network: "br-test" }, spec: { duplicate: 1, rate: 10_000_000 } },
  ]);
});

test("bad impair: items are one line naming file, line and field", () => {
  expect(error(SC.replace("loss: 30%", "loss: 300%"))).toBe("s.yaml:6: steps[0].impair[0].loss: 300% is more than 100%");
  expect(error(SC.replace("dir: tx", "dir: up"))).toBe("s.yaml:6: steps[0].impair[0].dir: 'up' is not one of egress, tx, ingress, rx");
  expect(error(SC.replace("{ network: br-test,", "{ host: rx, network: br-test,"))).toBe("s.yaml:7: steps[0].impair[1]: say where: host (with iface, dir) or network, one of them");
  expect(error(SC.replace("loss: 30%", "jitter: 3ms"))).toBe("s.yaml:6: steps[0].impair[0].jitter: jitter varies a delay: set delay too");
});
