// IPv6 conformance, the kernel as the reference on the same link: real v6
// clients on the prober host (ping -6, ndisc6, the kernel's own neighbour
// resolution, dig AAAA and A over UDP6 and TCP6, a TCP6 socket client, nc -6
// over UDP) against the target's Linux kernel (a TCP6 echo server, a UDP6 echo
// socket, dnsmasq), then against `wirelab-engine --role rx --ip <v6>` on that
// host's NIC (conformance-lab.ts); ping -6 -s 3000 crosses in fragments both ways. Then the engine's generator runs ICMPv6
// (resolving the target by NDP), UDP6, TCP6 connections and AAAA queries
// against both. Every frame the target sent must decode in tshark with
// checksum validation on. Lab of its own: v6c, 198.18.61.0/24, 2001:2:0:61::/64.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { REPO_ROOT } from "../src/paths.ts";
import type { EngineEvent, EngineStats } from "../src/traffic/engine-output.ts";
import type { ExecResult } from "../src/transport/transport.ts";
import { kernelThenEngine, probeRecord, runClientProbes, startConformanceLab, type Answerer, type ClientSeen, type ConformanceLab } from "./conformance-lab.ts";
import { TCP_FLAGS } from "./tcp-segments.ts";

const NAME = "www.wirelab.test";
const ADDR4 = "198.18.61.77";
const ADDR6 = "2001:2:0:61::77";
const PY = "/usr/bin/python3";
const PROBE_PY = join(REPO_ROOT, "engine", "tests", "tcp_dns_probe.py");
const { SYN, ACK, RST } = TCP_FLAGS;
const GEN = { icmp: 200, udp: 200, tcp: 30, dns: 60 } as const;
type GenProto = keyof typeof GEN;

type Seen = ClientSeen;
/** The engine's output with the per-family counters of the stats contract. */
type Summary = EngineStats & { families?: Record<"ipv4" | "ipv6", { tx_packets: number; rx_packets: number }> };
interface Generated {
  readonly summary: Summary;
  readonly events: EngineEvent[];
}

let lab: ConformanceLab | undefined;
const ip6 = (l: ConformanceLab, which: "prober" | "target"): string => {
  const a = l[which].ip6;
  if (!a) throw new Error(`v6c: the ${which} has no IPv6 address (is the lab dual stack?)`);
  return a;
};
type Argv = (l: ConformanceLab) => string[];
const dig = (...args: string[]): Argv => (l) => ["dig", "-6", "+tries=2", "+time=1", `@${ip6(l, "target")}`, ...args];
const sh = (script: (l: ConformanceLab) => string): Argv => (l) => ["sh", "-c", script(l)];

const PROBES: Readonly<Record<string, Argv>> = {
  // the prober forgets the target first, so its own NDP runs for ping -6 and the neighbour table shows the result
  "ping -6": sh((l) => `ip -6 neigh flush dev ${l.prober.ifname} && ping -6 -c 3 -i 0.2 -W 1 ${ip6(l, "target")} && ip -6 neigh show ${ip6(l, "target")} dev ${l.prober.ifname}`),
  "ping -6 -s 3000": (l) => ["ping", "-6", "-s", "3000", "-c", "2", "-i", "0.2", "-W", "1", ip6(l, "target")],
  ndisc6: (l) => ["ndisc6", "-1", "-r", "3", "-w", "500", ip6(l, "target"), l.prober.ifname],
  "dig AAAA": dig(NAME, "AAAA"),
  "dig A": dig(NAME, "A"),
  "dig +tcp AAAA": dig("+tcp", NAME, "AAAA"),
  "dig +tcp A": dig("+tcp", NAME, "A"),
  "dig unknown name": dig("+tcp", `nothing.wirelab.test`, "AAAA"),
  "tcp6 client 8080": (l) => [PY, PROBE_PY, "tcp-client", ip6(l, "target"), "8080", "3000"],
  "tcp6 client closed port": (l) => [PY, PROBE_PY, "tcp-client", ip6(l, "target"), "9999", "100"],
  "nc -6 -u": sh((l) => `echo hello-udp6 | timeout 3 nc -6 -u -w1 ${ip6(l, "target")} 9000`),
};

