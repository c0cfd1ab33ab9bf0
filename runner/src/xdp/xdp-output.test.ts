import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../../../infra/src/repo.ts";
import { PROTOCOLS } from "../traffic/engine-output.ts";
import { parseXdpLine, XDP_PROTOCOLS, type XdpStats } from "./xdp-output.ts";

/** A name list macro's strings, WL_NAME_* resolved from include/wl_proto_names.h. */
function namesOf(file: string, macroName: string): string[] {
  const shared = readFileSync(join(REPO_ROOT, "include", "wl_proto_names.h"), "utf8");
  const names = new Map([...shared.matchAll(/#define (WL_NAME_[A-Z]+)\s+"([a-z0-9]+)"/g)].map((m) => [m[1]!, m[2]!]));
  const text = readFileSync(join(REPO_ROOT, file), "utf8");
  const macro = new RegExp(`#define ${macroName}((?:[^\\n]*\\\\\\n)*[^\\n]*)`).exec(text);
  if (!macro) throw new Error(`${macroName} not found in ${file}`);
  return [...macro[1]!.matchAll(/"([a-z0-9]+)"|(WL_NAME_[A-Z]+)/g)].map((m) => m[1] ?? names.get(m[2]!)!);
}

describe("wirelab-xdp output contract", () => {
  test("XDP_PROTOCOLS lists the header's classes in its order", () => {
    expect<string[]>([...XDP_PROTOCOLS]).toEqual(namesOf("xdp/wirelab_xdp.h", "WL_PROTO_NAMES"));
  });

  test("the engine's protocols are the shared header's names, and every one is an XDP class: an XDP receiver is read by them", () => {
    expect<string[]>([...PROTOCOLS]).toEqual(namesOf("include/wl_proto_names.h", "WL_TRAFFIC_PROTO_NAMES"));
    for (const p of PROTOCOLS) expect<readonly string[]>(XDP_PROTOCOLS).toContain(p);
  });

  test("a stats line with the per-family and VLAN counters parses", () => {
    const counter = (packets: number) => ({ packets, bytes: packets * 100 });
    const protocols = Object.fromEntries(XDP_PROTOCOLS.map((p) => [p, counter(0)])) as XdpStats["protocols"];
    Object.assign(protocols, { frames: counter(5), ipv6: counter(3), udp: counter(3), udp6: counter(3), vlan: counter(2), qinq: counter(1), arp: counter(2) });
    const line = JSON.stringify({ type: "stats", t: 1, dev: "eth1", prog: "count", mode: "native", protocols });
    const s = parseXdpLine(line) as XdpStats;
    expect(s.type).toBe("stats");
    expect(s.protocols.udp6.packets).toBe(3);
    expect(s.protocols.qinq.packets).toBe(1);
    expect(parseXdpLine("wirelab-xdp: not json")).toBeUndefined();
    expect(parseXdpLine('{"type":"other"}')).toBeUndefined();
  });
});
