// 802.1Q and QinQ across the lab's bridge (this suite's own two-host lab:
// vln, 198.18.59.0/24; this kernel has no 8021q module, and the lab's bridge
// carries tagged frames as they are). The engine on tx generates with
// `--vlan`, the engine on rx answers as a host on that VLAN: ICMP and UDP
// through one tag and through two are answered with the same tags and
// matched, the per-VLAN counters of both ends hold every frame, and tshark
// decodes the tags in every frame of the generator's pcap. A host on VLAN 100
// answers nothing sent on VLAN 200. With the kernel as the receiver,
// `wirelab-xdp count` on rx's NIC counts the engine's tagged frames in its
// vlan/qinq classes and classifies them through the tags.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { toolsOf } from "../../infra/src/inventory.ts";
import type { EngineStats } from "../src/traffic/engine-output.ts";
import { pinDirFor, startXdp } from "../src/xdp/xdp-session.ts";
import { decodeCapture, startConformanceLab, type ConformanceLab, type GeneratorRun } from "./conformance-lab.ts";

const COUNT = 200;
let lab: ConformanceLab | undefined;
const work = mkdtempSync(join(tmpdir(), "wirelab-vln-"));

beforeAll(async () => {
  lab = await startConformanceLab("vln", 59, "the VLAN suite's own lab: engines on tagged links across the bridge");
}, 120_000);
afterAll(async () => {
  await lab?.down();
  rmSync(work, { recursive: true, force: true });
}, 60_000);

type VlanCounters = Record<string, { tx_packets: number; rx_packets: number }>;
/** The engine's "vlans" object and refused.vlan (engine/README.md, "VLANs"); absent means none. */
function vlansOf(s: EngineStats | undefined): { vlans: VlanCounters; refused: number } {
  if (!s) throw new Error("no engine summary");
  const raw = s as unknown as { vlans?: VlanCounters; refused?: { vlan?: number } };
  return { vlans: raw.vlans ?? {}, refused: raw.refused?.vlan ?? 0 };
}

/** Per frame of a capture: the 802.1ad (S-tag) VID, the 802.1Q VIDs and PCPs, as tshark decodes them. */
function tagsOf(pcap: string): { sTag: string; cTags: string; pcp: string }[] {
  const r = Bun.spawnSync(["tshark", "-r", pcap, "-T", "fields", "-E", "separator=\t", "-E", "occurrence=a", "-E", "aggregator=,", "-e", "ieee8021ad.id", "-e", "vlan.id", "-e", "vlan.priority"]);
  if (r.exitCode !== 0) throw new Error(`tshark -r ${pcap}: ${r.stderr.toString().trim()}`);
  return r.stdout.toString().split("\n").filter(Boolean).map((l) => {
    const [sTag = "", cTags = "", pcp = ""] = l.split("\t");
    return { sTag, cTags, pcp };
  });
}

interface Exchange {
  readonly gen: GeneratorRun;
  readonly rx: EngineStats;
  readonly pcap: string;
}

/** The rx engine with `rxVlan`, the generator with `txVlan` sending `protocol`; the generator's pcap kept. */
async function exchange(name: string, protocol: "icmp" | "udp", txVlan: string[], rxVlan: string[]): Promise<Exchange> {
  const l = lab!;
  const pcap = join(work, `${name}.pcap`);
  const engine = await l.startEngine(["--udp-echo", ...rxVlan]);
  const gen = await l.generate(COUNT, ["--protocol", protocol, "--pps", "1000", "--linger", "300", "--pcap", pcap, ...txVlan]).catch(async (err: unknown) => {
    await engine.stop().catch(() => undefined);
    throw err;
  });
  await Bun.sleep(200);
  const { summary: rx } = await engine.stop();
  return { gen, rx, pcap };
}

const ONE = ["--vlan", "100,5"];
const TWO = ["--vlan", "100", "--vlan", "200,3"];

