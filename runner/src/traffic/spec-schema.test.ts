// The schema's limits are the engine's: each value at a limit passes the schema
// and the built engine (run with the command line the runner builds for it);
// one past it is refused by both, the engine naming the option (exit 2).
import { expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Inventory } from "../../../infra/src/inventory.ts";
import { parseInventory } from "../../../infra/src/inventory-schema.ts";
import { BUILD_DIR } from "../paths.ts";
import { openApiDocument } from "../api/openapi.ts";
import { rxInvocation, txInvocation } from "./engine-command.ts";
import { LIMITS, runRequestSchema, specIssue } from "./spec-schema.ts";
import { validateSpec, type TrafficSpec } from "./traffic-spec.ts";

const ENGINE = join(BUILD_DIR, "engine", "wirelab-engine");

function inventory(): Inventory {
  const host = (name: string, n: number) => ({
    name, role: name, mgmt: { ip: `198.19.9.${n}` }, defaultTransport: "netns",
    transports: { netns: { namespace: `ss-${name}` } },
    interfaces: [{
      name: "eth1", segment: "br-test", mac: `02:00:00:00:00:0${n}`, ipv4: `198.18.9.${n}`, prefixLen: 24,
      ipv6: `2001:2:0:9::${n}`, prefixLen6: 64, pci: null, dpdk: { vdev: `net_af_xdp${n},iface=eth1` },
    }],
    capabilities: { xdp: "native", afXdp: true, afPacket: true, dpdkPci: false, hugepages: 64 },
  });
  return parseInventory({
    schema: "wirelab/inventory@1", backend: "netns", createdAt: "2026-01-01T00:00:00Z",
    lab: { name: "ss", prefix: "ss" }, management: { subnet: "198.19.9.0/24", gateway: "198.19.9.254" },
    hosts: [host("tx", 1), host("rx", 2)],
  });
}
const inv = inventory();

/**
 * The engine's verdict on the options the runner gives it. Its options are parsed before EAL starts, so an
 * EAL option no DPDK knows makes an accepted command line end at EAL (exit 1) without touching a port.
 */
function engineRun(spec: TrafficSpec, role: "tx" | "rx"): { code: number; stderr: string } {
  const invocation = role === "tx" ? txInvocation(inv, spec, inv.hosts[0]!, inv.hosts[1]!, { runId: "limits" }) : rxInvocation(inv, spec, inv.hosts[1]!, { runId: "limits" });
  const options = invocation.argv.slice(invocation.argv.indexOf("--"));
  const run = Bun.spawnSync([ENGINE, "--wirelab-no-such-eal-option", ...options], { stdout: "ignore", stderr: "pipe" });
  return { code: run.exitCode ?? -1, stderr: run.stderr.toString() };
}

interface Limit {
  readonly name: string;
  /** POST /runs fields at the limit, and one past it. */
  readonly at: Record<string, unknown>;
  readonly past: Record<string, unknown>;
  /** The past value as the spec holds it, where that differs from the body (VLAN tags). */
  readonly pastSpec?: Partial<TrafficSpec>;
  /** The body field the schema names, and the engine option the engine names. */
  readonly field: string;
  readonly option: string;
  readonly role?: "tx" | "rx";
}

const names = (n: number) => Array.from({ length: n }, (_, i) => `d${i}.wirelab.test`);
const longName = (lastLabel: number) => ["a".repeat(63), "b".repeat(63), "c".repeat(63), "d".repeat(lastLabel)].join(".");

