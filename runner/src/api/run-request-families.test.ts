// POST /runs bodies with an IP family, VLAN tags and workers: what reaches the traffic spec.
import { expect, test } from "bun:test";
import { parseRunRequest } from "./run-request.ts";

test("ipVersion, vlan (ID or 'ID,PCP') and workers become the spec's", () => {
  const spec = parseRunRequest({ tx: "tx", rx: "rx", protocol: "icmp", ipVersion: 6, vlan: [100, "200,3"], workers: 2 }, ["tx", "rx"], ["tx", "rx"]);
  expect(spec).toMatchObject({ ipVersion: 6, vlan: [{ id: 100 }, { id: 200, pcp: 3 }], workers: 2 });
});

test("ipVersion 6 names the host without an IPv6 address", () => {
  expect(() => parseRunRequest({ tx: "tx", rx: "rx", ipVersion: 6 }, ["tx", "rx"], ["tx"])).toThrow("ipVersion: host 'rx' has no IPv6 address in the lab");
});
