// The engine bench's IPv6 row: the engine's UDP tx rate at 64 B over IPv6
// against the same engine over IPv4, interleaved pairs in one invocation, so
// the ratio is what the v6 path (40-byte header, pseudo-header checksum)
// costs. Its own file so the bench's main loop only calls it.

/** Addresses from 2001:2::/48 (RFC 5180): the frames go to a MAC nobody owns, so nothing resolves or answers them. */
const V6 = ["--ip-version", "6", "--src-ip", "2001:2:0:be6::1", "--dst-ip", "2001:2:0:be6::2"];
const SIZE = 64;

export interface Ipv6Rep {
  rep: number;
  v4_pps: number;
  v6_pps: number;
  ratio: number;
}

export interface Ipv6Row {
  size: number;
  v4_pps_median: number;
  v6_pps_median: number;
  ratio: number;
  reps: Ipv6Rep[];
}

/** `measure(label, extra)`: one engine tx run with these extra engine arguments, its pps at the receiver. */
export async function measureIpv6Row(reps: number, measure: (label: string, extra: string[]) => Promise<number>, progress: (line: string) => void): Promise<Ipv6Row> {
  const out: Ipv6Rep[] = [];
  const base = ["--mode", "continuous", "--size", String(SIZE)];
  for (let rep = 1; rep <= reps; rep++) {
    // Alternate which family goes first, as the bench does with its two tools.
    const order = rep % 2 === 1 ? (["v4", "v6"] as const) : (["v6", "v4"] as const);
    const got: Partial<Record<"v4" | "v6", number>> = {};
    for (const family of order) {
      const label = `engine ${family === "v6" ? "IPv6" : "IPv4"} ${SIZE} B rep ${rep}`;
      got[family] = await measure(label, family === "v6" ? [...base, ...V6] : base);
      progress(`${label}: ${Math.round(got[family]!).toLocaleString("en-US")} pps at the receiver`);
    }
    out.push({ rep, v4_pps: got.v4!, v6_pps: got.v6!, ratio: got.v6! / got.v4! });
  }
  const v4 = median(out.map((r) => r.v4_pps));
  const v6 = median(out.map((r) => r.v6_pps));
  return { size: SIZE, v4_pps_median: v4, v6_pps_median: v6, ratio: v6 / v4, reps: out };
}

export function ipv6RowText(row: Ipv6Row): string {
  const pps = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "-");
  const head = ["size", "IPv4 pps", "IPv6 pps", "v6/v4", "per rep"];
  const cells = [`${row.size} B`, pps(row.v4_pps_median), pps(row.v6_pps_median), row.ratio.toFixed(3), `[${row.reps.map((r) => r.ratio.toFixed(3)).join(" ")}]`];
  const widths = head.map((h, i) => Math.max(h.length, cells[i]!.length));
  const line = (c: string[]) => c.map((x, i) => (i === c.length - 1 ? x : x.padEnd(widths[i]!))).join("  ");
  return [
    `engine over IPv6 vs IPv4, UDP, pps at the receiver (median of ${row.reps.length}, interleaved); v6/v4 of the medians; per rep in brackets`,
    line(head),
    line(widths.map((w) => "-".repeat(w))),
    line(cells),
  ].join("\n");
}

function median(values: number[]): number {
  const s = [...values].sort((x, y) => x - y);
  if (s.length === 0) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}
