// Dual stack on the netns lab: the dual-stack example (tx, rx on br-test, this
// suite's own: prefix dstk, 198.18.66.0/24, 2001:2:0:42::/64) comes up with
// every test address in place and none tentative, ping -6 crosses the lab's
// bridge, router advertisements on the link are received and ignored, status
// shows the v6 addresses and their drift, and `down` leaves nothing behind.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NetnsBackend } from "../../infra/src/netns-lab.ts";
import { loadLab } from "../src/lab-files.ts";
import { startLab, type LabFixture } from "../src/lab-fixture.ts";
import { LABS_DIR, labStateDir, REPO_ROOT } from "../src/paths.ts";

// The backend knows a lab by its file (ownership): every call names it.
const { lab: model, file: labFile } = loadLab("dual-stack");
const backend = new NetnsBackend();
const stateDir = labStateDir(model.name);
const CLI = join(REPO_ROOT, "runner/src/cli.ts");
const savedInventory = process.env.WIRELAB_INVENTORY;
let lab: LabFixture | undefined;
/** `ip -6 addr` of each host as `up` left it, read the moment it returned. */
const rightAfterUp = new Map<string, string>();

beforeAll(async () => {
  // This suite's own lab even when the caller points suites at another one; a copy left by a killed run goes first.
  delete process.env.WIRELAB_INVENTORY;
  await backend.down(model, { stateDir, labFile });
  lab = await startLab("dual-stack", { ssh: false });
  const seen = await Promise.all(model.hosts.map((h) => lab!.transport(h.name).exec(["ip", "-6", "addr", "show"])));
  model.hosts.forEach((h, i) => rightAfterUp.set(h.name, seen[i]!.stdout));
}, 60_000);

afterAll(async () => {
  await lab?.down();
  if (savedInventory !== undefined) process.env.WIRELAB_INVENTORY = savedInventory;
}, 60_000);

const host = (name: string) => lab!.inventory.hosts.find((h) => h.name === name)!;
const testNic = (name: string) => host(name).interfaces[0]!;
const sh = (name: string, argv: string[]) => lab!.transport(name).exec(argv);

