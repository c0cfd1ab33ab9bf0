// The replay sender's command line (automatic mapping onto tx/rx, validation
// options) and the validation read back as the step's answer checks.
import { expect, test } from "bun:test";
import { parseInventory } from "../../../infra/src/inventory-schema.ts";
import { answerChecks, engineReplayInvocation, parseReplayLine, type ReplayValidation } from "./engine-replay.ts";
import { parseScenario } from "./scenario-file.ts";

const host = (name: string, n: number) => ({
  name, role: name, mgmt: { ip: `198.19.9.${n}` }, defaultTransport: "netns",
  transports: { netns: { namespace: `er-${name}` } },
  interfaces: [{ name: "eth1", segment: "br-test", mac: `02:00:00:00:00:0${n}`, ipv4: `198.18.9.${n}`, prefixLen: 24, pci: null, dpdk: { vdev: `net_af_xdp${n},iface=eth1` } }],
  capabilities: { xdp: "native", afXdp: true, afPacket: true, dpdkPci: false, hugepages: 0 },
});
const inv = parseInventory({
  schema: "wirelab/inventory@1", backend: "netns", createdAt: "2026-01-01T00:00:00Z",
  lab: { name: "er", prefix: "er" }, management: { subnet: "198.19.9.0/24", gateway: "198.19.9.254" },
  hosts: [host("tx", 1), host("rx", 2)],
});

test("the capture's first client and server become tx and rx; validation options pass through", () => {
  const { argv } = engineReplayInvocation(inv, inv.hosts[0]!, inv.hosts[1]!, {
    pcap: "/c.pcap", loop: 2, pps: 500, statsInterval: 1, autoMap: true, expect: "/e.pcap", expectRules: ["icmp", "dns"], expectFields: ["+ip.ttl"], expectWait: 0.5,
  }, "r1");
  const args = argv.slice(argv.indexOf("--") + 1);
  expect(args).toEqual([
    "--role", "replay", "--pcap", "/c.pcap", "--loop", "2", "--pps", "500", "--stats-interval", "1",
    "--client", "198.18.9.1,02:00:00:00:00:01", "--server", "198.18.9.2,02:00:00:00:00:02",
    "--expect", "/e.pcap", "--expect-rules", "icmp,dns", "--expect-fields", "+ip.ttl", "--expect-wait", "0.5",
  ]);
  expect(argv).toContain("net_af_xdp1,iface=eth1");
  const bare = engineReplayInvocation(inv, inv.hosts[0]!, inv.hosts[1]!, { pcap: "/c.pcap", loop: 1, statsInterval: 1, autoMap: false }, "r1").argv;
  expect(bare).not.toContain("--client");
  expect(bare).not.toContain("--pps");
});

const validation = (over: Partial<ReplayValidation>): ReplayValidation => ({
  expected: 10, matched: 10, missing: 0, unexpected: 0, different: 0, duplicate: 0, arp_answered: 0, expectations: 5,
  differences: [], missing_answers: [], unexpected_answers: [], ...over,
});

test("answer checks name what was missing, different and unexpected", () => {
  expect(answerChecks(validation({}), {}).every((c) => c.ok)).toBe(true);
  const v = validation({
    matched: 7, missing: 2, different: 1, unexpected: 1,
    missing_answers: [{ answer: "icmp echo 198.18.9.7 > 198.18.9.1 id 1 seq 3", count: 2, expect_frame: 6, request_frame: 3 }],
    differences: [{ answer: "dns 198.18.9.2:53 > 198.18.9.1:5353 id 0x1234", field: "dns.answer", expected: "198.18.0.99", got: "198.18.0.10", expect_frame: 3, request_frame: 4 }],
    unexpected_answers: [{ answer: "icmp error about proto 17 198.18.9.1:40000 > 198.18.9.2:7", len: 70, duplicate: false }],
  });
  const c = Object.fromEntries(answerChecks(v, {}).map((x) => [x.name, x]));
  expect(c.answers_matched!.ok).toBe(false);
  expect(c.answers_missing!.detail).toBe("2 missing (at most 0): icmp echo 198.18.9.7 > 198.18.9.1 id 1 seq 3 x2");
  expect(c.answers_different!.detail).toBe("1 different (at most 0): dns 198.18.9.2:53 > 198.18.9.1:5353 id 0x1234: dns.answer expected 198.18.0.99, got 198.18.0.10");
  expect(c.answers_unexpected!.ok).toBe(false);
  // allowances from the step's checks
  expect(answerChecks(v, { max_missing: 2, max_different: 1, max_unexpected: 1 }).every((x) => x.ok)).toBe(true);
});

test("only the replay role's stats and summary lines are read", () => {
  expect(parseReplayLine('{"type":"summary","role":"replay","pps":10,"replay":{"frames_sent":3}}')?.replay.frames_sent).toBe(3);
  expect(parseReplayLine('{"type":"summary","role":"tx","protocols":{}}')).toBeUndefined();
  expect(parseReplayLine("EAL: noise")).toBeUndefined();
});

test("a replay step's validation settings are checked", () => {
  const base = "name: x\nlab: two-host\nsteps:\n  - name: a\n    replay: ";
  expect(parseScenario(`${base}{ tx: tx, rx: rx, pcap: c.pcap, expect_rules: [icmp, udp-echo], expect_fields: ["+ip.ttl"] }\n`, "ok.yaml").scenario.steps[0]!.replay!.sender).toBe("engine");
  expect(() => parseScenario(`${base}{ tx: tx, rx: rx, pcap: c.pcap, sender: tcpreplay, pps: 10, expect_split: true }\n`, "bad.yaml")).toThrow(/replay\.sender: answers are validated by the engine sender only/);
  expect(() => parseScenario(`${base}{ tx: tx, rx: rx, pcap: c.pcap, sender: tcpreplay }\n`, "bad.yaml")).toThrow(/replay\.pps: tcpreplay needs a rate/);
  expect(() => parseScenario(`${base}{ tx: tx, rx: rx, pcap: c.pcap, expect_rules: [smtp] }\n`, "bad.yaml")).toThrow(/expect_rules/);
  expect(() => parseScenario(`${base}{ tx: tx, rx: rx, pcap: c.pcap, expect: { step: z, host: tx } }\n`, "bad.yaml")).toThrow(/replay\.expect\.step: no earlier step 'z'/);
});
