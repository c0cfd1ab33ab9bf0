// The impair: fields in a lab file: where they land in the model, and one-line errors naming file, line and field.
import { describe, expect, test } from "bun:test";
import { LabError } from "./lab-error.ts";
import { parseLab } from "./lab-model.ts";

const LAB = `name: imp
networks:
  - name: a
    impair: { loss: 1% }
  - name: b
hosts:
  - name: tx
    role: tx
    interfaces:
      - network: a
        impair:
          tx: { corrupt: 2%, rate: 10mbit }
      - network: b
  - name: rx
    role: rx
    interfaces:
      - network: a
        impair:
          ingress: { duplicate: 3% }
      - network: b
`;

function labError(text: string): string {
  try {
    parseLab(text, "bad.yaml");
  } catch (err) {
    if (err instanceof LabError) return err.message;
    throw err;
  }
  throw new Error("expected a LabError");
}

describe("impair: in a lab file", () => {
  test("a network's impairment is the ingress of its interfaces, unless an interface gives its own", () => {
    const lab = parseLab(LAB, "imp.yaml");
    expect(lab.impairments).toEqual([
      { host: "tx", ifname: "eth1", direction: "egress", spec: { corrupt: 2, rate: 10_000_000 }, source: "hosts[0].interfaces[0].impair.egress" },
      { host: "tx", ifname: "eth1", direction: "ingress", spec: { loss: 1 }, source: "networks[0].impair" },
      { host: "rx", ifname: "eth1", direction: "ingress", spec: { duplicate: 3 }, source: "hosts[1].interfaces[0].impair.ingress" },
    ]);
  });

  test("labs without impair: have none", () => {
    expect(parseLab("name: x\nhosts:\n  - name: tx\n    role: tx\n", "x.yaml").impairments).toEqual([]);
  });

  test("bad values name file, line and field", () => {
    expect(labError(LAB.replace("loss: 1%", "loss: 150%"))).toBe("bad.yaml:4: networks[0].impair.loss: 150% is more than 100%");
    expect(labError(LAB.replace("rate: 10mbit", "rate: fast"))).toBe(
      "bad.yaml:12: hosts[0].interfaces[0].impair.tx.rate: 'fast' is not a rate (like 10mbit, 512kbit, 1gbit, or a number of bit/s)",
    );
    expect(labError(LAB.replace("ingress: { duplicate: 3% }", "sideways: { duplicate: 3% }"))).toBe(
      "bad.yaml:19: hosts[1].interfaces[0].impair.sideways: unknown direction 'sideways' (egress or tx, ingress or rx)",
    );
    expect(labError(LAB.replace("ingress: { duplicate: 3% }", "ingress: { jitter: 3ms }"))).toBe(
      "bad.yaml:19: hosts[1].interfaces[0].impair.ingress.jitter: jitter varies a delay: set delay too",
    );
    expect(labError(LAB.replace("tx: { corrupt: 2%, rate: 10mbit }", "tx: { corrupt: 2% }\n          egress: { loss: 1% }"))).toBe(
      "bad.yaml:13: hosts[0].interfaces[0].impair.egress: 'egress' is the same direction as one given before (tx is egress, rx is ingress)",
    );
  });
});
