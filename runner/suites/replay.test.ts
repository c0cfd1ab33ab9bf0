// Scenario replay steps through the engine (issue 16): a capture the lab made
// is replayed by a later step with its own server side as the answers
// expected; a scapy-made capture recorded between other addresses is mapped
// onto the lab's tx/rx automatically, and the answers the engine responder
// gives are judged against rules, a planted missing and a planted wrong
// answer named in the step's verdicts and results.json.
import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { scenarioChecks } from "../src/scenario/run-scenario.ts";
import { runScenarioFile } from "../src/run/scenario-run.ts";
import { ownTwoHostLab, useOwnLab } from "./own-lab.ts";

const work = mkdtempSync(join(tmpdir(), "wirelab-replay-suite-"));
const LAB = ownTwoHostLab(work, "rpl", 61, "the replay suite's own two-host lab");
const lab = useOwnLab(LAB, work);

function scenario(name: string, text: string): string {
  const file = join(work, `${name}.yaml`);
  writeFileSync(file, text);
  return file;
}

/** The client side of a conversation recorded between 198.19.0.5 and 198.19.0.9 (not the lab's addresses). */
function recordedRequests(file: string, silent: string): void {
  const py = `
from scapy.all import DNS, DNSQR, ICMP, IP, TCP, UDP, Ether, Raw, wrpcap
e = Ether(src="02:00:00:00:00:05", dst="02:00:00:00:00:09")
c, s = "198.19.0.5", "198.19.0.9"
wrpcap(${JSON.stringify(file)}, [
    e / IP(src=c, dst=s) / ICMP(type=8, id=0x42, seq=1) / Raw(b"replay" * 4),
    e / IP(src=c, dst=s) / ICMP(type=8, id=0x42, seq=2) / Raw(b"replay" * 4),
    e / IP(src=c, dst="${silent}") / ICMP(type=8, id=0x42, seq=3) / Raw(b"replay" * 4),
    e / IP(src=c, dst=s) / UDP(sport=5300, dport=53) / DNS(id=0x4242, rd=1, qd=DNSQR(qname="www.example.com")),
    e / IP(src=c, dst=s) / UDP(sport=40000, dport=7) / Raw(b"echo me"),
    e / IP(src=c, dst=s) / TCP(sport=40001, dport=80, flags="S", seq=7000),
])`;
  const r = Bun.spawnSync(["/usr/bin/python3", "-c", py]);
  if (r.exitCode !== 0) throw new Error(`scapy: ${r.stderr.toString()}`);
}

describe("replay through the engine", () => {
  test("a lab capture replayed by a later step, its server side expected: every answer matched, counts = frames x loops", async () => {
    const file = scenario(
      "capture",
      `name: capture-replay
lab: ./rpl.yaml
monitor: false
steps:
  - name: record
    flows:
      - { tx: tx, rx: rx, protocol: icmp, mode: rate, pps: 500, count: 200, capture: true }
  - name: again
    replay: { tx: tx, rx: rx, pcap: { step: record, host: tx }, pps: 2000, loop: 2, expect_split: true }
`,
    );
    const r = await runScenarioFile(file, { lab: lab.fixture, resultsDir: join(work, "capture-run") });
    const run = r.steps[1]!.runs[0]!;
    const rp = run.replay!;
    expect(rp.sender).toBe("engine");
    const v = rp.validation!;
    // the 200 echo replies (the flow's engines know each other's MACs: no ARP), twice
    expect(v.expectations).toBe(200);
    expect(v.expected).toBe(400);
    expect(v.matched).toBe(400);
    expect(v.missing + v.different + v.unexpected).toBe(0);
    // the capture's client side, 200 requests, twice; the rx engine counted each one
    expect(rp.sent).toBe(400);
    expect(rp.received).toBe(400);
    expect(rp.pps!).toBeGreaterThan(2000 * 0.99);
    expect(rp.pps!).toBeLessThan(2000 * 1.01);
    expect(r.steps[1]!.verdict).toBe("passed");
    const names = scenarioChecks(r).map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(["again/answers_matched", "again/answers_missing", "again/answers_different", "again/answers_unexpected"]));
  }, 90000);

  test("a capture from elsewhere mapped onto tx/rx automatically; a missing and a wrong answer found and named", async () => {
    const inv = lab.fixture.inventory;
    const ip = (h: string) => inv.hosts.find((x) => x.name === h)!.interfaces[0]!.ipv4;
    const silent = "198.18.61.77";
    const pcap = join(work, "recorded.pcap");
    recordedRequests(pcap, silent);
    const file = scenario(
      "mapped",
      `name: mapped-replay
lab: ./rpl.yaml
monitor: false
steps:
  - name: judged
    replay:
      tx: tx
      rx: rx
      pcap: recorded.pcap
      pps: 100
      expect_rules: [icmp, dns, udp-echo, tcp]
      domains: [www.example.com]
`,
    );
    const r = await runScenarioFile(file, { lab: lab.fixture, resultsDir: join(work, "mapped-run") });
    const step = r.steps[0]!;
    const v = step.runs[0]!.replay!.validation!;
    expect(step.runs[0]!.replay!.rewrite!.ip_mapped).toBeGreaterThan(0);
    // echo 1, 2, DNS, UDP echo matched; the echo to nobody missing; the SYN to a closed port got RST
    expect([v.expected, v.matched, v.missing, v.different, v.unexpected]).toEqual([6, 4, 1, 1, 0]);
    expect(v.missing_answers[0]!.answer).toBe(`icmp echo ${silent} > ${ip("tx")} id 66 seq 3`);
    expect(v.differences[0]).toMatchObject({ answer: `tcp ${ip("rx")}:80 > ${ip("tx")}:40001 ack 7001`, field: "tcp.flags", expected: "SA", got: "RA", request_frame: 6 });
    expect(step.verdict).toBe("failed");
    const checks = Object.fromEntries(scenarioChecks(r).map((c) => [c.name, c]));
    expect(checks["judged/answers_missing"]!.ok).toBe(false);
    expect(checks["judged/answers_missing"]!.detail).toContain(`icmp echo ${silent} > ${ip("tx")} id 66 seq 3`);
    expect(checks["judged/answers_different"]!.detail).toContain("tcp.flags expected SA, got RA");
    expect(checks["judged/answers_unexpected"]!.ok).toBe(true);
    const saved = JSON.parse(readFileSync(join(r.dir, "results.json"), "utf8"));
    expect(saved.steps[0].runs[0].replay.validation.missing).toBe(1);
  }, 90000);
});
