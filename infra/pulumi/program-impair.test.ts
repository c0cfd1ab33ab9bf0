// A VM lab with impair: under mocks: one remote command per impaired interface
// and direction, after the VM is up, with impair-remote.ts's lines; then those
// declared lines run for real in a network namespace made here. This kernel
// has no sch_netem, so the netem line must fail with tc's own error, after
// exactly that line reached tc, and the create must take back what it made.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { remotePointScript } from "../src/impair-remote.ts";
import { netemArgs } from "../src/netns/impairments.ts";
import { resolveStackConfig } from "./config.ts";
import { installMocks, valueOf, type Recorder } from "./testing/harness.ts";
import { cannedResponder, testKeyPair, USER_KEY } from "./testing/fixtures.ts";

const root = join(import.meta.dir, "..", "..");
const CLIENT_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nclient\n-----END OPENSSH PRIVATE KEY-----\n";
const LAB = `name: wlvimp
hosts:
  - name: tx
    role: tx
    dpdk: false
    interfaces:
      - impair: { egress: { loss: 1%, delay: 5ms } }
  - name: rx
    role: rx
    dpdk: false
    interfaces:
      - impair: { ingress: { duplicate: 2% } }
`;
const REMOTE = "command:remote:Command";
let rec: Recorder;
let mgmt: Record<string, string>;

beforeAll(async () => {
  rec = await installMocks(cannedResponder(testKeyPair().stdout));
  const { defineLab } = await import("./program.ts");
  const cfg = resolveStackConfig({ labYaml: LAB, sshPublicKey: USER_KEY, sshPrivateKeyPath: "/home/ops/.ssh/id_ed25519" }, root, { sshPrivateKey: CLIENT_KEY });
  mgmt = Object.fromEntries(cfg.lab.hosts.map((h) => [h.name, h.mgmt.ip]));
  await valueOf(defineLab(cfg).inventory);
});

describe("program: VM lab with impair:", () => {
  test("one remote command per point, under the impairments component, after the VM's build, with impair-remote's lines", () => {
    const cmds = rec.ofType(REMOTE).filter((r) => r.name.startsWith("wlvimp-impair-"));
    expect(cmds.map((c) => c.name).sort()).toEqual(["wlvimp-impair-rx-eth1-ingress", "wlvimp-impair-tx-eth1-egress"]);
    const comp = rec.ofType("wirelab:libvirt:VmImpairments");
    expect(comp).toHaveLength(1);
    const tx = rec.byName("wlvimp-impair-tx-eth1-egress");
    const rx = rec.byName("wlvimp-impair-rx-eth1-ingress");
    expect(tx.parent).toBe(comp[0]!.urn);
    const script = remotePointScript({ host: "tx", ifname: "eth1", direction: "egress", spec: { loss: 1, delay: 5 }, source: "hosts[0].interfaces[0].impair.egress" });
    expect(tx.inputs.create).toBe(script.create);
    expect(tx.inputs.delete).toBe(script.delete);
    // An earlier netem comes off first: a replace would keep the reorder, corruption and rate it does not name.
    expect(tx.inputs.create).toContain(
      "\nif tc qdisc show dev eth1 2>/dev/null | grep -q '^qdisc netem '; then tc qdisc del dev eth1 root; fi\ntc qdisc replace dev eth1 root netem limit 10000 delay 5ms loss random 1%\n",
    );
    expect(tx.inputs.delete).toBe("if tc qdisc show dev eth1 2>/dev/null | grep -q '^qdisc netem '; then tc qdisc del dev eth1 root; fi\n");
    expect(rx.inputs.create).toContain(
      "\nif tc qdisc show dev wlifb-eth1 2>/dev/null | grep -q '^qdisc netem '; then tc qdisc del dev wlifb-eth1 root; fi\ntc qdisc replace dev wlifb-eth1 root netem limit 10000 duplicate 2%\n",
    );
    expect(rx.inputs.delete).toBe(
      "if tc qdisc show dev eth1 2>/dev/null | grep -q '^qdisc ingress '; then tc qdisc del dev eth1 ingress; fi\nif ip link show dev wlifb-eth1 >/dev/null 2>&1; then ip link del wlifb-eth1; fi\n",
    );
    // Reached over the management network with the stack's key, kept secret; replaced with its VM.
    expect(tx.inputs.connection).toMatchObject({ host: mgmt.tx, port: 22, user: "root", privateKey: CLIENT_KEY });
    expect(rx.inputs.connection).toMatchObject({ host: mgmt.rx });
    expect(tx.secretInputs).toContain("connection");
    expect(tx.dependencies).toContain(rec.byName("wlvimp-tx-build").urn);
    expect(rx.dependencies).toContain(rec.byName("wlvimp-rx-build").urn);
    expect(tx.inputs.triggers).toHaveLength(1);
  });

  test("the boot unit leaves dpdk: false hosts' NICs to the kernel (DRIVER=none in their seed)", () => {
    const seed = rec.byName("wlvimp-tx-volume-seed");
    expect(JSON.stringify(seed.inputs)).toContain("DRIVER=none");
  });
});

