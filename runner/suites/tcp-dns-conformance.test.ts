// The engine's TCP (RFC 9293) and DNS (RFC 1035, 4343, 6891, 7766, 2308)
// as a host on the wire, next to the reference: the same real clients on the
// prober host (a TCP socket client, hping3 out-of-the-blue segments, dig over
// UDP and TCP with EDNS, scapy-crafted queries with odd labels and
// compression) against the Linux kernel of the target host (a kernel TCP echo
// server, dnsmasq), then against `wirelab-engine --role rx` on that host's NIC,
// on the same link (conformance-lab.ts). What each answered is read from
// captures on the prober's NIC and decoded by tshark, checksum validation on.
// Then the engine's generator runs full TCP connections against both and
// validates their state transitions, and counts DNS answers by RCODE.
// Lab of its own: tdc, 198.18.58.0/24.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { REPO_ROOT } from "../src/paths.ts";
import type { EngineStats } from "../src/traffic/engine-output.ts";
import type { ExecResult } from "../src/transport/transport.ts";
import { kernelThenEngine, probeRecord, runClientProbes, startConformanceLab, type Answerer, type ClientSeen, type ConformanceLab } from "./conformance-lab.ts";
import { TCP_FLAGS, type TcpSegment } from "./tcp-segments.ts";

const NAME = "www.wirelab.test";
const ADDR = "198.18.58.77";
const PY = "/usr/bin/python3"; // Debian's, where python3-scapy is
const PROBE_PY = join(REPO_ROOT, "engine", "tests", "tcp_dns_probe.py");
const { SYN, ACK, RST, FIN } = TCP_FLAGS;

type Seen = ClientSeen;

type Argv = (l: ConformanceLab) => string[];
const hping = (...args: string[]): Argv => (l) => ["hping3", "-c", "1", ...args, l.target.ip];
const dig = (...args: string[]): Argv => (l) => ["dig", "+tries=2", "+time=1", `@${l.target.ip}`, ...args];
const pyDns = (kind: string): Argv => (l) => [PY, PROBE_PY, "dns", kind, l.target.ip, NAME];

const PROBES: Readonly<Record<string, Argv>> = {
  "tcp client 8080": (l) => [PY, PROBE_PY, "tcp-client", l.target.ip, "8080", "3000"],
  "tcp client closed port": (l) => [PY, PROBE_PY, "tcp-client", l.target.ip, "9999", "100"],
  "ack with data, no connection": hping("-A", "-d", "10", "-p", "8080", "-s", "41001", "-k", "-M", "1000", "-L", "424242"),
  "fin+ack, no connection": hping("-F", "-A", "-p", "8080", "-s", "41002", "-k", "-M", "2000", "-L", "434343"),
  "rst, no connection": hping("-R", "-p", "8080", "-s", "41003", "-k", "-M", "3000"),
  "syn to a closed port": hping("-S", "-p", "9999", "-s", "41004", "-k", "-M", "5000"),
  "ack to a closed port": hping("-A", "-p", "9999", "-s", "41005", "-k", "-M", "6000", "-L", "454545"),
  "syn without options": hping("-S", "-p", "8080", "-s", "41006", "-k", "-M", "7000"),
  "dig A": dig(NAME, "A"),
  "dig AAAA": dig(NAME, "AAAA"),
  "dig MX": dig(NAME, "MX"),
  "dig unknown name": dig(`nothing.wirelab.test`, "A"),
  "dig +tcp": dig("+tcp", NAME, "A"),
  "dig +tcp AAAA": dig("+tcp", NAME, "AAAA"),
  "dig +bufsize=4096": dig("+bufsize=4096", NAME, "A"),
  "dig +padding=512": dig("+padding=512", NAME, "A"),
  "dotted-label": pyDns("dotted-label"),
  "nul-label": pyDns("nul-label"),
  "ptr-question": pyDns("ptr-question"),
  "ptr-forward": pyDns("ptr-forward"),
  "ptr-additional": pyDns("ptr-additional"),
  "padded-600": pyDns("padded-600"),
  "edns-v1": pyDns("edns-v1"),
};

