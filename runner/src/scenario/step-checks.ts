// A step's checks in the names the YAML uses, mapped onto runTraffic's checks,
// plus max_loss, which runTraffic does not know.
import type { CheckResult, TrafficResult } from "../traffic/run-traffic.ts";
import { PROTOCOLS, type Protocol } from "../traffic/engine-output.ts";
import type { TrafficChecks } from "../traffic/traffic-spec.ts";
import type { StepChecks } from "./scenario-schema.ts";

export function trafficChecks(c: StepChecks): TrafficChecks {
  return {
    ...(c.min_rx_ratio !== undefined ? { minRxRatio: c.min_rx_ratio } : {}),
    ...(c.min_answer_ratio !== undefined ? { minAnswerRatio: c.min_answer_ratio } : {}),
    ...(c.max_rtt_p99_us !== undefined ? { maxRttP99Us: c.max_rtt_p99_us } : {}),
  };
}

/** Sent and received packets of the flow's protocol (all protocols for random). */
export function flowCounts(r: TrafficResult): { sent: number; received: number } {
  const protos: Protocol[] = r.spec.protocol === "random" ? [...PROTOCOLS] : [r.spec.protocol];
  return {
    sent: protos.reduce((a, p) => a + r.tx[p].tx_packets, 0),
    received: protos.reduce((a, p) => a + r.rx[p].rx_packets, 0),
  };
}

export function lossCheck(maxLoss: number, sent: number, received: number): CheckResult {
  // More received than sent (late kernel answers) is no loss.
  const loss = sent ? Math.max(0, 1 - received / sent) : 1;
  return { name: "max_loss", ok: loss <= maxLoss, detail: `loss ${loss.toFixed(4)} (at most ${maxLoss})` };
}

export function rxRatioCheck(minRatio: number, sent: number, received: number): CheckResult {
  const ratio = sent ? received / sent : 0;
  return { name: "min_rx_ratio", ok: ratio >= minRatio, detail: `rx/tx ${ratio.toFixed(4)} (at least ${minRatio})` };
}
