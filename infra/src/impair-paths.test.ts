import { describe, expect, test } from "bun:test";
import { IMPAIR_PATHS, IMPAIR_SUPPORT, supportTable, unsupportedOn } from "./impair-paths.ts";
import { IMPAIRMENT_KINDS } from "./impair-spec.ts";

const point = (spec: object, source = "hosts[0].interfaces[0].impair.egress") => ({ host: "tx", ifname: "eth1", direction: "egress" as const, spec, source });

describe("what each path can do", () => {
  test("netem and the wire do everything; tc-bpf does the stateless kinds and rate", () => {
    expect(IMPAIRMENT_KINDS.filter((k) => IMPAIR_SUPPORT.netem[k])).toEqual([...IMPAIRMENT_KINDS]);
    expect(IMPAIRMENT_KINDS.filter((k) => IMPAIR_SUPPORT.wire[k])).toEqual([...IMPAIRMENT_KINDS]);
    expect(IMPAIRMENT_KINDS.filter((k) => IMPAIR_SUPPORT["tc-bpf"][k])).toEqual(["loss", "corrupt", "duplicate", "rate"]);
    expect(supportTable()).toHaveLength(IMPAIRMENT_KINDS.length + 1);
    expect(supportTable()[0]!.trim().split(/\s+/)).toEqual([...IMPAIR_PATHS]);
    expect(supportTable().find((r) => r.trim().startsWith("delay"))!.trim().split(/\s+/)).toEqual(["delay", "yes", "yes", "no"]);
  });
  test("an impairment the path cannot do is one line naming the field", () => {
    expect(unsupportedOn("tc-bpf", [point({ loss: 1 }), point({ delay: 10 }, "networks[1].impair")], "no sch_netem in this kernel")).toBe(
      "networks[1].impair: delay is not possible on this machine: the tc-bpf path does loss, corrupt, duplicate, rate (no sch_netem in this kernel), not delay",
    );
    expect(unsupportedOn("tc-bpf", [point({ loss: 1, lossBursts: { p: 1, r: 2, bad: 100, good: 0 }, corrupt: 1, duplicate: 1, rate: 1e6 })])).toBeUndefined();
    expect(unsupportedOn("netem", [point({ delay: 1, jitter: 1, reorder: { percent: 5 } })])).toBeUndefined();
    expect(unsupportedOn("wire", [point({ delay: 1, jitter: 1, distribution: "normal", reorder: { percent: 5 }, loss: 1, rate: 1e6 })])).toBeUndefined();
  });
  test("the wire draws jitter from uniform and normal only: another distribution is one line", () => {
    expect(unsupportedOn("wire", [point({ delay: 10, jitter: 2, distribution: "pareto" }, "networks[0].impair")], "no sch_netem in this kernel")).toBe(
      "networks[0].impair: distribution pareto is not possible on this machine: the wire path's jitter is uniform or normal (no sch_netem in this kernel)",
    );
    expect(unsupportedOn("netem", [point({ delay: 10, jitter: 2, distribution: "pareto" })])).toBeUndefined();
  });
});