let lab: ConformanceLab | undefined;
const seen = probeRecord<Seen>();
const generator: Partial<Record<Answerer, { tcp?: EngineStats; dns?: EngineStats }>> = {};
let rxSummary: EngineStats | undefined;
let rxExit: ExecResult | undefined;

const probeAll = (l: ConformanceLab, side: Answerer) => runClientProbes(l, side, PROBES, seen[side]);

/** The engine as generator on the prober (conformance-lab's generate: later options win); its summary. */
async function generate(l: ConformanceLab, protocol: "tcp" | "dns", count: number, extra: string[]): Promise<EngineStats> {
  const r = await l.generate(count, ["--protocol", protocol, "--pps", "20", "--linger", "2500", ...extra]);
  if (!r.summary) throw new Error(`generator (${protocol}) ended without a summary (exit ${r.result.code}): ${r.result.stderr.trim().split("\n").at(-1) ?? ""}`);
  return r.summary;
}

async function generateBoth(l: ConformanceLab, side: Answerer): Promise<void> {
  generator[side] = {
    tcp: await generate(l, "tcp", 20, ["--message", "full-connection-".repeat(20)]),
    dns: await generate(l, "dns", 40, ["--domain", NAME, "--domain", "nothing.wirelab.test"]),
  };
}

beforeAll(async () => {
  lab = await startConformanceLab("tdc", 58, "the TCP/DNS conformance suite's own lab: kernel and engine answer the same clients");
  const l = lab;
  const t = l.target;
  ({ summary: rxSummary, result: rxExit } = await kernelThenEngine(l, {
    servers: [
      [PY, PROBE_PY, "echo-server", t.ip, "8080"],
      [
        "dnsmasq", "-k", "-C", "/dev/null", "--no-resolv", "--no-hosts", "--bind-interfaces", `--listen-address=${t.ip}`, "--port=53",
        "--local=/wirelab.test/", `--host-record=${NAME},${ADDR}`, `--pid-file=/tmp/wirelab-tdc-dnsmasq-${process.pid}.pid`,
      ],
    ],
    engineArgs: ["--tcp-listen", "8080,53", "--tcp-echo", "--dns-record", `${NAME}=${ADDR}`],
    observe: async (side) => {
      await probeAll(l, side);
      await generateBoth(l, side);
    },
  }));
}, 400_000);
afterAll(async () => {
  await lab?.down();
}, 60_000);

const get = (side: Answerer, name: string): Seen => seen.seenBy(side, name);
const both = seen.both;
const only = (segs: TcpSegment[]) => segs.map((s) => ({ flags: s.flags, seq: s.seq, ack: s.ack }));

