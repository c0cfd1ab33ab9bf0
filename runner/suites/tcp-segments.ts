// TCP segments of a capture as numbers (raw sequence numbers, flags, option
// kinds), decoded by tshark, for suites that check what a host answered.
export interface TcpSegment {
  readonly srcPort: number;
  readonly dstPort: number;
  /** tcp.flags: FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10. */
  readonly flags: number;
  readonly seq: number;
  readonly ack: number;
  readonly len: number;
  /** Option kinds in order (2 MSS, 3 window scale, 4 SACK-permitted, 8 timestamps, 1 NOP). */
  readonly optionKinds: number[];
  readonly mss?: number;
}

export const TCP_FLAGS = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10 } as const;

/** The TCP segments `mac` sent in `pcap`. Throws when tshark fails. */
export function tcpSegmentsFrom(pcap: string, mac: string): TcpSegment[] {
  const fields = ["tcp.srcport", "tcp.dstport", "tcp.flags", "tcp.seq_raw", "tcp.ack_raw", "tcp.len", "tcp.option_kind", "tcp.options.mss_val"];
  const r = Bun.spawnSync(["tshark", "-r", pcap, "-Y", `tcp && eth.src == ${mac}`, "-T", "fields", "-E", "separator=\t", "-E", "occurrence=a", "-E", "aggregator=,", ...fields.flatMap((f) => ["-e", f])]);
  if (r.exitCode !== 0) throw new Error(`tshark -r ${pcap} failed (exit ${r.exitCode}): ${r.stderr.toString().trim()}`);
  return r.stdout
    .toString()
    .split("\n")
    .filter((l) => l.length > 0)
    .map((l) => {
      const [sp, dp, flags, seq, ack, len, kinds, mss] = l.split("\t");
      return {
        srcPort: Number(sp),
        dstPort: Number(dp),
        flags: Number(flags),
        seq: Number(seq),
        ack: Number(ack ?? 0),
        len: Number(len ?? 0),
        optionKinds: (kinds ?? "").split(",").filter(Boolean).map(Number),
        ...(mss ? { mss: Number(mss) } : {}),
      };
    });
}
