// wirelab-xdp's stdout contract (xdp/README.md): `loaded`, `stats` each interval, `summary`.

// The classes of xdp/wirelab_xdp.h (WL_PROTO_NAMES), in its order: every frame,
// the combined ones (eth arp icmp udp tcp dns named and meant as the engine's
// protocols, include/wl_proto_names.h), the same split by IP family, then IP
// fragments and VLAN-tagged frames.
export const XDP_PROTOCOLS = [
  "frames", "eth", "arp", "ipv4", "ipv6", "icmp", "udp", "tcp", "dns", "other",
  "icmp4", "udp4", "tcp4", "dns4", "other4", "icmp6", "udp6", "tcp6", "dns6", "other6",
  "frag", "vlan", "qinq",
] as const;
export type XdpProtocol = (typeof XDP_PROTOCOLS)[number];
export const XDP_ACTIONS = ["aborted", "drop", "pass", "tx", "redirect"] as const;
export type XdpAction = (typeof XDP_ACTIONS)[number];

export interface Counter {
  packets: number;
  bytes: number;
}

export interface XdpLoaded {
  type: "loaded";
  dev: string;
  ifindex: number;
  prog: string;
  mode: "native" | "generic";
  attach: string;
  prog_id: number;
  pin_dir: string;
  obj_sha256: string;
}

export interface XdpStats {
  type: "stats" | "summary";
  t: number;
  dev: string;
  prog: string;
  mode: "native" | "generic";
  obj_sha256: string;
  protocols: Record<XdpProtocol, Counter>;
  actions: Record<XdpAction, number>;
  by_action: Record<XdpAction, Record<XdpProtocol, Counter>>;
  bpf: { stats_enabled: boolean; run_cnt: number; run_time_ns: number; ns_per_packet: number | null };
  iface: { rx_packets: number; rx_bytes: number; rx_dropped: number; tx_packets: number; tx_bytes: number; tx_dropped: number };
  interval?: { secs: number; packets: number; pps: number; ns_per_packet: number | null };
  duration_s?: number;
}

export function parseXdpLine(line: string): XdpLoaded | XdpStats | undefined {
  if (!line.startsWith("{")) return undefined;
  try {
    const v = JSON.parse(line) as { type?: string };
    if (v.type === "loaded" || v.type === "stats" || v.type === "summary") return v as XdpLoaded | XdpStats;
  } catch {
    // Not ours.
  }
  return undefined;
}