describe("TCP (RFC 9293): the engine does what the kernel does", () => {
  test("socket client: connect, send 3000 bytes, close; everything echoed, then EOF", () => {
    both("tcp client 8080", (s, side) => {
      expect({ side, ...s.json }).toMatchObject({ side, connected: true, refused: false, sent: 3000, received: 3000, echo_intact: true });
    });
  });

  test("the SYN-ACK carries MSS, window scale, SACK-permitted and timestamps when the SYN offered them (3.7.1, RFC 7323, RFC 2018)", () => {
    both("tcp client 8080", (s, side) => {
      const synAck = s.segments.find((g) => g.flags === (SYN | ACK));
      expect({ side, kinds: [...new Set(synAck?.optionKinds.filter((k) => k !== 1))].sort() }).toEqual({ side, kinds: [2, 3, 4, 8] });
      expect({ side, mss: synAck?.mss }).toEqual({ side, mss: 1460 });
    });
  });

  test("a SYN without options gets a SYN-ACK with MSS only (RFC 7323 2.2)", () => {
    both("syn without options", (s, side) => {
      const synAck = s.segments.filter((g) => g.flags === (SYN | ACK));
      expect({ side, n: synAck.length, kinds: synAck[0]?.optionKinds }).toEqual({ side, n: 1, kinds: [2] });
      expect(synAck[0]?.ack).toBe(7001);
    });
  });

  test("a closed port refuses the socket client: RST|ACK, ECONNREFUSED (3.10.7.1)", () => {
    both("tcp client closed port", (s, side) => {
      expect({ side, refused: s.json.refused }).toEqual({ side, refused: true });
      expect({ side, segs: s.segments.map((g) => g.flags) }).toEqual({ side, segs: [RST | ACK] });
    });
  });

  test("hping3 SYN to a closed port: RST|ACK, seq 0, ack = SEG.SEQ+1 (3.10.7.1)", () => {
    both("syn to a closed port", (s, side) => expect({ side, segs: only(s.segments) }).toEqual({ side, segs: [{ flags: RST | ACK, seq: 0, ack: 5001 }] }));
  });

  test("hping3 ACK to a closed port: RST with seq = SEG.ACK (3.10.7.1)", () => {
    both("ack to a closed port", (s, side) => expect({ side, segs: only(s.segments) }).toEqual({ side, segs: [{ flags: RST, seq: 454545, ack: 0 }] }));
  });

  test("out-of-the-blue ACK with data to a listening port: RST with seq = SEG.ACK (3.10.7.2)", () => {
    both("ack with data, no connection", (s, side) => expect({ side, segs: only(s.segments) }).toEqual({ side, segs: [{ flags: RST, seq: 424242, ack: 0 }] }));
  });

  test("FIN+ACK with no connection: RST with seq = SEG.ACK (3.10.7.2)", () => {
    both("fin+ack, no connection", (s, side) => expect({ side, segs: only(s.segments) }).toEqual({ side, segs: [{ flags: RST, seq: 434343, ack: 0 }] }));
  });

  test("a RST is never answered (3.10.7.1, 3.10.7.2)", () => {
    both("rst, no connection", (s, side) => expect({ side, segs: s.segments.length }).toEqual({ side, segs: 0 }));
  });
});

describe("DNS: the engine answers as dnsmasq does", () => {
  const status = (s: Seen) => /status: (\w+)/.exec(s.run.stdout)?.[1];
  const answers = (s: Seen) => / ANSWER: (\d+)/.exec(s.run.stdout)?.[1];

  test("dig A: NOERROR with the record", () => {
    both("dig A", (s, side) => {
      expect({ side, status: status(s), answers: answers(s) }).toEqual({ side, status: "NOERROR", answers: "1" });
      expect(s.run.stdout).toContain(ADDR);
    });
  });

  test("AAAA and MX for a known name: NOERROR, no answer (NODATA, RFC 2308 2.2)", () => {
    for (const name of ["dig AAAA", "dig MX", "dig +tcp AAAA"]) both(name, (s, side) => expect({ name, side, status: status(s), answers: answers(s) }).toEqual({ name, side, status: "NOERROR", answers: "0" }));
  });

  test("an unknown name: NXDOMAIN", () => {
    both("dig unknown name", (s, side) => expect({ side, status: status(s) }).toEqual({ side, status: "NXDOMAIN" }));
  });

  test("dig +tcp: answered over TCP with the 2-byte length prefix (RFC 7766)", () => {
    both("dig +tcp", (s, side) => {
      expect({ side, status: status(s), answers: answers(s) }).toEqual({ side, status: "NOERROR", answers: "1" });
      expect(s.run.stdout).toMatch(/\(TCP\)/);
      // the connection ends with FINs both ways, never a silent accept
      expect(s.segments.some((g) => (g.flags & FIN) !== 0)).toBe(true);
    });
  });

  test("EDNS(0): the OPT is understood and answered (RFC 6891 6.1.1)", () => {
    both("dig +bufsize=4096", (s, side) => {
      expect({ side, status: status(s) }).toEqual({ side, status: "NOERROR" });
      expect(s.run.stdout).toMatch(/; EDNS: version: 0/);
    });
    both("dig +padding=512", (s, side) => expect({ side, status: status(s), answers: answers(s) }).toEqual({ side, status: "NOERROR", answers: "1" }));
    both("padded-600", (s, side) => {
      expect({ side, ...s.json }).toMatchObject({ side, query_bytes: 600, answered: true, rcode: 0, ancount: 1 });
      expect(s.json.answers).toEqual([ADDR]);
    });
  });

  test("EDNS version 1: BADVERS with an OPT of version 0 (RFC 6891 6.1.3; dnsmasq 2.89 ignores the version, so the engine alone)", () => {
    expect(get("engine", "edns-v1").json).toMatchObject({ answered: true, rcode: 16, ancount: 0, opt_version: 0 });
  });

  test("a label holding dots, or a NUL, is data: no match for www.wirelab.test (RFC 1035 3.1, RFC 4343)", () => {
    for (const name of ["dotted-label", "nul-label"]) {
      both(name, (s, side) => expect({ name, side, answered: s.json.answered, answers: s.json.answers }).toEqual({ name, side, answered: true, answers: [] }));
      expect({ name, rcode: get("engine", name).json.rcode }).toEqual({ name, rcode: 3 });
    }
  });

  test("compression pointers: a backward one in the question is answered with the question re-encoded; one forward is FORMERR (RFC 1035 4.1.4)", () => {
    const q = get("engine", "ptr-question").json;
    expect(q).toMatchObject({ answered: true, rcode: 3 });
    // the question comes back uncompressed: "www" then the root label
    expect(String(q.response_hex).slice(24, 24 + 14)).toBe("03777777000001");
    expect(get("engine", "ptr-forward").json).toMatchObject({ answered: true, rcode: 1 });
    both("ptr-additional", (s, side) => expect({ side, rcode: s.json.rcode, answers: s.json.answers }).toEqual({ side, rcode: 0, answers: [ADDR] }));
  });
});