const seen = probeRecord<Seen>();
const generated: Partial<Record<Answerer, Partial<Record<GenProto, Generated>>>> = {};
let rxSummary: Summary | undefined;
let rxExit: ExecResult | undefined;

const probeAll = (l: ConformanceLab, side: Answerer) => runClientProbes(l, side, PROBES, seen[side]);

/** The engine's generator on the prober over IPv6 (the target's MAC resolved by NDP), `count` requests. */
async function generateAll(l: ConformanceLab, side: Answerer): Promise<void> {
  const v6 = ["--src-ip", ip6(l, "prober"), "--dst-ip", ip6(l, "target"), "--pps", "50", "--linger", "1500"];
  const extra: Record<GenProto, string[]> = {
    icmp: [],
    udp: ["--dst-port", "9000", "--message", "hello-udp6"],
    tcp: ["--dst-port", "8080", "--message", "a full TCP6 connection"],
    dns: ["--domain", NAME],
  };
  const out: Partial<Record<GenProto, Generated>> = {};
  for (const p of Object.keys(GEN) as GenProto[]) {
    const r = await l.generate(GEN[p], ["--protocol", p, ...v6, ...extra[p]], { resolve: true });
    if (!r.summary) throw new Error(`v6c: generator (${p}, against the ${side}) ended without a summary (exit ${r.result.code}): ${r.result.stderr.trim().split("\n").at(-1) ?? ""}`);
    out[p] = { summary: r.summary as Summary, events: r.events };
  }
  generated[side] = out;
}

beforeAll(async () => {
  lab = await startConformanceLab("v6c", 61, "the IPv6 conformance suite's own lab: kernel and engine answer the same v6 clients", "2001:2:0:61::/64");
  const l = lab;
  const t6 = ip6(l, "target");
  const end = await kernelThenEngine(l, {
    servers: [
      [PY, PROBE_PY, "echo-server", t6, "8080"],
      [PY, "-c", `import socket\ns=socket.socket(socket.AF_INET6,socket.SOCK_DGRAM)\ns.bind(('${t6}',9000))\nwhile True:\n d,a=s.recvfrom(4096)\n s.sendto(d,a)`],
      [
        "dnsmasq", "-k", "-C", "/dev/null", "--no-resolv", "--no-hosts", "--bind-interfaces", `--listen-address=${t6}`, "--port=53",
        "--local=/wirelab.test/", `--host-record=${NAME},${ADDR4},${ADDR6}`, `--pid-file=/tmp/wirelab-v6c-dnsmasq-${process.pid}.pid`,
      ],
    ],
    engineArgs: ["--ip", t6, "--udp-echo", "--tcp-listen", "8080,53", "--tcp-echo", "--dns-record", `${NAME}=${ADDR6}`, "--dns-record", `${NAME}=${ADDR4}`],
    observe: async (side) => {
      await probeAll(l, side);
      await generateAll(l, side);
    },
  });
  rxSummary = end.summary as Summary;
  rxExit = end.result;
}, 400_000);
afterAll(async () => {
  await lab?.down();
}, 60_000);

const get = (side: Answerer, name: string): Seen => seen.seenBy(side, name);
const both = seen.both;
const gen = (side: Answerer, p: GenProto): Generated => {
  const g = generated[side]?.[p];
  if (!g) throw new Error(`the generator's ${p} run against the ${side} did not happen (see beforeAll's error)`);
  return g;
};

