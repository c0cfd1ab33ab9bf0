// The DPDK engine through the runner: every protocol in every mode, engine to
// engine, on whatever two-host lab the suite is given — the netns lab it
// brings up, or VMs and metal hosts with DPDK-bound NICs (--inventory).
import { describe, expect, test } from "bun:test";
import { PROTOCOLS, type Protocol } from "../src/traffic/engine-output.ts";
import { runTraffic, type TrafficResult } from "../src/traffic/run-traffic.ts";
import type { Mode, TrafficSpec } from "../src/traffic/traffic-spec.ts";
import { useLab } from "./use-lab.ts";

const lab = useLab("two-host", { ssh: false });
let seq = 0;
const runId = () => `em${process.pid % 1000}${seq++}`;

function traffic(spec: Omit<TrafficSpec, "tx" | "rx">): Promise<TrafficResult> {
  return runTraffic(lab.inventory, { tx: "tx", rx: "rx", ...spec }, { runId: runId(), transport: (h) => lab.transport(h) });
}

/** Moderate load per mode: about 1000 packets per second, 300 packets or requests. */
const MODE_SPECS: Record<Mode, Partial<TrafficSpec>> = {
  continuous: { interval: 1000, count: 300 },
  burst: { burstSize: 10, burstGap: 10000, count: 300 },
  rate: { pps: 1000, count: 300 },
  backoff: { count: 50 },
  random: { seed: 7, duration: 4, phaseDuration: 1 },
};
const ANSWERED: Protocol[] = ["arp", "icmp", "tcp", "dns"];

describe("every protocol in every mode, engine to engine", () => {
  for (const protocol of PROTOCOLS) {
    for (const mode of Object.keys(MODE_SPECS) as Mode[]) {
      if (protocol === "eth" && mode === "backoff") {
        // Backoff resends unanswered requests; raw Ethernet frames have no answer to wait for.
        // The spec schema refuses it before any engine starts, naming the field and what it needs.
        test("eth / backoff is refused with a one-line reason", async () => {
          const refused = await traffic({ protocol, mode, ...MODE_SPECS[mode] }).then(() => "ran", (e: Error) => e.message);
          expect(refused).toMatch(/^mode: 'backoff' resends unanswered requests: it needs arp, icmp, udp, tcp or dns, not eth$/);
        }, 60000);
        continue;
      }
      test(`${protocol} / ${mode}`, async () => {
        // UDP is a request/response protocol only when the receiver echoes.
        const r = await traffic({ protocol, mode, ...MODE_SPECS[mode], ...(protocol === "udp" ? { udpEcho: true } : {}) });
        expect(r.reason).toBeUndefined();
        expect(r.state).toBe("passed");
        const sent = mode === "random" ? sum(r.tx, "tx_packets") : r.tx[protocol].tx_packets;
        const received = mode === "random" ? sum(r.rx, "rx_packets") : r.rx[protocol].rx_packets;
        expect(sent).toBeGreaterThan(0);
        if (mode === "random") {
          // Random phases include line-rate ones, where a receiver on the same two cores may drop. Frames may
          // also come on top, from the tx host's kernel once the sending engine has ended: late TCP replies get
          // RSTs (tcp.resets at rx), late UDP/DNS answers ICMP port unreachables (icmp.errors at rx), after an
          // ARP request of its own for rx (answered by rx beyond the requests the engine sent).
          const kernelResets = r.hosts.find((h) => h.role === "rx")?.summary?.tcp.resets ?? 0;
          const kernelArp = Math.max(0, r.rx.arp.answers_sent - r.tx.arp.tx_packets);
          const kernelFrames = kernelResets + r.rx.icmp.errors + kernelArp;
          expect(received).toBeGreaterThan(0);
          expect(received - kernelFrames).toBeLessThanOrEqual(sent);
        } else {
          // At a moderate rate nothing is lost (a veth, or a virtio NIC): the receiver counts every frame sent.
          expect(received).toBe(sent);
        }
        if (mode !== "random" && ANSWERED.includes(protocol)) {
          const requests = r.tx[protocol].requests;
          expect(requests).toBeGreaterThan(0);
          expect(r.tx[protocol].answers_matched).toBeGreaterThanOrEqual(Math.floor(requests * 0.99));
          expect(r.rtt?.count ?? 0).toBeGreaterThan(0);
        }
        for (const h of r.hosts) expect(h.summary?.totals.malformed ?? 0).toBe(0);
      }, 60000);
    }
  }
});

function sum(side: TrafficResult["tx"], key: "tx_packets" | "rx_packets"): number {
  return PROTOCOLS.reduce((a, p) => a + side[p][key], 0);
}