function labCli(...args: string[]) {
  const r = Bun.spawnSync([process.execPath, CLI, "lab", ...args], { stdout: "pipe", stderr: "pipe", env: { ...process.env, WIRELAB_INVENTORY: "" } });
  return { code: r.exitCode, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

/** One counter of the host's kernel ICMPv6 statistics (/proc/net/snmp6, per namespace). */
async function snmp6(name: string, counter: string): Promise<number> {
  const text = (await sh(name, ["cat", "/proc/net/snmp6"])).stdout;
  const m = new RegExp(`^${counter}\\s+(\\d+)$`, "m").exec(text);
  if (!m) throw new Error(`${name}: no ${counter} in /proc/net/snmp6`);
  return Number(m[1]);
}

describe("addresses", () => {
  test("the inventory gives each test NIC its address from 2001:2:0:42::/64; management has none", () => {
    expect(model.ipv6).toBe(true);
    expect(["tx", "rx"].map((n) => [testNic(n).ipv6, testNic(n).prefixLen6])).toEqual([
      ["2001:2:0:42::1", 64],
      ["2001:2:0:42::2", 64],
    ]);
  });

  test("when up returned, every test address was in place and no address was tentative", () => {
    for (const name of ["tx", "rx"]) {
      const text = rightAfterUp.get(name)!;
      expect(text).toContain(`inet6 ${testNic(name).ipv6}/64 scope global`);
      expect(text).toMatch(/inet6 fe80::[0-9a-f:]+\/64 scope link/);
      expect(text).not.toMatch(/tentative|dadfailed/);
      // Management (eth0) is IPv4 only: no v6 address at all there.
      expect(text).not.toMatch(/^\d+: eth0/m);
    }
  });

  test("the test NICs take no router advertisements and do no autoconfiguration", async () => {
    for (const name of ["tx", "rx"]) {
      const r = await sh(name, ["sh", "-c", "cat /proc/sys/net/ipv6/conf/eth1/accept_ra /proc/sys/net/ipv6/conf/eth1/autoconf /proc/sys/net/ipv6/conf/eth0/disable_ipv6"]);
      expect(r.stdout.split("\n").filter(Boolean)).toEqual(["0", "0", "1"]);
    }
  });
});

describe("traffic", () => {
  test("ping -6 between the test addresses crosses the lab's bridge, both ways, resolved by NDP", async () => {
    const bridge = model.segments[0]!.bridge;
    // Echo requests and replies (ICMPv6 types 128, 129) as the bridge in the switch namespace forwards them.
    const capture = Bun.spawn(
      ["ip", "netns", "exec", model.switchNamespace, "tcpdump", "-i", bridge, "-nn", "-l", "-c", "12", "icmp6 and (ip6[40] == 128 or ip6[40] == 129)"],
      { stdout: "pipe", stderr: "pipe" },
    );
    const reader = capture.stderr.getReader();
    let said = "";
    while (!said.includes("listening on")) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`tcpdump on ${bridge} ended: ${said}`);
      said += new TextDecoder().decode(value);
    }
    reader.releaseLock();
    try {
      for (const [from, to] of [["tx", "rx"], ["rx", "tx"]] as const) {
        const ping = await sh(from, ["ping", "-6", "-c", "3", "-i", "0.2", "-W", "1", "-I", "eth1", testNic(to).ipv6!]);
        expect(ping.stdout).toMatch(/3 packets transmitted, 3 received/);
        const neigh = await sh(from, ["ip", "-6", "neigh", "show", testNic(to).ipv6!, "dev", "eth1"]);
        expect(neigh.stdout).toContain(`lladdr ${testNic(to).mac}`);
      }
      const ended = await Promise.race([capture.exited, Bun.sleep(5000).then(() => undefined)]);
      expect(ended).toBe(0);
      const lines = (await new Response(capture.stdout).text()).trim().split("\n");
      const [a, b] = [testNic("tx").ipv6, testNic("rx").ipv6];
      const count = (re: RegExp) => lines.filter((l) => re.test(l)).length;
      expect(count(new RegExp(`IP6 ${a} > ${b}: ICMP6, echo request`))).toBe(3);
      expect(count(new RegExp(`IP6 ${b} > ${a}: ICMP6, echo reply`))).toBe(3);
      expect(count(new RegExp(`IP6 ${b} > ${a}: ICMP6, echo request`))).toBe(3);
      expect(count(new RegExp(`IP6 ${a} > ${b}: ICMP6, echo reply`))).toBe(3);
    } finally {
      if (capture.exitCode === null) capture.kill("SIGTERM");
      await capture.exited;
    }
  }, 20_000);

  test("a router advertisement on the test link reaches tx and teaches it nothing", async () => {
    const before = await snmp6("tx", "Icmp6InRouterAdvertisements");
    // A real RA from rx to all nodes: router lifetime 1800 s and an autonomous, on-link /64 (2001:2:0:43::/64).
    const ra = `
import socket, struct
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, socket.if_nametoindex("eth1"))
pio = struct.pack("!BBBBIII16s", 3, 4, 64, 0xC0, 86400, 14400, 0, socket.inet_pton(socket.AF_INET6, "2001:2:0:43::"))
s.sendto(struct.pack("!BBHBBHII", 134, 0, 0, 64, 0, 1800, 0, 0) + pio, ("ff02::1", 0, 0, socket.if_nametoindex("eth1")))
`;
    const sent = await sh("rx", ["python3", "-c", ra]);
    expect(sent.stderr).toBe("");
    expect(sent.code).toBe(0);
    let after = before;
    for (let i = 0; i < 40 && after === before; i++) {
      await Bun.sleep(50);
      after = await snmp6("tx", "Icmp6InRouterAdvertisements");
    }
    // The kernel counts the RA on arrival and handles it in the same pass: once counted, it was ignored or not.
    expect(after).toBe(before + 1);
    expect((await sh("tx", ["ip", "-6", "route", "show", "proto", "ra"])).stdout.trim()).toBe("");
    expect((await sh("tx", ["ip", "-6", "route", "show", "default"])).stdout.trim()).toBe("");
    expect((await sh("tx", ["ip", "-6", "addr", "show", "dynamic"])).stdout.trim()).toBe("");
    expect((await sh("tx", ["ip", "-6", "addr", "show"])).stdout).not.toContain("2001:2:0:43:");
    expect((await sh("tx", ["ip", "-6", "route", "show"])).stdout).not.toContain("2001:2:0:43:");
  });
});