describe("NDP (RFC 4861) and ICMPv6 echo (RFC 4443)", () => {
  test("ping -6: 3/3 answered, and the prober's kernel resolved the target to its MAC on the way", () => {
    both("ping -6", (s, side) => {
      expect({ side, ping: /3 packets transmitted, 3 received/.test(s.run.stdout) }).toEqual({ side, ping: true });
      expect({ side, neigh: s.run.stdout.includes(`lladdr ${lab!.target.mac}`) }).toEqual({ side, neigh: true });
    });
  });

  test("ping -6 -s 3000: the request arrives in fragments and the reply leaves in fragments (RFC 8200 4.5)", () => {
    both("ping -6 -s 3000", (s, side) => {
      expect({ side, ping: /2 packets transmitted, 2 received/.test(s.run.stdout) }).toEqual({ side, ping: true });
      // two 3008-byte replies, three fragments each (1448 + 1448 + 112 bytes)
      expect({ side, replyFragments: s.frames.filter((f) => f.protocols.includes("ipv6.fraghdr")).length }).toEqual({ side, replyFragments: 6 });
    });
  });

  test("ndisc6: a solicited neighbour advertisement with the target's link-layer address", () => {
    both("ndisc6", (s, side) => {
      expect({ side, code: s.run.code, mac: s.run.stdout.toLowerCase().includes(lab!.target.mac.toLowerCase()) }).toEqual({ side, code: 0, mac: true });
      const na = s.frames.filter((f) => /Neighbor Advertisement/.test(f.info));
      expect({ side, na: na.length >= 1, solicited: na.every((f) => /\(.*sol.*\)/.test(f.info)) }).toEqual({ side, na: true, solicited: true });
    });
  });
});

describe("DNS over IPv6: the engine answers as dnsmasq does", () => {
  const status = (s: Seen) => /status: (\w+)/.exec(s.run.stdout)?.[1];
  const answer = (s: Seen, type: string) => new RegExp(`^${NAME.replace(/\./g, "\\.")}\\.\\s+\\d+\\s+IN\\s+${type}\\s+(\\S+)$`, "m").exec(s.run.stdout)?.[1];

  test("dig AAAA over UDP6 and TCP6: NOERROR with the AAAA record", () => {
    for (const name of ["dig AAAA", "dig +tcp AAAA"]) both(name, (s, side) => expect({ name, side, status: status(s), aaaa: answer(s, "AAAA") }).toEqual({ name, side, status: "NOERROR", aaaa: ADDR6 }));
  });

  test("dig A over UDP6 and TCP6: NOERROR with the A record", () => {
    for (const name of ["dig A", "dig +tcp A"]) both(name, (s, side) => expect({ name, side, status: status(s), a: answer(s, "A") }).toEqual({ name, side, status: "NOERROR", a: ADDR4 }));
  });

  test("an unknown name over TCP6: NXDOMAIN", () => {
    both("dig unknown name", (s, side) => expect({ side, status: status(s) }).toEqual({ side, status: "NXDOMAIN" }));
  });
});

describe("TCP over IPv6 (RFC 9293 with the RFC 8200 pseudo-header)", () => {
  test("a TCP6 socket client: connect, send 3000 bytes, close; everything echoed, then EOF", () => {
    both("tcp6 client 8080", (s, side) => {
      expect({ side, ...s.json }).toMatchObject({ side, connected: true, refused: false, sent: 3000, received: 3000, echo_intact: true });
    });
  });

  test("the SYN-ACK offers an MSS of 1440 (1500 less the IPv6 and TCP headers) with the options the SYN offered", () => {
    both("tcp6 client 8080", (s, side) => {
      const synAck = s.segments.find((g) => g.flags === (SYN | ACK));
      expect({ side, mss: synAck?.mss, kinds: [...new Set(synAck?.optionKinds.filter((k) => k !== 1))].sort() }).toEqual({ side, mss: 1440, kinds: [2, 3, 4, 8] });
    });
  });

  test("a closed port refuses the client: RST|ACK, ECONNREFUSED", () => {
    both("tcp6 client closed port", (s, side) => {
      expect({ side, refused: s.json.refused, segs: s.segments.map((g) => g.flags) }).toEqual({ side, refused: true, segs: [RST | ACK] });
    });
  });
});

