// A step's checks in the names the YAML uses, mapped onto runTraffic's checks,
// plus max_loss, which runTraffic does not know.
import type { CheckResult, TrafficResult } from "../traffic/run-traffic.ts";
import { PROTOCOLS, type Protocol } from "../traffic/engine-output.ts";
import type { TrafficChecks } from "../traffic/traffic-spec.ts";
import type { StepChecks } from "./scenario-schema.ts";
import { settingWithin } from "./binomial.ts";
import type { PathLoss } from "./impair-step.ts";

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

/** The flow's loss against what the impairments on its path set, at `confidence`; fails naming why when it cannot be judged. */
export function lossWithinCheck(confidence: number, sent: number, received: number, path: PathLoss): CheckResult {
  const name = "loss_within_ci";
  if ("why" in path) return { name, ok: false, detail: `not judged: ${path.why}` };
  if (sent === 0) return { name, ok: false, detail: "nothing was sent" };
  const lost = Math.min(sent, Math.max(0, sent - received));
  const v = settingWithin(lost, sent, path.loss, confidence, path.inflate);
  return { name, ok: v.ok, detail: `${v.detail} (${path.via})` };
}
