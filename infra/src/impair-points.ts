// Where a lab's impairments sit: one point per host interface and direction.
// A network's impairment becomes the ingress of every interface on it, except
// where the interface gives its own ingress (the nearer setting wins).
import type { Direction } from "./impair-schema.ts";
import { ImpairFieldError, type Impairment } from "./impair-spec.ts";
import type { Lab } from "./lab-model.ts";
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

/** Where a person asks for an impairment at run time (`lab impair` flags, a scenario step). */
export interface ImpairWhere {
  readonly host?: string;
  readonly iface?: string;
  readonly direction?: Direction;
  readonly network?: string;
}

/**
 * The points `where` names on a lab: a host's interface (default its first) in one direction
 * (default egress), or every interface on a network (ingress). Throws ImpairFieldError naming the field.
 */
export function pointsWhere(lab: Lab, where: ImpairWhere): { host: string; ifname: string; direction: Direction }[] {
  if (where.host !== undefined && where.network !== undefined) throw new ImpairFieldError("network", "give host or network, not both");
  if (where.network !== undefined) {
    const seg = lab.segments.find((s) => s.name === where.network);
    if (!seg) throw new ImpairFieldError("network", `lab '${lab.name}' has no network '${where.network}' (networks: ${lab.segments.map((s) => s.name).join(", ")})`);
    return lab.hosts.flatMap((h) => h.interfaces.filter((i) => i.segment === seg.name).map((i) => ({ host: h.name, ifname: i.ifname, direction: "ingress" as const })));
  }
  if (where.host === undefined) throw new ImpairFieldError("host", "say where: a host (with iface and direction) or a network");
  const host = lab.hosts.find((h) => h.name === where.host);
  if (!host) throw new ImpairFieldError("host", `lab '${lab.name}' has no host '${where.host}' (hosts: ${lab.hosts.map((h) => h.name).join(", ")})`);
  const ifname = where.iface ?? host.interfaces[0]!.ifname;
  if (!host.interfaces.some((i) => i.ifname === ifname)) {
    throw new ImpairFieldError("iface", `host '${host.name}' has no test interface '${ifname}' (it has ${host.interfaces.map((i) => i.ifname).join(", ")})`);
  }
  return [{ host: host.name, ifname, direction: where.direction ?? "egress" }];
}