describe("the engine's answers on the wire", () => {
  test("decode in tshark with checksum validation on and nothing malformed", () => {
    const frames = [...seen.engine.values()].flatMap((s) => s.frames);
    // one response per DNS probe: 6 dig over UDP, 2 over TCP, 7 crafted
    expect(frames.filter((f) => f.protocols.includes(":dns")).length).toBeGreaterThanOrEqual(15);
    expect(frames.filter((f) => f.protocols.includes(":tcp")).length).toBeGreaterThan(10);
    expect(frames.filter((f) => f.problems.length > 0).map((f) => `${f.info}: ${f.problems.join(", ")}`)).toEqual([]);
  });

  test("the rx summary counts connections, refusals and DNS over TCP; no transition outside RFC 9293 Figure 5", () => {
    expect(rxExit?.code).toBe(0);
    const srv = rxSummary?.tcp.server;
    expect(srv?.bad_transitions).toBe(0);
    expect(srv?.refused).toBeGreaterThanOrEqual(2);
    // closed port: socket client, hping3 SYN and ACK; listening port: ACK with data, FIN+ACK
    expect(srv?.rst_sent).toBeGreaterThanOrEqual(5);
    expect(srv?.dns_queries).toBeGreaterThanOrEqual(2);
    expect(srv?.echoed_bytes).toBeGreaterThanOrEqual(3000);
    expect(srv?.established).toBeGreaterThanOrEqual(1 + 2 + 20);
  });
});

describe("the generator runs full connections and validates the peer's transitions", () => {
  for (const side of ["kernel", "engine"] as const) {
    test(`TCP against the ${side}: handshake, data, close; every transition as RFC 9293 says`, () => {
      const c = generator[side]?.tcp?.tcp;
      expect(c?.handshakes_completed).toBe(20);
      expect({ side, completed: c?.client?.completed, violations: c?.client?.violations, aborted: c?.client?.aborted, bad: c?.client?.bad_transitions }).toEqual({
        side, completed: 20, violations: 0, aborted: 0, bad: 0,
      });
    });

    test(`DNS against the ${side}: answers counted per RCODE, NXDOMAIN not an error`, () => {
      const s = generator[side]?.dns;
      expect(s?.protocols.dns.answers_matched).toBe(40);
      // the generator draws one of the two names per query
      expect({ answers: (s?.dns_rcodes?.noerror ?? 0) + (s?.dns_rcodes?.nxdomain ?? 0), rcodes: s?.dns_rcodes }).toMatchObject({ answers: 40, rcodes: { formerr: 0, servfail: 0, refused: 0 } });
      expect(s?.dns_rcodes?.nxdomain).toBeGreaterThan(0);
      expect(s?.dns_rcodes?.noerror).toBeGreaterThan(0);
      expect(s?.protocols.dns.errors).toBe(0);
    });
  }
});