const LIMIT_CASES: Limit[] = [
  { name: "pps at most 100e6", at: { mode: "rate", pps: LIMITS.maxPps }, past: { pps: LIMITS.maxPps + 1 }, field: "pps", option: "--pps" },
  { name: "pps above 0", at: { mode: "rate", pps: 0.001 }, past: { pps: 0 }, field: "pps", option: "--pps" },
  { name: "interval at most 3600 s", at: { interval: LIMITS.maxMicros }, past: { interval: LIMITS.maxMicros + 1 }, field: "interval", option: "--interval" },
  { name: "burst size at most 1e6", at: { mode: "burst", burstSize: LIMITS.maxBurstSize }, past: { burstSize: LIMITS.maxBurstSize + 1 }, field: "burstSize", option: "--burst-size" },
  { name: "burst size at least 1", at: { mode: "burst", burstSize: 1 }, past: { burstSize: 0 }, field: "burstSize", option: "--burst-size" },
  { name: "burst gap at most 3600 s", at: { mode: "burst", burstGap: LIMITS.maxMicros }, past: { burstGap: LIMITS.maxMicros + 1 }, field: "burstGap", option: "--burst-gap" },
  { name: "size at least 60", at: { size: 60 }, past: { size: 59 }, field: "size", option: "--size" },
  { name: "size at most 1514", at: { size: 1514 }, past: { size: 1515 }, field: "size", option: "--size" },
  { name: "flows within the source ports from 10000", at: { flows: LIMITS.maxFlows }, past: { flows: LIMITS.maxFlows + 1 }, field: "flows", option: "--flows" },
  { name: "destination port at most 65535", at: { dstPort: 65535 }, past: { dstPort: 65536 }, field: "dstPort", option: "--dst-port" },
  { name: "message at most 1472 bytes", at: { message: "x".repeat(1472) }, past: { message: "x".repeat(1473) }, field: "message", option: "--message" },
  { name: "message bytes, not characters", at: { message: "é".repeat(736) }, past: { message: "é".repeat(737) }, field: "message", option: "--message" },
  { name: "at most 64 domains", at: { protocol: "dns", domains: names(64) }, past: { domains: names(65) }, field: "domains", option: "--domain" },
  { name: "a label of at most 63 bytes", at: { protocol: "dns", domains: [`${"a".repeat(63)}.test`] }, past: { domains: [`${"a".repeat(64)}.test`] }, field: "domains[0]", option: "--domain" },
  { name: "a name of at most 253 characters", at: { protocol: "dns", domains: [longName(61)] }, past: { domains: [longName(62)] }, field: "domains[0]", option: "--domain" },
  { name: "seed up to 2^64 - 1", at: { mode: "random", seed: String(LIMITS.maxSeed) }, past: { seed: String(LIMITS.maxSeed + 1n) }, field: "seed", option: "--seed" },
  { name: "phase duration at least 0.1 s", at: { mode: "random", phaseDuration: 0.1 }, past: { phaseDuration: 0.09 }, field: "phaseDuration", option: "--phase-duration" },
  { name: "at most 64 workers", at: { workers: 64 }, past: { workers: 65 }, field: "workers", option: "--workers" },
  { name: "VLAN ID at most 4094", at: { vlan: [4094] }, past: { vlan: [4095] }, pastSpec: { vlan: [{ id: 4095 }] }, field: "vlan[0]", option: "--vlan" },
  { name: "VLAN ID at least 1", at: { vlan: [1] }, past: { vlan: [0] }, pastSpec: { vlan: [{ id: 0 }] }, field: "vlan[0]", option: "--vlan" },
  { name: "PCP at most 7", at: { vlan: ["100,7"] }, past: { vlan: ["100,8"] }, pastSpec: { vlan: [{ id: 100, pcp: 8 }] }, field: "vlan[0]", option: "--vlan" },
  { name: "no arp over IPv6", at: { ipVersion: 6, protocol: "icmp" }, past: { protocol: "arp" }, field: "protocol", option: "--protocol" },
  { name: "backoff needs an answering protocol", at: { mode: "backoff", protocol: "udp" }, past: { protocol: "eth" }, field: "mode", option: "--mode" },
  {
    name: "the receiver's 64 DNS records: 32 names over IPv6", role: "rx",
    at: { protocol: "dns", ipVersion: 6, domains: names(32) }, past: { domains: names(33) }, field: "domains", option: "--dns-record",
  },
];

test("the engine is built (bun run build): these tests run it", () => {
  expect(existsSync(ENGINE)).toBe(true);
});

for (const c of LIMIT_CASES) {
  test(`${c.name}: the schema and the engine agree at the limit and one past it`, () => {
    const atBody = { tx: "tx", rx: "rx", ...c.at };
    const at = runRequestSchema.safeParse(atBody);
    expect(at.error).toBeUndefined();
    const { checks: _c, xdp: _x, ...fields } = at.data!;
    const atSpec = validateSpec(fields);
    const accepted = engineRun(atSpec, c.role ?? "tx");
    expect(accepted.stderr).toContain("EAL");
    expect(accepted.code).toBe(1);

    const pastBody = { ...atBody, ...c.past };
    const past = runRequestSchema.safeParse(pastBody);
    expect(past.success).toBe(false);
    expect(specIssue(past.error!, pastBody, "api")).toStartWith(`${c.field}: `);
    const refused = engineRun({ ...atSpec, ...(c.past as Partial<TrafficSpec>), ...c.pastSpec }, c.role ?? "tx");
    expect(refused.stderr).toContain(`wirelab-engine: ${c.option}`);
    expect(refused.code).toBe(2);
  });
}

test("the OpenAPI document carries the same limits", () => {
  const body = (openApiDocument().components as { schemas: { RunRequest: { properties: Record<string, Record<string, unknown>> } } }).schemas.RunRequest.properties;
  expect(body.size).toMatchObject({ minimum: 60, maximum: 1514 });
  expect(body.interval).toMatchObject({ maximum: LIMITS.maxMicros });
  expect(body.flows).toMatchObject({ maximum: LIMITS.maxFlows });
  expect(body.workers).toMatchObject({ maximum: LIMITS.maxWorkers });
});