describe("answered through the tags, engine to engine", () => {
  for (const [label, args, key] of [["one tag (VLAN 100, PCP 5)", ONE, "100"], ["QinQ (S-tag 100, C-tag 200)", TWO, "100.200"]] as const) {
    for (const protocol of ["icmp", "udp"] as const) {
      test(`${label}: ${protocol} answered, matched and counted under "${key}" at both ends`, async () => {
        const { gen, rx, pcap } = await exchange(`${key}-${protocol}`, protocol, [...args], [...args]);
        expect(gen.result.code).toBe(0);
        const tx = gen.summary!;
        expect(tx.protocols[protocol].answers_matched).toBe(COUNT);
        expect(rx.protocols[protocol].answers_sent).toBe(COUNT);
        const t = vlansOf(tx), r = vlansOf(rx);
        expect(Object.keys(t.vlans)).toEqual([key]);
        expect(Object.keys(r.vlans)).toEqual([key]);
        expect(t.vlans[key]).toEqual({ tx_packets: tx.totals.tx_packets, rx_packets: tx.totals.rx_packets });
        expect(r.vlans[key]).toEqual({ tx_packets: rx.totals.tx_packets, rx_packets: rx.totals.rx_packets });
        // Counts equal at both ends: what one sent the other received.
        expect(rx.totals.rx_packets).toBe(tx.totals.tx_packets);
        expect(tx.totals.rx_packets).toBe(rx.totals.tx_packets);
        expect(r.refused).toBe(0);

        // tshark: every frame (requests and answers) carries the configured tags, nothing malformed.
        const frames = decodeCapture(pcap);
        expect(frames.length).toBe(2 * COUNT);
        expect(frames.flatMap((f) => f.problems)).toEqual([]);
        const want = key === "100" ? { sTag: "", cTags: "100", pcp: "5" } : { sTag: "100", cTags: "200", pcp: "3" };
        expect(tagsOf(pcap).filter((f) => f.sTag !== want.sTag || f.cTags !== want.cTags || f.pcp !== want.pcp)).toEqual([]);
      }, 60_000);
    }
  }
});

describe("VLAN membership", () => {
  test("a host on VLAN 100 answers nothing sent on VLAN 200, and counts it as refused.vlan", async () => {
    const { gen, rx } = await exchange("other-vlan", "icmp", ["--vlan", "200"], ["--vlan", "100"]);
    expect(gen.summary!.protocols.icmp.tx_packets).toBe(COUNT);
    expect(gen.summary!.protocols.icmp.answers_matched).toBe(0);
    const r = vlansOf(rx);
    expect(rx.protocols.icmp.answers_sent).toBe(0);
    expect(r.vlans["200"]?.rx_packets).toBe(COUNT);
    expect(r.refused).toBe(COUNT);
  }, 60_000);

  test("a host on VLAN 100 answers nothing untagged", async () => {
    const { gen, rx } = await exchange("untagged", "udp", [], ["--vlan", "100"]);
    expect(gen.summary!.protocols.udp.answers_matched).toBe(0);
    expect(rx.protocols.udp.answers_sent).toBe(0);
    expect(vlansOf(rx).refused).toBe(COUNT);
  }, 60_000);
});

describe("XDP counters on the receiver", () => {
  for (const [label, args, qinq] of [["one tag", ["--vlan", "100"], 0], ["QinQ", ["--vlan", "100", "--vlan", "200"], COUNT]] as const) {
    test(`${label}: wirelab-xdp count on rx's NIC counts every tagged frame the engine sent and classifies it through the tags`, async () => {
      const l = lab!;
      const rx = l.target.host;
      const session = await startXdp(l.target.transport, { tool: toolsOf(rx).xdp, dev: l.target.ifname, pinDir: pinDirFor(toolsOf(rx).bpfPinRoot, l.fixture.inventory.lab.prefix, rx.name, l.target.ifname), prog: "count", interval: 1 });
      // The rx host's kernel receives (and, with no VLAN device, ignores) the tagged datagrams.
      const gen = await l.generate(COUNT, ["--protocol", "udp", "--pps", "1000", "--linger", "100", ...args]).catch(async (err: unknown) => {
        await session.stop().catch(() => undefined);
        throw err;
      });
      await Bun.sleep(300);
      const s = await session.stop();
      const sent = gen.summary!.totals.tx_packets;
      expect(sent).toBe(COUNT);
      expect(s.protocols.vlan.packets).toBe(sent);
      expect(s.protocols.qinq.packets).toBe(qinq);
      expect(s.protocols.udp4.packets).toBe(sent);
    }, 60_000);
  }
});
