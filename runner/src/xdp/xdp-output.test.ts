import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../../../infra/src/repo.ts";
import { parseXdpLine, XDP_PROTOCOLS, type XdpStats } from "./xdp-output.ts";

/** The class names the C side prints, from the shared header's WL_PROTO_NAMES. */
function headerProtocolNames(): string[] {
  const header = readFileSync(join(REPO_ROOT, "xdp", "wirelab_xdp.h"), "utf8");
  const macro = /#define WL_PROTO_NAMES((?:[^\n]*\\\n)*[^\n]*)/.exec(header);
  if (!macro) throw new Error("WL_PROTO_NAMES not found in xdp/wirelab_xdp.h");
  return [...macro[1]!.matchAll(/"([a-z0-9]+)"/g)].map((m) => m[1]!);
}

describe("wirelab-xdp output contract", () => {
  test("XDP_PROTOCOLS lists the header's classes in its order", () => {
    expect<string[]>([...XDP_PROTOCOLS]).toEqual(headerProtocolNames());
  });

  test("a stats line with the per-family and VLAN counters parses", () => {
    const counter = (packets: number) => ({ packets, bytes: packets * 100 });
    const protocols = Object.fromEntries(XDP_PROTOCOLS.map((p) => [p, counter(0)])) as XdpStats["protocols"];
    Object.assign(protocols, { eth: counter(5), ipv6: counter(3), udp: counter(3), udp6: counter(3), vlan: counter(2), qinq: counter(1), arp: counter(2) });
    const line = JSON.stringify({ type: "stats", t: 1, dev: "eth1", prog: "count", mode: "native", protocols });
    const s = parseXdpLine(line) as XdpStats;
    expect(s.type).toBe("stats");
    expect(s.protocols.udp6.packets).toBe(3);
    expect(s.protocols.qinq.packets).toBe(1);
    expect(parseXdpLine("wirelab-xdp: not json")).toBeUndefined();
    expect(parseXdpLine('{"type":"other"}')).toBeUndefined();
  });
});
