// Where a lab's impairments sit: one point per host interface and direction.
// A network's impairment becomes the ingress of every interface on it, except
// where the interface gives its own ingress (the nearer setting wins).
import type { Direction } from "./impair-schema.ts";
import type { Impairment } from "./impair-spec.ts";
import type { HostFile, LabFile } from "./lab-schema.ts";

export type { Direction } from "./impair-schema.ts";

export interface ImpairPoint {
  readonly host: string;
  /** The host's interface (eth1..). */
  readonly ifname: string;
  /** egress: what the host sends on it; ingress: what it receives. */
  readonly direction: Direction;
  readonly spec: Impairment;
  /** The lab file field it came from, for errors. */
  readonly source: string;
}

/** `hosts` and `segmentOf` are the model's: interface i of host h is eth<i+1> on segment segmentOf(h, i). */
export function impairPoints(file: LabFile, segmentOf: (host: number, iface: number) => string): ImpairPoint[] {
  const points: ImpairPoint[] = [];
  const networks = new Map((file.networks ?? []).map((n, i) => [n.name, { spec: n.impair, index: i }]));
  file.hosts.forEach((h: HostFile, hi) => {
    (h.interfaces ?? [{}]).forEach((ifc, ii) => {
      const ifname = `eth${ii + 1}`;
      const own = "impair" in ifc ? ifc.impair : undefined;
      const at = `hosts[${hi}].interfaces[${ii}].impair`;
      if (own?.egress) points.push({ host: h.name, ifname, direction: "egress", spec: own.egress, source: `${at}.egress` });
      if (own?.ingress) points.push({ host: h.name, ifname, direction: "ingress", spec: own.ingress, source: `${at}.ingress` });
      else {
        const net = networks.get(segmentOf(hi, ii));
        if (net?.spec) points.push({ host: h.name, ifname, direction: "ingress", spec: net.spec, source: `networks[${net.index}].impair` });
      }
    });
  });
  return points;
}