// The declared lines, run for real. The namespace carries this file's prefix and is removed afterwards.
const NS = `wlvimp-${process.pid}`;
const inNs = (script: string) => spawnSync("ip", ["netns", "exec", NS, "bash", "-x", "-c", script], { encoding: "utf8" });
const run = (...argv: string[]) => {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${argv.join(" ")}: ${r.stderr}`);
  return r.stdout;
};

describe("the declared lines, run in a namespace (this kernel has no sch_netem)", () => {
  beforeAll(() => {
    run("ip", "netns", "add", NS);
    run("ip", "netns", "exec", NS, "ip", "link", "add", "eth1", "type", "veth", "peer", "name", "wlvimp-peer");
    run("ip", "netns", "exec", NS, "ip", "link", "set", "eth1", "up");
  });
  afterAll(() => {
    spawnSync("ip", ["netns", "del", NS]);
  });
  const leftovers = () => run("ip", "netns", "exec", NS, "tc", "qdisc", "show", "dev", "eth1") + run("ip", "netns", "exec", NS, "ip", "-br", "link");

  test("egress: tc is given exactly the netem line and refuses it with its own error; delete is idempotent", () => {
    const spec = { loss: 1, delay: 5, jitter: 1, distribution: "normal" as const, reorder: { percent: 25, gap: 5 } };
    const s = remotePointScript({ host: "tx", ifname: "eth1", direction: "egress", spec, source: "hosts[0].interfaces[0].impair.egress" });
    const c = inNs(s.create);
    expect(c.status).not.toBe(0);
    const traced = c.stderr.split("\n").filter((l) => l.startsWith("+ tc qdisc replace"));
    expect(traced).toEqual([`+ tc qdisc replace dev eth1 root netem ${netemArgs(spec).join(" ")}`]);
    const after = c.stderr.split("\n").slice(c.stderr.split("\n").indexOf(traced[0]!) + 1);
    expect(after.find((l) => !l.startsWith("+"))).toMatch(/^Error: Specified qdisc kind is unknown\.|^Unknown qdisc "netem"/);
    expect(leftovers()).not.toContain("netem");
    for (let i = 0; i < 2; i++) expect(inNs(s.delete).status).toBe(0);
  });

  test("ingress: ifb and ingress qdisc are made, what this kernel lacks is refused by tc, and all of it is taken back; delete is idempotent", () => {
    const s = remotePointScript({ host: "rx", ifname: "eth1", direction: "ingress", spec: { duplicate: 2 }, source: "hosts[1].interfaces[0].impair.ingress" });
    const c = inNs(s.create);
    expect(c.status).not.toBe(0);
    const lines = c.stderr.split("\n");
    for (const made of ["+ ip link add wlifb-eth1 type ifb", "+ ip link set wlifb-eth1 up", "+ tc qdisc add dev eth1 handle ffff: ingress", "+ tc filter add dev eth1 parent ffff: protocol all pref 1 matchall action mirred egress redirect dev wlifb-eth1"]) {
      expect(lines).toContain(made);
    }
    // This kernel has no cls_matchall either (the VMs' distribution kernels have both): tc refuses the redirect.
    const redirectAt = lines.indexOf("+ tc filter add dev eth1 parent ffff: protocol all pref 1 matchall action mirred egress redirect dev wlifb-eth1");
    expect(lines[redirectAt + 1]).toBe("Error: TC classifier not found.");
    // The failed create ran the delete lines itself: nothing is left.
    expect(lines.slice(redirectAt)).toContain("+ tc qdisc del dev eth1 ingress");
    expect(lines.slice(redirectAt)).toContain("+ ip link del wlifb-eth1");
    expect(leftovers()).not.toMatch(/ingress|wlifb/);
    // The script's last line, the netem on the ifb, given to tc on its own: exactly that line, refused for want of sch_netem.
    const netemLine = s.create.trim().split("\n").at(-1)!;
    expect(netemLine).toBe("tc qdisc replace dev wlifb-eth1 root netem limit 10000 duplicate 2%");
    run("ip", "netns", "exec", NS, "ip", "link", "add", "wlifb-eth1", "type", "ifb");
    const n = inNs(netemLine);
    expect(n.status).not.toBe(0);
    expect(n.stderr.split("\n")).toEqual([`+ ${netemLine}`, expect.stringMatching(/^Error: Specified qdisc kind is unknown\.|^Unknown qdisc "netem"/), ...n.stderr.split("\n").slice(2)]);
    // Delete on real state (the ifb above, an ingress qdisc), then again on none.
    run("ip", "netns", "exec", NS, "tc", "qdisc", "add", "dev", "eth1", "handle", "ffff:", "ingress");
    const d1 = inNs(s.delete);
    expect(d1.status).toBe(0);
    expect(d1.stderr).toContain("+ tc qdisc del dev eth1 ingress");
    expect(d1.stderr).toContain("+ ip link del wlifb-eth1");
    const d2 = inNs(s.delete);
    expect(d2.status).toBe(0);
    expect(d2.stderr).not.toContain("+ ip link del");
    expect(leftovers()).not.toMatch(/ingress|wlifb/);
  });

  test("a NIC the kernel does not hold (DPDK) is the one-line refusal, and nothing is touched", () => {
    const s = remotePointScript({ host: "tx", ifname: "eth2", direction: "egress", spec: { loss: 1 }, source: "hosts[0].interfaces[1].impair.egress" });
    const c = spawnSync("ip", ["netns", "exec", NS, "bash", "-c", s.create], { encoding: "utf8" });
    expect(c.status).toBe(1);
    expect(c.stderr).toBe("hosts[0].interfaces[1].impair.egress: tx has no kernel interface eth2 (a NIC bound to DPDK is not the kernel's to impair; release it first: systemctl stop wirelab-dpdk-bind)\n");
  });
});