describe("status", () => {
  test("lab status --json shows each host's v6 address and no drift", () => {
    const r = labCli("status", "--lab", "dual-stack", "--json");
    expect(r.stderr).toBe("");
    const report = JSON.parse(r.stdout) as { state: string; missing: string[]; extra: string[]; hosts: { name: string; ipv6?: { ifname: string; address: string }[] }[] };
    expect(report.missing).toEqual([]);
    expect(report.extra).toEqual([]);
    expect(report.state).toBe("up");
    expect(report.hosts.map((h) => [h.name, h.ipv6])).toEqual([
      ["tx", [{ ifname: "eth1", address: "2001:2:0:42::1/64" }]],
      ["rx", [{ ifname: "eth1", address: "2001:2:0:42::2/64" }]],
    ]);
  });

  test("a lost or foreign v6 address is drift, and up repairs it", async () => {
    await sh("rx", ["ip", "-6", "addr", "del", "2001:2:0:42::2/64", "dev", "eth1"]);
    await sh("tx", ["ip", "-6", "addr", "add", "2001:2:0:42::99/64", "dev", "eth1", "nodad"]);
    const degraded = await backend.status(model, { stateDir, labFile });
    expect(degraded.state).toBe("degraded");
    expect(degraded.missing).toEqual(["address 2001:2:0:42::2/64 on rx eth1"]);
    expect(degraded.extra).toEqual(["address 2001:2:0:42::99/64 on tx eth1"]);
    // Router advertisements turned on behind the lab's back.
    await sh("rx", ["sh", "-c", "echo 1 > /proc/sys/net/ipv6/conf/eth1/accept_ra"]);
    expect((await backend.status(model, { stateDir, labFile })).missing).toContain("net.ipv6.conf.eth1.accept_ra = 0 on rx (it is 1)");
    await sh("tx", ["ip", "-6", "addr", "del", "2001:2:0:42::99/64", "dev", "eth1"]);
    await backend.up(model, { stateDir, labFile });
    const repaired = await backend.status(model, { stateDir, labFile });
    expect([repaired.state, repaired.missing, repaired.extra]).toEqual(["up", [], []]);
    expect((await sh("rx", ["ip", "-6", "addr", "show", "dev", "eth1"])).stdout).not.toContain("tentative");
  });
});

test("a dual-stack DUT routes IPv6 between its networks, and the hosts beside it route through it", async () => {
  // The dut example with IPv6, as a lab of this suite's own (prefix dstd, 198.18.67-68.0/24).
  const dir = mkdtempSync(join(tmpdir(), "wirelab-dual-dut-"));
  const file = join(dir, "dual-dut.yaml");
  writeFileSync(
    file,
    readFileSync(join(LABS_DIR, "dut.yaml"), "utf8")
      .replace(/^name: dut$/m, "name: dual-dut\nprefix: dstd\nipv6: true")
      .replace(/198\.18\.10\./g, "198.18.67.")
      .replace(/198\.18\.11\./g, "198.18.68."),
  );
  const { lab: dutModel, file: dutFile } = loadLab(file);
  const dutState = labStateDir(dutModel.name);
  await backend.down(dutModel, { stateDir: dutState, labFile: dutFile });
  const routed = await startLab(file, { ssh: false });
  try {
    const [tx, rx] = [routed.inventory.hosts.find((h) => h.name === "tx")!, routed.inventory.hosts.find((h) => h.name === "rx")!];
    expect(tx.routes).toContainEqual({ to: "2001:2:0:1::/64", via: "2001:2::2" });
    const ping = await routed.transport("tx").exec(["ping", "-6", "-c", "3", "-i", "0.2", "-W", "1", rx.interfaces[0]!.ipv6!]);
    expect(ping.stdout).toMatch(/3 packets transmitted, 3 received/);
    // One router on the way: the reply's hop limit is one less than rx sent.
    expect(ping.stdout).toMatch(/ttl=63 /);
    const forwarded = await routed.transport("dut").exec(["cat", "/proc/net/snmp6"]);
    expect(Number(/^Ip6OutForwDatagrams\s+(\d+)$/m.exec(forwarded.stdout)?.[1])).toBeGreaterThanOrEqual(6);
    expect((await backend.status(dutModel, { stateDir: dutState, labFile: dutFile })).state).toBe("up");
  } finally {
    await routed.down();
    rmSync(dir, { recursive: true, force: true });
  }
  expect(readdirSync("/run/netns").filter((n) => n.startsWith("dstd-"))).toEqual([]);
}, 60_000);

test("down removes every namespace, link and file of the lab", async () => {
  expect(lab!.owned).toBe(true);
  await lab!.down();
  lab = undefined;
  const left = [
    ...readdirSync("/run/netns").filter((n) => n.startsWith(`${model.prefix}-`)),
    ...readdirSync("/sys/class/net").filter((n) => n.startsWith(`${model.prefix}-`)),
  ];
  expect(left).toEqual([]);
  expect((await backend.status(model, { stateDir, labFile })).state).toBe("down");
  expect(() => readFileSync(join(stateDir, "inventory.json"))).toThrow();
}, 30_000);
