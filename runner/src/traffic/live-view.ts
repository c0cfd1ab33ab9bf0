// The terminal view of a running traffic test: a table per host and protocol,
// redrawn in place each stats interval, with a progress bar for the duration.
import { PROTOCOLS } from "./engine-output.ts";
import type { Sample } from "./run-traffic.ts";
import { breakdownOf, type Breakdown } from "./breakdown.ts";

const fmtRate = (pps: number) => (pps >= 1e6 ? `${(pps / 1e6).toFixed(2)}M` : pps >= 1e3 ? `${(pps / 1e3).toFixed(1)}k` : pps.toFixed(0));

export class LiveView {
  private readonly latest = new Map<string, Sample>();
  private drawn = 0;

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly durationS: number | undefined,
  ) {}

  update(sample: Sample): void {
    this.latest.set(sample.host, sample);
    this.draw(sample.stats.t);
  }

  private draw(t: number): void {
    const lines: string[] = [];
    if (this.durationS) {
      const done = Math.min(1, t / this.durationS);
      const width = 30;
      lines.push(`[${"#".repeat(Math.round(done * width)).padEnd(width, ".")}] ${t.toFixed(0)}/${this.durationS}s`);
    }
    lines.push(`${"host".padEnd(8)} ${"role".padEnd(4)} ${"proto".padEnd(5)} ${"tx pps".padStart(8)} ${"rx pps".padStart(8)} ${"Mbit/s".padStart(8)} ${"answers".padStart(9)} ${"rtt p99".padStart(10)}`);
    for (const s of this.latest.values()) {
      const st = s.stats;
      for (const p of PROTOCOLS) {
        const c = st.protocols[p];
        if (!c || c.tx_packets + c.rx_packets === 0) continue;
        const answers = s.role === "tx" ? c.answers_matched : c.answers_sent;
        const rtt = s.role === "tx" && st.rtt_us ? `${st.rtt_us.p99.toFixed(0)}us` : "";
        const mbit = ((s.role === "tx" ? st.rates.tx_bps : st.rates.rx_bps) / 1e6).toFixed(2);
        lines.push(
          `${s.host.padEnd(8)} ${s.role.padEnd(4)} ${p.padEnd(5)} ${fmtRate(st.rates.tx_pps).padStart(8)} ${fmtRate(st.rates.rx_pps).padStart(8)} ${mbit.padStart(8)} ${String(answers).padStart(9)} ${rtt.padStart(10)}`,
        );
      }
      lines.push(...breakdownLines(s));
    }
    if (this.drawn) this.out.write(`\x1b[${this.drawn}F\x1b[J`);
    this.out.write(lines.join("\n") + "\n");
    this.drawn = lines.length;
  }
}

/**
 * Under a host's protocol rows: its workers and ports when it has more than one (one is the totals again), packets
 * per IP family and VLAN, and the one-way latency and sequence of stamped frames.
 */
export function breakdownLines(s: Sample): string[] {
  const b = breakdownOf(s.stats, s.ipVersion);
  const indent = " ".repeat(9);
  const out: string[] = [];
  if (b.workers.length > 1) {
    for (const w of b.workers) {
      out.push(`${indent}${`w${w.worker}`.padEnd(4)} ${`lc${w.lcore}`.padEnd(5)} ${fmtRate(w.tx_pps).padStart(8)} ${fmtRate(w.rx_pps).padStart(8)} ${"".padStart(8)} ${String(s.role === "tx" ? w.answers_matched : "").padStart(9)}`);
    }
  }
  if (b.ports.length > 1) {
    for (const p of b.ports) out.push(`${indent}${`p${p.port}`.padEnd(4)} ${p.name.slice(0, 5).padEnd(5)} tx ${p.tx_packets} rx ${p.rx_packets}${p.rx_missed ? ` missed ${p.rx_missed}` : ""}${p.tx_dropped ? ` dropped ${p.tx_dropped}` : ""}`);
  }
  const fams = Object.entries(b.families).filter(([, c]) => c.tx_packets + c.rx_packets > 0);
  if (b.familiesFrom === "engine" && fams.length) out.push(`${indent}${fams.map(([f, c]) => `${f} tx ${c.tx_packets} rx ${c.rx_packets}`).join("   ")}`);
  const vlans = Object.entries(b.vlans);
  if (vlans.length) out.push(`${indent}${vlans.map(([k, c]) => `vlan ${k} tx ${c.tx_packets} rx ${c.rx_packets}`).join("   ")}`);
  if (b.latency) out.push(`${indent}one-way p50/p99/max ${b.latency.p50_us.toFixed(1)}/${b.latency.p99_us.toFixed(1)}/${b.latency.max_us.toFixed(1)} us`);
  if (b.sequence) out.push(`${indent}sequence lost ${b.sequence.lost} reordered ${b.sequence.reordered} duplicates ${b.sequence.duplicates}`);
  return out;
}

/** The end-of-run lines under the verdicts: each side's workers and ports when several, and the one-way latency. */
export function resultBreakdownLines(breakdown: { tx: Breakdown; rx: Breakdown }): string[] {
  const out: string[] = [];
  for (const [side, b, key] of [["tx", breakdown.tx, "tx_packets"], ["rx", breakdown.rx, "rx_packets"]] as const) {
    const verb = side === "tx" ? "sent" : "received";
    if (b.workers.length > 1) out.push(`  ${side} workers: ${b.workers.map((w) => `w${w.worker} (lcore ${w.lcore}) ${w[key]}`).join(", ")} ${verb}`);
    if (b.ports.length > 1) out.push(`  ${side} ports: ${b.ports.map((p) => `p${p.port} ${p.name} ${p[key]}`).join(", ")} ${verb}`);
    if (b.familiesFrom === "engine") out.push(`  ${side} families: ${Object.entries(b.families).map(([f, c]) => `${f} ${c[key]}`).join(", ")} ${verb}`);
    if (Object.keys(b.vlans).length) out.push(`  ${side} vlans: ${Object.entries(b.vlans).map(([v, c]) => `${v} ${c[key]}`).join(", ")} ${verb}`);
    if (b.latency) out.push(`  ${side} one-way latency: p50 ${b.latency.p50_us.toFixed(1)} us, p99 ${b.latency.p99_us.toFixed(1)} us, max ${b.latency.max_us.toFixed(1)} us over ${b.latency.samples} frames`);
    if (b.sequence) out.push(`  ${side} sequence: ${b.sequence.received} received, ${b.sequence.lost} lost, ${b.sequence.reordered} reordered, ${b.sequence.duplicates} duplicates`);
  }
  return out;
}