describe("UDP over IPv6", () => {
  test("nc -6 -u gets its datagram echoed", () => {
    both("nc -6 -u", (s, side) => expect({ side, out: s.run.stdout.trim() }).toEqual({ side, out: "hello-udp6" }));
  });
});

describe("what the target sent decodes cleanly", () => {
  test("every frame from the target, in every probe, with checksum validation on: no bad checksum, nothing malformed", () => {
    for (const name of Object.keys(PROBES)) {
      both(name, (s, side) => {
        expect({ name, side, problems: s.frames.flatMap((f) => f.problems.map((p) => `#${f.number} ${p}`)) }).toEqual({ name, side, problems: [] });
        expect({ name, side, v6: s.frames.every((f) => f.protocols.includes("ipv6")) }).toEqual({ name, side, v6: true });
      });
    }
  });
});

describe("the engine's generator over IPv6, against the kernel and against the engine", () => {
  test("it resolves the target by NDP, then every ICMPv6 echo and UDP6 datagram is answered", () => {
    for (const side of ["kernel", "engine"] as const) {
      for (const p of ["icmp", "udp"] as const) {
        const g = gen(side, p);
        expect({ side, p, resolved: g.events.some((e) => e.event === "ndp_resolved" && e.mac === lab!.target.mac) }).toEqual({ side, p, resolved: true });
        expect({ side, p, matched: g.summary.protocols[p].answers_matched }).toEqual({ side, p, matched: GEN[p] });
      }
    }
  });

  test("full TCP6 connections: handshake, data, both FINs, with no segment a conformant peer would not send", () => {
    for (const side of ["kernel", "engine"] as const) {
      const c = gen(side, "tcp").summary.tcp;
      expect({ side, handshakes: c.handshakes_completed, completed: c.client?.completed, violations: c.client?.violations, aborted: c.client?.aborted, resets: c.resets }).toEqual({
        side, handshakes: GEN.tcp, completed: GEN.tcp, violations: 0, aborted: 0, resets: 0,
      });
    }
  });

  test("AAAA queries (the default over IPv6) are all answered NOERROR", () => {
    for (const side of ["kernel", "engine"] as const) {
      const s = gen(side, "dns").summary;
      expect({ side, matched: s.protocols.dns.answers_matched, noerror: s.dns_rcodes?.noerror }).toEqual({ side, matched: GEN.dns, noerror: GEN.dns });
    }
  });

  test("the generator's frames are counted as IPv6, none as IPv4", () => {
    for (const side of ["kernel", "engine"] as const) {
      for (const p of Object.keys(GEN) as GenProto[]) {
        const f = gen(side, p).summary.families;
        expect({ side, p, v6: (f?.ipv6.tx_packets ?? 0) > 0, v4: f?.ipv4.tx_packets }).toEqual({ side, p, v6: true, v4: 0 });
      }
    }
  });
});

describe("the engine's rx side", () => {
  test("it ended cleanly, parsed everything, and kept its TCP state machine inside RFC 9293's Figure 5", () => {
    expect(rxExit?.code).toBe(0);
    const s = rxSummary!;
    expect({ malformed: s.totals.malformed, bad: s.tcp.server?.bad_transitions, refusedSyns: (s.tcp.server?.refused ?? 0) >= 1 }).toEqual({ malformed: 0, bad: 0, refusedSyns: true });
    expect({ dnsOverTcp6: (s.tcp.server?.dns_queries ?? 0) >= 3 }).toEqual({ dnsOverTcp6: true });
  });

  test("what it received and sent was IPv6 (the families counters)", () => {
    const f = rxSummary!.families;
    expect({ rx6: (f?.ipv6.rx_packets ?? 0) > 0, tx6: (f?.ipv6.tx_packets ?? 0) > 0, tx4: f?.ipv4.tx_packets }).toEqual({ rx6: true, tx6: true, tx4: 0 });
  });
});
