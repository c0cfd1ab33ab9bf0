// A scenario step's impair: items, parsed with the lab file's rules and one-line errors naming file, line and field.
import { describe, expect, test } from "bun:test";
import type { ImpairPoint } from "../../../infra/src/impair-points.ts";
import type { Impairment } from "../../../infra/src/impair-spec.ts";
import { parseLab } from "../../../infra/src/lab-model.ts";
import { lossOnPath } from "./impair-step.ts";
import { ScenarioError } from "./scenario-error.ts";
import { lossWithinCheck } from "./step-checks.ts";
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

describe("lossOnPath: what loss_within_ci judges a flow against", () => {
  const lab = parseLab(
    `name: lp
networks:
  - { name: seg-a, subnet: 198.18.63.0/24 }
  - { name: seg-b, subnet: 198.18.64.0/24 }
hosts:
  - { name: tx, role: tx, interfaces: [{ network: seg-a, impair: { egress: { loss: 2% } } }] }
  - { name: rx, role: rx, interfaces: [{ network: seg-a }] }
  - { name: far, role: rx, interfaces: [{ network: seg-b }] }
`,
    "lp.yaml",
  );
  const at = (host: string, direction: "egress" | "ingress", spec: Impairment): ImpairPoint => ({ host, ifname: "eth1", direction, spec, source: "test" });

  test("the lab file's loss alone, then compounded with the receiver's ingress", () => {
    expect(lossOnPath(lab, lab.impairments, "tx", "rx")).toEqual({ loss: expect.closeTo(0.02, 12), inflate: 1, via: "tx egress 2%" });
    const both = lossOnPath(lab, [...lab.impairments, at("rx", "ingress", { loss: 10 })], "tx", "rx");
    expect("loss" in both && both.loss).toBeCloseTo(1 - 0.98 * 0.9, 12);
  });

  test("the other direction and other hosts do not count; delay does not muddy a loss count", () => {
    const pts = [at("tx", "ingress", { loss: 50 }), at("rx", "egress", { loss: 50 }), at("far", "ingress", { loss: 50 }), at("rx", "ingress", { loss: 5, delay: 10 })];
    expect(lossOnPath(lab, pts, "tx", "rx")).toEqual({ loss: expect.closeTo(0.05, 12), inflate: 1, via: "rx ingress 5%" });
  });

  test("Gilbert-Elliott widens the interval", () => {
    const r = lossOnPath(lab, [at("tx", "egress", { lossBursts: { p: 2, r: 18, bad: 100, good: 0 } })], "tx", "rx");
    expect(r).toMatchObject({ via: "tx egress 10%" });
    expect("inflate" in r && r.inflate).toBeCloseTo(9, 10);
  });

  test("not judged, with the reason: duplication on the path, a routed pair", () => {
    expect(lossOnPath(lab, [at("rx", "ingress", { loss: 1, duplicate: 1 })], "tx", "rx")).toEqual({ why: "rx eth1 ingress also has duplicate, so the received count is not a loss count" });
    expect(lossOnPath(lab, [], "tx", "far")).toEqual({ why: "tx and far share no network: loss on a routed path is not judged" });
  });

  test("the check: inside passes, outside and unjudged fail naming why", () => {
    expect(lossWithinCheck(0.999, 10_000, 9_800, { loss: 0.02, inflate: 1, via: "tx egress 2%" })).toMatchObject({ name: "loss_within_ci", ok: true });
    const off = lossWithinCheck(0.999, 10_000, 9_500, { loss: 0.02, inflate: 1, via: "tx egress 2%" });
    expect(off.ok).toBe(false);
    expect(off.detail).toEndWith("setting 2% OUTSIDE (tx egress 2%)");
    expect(lossWithinCheck(0.999, 100, 100, { why: "x" })).toEqual({ name: "loss_within_ci", ok: false, detail: "not judged: x" });
  });
});
